//! The HTTP API answered in process (`tower::ServiceExt::oneshot`, no socket): the token and
//! host checks, search by words and by a dropped photo, files by id only, folders, settings,
//! pause/resume and the event stream, on a small library indexed with the tiny CLIP.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use trove_core::{Library, Settings};
use trove_front::Front;
use trove_server::{AppState, Hub, router};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");
const TOKEN: &str = "0123456789abcdef0123456789abcdef";

struct Fixture {
    _tmp: tempfile::TempDir,
    files: PathBuf,
    app: Router,
    state: Arc<AppState>,
}

/// Every 9th held-out render (one of each shape and colour, in every count and background
/// now and then) and three notes that describe one render each.
fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let files = tmp.path().join("files");
    std::fs::create_dir_all(files.join("photos")).unwrap();
    std::fs::create_dir_all(files.join("notes")).unwrap();
    let heldout = Path::new(FIXTURES).join("synthetic/heldout");
    let mut names: Vec<_> = std::fs::read_dir(&heldout)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for name in names.iter().step_by(9) {
        std::fs::copy(heldout.join(name), files.join("photos").join(name)).unwrap();
    }
    for (name, text) in [
        ("red.txt", "a red circle on a blue background"),
        ("yellow.txt", "three yellow stars on a grey background"),
        ("black.txt", "two black squares on a pink background"),
    ] {
        std::fs::write(files.join("notes").join(name), text).unwrap();
    }
    let mut settings = Settings::default();
    settings.models.model_dir = Some(Path::new(FIXTURES).join("models/tiny-clip"));
    settings.models.text_model = Some("none".into());
    settings.models.offline = true;
    let library = Arc::new(Library::open(tmp.path().join("library"), settings));
    library
        .index(std::slice::from_ref(&files), &mut |_| {})
        .unwrap();
    let mut front = Front::new(library, Arc::new(Hub::default()));
    front.settings_path = Some(tmp.path().join("config.toml"));
    let state = AppState::new(front, TOKEN.into(), 0);
    let state = Arc::new(state);
    Fixture {
        _tmp: tmp,
        files,
        app: router(state.clone()),
        state,
    }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl Fixture {
    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            body: body.to_vec(),
        }
    }

    fn authed(method: &str, uri: &str) -> axum::http::request::Builder {
        Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
    }

    async fn get(&self, uri: &str) -> Answer {
        self.send(Self::authed("GET", uri).body(Body::empty()).unwrap())
            .await
    }

    async fn post_json(&self, method: &str, uri: &str, body: Value) -> Answer {
        let request = Self::authed(method, uri)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    async fn search(&self, body: Value) -> Value {
        let answer = self.post_json("POST", "/api/search", body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.json());
        answer.json()
    }
}

fn names(results: &Value, group: &str) -> Vec<String> {
    results[group]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let path = h["path"].as_str().unwrap();
            path.rsplit('/').next().unwrap().to_string()
        })
        .collect()
}

