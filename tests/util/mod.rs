//! The end-to-end harness, after ripgrep's `Dir`/`TestCommand`: a temporary directory holding a
//! library (`library/`) and the user's files (`files/`), files written in one line each, and the
//! real `trove` binary run against them with nothing of the developer's environment (config file,
//! home, XDG dirs, `TROVE_LIBRARY`, `RUST_LOG`) leaking in.
//!
//! Paths given to [`Dir::write`] and friends are relative to `files/`. Commands run in the
//! temporary directory itself, so `dir.trove(&["index", "files"])` indexes `files/`.
//!
//! [`make`] makes the test files: tiny photos in every decodable format (committed fixtures,
//! rebuilt by `tests/fixtures/make_fixtures.py`), PNGs with distinct content, hand-made PDFs,
//! Windows-1252 text, and so on.

#![allow(dead_code)] // Each test module uses its own part of the harness.

pub mod failpoint;
pub mod make;
#[cfg(unix)]
pub mod watch;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;
use trove_core::api::FileInfo;
use trove_core::{Library, Settings};

/// The binary under test: the one Cargo built, unless `TROVE_TEST_BIN` names another (to run
/// the suite against a release build, or from a copy another user can execute).
pub fn trove_bin() -> PathBuf {
    std::env::var_os("TROVE_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_trove")))
}

/// The repository's sample library.
pub const ASSETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets");
/// `trove index` flags for a library searched by keyword only: no model, so nothing to load.
pub const KEYWORD_ONLY: [&str; 4] = ["--model", "none", "--text-model", "none"];

/// The tiny CLIP the project trained (see `scripts/fixtures/train_tiny_clip.py`).
pub const TINY_CLIP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/models/tiny-clip"
);

/// Extensions Trove tracks, written out independently of the engine's own list so that a test
/// notices if the engine starts ignoring one.
pub const PHOTO_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "bmp", "tif", "tiff", "heic", "heif",
    "hif", "avif", "dng", "cr2", "cr3", "nef", "arw", "orf", "rw2", "raf",
];
pub const NOTE_EXTENSIONS: &[&str] = &["md", "markdown", "txt", "text", "html", "htm", "pdf"];

/// A temporary directory with `library/` and `files/`; removed when dropped.
pub struct Dir {
    _tmp: tempfile::TempDir,
    /// Canonical, so that it compares equal to the paths the library stores.
    root: PathBuf,
}

impl Default for Dir {
    fn default() -> Self {
        Dir::new()
    }
}

impl Dir {
    pub fn new() -> Dir {
        let tmp = tempfile::Builder::new()
            .prefix("trove-e2e-")
            .tempdir()
            .expect("create a temporary directory");
        let root = tmp.path().canonicalize().expect("canonical temp dir");
        std::fs::create_dir_all(root.join("library")).unwrap();
        std::fs::create_dir_all(root.join("files")).unwrap();
        Dir { _tmp: tmp, root }
    }

    /// The temporary directory (the working directory of every command).
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn library(&self) -> PathBuf {
        self.root.join("library")
    }

    pub fn files(&self) -> PathBuf {
        self.root.join("files")
    }

