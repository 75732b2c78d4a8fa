//! The per-launch token every request must carry, and the checks that keep other web pages
//! out: the server listens on loopback, but any page the user visits could still send requests
//! to it (and DNS rebinding can make one look same-origin), so it answers only requests that
//! name a loopback host and show the token.
//!
//! The token arrives once in the URL `trove serve` prints; the answer sets it as a cookie
//! (HttpOnly, SameSite=Strict: other sites' requests never carry it) and redirects to the same
//! URL without it, so it stays out of the history and bookmarks. Scripts may send it as
//! `Authorization: Bearer …` instead.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use trove_front::types::ErrorKind;

use crate::AppState;
use crate::error::error_response;

pub async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if !loopback_host(request.headers()) {
        return refuse(
            &request,
            "this server answers only on 127.0.0.1 and localhost",
        );
    }
    if let Some(given) = query_token(request.uri()) {
        if !same(&given, &state.token) {
            return refuse(&request, "the link's token is not this server's");
        }
        let cookie = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict",
            state.cookie, state.token
        );
        let mut response = if request.method() == Method::GET && !is_api(request.uri()) {
            // The page again, without the token in its address.
            let location = without_token(request.uri());
            (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
        } else {
            next.run(request).await
        };
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
        return response;
    }
    let headers = request.headers();
    let shown = bearer(headers).or_else(|| cookie(headers, &state.cookie));
    match shown {
        Some(token) if same(&token, &state.token) => next.run(request).await,
        _ => refuse(
            &request,
            "open the link `trove serve` printed (it carries the key)",
        ),
    }
}

fn is_api(uri: &Uri) -> bool {
    uri.path() == "/api" || uri.path().starts_with("/api/")
}

/// 401: JSON for the API, a page for people.
fn refuse(request: &Request, why: &str) -> Response {
    if is_api(request.uri()) {
        return error_response(ErrorKind::Unauthorized, format!("not allowed: {why}"));
    }
    let page = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Trove</title>\
         <style>body{{font:16px system-ui,sans-serif;max-width:36em;margin:15vh auto;\
         padding:0 1em;color:#222;background:#fafafa}}@media(prefers-color-scheme:dark)\
         {{body{{color:#eee;background:#161616}}}}</style>\
         <h1>This page needs the link printed by <code>trove serve</code></h1>\
         <p>Trove's web page is private to you: {why}. Run <code>trove serve --open</code>, \
         or copy the whole link it prints.</p></html>"
    );
    (StatusCode::UNAUTHORIZED, Html(page)).into_response()
}

/// Constant-time comparison: the time taken must not tell how much of a guess was right.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        // HTTP/1.0 without a Host header cannot be a browser rebinding attack.
        return true;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    matches!(name, "127.0.0.1" | "localhost" | "::1")
}

fn query_token(uri: &Uri) -> Option<String> {
    uri.query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(str::to_string)
}

fn without_token(uri: &Uri) -> String {
    let rest: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("token="))
        .collect();
    if rest.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{}", uri.path(), rest.join("&"))
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::new_token;

    #[test]
    fn tokens_are_long_random_and_compared_whole() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same(&a, &a[..31]));
    }

    #[test]
    fn only_loopback_hosts_pass() {
        let with = |host: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
            loopback_host(&h)
        };
        assert!(with("127.0.0.1:8080"));
        assert!(with("localhost:1"));
        assert!(with("[::1]:3000"));
        assert!(with("localhost"));
        assert!(!with("evil.example:8080"));
        assert!(!with("127.0.0.1.evil.example"));
        assert!(!with("[::2]:80"));
    }

    #[test]
    fn the_token_is_taken_out_of_the_address() {
        let uri: Uri = "/?q=red&token=abc&kind=photo".parse().unwrap();
        assert_eq!(query_token(&uri).as_deref(), Some("abc"));
        assert_eq!(without_token(&uri), "/?q=red&kind=photo");
        assert_eq!(without_token(&"/?token=abc".parse().unwrap()), "/");
    }
}
