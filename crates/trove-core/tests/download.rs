//! `embed::download` against a local mock of the Hugging Face hub: downloads, the cache, resume
//! after a cut connection, checksum failures, offline mode and an unreachable hub.
//! Every test uses its own temporary cache, never the real `~/.cache/huggingface`.

#[path = "download/mock_hub.rs"]
mod mock_hub;

use std::ffi::OsString;
use std::fs;
use std::path::Path;
use std::time::Instant;

use mock_hub::{MockHub, Seen, fixture_bytes, sha256_hex};
use trove_core::embed::download::{
    DownloadError, DownloadEvent, Hub, HubFile, HubSource, env_flag,
};

const REPO: &str = "trove-test/tiny-model";
const REV: &str = "0123456789abcdef0123456789abcdef01234567";
const CONFIG: &str = "config.json";
const WEIGHTS: &str = "model.safetensors";

struct Fixture {
    server: MockHub,
    src: HubSource,
    config: Vec<u8>,
    weights: Vec<u8>,
    cache: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let config = fixture_bytes(1, 1_500);
    let weights = fixture_bytes(2, 300_000);
    let file = |name: &'static str, bytes: &[u8]| HubFile {
        name,
        sha256: Some(String::leak(sha256_hex(bytes)) as &str),
        size: Some(bytes.len() as u64),
    };
    let files = vec![file(CONFIG, &config), file(WEIGHTS, &weights)];
    let src = HubSource {
        repo: REPO,
        revision: REV,
        files: Vec::leak(files),
    };
    let server = MockHub::start(REPO, REV, &[(CONFIG, &config), (WEIGHTS, &weights)]);
    Fixture {
        server,
        src,
        config,
        weights,
        cache: tempfile::tempdir().unwrap(),
    }
}

impl Fixture {
    /// A hub on the mock with this fixture's cache; the real environment is not consulted.
    fn hub(&self) -> Hub {
        Hub::from_vars(false, |_| None)
            .with_endpoint(&self.server.url)
            .with_cache_dir(self.cache.path())
    }

    fn snapshot(&self) -> std::path::PathBuf {
        self.cache
            .path()
            .join("models--trove-test--tiny-model/snapshots")
            .join(REV)
    }

    fn blobs(&self) -> std::path::PathBuf {
        self.cache
            .path()
            .join("models--trove-test--tiny-model/blobs")
    }

    fn weights_sha(&self) -> &'static str {
        self.src.files[1].sha256.unwrap()
    }

    fn assert_complete(&self, dir: &Path) {
        assert_eq!(dir, self.snapshot());
        assert!(fs::read(dir.join(CONFIG)).unwrap() == self.config);
        assert!(fs::read(dir.join(WEIGHTS)).unwrap() == self.weights);
        assert_eq!(self.hub().cached(&self.src).as_deref(), Some(dir));
    }

    /// The GETs that reached the CDN path of `name`.
    fn gets(&self, name: &str) -> Vec<Seen> {
        let path = format!("/cdn/{name}");
        let seen = self.server.seen().into_iter();
        seen.filter(|s| s.method == "GET" && s.path == path)
            .collect()
    }
}

fn fetch(
    hub: &Hub,
    src: &HubSource,
) -> (
    Result<std::path::PathBuf, DownloadError>,
    Vec<DownloadEvent>,
) {
    let mut events = Vec::new();
    let result = hub.fetch(src, &mut |e| events.push(e));
    (result, events)
}

/// Events come per file, in order: Started{total}, Progress (rising, ending at total), Finished.
fn assert_events(events: &[DownloadEvent], files: &[HubFile]) {
    let mut it = events.iter().peekable();
    for f in files {
        match it.next() {
            Some(DownloadEvent::Started { file, total }) => {
                assert_eq!((file.as_str(), Some(*total)), (f.name, f.size))
            }
            other => panic!("expected Started for {}, got {other:?}", f.name),
        }
        let mut last = None;
        while let Some(DownloadEvent::Progress { file, done, total }) = it.peek() {
            assert_eq!((file.as_str(), Some(*total)), (f.name, f.size));
            assert!(
                last.is_none_or(|l| *done >= l),
                "progress went back: {events:?}"
            );
            last = Some(*done);
            it.next();
        }
        assert_eq!(last, f.size, "progress of {} must end at its size", f.name);
        match it.next() {
            Some(DownloadEvent::Finished { file }) => assert_eq!(file, f.name),
            other => panic!("expected Finished for {}, got {other:?}", f.name),
        }
    }
    assert!(it.next().is_none(), "extra events: {events:?}");
}

fn range_start(seen: &Seen) -> Option<u64> {
    let range = seen.range.as_deref()?;
    range
        .strip_prefix("bytes=")?
        .strip_suffix('-')?
        .parse()
        .ok()
}