#[tokio::test]
async fn every_request_needs_the_token_and_a_loopback_host() {
    let f = fixture();
    let bare = |uri: &str| Request::get(uri).body(Body::empty()).unwrap();

    let answer = f.send(bare("/api/status")).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json()["error"]["kind"], "unauthorized");
    let page = f.send(bare("/")).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert!(String::from_utf8_lossy(&page.body).contains("trove serve"));
    let wrong = f.send(bare("/api/status?token=ffff")).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);

    // The link: a cookie, and the same address without the token.
    let first = f.send(bare(&format!("/?q=red&token={TOKEN}"))).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(first.headers[header::LOCATION], "/?q=red");
    let cookie = first.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with(&format!("trove_0={TOKEN}")), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let with_cookie = Request::get("/api/status")
        .header(header::COOKIE, format!("other=1; trove_0={TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(f.send(with_cookie).await.status, StatusCode::OK);
    let other_port = Request::get("/api/status")
        .header(header::COOKIE, format!("trove_1={TOKEN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(f.send(other_port).await.status, StatusCode::UNAUTHORIZED);

    // A page of another site that resolves its own name to 127.0.0.1 (DNS rebinding).
    let rebound = Fixture::authed("GET", "/api/status")
        .header(header::HOST, "attacker.example:4756")
        .body(Body::empty())
        .unwrap();
    assert_eq!(f.send(rebound).await.status, StatusCode::UNAUTHORIZED);
    let local = Fixture::authed("GET", "/api/status")
        .header(header::HOST, "localhost:4756")
        .body(Body::empty())
        .unwrap();
    assert_eq!(f.send(local).await.status, StatusCode::OK);
}

#[tokio::test]
async fn words_find_the_photo_and_the_note_they_describe() {
    let f = fixture();
    let results = f
        .search(json!({"query": "a red circle on a blue background", "limit": 3}))
        .await;
    assert_eq!(names(&results, "photos")[0], "0001.png", "{results:#}");
    assert_eq!(names(&results, "notes")[0], "red.txt", "{results:#}");

    let photos_only = f
        .search(json!({"query": "a red circle on a blue background", "kind": "photo"}))
        .await;
    assert!(photos_only["notes"].as_array().unwrap().is_empty());
    let elsewhere = f
        .search(json!({"query": "a red circle", "in": f.files.join("notes")}))
        .await;
    assert!(elsewhere["photos"].as_array().unwrap().is_empty());

    let bad = f
        .post_json(
            "POST",
            "/api/search",
            json!({"query": "x", "after": "soon"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"]["kind"], "invalid");
    // Malformed requests answer in the same shape.
    let malformed = Fixture::authed("POST", "/api/search")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"query\": 3"))
        .unwrap();
    let answer = f.send(malformed).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json()["error"]["kind"], "invalid");
}

#[tokio::test]
async fn a_dropped_photo_finds_similar_photos_and_related_notes_and_is_never_a_path() {
    let f = fixture();
    let photo =
        std::fs::read(Path::new(FIXTURES).join("synthetic/unique/red-circle-on-blue.png")).unwrap();
    let upload = |bytes: Vec<u8>, mime: &str| {
        Fixture::authed("POST", "/api/uploads")
            .header(header::CONTENT_TYPE, mime)
            .body(Body::from(bytes))
            .unwrap()
    };
    let answer = f.send(upload(photo.clone(), "image/png")).await;
    assert_eq!(answer.status, StatusCode::OK);
    let id = answer.json()["id"].as_str().unwrap().to_string();
    assert_eq!(answer.json()["format"], "png");

    let like = format!("upload:{id}");
    let results = f.search(json!({"like": like, "limit": 3})).await;
    assert_eq!(results["mode"], "similar");
    assert_eq!(results["photos"].as_array().unwrap().len(), 3);
    assert_eq!(names(&results, "notes")[0], "red.txt", "{results:#}");

    // With words weighed heavily, the words win (composite).
    let composite = f
        .search(
            json!({"like": like, "query": "three yellow stars on a grey background",
                       "text_weight": 0.95, "limit": 3}),
        )
        .await;
    assert_eq!(composite["mode"], "composite");
    assert_ne!(names(&composite, "photos"), names(&results, "photos"));

    // A photo by library id works too; a path never does.
    let first_id = results["photos"][0]["id"].as_i64().unwrap();
    let by_id = f.get(&format!("/api/similar/{first_id}?limit=2")).await;
    assert_eq!(by_id.status, StatusCode::OK);
    assert_eq!(by_id.json()["photos"].as_array().unwrap().len(), 2);
    let path = f.files.join("photos/0001.png");
    let by_path = f
        .post_json("POST", "/api/search", json!({"like": path}))
        .await;
    assert_eq!(
        by_path.status,
        StatusCode::BAD_REQUEST,
        "{}",
        by_path.json()
    );
    let gone = f
        .post_json("POST", "/api/search", json!({"like": "upload:feedface"}))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);

    // Only images, and only their bytes decide.
    let text = f.send(upload(b"hello".to_vec(), "text/plain")).await;
    assert_eq!(text.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let fake = f
        .send(upload(b"not a png at all".to_vec(), "image/png"))
        .await;
    assert_eq!(fake.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let huge = f
        .send(upload(vec![0; trove_front::UPLOAD_LIMIT + 1], "image/png"))
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        !f.files.join("photos").read_dir().unwrap().any(|e| {
            let name = e.unwrap().file_name();
            !name.to_string_lossy().ends_with(".png") || name.to_string_lossy().contains("dropped")
        }),
        "nothing was written into the user's folders"
    );
}

#[tokio::test]
async fn photos_a_browser_cannot_show_are_viewed_as_jpeg() {
    use trove_core::api::ItemRef;
    use trove_testkit::heif::{self, CompressionFormat};
    let tmp = tempfile::tempdir().unwrap();
    let files = tmp.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    let (w, h) = (120u32, 80u32);
    let rgb = trove_testkit::orange_and_blue_halves(w, h);
    let heic = heif::encode(w, h, &rgb, CompressionFormat::Hevc, None);
    std::fs::write(files.join("IMG_0001.HEIC"), &heic).unwrap();
    let png = Path::new(FIXTURES).join("synthetic/heldout");
    let png = std::fs::read_dir(&png)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::copy(&png, files.join("drawing.png")).unwrap();
    let mut settings = Settings::default();
    settings.models.model = Some("none".into());
    settings.models.text_model = Some("none".into());
    let library = Arc::new(Library::open(tmp.path().join("library"), settings));
    library
        .index(std::slice::from_ref(&files), &mut |_| {})
        .unwrap();
    let id = |name: &str| {
        library
            .show(&ItemRef::Path(files.join(name)))
            .unwrap()
            .file
            .id
    };
    let (heic_id, png_id) = (id("IMG_0001.HEIC"), id("drawing.png"));
    let state = Arc::new(AppState::new(
        Front::new(library, Arc::new(Hub::default())),
        TOKEN.into(),
        0,
    ));
    let f = Fixture {
        app: router(state.clone()),
        state,
        files,
        _tmp: tmp,
    };

    let view = f.get(&format!("/api/items/{heic_id}/view")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert_eq!(view.headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(view.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let shown = image::load_from_memory(&view.body).unwrap().to_rgb8();
    // Never enlarged, and not mirrored.
    assert_eq!(shown.dimensions(), (w, h));
    assert!(shown.get_pixel(10, 40).0[0] > 200 && shown.get_pixel(110, 40).0[2] > 180);
    // The original stays the HEIC itself, for a download or another app.
    let original = f.get(&format!("/api/items/{heic_id}/original")).await;
    assert_eq!(original.body, heic);
    // What browsers show is served as it is.
    let view = f.get(&format!("/api/items/{png_id}/view")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert_eq!(view.headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(view.body, std::fs::read(&png).unwrap());
    let missing = f.get("/api/items/999999/view").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn files_are_served_by_id_and_nothing_else_is() {
    let f = fixture();
    let results = f
        .search(json!({"query": "a red circle on a blue background", "limit": 1}))
        .await;
    let photo = &results["photos"][0];
    let id = photo["id"].as_i64().unwrap();
    let thumb = f.get(&format!("/api/items/{id}/thumbnail")).await;
    assert_eq!(thumb.status, StatusCode::OK);
    assert_eq!(thumb.headers[header::CONTENT_TYPE], "image/jpeg");
    assert_eq!(&thumb.body[..2], &[0xff, 0xd8], "a JPEG");
    let original = f.get(&format!("/api/items/{id}/original")).await;
    assert_eq!(original.status, StatusCode::OK);
    assert_eq!(
        original.body,
        std::fs::read(photo["path"].as_str().unwrap()).unwrap()
    );
    // Originals stream, and a part can be asked for.
    let part = Fixture::authed("GET", &format!("/api/items/{id}/original"))
        .header(header::RANGE, "bytes=0-3")
        .body(Body::empty())
        .unwrap();
    let part = f.send(part).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.body, original.body[..4]);
    assert_eq!(part.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let details = f.get(&format!("/api/items/{id}")).await.json();
    assert_eq!(details["kind"], "photo");
    assert!(details["photo"]["width"].as_u64().unwrap() > 0);

    let note = results["notes"][0]["id"].as_i64().unwrap();
    let text = f.get(&format!("/api/items/{note}/original")).await;
    assert_eq!(
        text.headers[header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );

    for uri in [
        "/api/items/..%2F..%2Fetc%2Fpasswd/original",
        "/api/items/%2e%2e/thumbnail",
        "/api/items/1/../../../etc/passwd",
        "/api/items/-1/original",
        "/api/items/999999/original",
        "/api/items/0x1/thumbnail",
        "/../../etc/passwd",
        "/api/nothing",
    ] {
        let answer = f.get(uri).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            !String::from_utf8_lossy(&answer.body).contains("root:"),
            "{uri}"
        );
    }

    // A row whose path was made to point outside its folder (a tampered or damaged
    // database) is not served: only files inside the library's folders ever are.
    let db = rusqlite::Connection::open(f._tmp.path().join("library/library.db")).unwrap();
    for outside in [
        "/etc/passwd",
        &format!("{}/../../../etc/passwd", f.files.display()),
    ] {
        db.execute(
            "UPDATE files SET path = ?1 WHERE id = ?2",
            rusqlite::params![outside.as_bytes(), note],
        )
        .unwrap();
        let answer = f.get(&format!("/api/items/{note}/original")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{outside}");
        assert!(!String::from_utf8_lossy(&answer.body).contains("root:"));
    }
}

#[tokio::test]
async fn folders_can_be_added_and_removed_and_the_status_follows() {
    let f = fixture();
    let status = f.get("/api/status").await.json();
    assert_eq!(status["roots"].as_array().unwrap().len(), 1);
    let more = f.files.parent().unwrap().join("more");
    std::fs::create_dir_all(&more).unwrap();

    // Without a service here, the folder is added for the next run to index.
    let added = f
        .post_json("POST", "/api/roots", json!({"path": more}))
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.json());
    assert_eq!(
        f.get("/api/roots").await.json().as_array().unwrap().len(),
        2
    );
    let relative = f
        .post_json("POST", "/api/roots", json!({"path": "photos"}))
        .await;
    assert_eq!(relative.status, StatusCode::BAD_REQUEST);
    let missing = f
        .post_json("POST", "/api/roots", json!({"path": "/no/such/folder"}))
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);

    let removed = f
        .post_json("DELETE", "/api/roots", json!({"path": more}))
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.json());
    assert_eq!(
        f.get("/api/roots").await.json().as_array().unwrap().len(),
        1
    );
    let again = f
        .post_json("DELETE", "/api/roots", json!({"path": more}))
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    assert_eq!(
        f.post_json("POST", "/api/pause", json!({})).await.status,
        StatusCode::OK
    );
    assert_eq!(f.get("/api/status").await.json()["paused"], true);
    assert_eq!(f.get("/api/service").await.json()["paused"], true);
    f.post_json("POST", "/api/resume", json!({})).await;
    assert_eq!(f.get("/api/status").await.json()["paused"], false);
    assert_eq!(f.get("/api/failed").await.json(), json!([]));
}

#[tokio::test]
async fn settings_are_saved_to_the_settings_file() {
    let f = fixture();
    let view = f.get("/api/settings").await.json();
    assert_eq!(view["device"], "auto");
    assert!(view["devices"].as_array().unwrap().contains(&json!("cpu")));
    assert!(
        view["choices"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == "clip-vit-b32")
    );
    let saved = f
        .post_json(
            "PUT",
            "/api/settings",
            json!({"device": "cpu", "threads": 2}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.json());
    assert_eq!(saved.json()["device"], "cpu");
    assert_eq!(saved.json()["threads"], 2);
    assert_eq!(saved.json()["restart_needed"], true);
    let path = f.state.front.settings_path.clone().unwrap();
    let settings = Settings::load_from(&path).unwrap();
    assert_eq!(settings.index.threads, Some(2));
    let bad = f
        .post_json("PUT", "/api/settings", json!({"model": "no-such-model"}))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_service_events_reach_the_page_as_server_sent_events() {
    let f = fixture();
    let request = Fixture::authed("GET", "/api/events")
        .body(Body::empty())
        .unwrap();
    let response = f.app.clone().oneshot(request).await.unwrap();
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "text/event-stream"
    );
    f.state
        .front
        .hub
        .publish(&trove_core::api::ServiceEvent::Paused);
    let mut body = response.into_body();
    let frame = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let text = String::from_utf8_lossy(&frame);
    assert!(text.contains("event: paused"), "{text}");
    assert!(text.contains(r#"data: {"event":"paused"}"#), "{text}");

    // Closing the hub (at shutdown) ends the stream.
    f.state.front.hub.close();
    assert!(body.frame().await.is_none());
}