    /// The absolute path of `rel` under `files/`.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.files().join(rel)
    }

    /// The path of `rel` under `files/` as the library displays it.
    pub fn shown(&self, rel: impl AsRef<Path>) -> String {
        self.path(rel).to_string_lossy().into_owned()
    }

    /// Writes `files/rel`, creating its folders.
    pub fn write(&self, rel: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        path
    }

    pub fn remove(&self, rel: impl AsRef<Path>) {
        let path = self.path(rel);
        if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        }
        .unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
    }

    pub fn rename(&self, from: impl AsRef<Path>, to: impl AsRef<Path>) {
        let (from, to) = (self.path(from), self.path(to));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::rename(&from, &to)
            .unwrap_or_else(|e| panic!("rename {} to {}: {e}", from.display(), to.display()));
    }

    pub fn copy(&self, from: impl AsRef<Path>, to: impl AsRef<Path>) {
        let (from, to) = (self.path(from), self.path(to));
        std::fs::copy(&from, &to)
            .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
    }

    /// Copies a file from anywhere (a fixture) to `rel` under `files/`.
    pub fn copy_in(&self, from: impl AsRef<Path>, rel: impl AsRef<Path>) -> PathBuf {
        let from = from.as_ref();
        let bytes = std::fs::read(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
        self.write(rel, bytes)
    }

    pub fn mkdir(&self, rel: impl AsRef<Path>) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    /// `trove --library <tmp>/library ARGS…`, isolated from the developer's environment.
    pub fn trove<S: AsRef<OsStr>>(&self, args: &[S]) -> TestCommand {
        let mut cmd = Command::new(trove_bin());
        let home = self.root.join("home");
        cmd.current_dir(&self.root)
            .arg("--library")
            .arg(self.library())
            .args(args)
            .env("TROVE_CONFIG", self.root.join("config.toml"))
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env_remove("TROVE_LIBRARY")
            // Models: never the network, never the developer's hub cache or model folders.
            .env("HF_HUB_OFFLINE", "1")
            .env("HF_HOME", home.join(".cache/huggingface"))
            .env_remove("HF_HUB_CACHE")
            .env_remove("HF_ENDPOINT")
            .env_remove("TROVE_MODEL_DIR")
            .env_remove("TROVE_TEXT_MODEL_DIR")
            .env_remove("RUST_LOG")
            .env_remove("RUST_BACKTRACE")
            // Fail points are set by the tests that stop or crash the binary (util::failpoint).
            .env_remove("FAILPOINTS")
            .stdin(Stdio::null());
        TestCommand { cmd }
    }

    // Shorthands for the commands nearly every test runs.

    /// `trove index ARGS… --json`, which must succeed.
    pub fn index<S: AsRef<OsStr>>(&self, args: &[S]) -> Value {
        let mut all: Vec<OsString> = vec!["index".into()];
        all.extend(args.iter().map(|a| a.as_ref().to_os_string()));
        self.trove(&all).json()
    }

    pub fn status(&self) -> Value {
        self.trove(&["status"]).json()
    }

    /// `trove search QUERY --json`, optionally with `--kind`.
    pub fn search(&self, query: &str) -> Value {
        self.trove(&["search", query]).json()
    }

    pub fn search_kind(&self, query: &str, kind: &str) -> Value {
        self.trove(&["search", query, "--kind", kind]).json()
    }

    /// `trove show ITEM --json`.
    pub fn show(&self, item: impl AsRef<OsStr>) -> Value {
        self.trove(&[OsStr::new("show"), item.as_ref()]).json()
    }

    pub fn failed(&self) -> Value {
        self.trove(&["failed"]).json()
    }

    /// `trove failed` as path → reason.
    pub fn failure_reasons(&self) -> std::collections::BTreeMap<String, String> {
        self.failed()
            .as_array()
            .expect("a list of failures")
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_owned(),
                    f["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

/// A `trove` command about to run.
pub struct TestCommand {
    cmd: Command,
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from_output(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Stdout parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl TestCommand {
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.arg(arg);
        self
    }

    pub fn args<S: AsRef<OsStr>>(&mut self, args: &[S]) -> &mut TestCommand {
        self.cmd.args(args);
        self
    }

    /// The underlying command, for tests that manage the process themselves.
    pub fn cmd_mut(&mut self) -> &mut Command {
        &mut self.cmd
    }

    pub fn env(&mut self, key: &str, value: impl AsRef<OsStr>) -> &mut TestCommand {
        self.cmd.env(key, value);
        self
    }

    fn describe(&self) -> String {
        let args: Vec<_> = self.cmd.get_args().map(|a| a.to_string_lossy()).collect();
        format!("trove {}", args.join(" "))
    }

    /// Runs the command, whatever its exit code.
    pub fn run(&mut self) -> Run {
        let output = self
            .cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.describe()));
        Run::from_output(output)
    }

    /// Runs the command, which must succeed.
    pub fn ok(&mut self) -> Run {
        let run = self.run();
        assert!(run.success(), "{} failed:\n{run}", self.describe());
        run
    }

    /// Runs the command, which must fail.
    pub fn fails(&mut self) -> Run {
        let run = self.run();
        assert!(
            !run.success(),
            "{} should have failed:\n{run}",
            self.describe()
        );
        run
    }

    /// Stdout of a successful run.
    pub fn stdout(&mut self) -> String {
        self.ok().stdout
    }

    /// Stderr, whatever the exit code.
    pub fn stderr(&mut self) -> String {
        self.run().stderr
    }

    /// The exit code (`-1` when killed by a signal).
    pub fn code(&mut self) -> i32 {
        self.run().code.unwrap_or(-1)
    }

    /// Runs with `--json`, which must succeed, and parses stdout.
    pub fn json(&mut self) -> Value {
        self.cmd.arg("--json");
        self.ok().json()
    }

    /// Starts the command without waiting, output discarded (for the kill tests).
    pub fn spawn(&mut self) -> Child {
        self.cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.describe()))
    }
}

/// What a test wrote: relative path under `files/` → the note word it holds (photos: none).
pub type Written = BTreeMap<String, Option<usize>>;