#[test]
fn download_fills_the_cache_and_reports_progress() {
    let f = fixture();
    assert_eq!(f.hub().cached(&f.src), None);

    let (result, events) = fetch(&f.hub(), &f.src);
    let dir = result.unwrap();

    f.assert_complete(&dir);
    assert_events(&events, f.src.files);
    // One resolve (redirected to the CDN) and one whole-file GET per file; no ranges needed.
    for name in [CONFIG, WEIGHTS] {
        let gets = f.gets(name);
        assert_eq!(gets.len(), 1, "{name}: {gets:?}");
        assert_eq!(gets[0].range, None);
    }
    assert_eq!(f.server.seen().len(), 4);
    // The huggingface_hub layout: content in blobs/<sha256>, relative links from the snapshot.
    for file in f.src.files {
        let sha = file.sha256.unwrap();
        assert!(f.blobs().join(sha).is_file());
        #[cfg(unix)]
        assert_eq!(
            fs::read_link(dir.join(file.name)).unwrap(),
            Path::new("../../blobs").join(sha)
        );
    }
    let leftovers: Vec<_> = fs::read_dir(f.blobs())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".incomplete"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn cache_hit_makes_no_requests() {
    let f = fixture();
    let (first, _) = fetch(&f.hub(), &f.src);
    let dir = first.unwrap();
    let requests = f.server.seen().len();

    assert_eq!(f.hub().cached(&f.src), Some(dir.clone()));
    let (second, events) = fetch(&f.hub(), &f.src);
    assert_eq!(second.unwrap(), dir);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(
        f.server.seen().len(),
        requests,
        "a cache hit must not touch the network"
    );

    // Another cache knows nothing of it.
    let other = tempfile::tempdir().unwrap();
    assert_eq!(f.hub().with_cache_dir(other.path()).cached(&f.src), None);
}

#[test]
fn cut_connection_is_resumed_by_an_automatic_retry() {
    let f = fixture();
    let half = f.weights.len() / 2;
    f.server.cut_once(WEIGHTS, half);

    let (result, events) = fetch(&f.hub(), &f.src);

    f.assert_complete(&result.unwrap());
    assert_events(&events, f.src.files);
    let gets = f.gets(WEIGHTS);
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(gets[0].range, None);
    let resumed_at = range_start(&gets[1]).expect("the retry must ask for a range");
    assert!(resumed_at > 0 && resumed_at <= half as u64, "{gets:?}");
}

#[test]
fn interrupted_download_is_resumed_by_the_next_fetch() {
    let f = fixture();
    let half = f.weights.len() / 2;
    f.server.cut_once(WEIGHTS, half);

    // No retries: the process "gives up" (think: killed) with half the file on disk.
    let (result, _) = fetch(&f.hub().with_retries(0), &f.src);
    let kept = match result {
        Err(DownloadError::Interrupted { done, total, .. }) => {
            assert_eq!(total, Some(f.weights.len() as u64));
            done
        }
        other => panic!("expected Interrupted, got {other:?}"),
    };
    assert!(kept > 0);
    let part = f.blobs().join(format!("{}.incomplete", f.weights_sha()));
    assert_eq!(fs::metadata(&part).unwrap().len(), kept);
    assert!(
        !f.snapshot().join(WEIGHTS).exists(),
        "no partial file in the snapshot"
    );
    assert_eq!(f.hub().cached(&f.src), None);

    let (result, events) = fetch(&f.hub(), &f.src);
    f.assert_complete(&result.unwrap());
    assert_events(&events, &f.src.files[1..]);
    assert!(matches!(&events[1], DownloadEvent::Progress { done, .. } if *done == kept));
    let gets = f.gets(WEIGHTS);
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert_eq!(
        range_start(&gets[1]),
        Some(kept),
        "only the rest is requested"
    );
    assert!(!part.exists());
}

#[test]
fn server_ignoring_range_restarts_the_file_instead_of_appending() {
    let f = fixture();
    // A partial file from an earlier run, but the CDN answers the resume with the whole file.
    fs::create_dir_all(f.blobs()).unwrap();
    let part = f.blobs().join(format!("{}.incomplete", f.weights_sha()));
    fs::write(&part, &f.weights[..1000]).unwrap();
    f.server.ignore_range(true);

    let (result, _) = fetch(&f.hub(), &f.src);

    f.assert_complete(&result.unwrap());
    assert_eq!(range_start(&f.gets(WEIGHTS)[0]), Some(1000));
}

#[test]
fn bad_checksum_is_rejected_and_deleted() {
    let f = fixture();
    let mut wrong = f.weights.clone();
    wrong[12_345] ^= 0xff;
    f.server.corrupt(WEIGHTS, Some(wrong.clone()));

    let (result, _) = fetch(&f.hub(), &f.src);
    match result {
        Err(DownloadError::Checksum {
            file,
            expected,
            actual,
            ..
        }) => {
            assert_eq!(file, WEIGHTS);
            assert_eq!(expected, f.weights_sha());
            assert_eq!(actual, sha256_hex(&wrong));
        }
        other => panic!("expected a checksum error, got {other:?}"),
    }
    assert!(!f.snapshot().join(WEIGHTS).exists());
    assert!(f.snapshot().join(CONFIG).exists(), "the good file stays");
    let blobs: Vec<_> = fs::read_dir(f.blobs())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        blobs,
        [OsString::from(f.src.files[0].sha256.unwrap())],
        "nothing of the bad file is kept"
    );
    assert_eq!(f.hub().cached(&f.src), None);

    // Too long is as wrong as different.
    let mut longer = f.weights.clone();
    longer.extend_from_slice(b"trailing");
    f.server.corrupt(WEIGHTS, Some(longer));
    let (result, _) = fetch(&f.hub(), &f.src);
    assert!(
        matches!(result, Err(DownloadError::Checksum { .. })),
        "{result:?}"
    );

    f.server.corrupt(WEIGHTS, None);
    let (result, _) = fetch(&f.hub(), &f.src);
    f.assert_complete(&result.unwrap());
}

