//! `trove serve` as a user runs it: the address with its key on the first line, a folder added
//! through the API indexed by the service running beside the server and then found, a folder
//! removed the same way, a second server on the same library handing its work to the first,
//! and a clean stop on Ctrl-C.

use serde_json::{Value, json};

use crate::shapes::synthetic;
use crate::util::{Dir, TINY_CLIP};

/// The server's address and key, from its first line.
struct Api {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl Api {
    fn of(listening: &Value) -> Api {
        assert_eq!(listening["event"], "listening", "{listening}");
        let url = listening["url"].as_str().unwrap();
        let (base, token) = url.split_once("/?token=").unwrap();
        assert!(base.starts_with("http://127.0.0.1:"), "{url}");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Api {
            base: base.to_string(),
            token: token.to_string(),
            agent,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {}", self.token);
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("POST", body) => self
                .agent
                .post(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(json!({})).to_string()),
            ("DELETE", Some(body)) => self
                .agent
                .delete(&url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/json")
                .force_send_body()
                .send(body.to_string()),
            other => panic!("{other:?}"),
        };
        let mut response = response.unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> Value {
        let (status, body) = self.call("GET", path, None);
        assert_eq!(status, 200, "{path}: {body}");
        body
    }
}

#[test]
fn serve_indexes_a_folder_added_in_the_page_and_finds_its_photos() {
    let dir = Dir::new();
    let heldout = format!("{}/heldout", synthetic());
    for name in ["0001.png", "0100.png", "0200.png", "0300.png"] {
        let bytes = std::fs::read(format!("{heldout}/{name}")).unwrap();
        dir.write(format!("shapes/{name}"), bytes);
    }
    let server = dir.serve(&[
        "--port",
        "0",
        "--model-dir",
        TINY_CLIP,
        "--text-model",
        "none",
    ]);
    let api = Api::of(&server.events()[0]);
    assert_eq!(server.events()[0]["indexing"], true);

    // The key is required.
    let anonymous = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build();
    let anonymous: ureq::Agent = anonymous.into();
    let refused = anonymous
        .get(format!("{}/api/status", api.base))
        .call()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 401);

    let shapes = dir.path("shapes");
    let (status, change) = api.call("POST", "/api/roots", Some(json!({ "path": shapes })));
    assert_eq!(status, 200, "{change}");
    server.wait_until("the added folder is indexed", || {
        api.get("/api/status")["indexed"] == 4
    });
    let (_, results) = api.call(
        "POST",
        "/api/search",
        Some(json!({"query": "a red circle on a blue background", "kind": "photo"})),
    );
    let first = results["photos"][0]["path"].as_str().unwrap_or_default();
    assert!(first.ends_with("0001.png"), "{results:#}");
    let service = api.get("/api/service");
    assert_eq!(service["running"], "here");
    assert_eq!(service["models"][0]["state"], "loaded", "{service}");

    // A second server on the same library hands its work to the first one's service.
    let second = dir.serve(&["--port", "0"]);
    assert_eq!(second.events()[0]["indexing"], false);
    let other = Api::of(&second.events()[0]);
    assert_eq!(other.get("/api/service")["running"], "elsewhere");
    let (status, body) = other.call("DELETE", "/api/roots", Some(json!({ "path": shapes })));
    assert_eq!(status, 200, "{body}");
    server.wait_until("the removed folder is gone", || {
        api.get("/api/roots").as_array().unwrap().is_empty()
    });
    assert_eq!(api.get("/api/status")["files"], 0);
    assert!(
        shapes.join("0001.png").exists(),
        "files on disk are never touched"
    );

    assert_eq!(second.interrupt(), Some(0));
    assert_eq!(server.interrupt(), Some(0));
}