/// The random numbers of a randomised test, from `TROVE_TEST_SEED` (to rerun a failure) or a
/// fresh seed; the seed is printed so that a failure can be rerun.
pub fn seeded_rng(test: &str) -> rand::rngs::StdRng {
    use rand::{Rng, SeedableRng};
    let seed = match std::env::var("TROVE_TEST_SEED") {
        Ok(s) => s.parse().expect("TROVE_TEST_SEED is a number"),
        Err(_) => rand::rng().random(),
    };
    println!("{test} test seed: {seed} (rerun with TROVE_TEST_SEED={seed})");
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// Every file the library tracks, straight from its database.
pub fn index_rows(dir: &Dir) -> Vec<FileInfo> {
    Library::open(dir.library(), Settings::default())
        .files()
        .expect("read the library's files")
}

/// Path → (state, blake3 hash) of every file the library tracks. Panics if a path is listed
/// twice: the index must hold each file once.
pub fn files_in_index(dir: &Dir) -> BTreeMap<String, (String, Option<String>)> {
    let rows = index_rows(dir);
    let mut map = BTreeMap::new();
    for row in rows {
        let path = row.path.clone();
        let previous = map.insert(row.path, (row.state, row.hash));
        assert!(previous.is_none(), "{path} is in the index twice");
    }
    map
}

/// Trackable files under `dir` as the library would display them: regular files (links
/// followed) with a tracked extension, hidden files and folders skipped.
pub fn trackable_files(dir: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .is_some_and(|n| n.as_encoded_bytes().starts_with(b"."))
            {
                continue;
            }
            let meta = std::fs::metadata(&path).unwrap();
            if meta.is_dir() {
                walk(&path, out);
            } else if meta.is_file() && kind(&path).is_some() {
                out.insert(path.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, &mut out);
    out
}

/// "photo" or "note" by extension, per the lists above.
pub fn kind(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    if PHOTO_EXTENSIONS.contains(&ext.as_str()) {
        Some("photo")
    } else if NOTE_EXTENSIONS.contains(&ext.as_str()) {
        Some("note")
    } else {
        None
    }
}

/// Reads a count out of a JSON object (`status`, `counts`, `changes`, `processed`).
pub fn n(value: &Value, key: &str) -> u64 {
    value[key]
        .as_u64()
        .unwrap_or_else(|| panic!("no count {key:?} in {value:#}"))
}

/// The `changes` of an index report as `[new, changed, moved, removed, missing, restored]`.
pub fn changes(report: &Value) -> [u64; 6] {
    let c = &report["changes"];
    [
        n(c, "new"),
        n(c, "changed"),
        n(c, "moved"),
        n(c, "removed"),
        n(c, "missing"),
        n(c, "restored"),
    ]
}

/// The `processed` of an index report as `[indexed, deduplicated, failed, vanished]`.
pub fn processed(report: &Value) -> [u64; 4] {
    let p = &report["processed"];
    [
        n(p, "indexed"),
        n(p, "deduplicated"),
        n(p, "failed"),
        n(p, "vanished"),
    ]
}

/// The status counts as `[files, indexed, pending, failed, missing, photos, notes]`.
pub fn counts(status: &Value) -> [u64; 7] {
    [
        n(status, "files"),
        n(status, "indexed"),
        n(status, "pending"),
        n(status, "failed"),
        n(status, "missing"),
        n(status, "photos"),
        n(status, "notes"),
    ]
}

/// Paths of the note hits of a search, in rank order.
pub fn note_paths(results: &Value) -> Vec<String> {
    hits(results, "notes")
}

/// Paths of the note hits that matched by keyword (with a model, weak matches by meaning come
/// along too), in rank order.
pub fn keyword_note_paths(results: &Value) -> Vec<String> {
    results["notes"]
        .as_array()
        .unwrap_or_else(|| panic!("no notes in {results:#}"))
        .iter()
        .filter(|n| !n["why"]["keyword"].is_null())
        .map(|n| n["path"].as_str().unwrap().to_string())
        .collect()
}

pub fn photo_paths(results: &Value) -> Vec<String> {
    hits(results, "photos")
}

fn hits(results: &Value, group: &str) -> Vec<String> {
    results[group]
        .as_array()
        .unwrap_or_else(|| panic!("no {group} in {results:#}"))
        .iter()
        .map(|hit| hit["path"].as_str().expect("hit path").to_string())
        .collect()
}

/// A second `trove index` right after one must find nothing to do.
pub fn assert_idempotent(dir: &Dir) {
    let report = dir.index::<&str>(&[]);
    assert_eq!(changes(&report), [0; 6], "second run changed: {report:#}");
    assert_eq!(
        processed(&report),
        [0; 4],
        "second run processed: {report:#}"
    );
}