#[test]
fn offline_mode_uses_only_the_cache() {
    let f = fixture();
    let offline = f.hub().with_offline(true);
    assert!(offline.offline());

    let (result, events) = fetch(&offline, &f.src);
    let err = result.unwrap_err();
    let DownloadError::Offline { help } = &err else {
        panic!("expected the offline error, got {err:?}");
    };
    let names: Vec<_> = help.files.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, [CONFIG, WEIGHTS]);
    assert_eq!(help.snapshot, f.snapshot());
    let message = err.to_string();
    for needle in [
        "offline",
        &format!("https://huggingface.co/{REPO}/resolve/{REV}/{CONFIG}"),
        &format!("https://huggingface.co/{REPO}/resolve/{REV}/{WEIGHTS}"),
        "--model-dir",
        "TROVE_MODEL_DIR",
        "--text-model-dir",
        &f.snapshot().display().to_string(),
    ] {
        assert!(message.contains(needle), "{needle:?} not in:\n{message}");
    }
    assert!(events.is_empty());
    assert!(
        f.server.seen().is_empty(),
        "offline must not touch the network"
    );

    let (online, _) = fetch(&f.hub(), &f.src);
    let dir = online.unwrap();
    let requests = f.server.seen().len();
    let (result, _) = fetch(&offline, &f.src);
    assert_eq!(result.unwrap(), dir);
    assert_eq!(f.server.seen().len(), requests);
}

#[test]
fn offline_mode_accepts_files_copied_into_the_snapshot_by_hand() {
    let f = fixture();
    // As the offline error suggests (and as Python leaves them on Windows): plain files.
    fs::create_dir_all(f.snapshot()).unwrap();
    fs::write(f.snapshot().join(CONFIG), &f.config).unwrap();
    fs::write(f.snapshot().join(WEIGHTS), &f.weights).unwrap();

    let (result, _) = fetch(&f.hub().with_offline(true), &f.src);
    assert_eq!(result.unwrap(), f.snapshot());
}

#[test]
fn hf_hub_offline_is_read_from_the_environment() {
    let vars = |value: &'static str| {
        move |name: &str| (name == "HF_HUB_OFFLINE").then(|| OsString::from(value))
    };
    for on in ["1", "true", "YES", "on"] {
        assert!(Hub::from_vars(false, vars(on)).offline(), "{on}");
        assert!(env_flag(on));
    }
    for off in ["0", "false", "no", ""] {
        assert!(!Hub::from_vars(false, vars(off)).offline(), "{off:?}");
    }
    assert!(Hub::from_vars(true, vars("0")).offline(), "--offline wins");
}

/// `Hub::from_env` reads the real environment. Checked in a child process started with the
/// variables set, because setting them here would race with other tests' threads under
/// `cargo test` (`set_var` is unsafe for that reason).
#[test]
fn from_env_reads_the_process_environment() {
    const NAME: &str = "from_env_reads_the_process_environment";
    if let Some(expect_offline) = std::env::var_os("TROVE_TEST_EXPECT_OFFLINE") {
        let hub = Hub::from_env(false);
        assert_eq!(hub.offline(), expect_offline == "1");
        assert_eq!(hub.endpoint(), "http://mirror.invalid");
        assert_eq!(hub.cache_dir(), Path::new("/nonexistent/hub-cache"));
        return;
    }
    for (value, expect) in [("1", "1"), ("0", "0")] {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--test-threads=1"])
            .env("HF_HUB_OFFLINE", value)
            .env("HF_ENDPOINT", "http://mirror.invalid/")
            .env("HF_HUB_CACHE", "/nonexistent/hub-cache")
            .env("TROVE_TEST_EXPECT_OFFLINE", expect)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&child.stdout);
        // "1 passed" also proves the filter found the test, rather than running nothing.
        assert!(
            child.status.success() && out.contains("1 passed"),
            "HF_HUB_OFFLINE={value}: child test failed:\n{out}"
        );
    }
}

#[test]
fn cache_dir_and_endpoint_follow_huggingface_hub_rules() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            let found = pairs.iter().find(|(k, _)| *k == name);
            found.map(|(_, v)| OsString::from(v))
        }
    };
    let hub = Hub::from_vars(false, env(&[("HOME", "/home/u")]));
    assert_eq!(hub.cache_dir(), Path::new("/home/u/.cache/huggingface/hub"));
    assert_eq!(hub.endpoint(), "https://huggingface.co");
    assert!(!hub.offline());

    let hub = Hub::from_vars(false, env(&[("HOME", "/home/u"), ("XDG_CACHE_HOME", "/x")]));
    assert_eq!(hub.cache_dir(), Path::new("/x/huggingface/hub"));
    let hub = Hub::from_vars(false, env(&[("HOME", "/home/u"), ("HF_HOME", "~/hf")]));
    assert_eq!(hub.cache_dir(), Path::new("/home/u/hf/hub"));
    let hub = Hub::from_vars(
        false,
        env(&[
            ("HF_HOME", "/hf"),
            ("HF_HUB_CACHE", "/c"),
            ("HF_ENDPOINT", "http://m:1/"),
        ]),
    );
    assert_eq!(hub.cache_dir(), Path::new("/c"));
    assert_eq!(hub.endpoint(), "http://m:1");
    assert_eq!(
        hub.with_endpoint("http://other/").endpoint(),
        "http://other"
    );
}

#[test]
fn unreachable_hub_says_what_to_do() {
    let f = fixture();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let hub = f.hub().with_endpoint(&endpoint);

    let started = Instant::now();
    let (result, _) = fetch(&hub, &f.src);
    assert!(
        started.elapsed().as_secs_f64() < 2.0,
        "no network must fail fast"
    );
    let err = result.unwrap_err();
    let DownloadError::Unreachable {
        endpoint: tried,
        help,
        ..
    } = &err
    else {
        panic!("expected Unreachable, got {err:?}");
    };
    assert_eq!(tried, &endpoint);
    assert_eq!(help.files.len(), 2);
    assert_eq!(help.files[1].sha256.as_deref(), Some(f.weights_sha()));
    let message = err.to_string();
    for needle in [
        &endpoint,
        &format!("https://huggingface.co/{REPO}/resolve/{REV}/{WEIGHTS}"),
        "--model-dir",
        "TROVE_MODEL_DIR",
        "--text-model-dir",
        "TROVE_TEXT_MODEL_DIR",
        "HF_ENDPOINT",
    ] {
        assert!(message.contains(needle), "{needle:?} not in:\n{message}");
    }
    assert!(!f.snapshot().join(CONFIG).exists());
}

#[test]
fn unpinned_files_are_fetched_at_the_revision_and_stored_by_content() {
    let f = fixture();
    // As the registry lists files it could not pin: no checksum, no size.
    let unpinned = |name| HubFile {
        name,
        sha256: None,
        size: None,
    };
    let src = HubSource {
        files: Vec::leak(vec![unpinned(CONFIG), unpinned(WEIGHTS)]),
        ..f.src
    };
    let half = f.weights.len() / 2;
    f.server.cut_once(WEIGHTS, half);

    let (result, events) = fetch(&f.hub(), &src);

    f.assert_complete(&result.unwrap());
    assert_eq!(f.hub().cached(&src), Some(f.snapshot()));
    // The size came from the server, and the resume worked without a pinned size.
    assert!(
        matches!(&events[0], DownloadEvent::Started { total, .. } if *total == f.config.len() as u64)
    );
    let gets = f.gets(WEIGHTS);
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert!(range_start(&gets[1]).is_some_and(|s| s > 0));
    assert!(
        f.blobs().join(f.weights_sha()).is_file(),
        "blob named by its sha256"
    );
}

#[test]
fn concurrent_fetches_of_one_model_do_not_collide() {
    let f = fixture();
    let results: Vec<_> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..3)
            .map(|_| s.spawn(|| fetch(&f.hub(), &f.src).0))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for result in results {
        f.assert_complete(&result.unwrap());
    }
}

#[test]
fn events_serialize_for_the_ui() {
    let event = DownloadEvent::Progress {
        file: WEIGHTS.into(),
        done: 5,
        total: 10,
    };
    assert_eq!(
        serde_json::to_string(&event).unwrap(),
        r#"{"event":"progress","file":"model.safetensors","done":5,"total":10}"#
    );
}
