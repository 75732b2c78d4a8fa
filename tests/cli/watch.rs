//! `trove watch`: the index follows the disk while it runs. Each test changes files the way a
//! person or a program does, then waits (bounded, on conditions) until the service is idle and
//! the index equals the disk, and checks what must have been kept: file ids, contents, vectors
//! (the `extracted` and `vectors` counters of the idle event count every extraction and every
//! vector made since the service started).

use std::collections::BTreeSet;

use serde_json::Value;

use crate::util::make::{self, word};
use crate::util::watch::Watching;
use crate::util::{self, Dir, TINY_CLIP, note_paths};

/// Paths of the index (each once: `files_in_index` panics otherwise) equal the trackable files
/// on disk, and none is waiting.
fn in_step(dir: &Dir) -> bool {
    let indexed = util::files_in_index(dir);
    let on_disk = util::trackable_files(&dir.files());
    indexed.keys().cloned().collect::<BTreeSet<_>>() == on_disk
        && indexed.values().all(|(state, _)| state == "indexed")
}

fn id_of(dir: &Dir, rel: &str) -> i64 {
    dir.show(dir.path(rel))["id"].as_i64().unwrap()
}

fn total(idle: &Value, key: &str) -> u64 {
    idle["totals"][key]
        .as_u64()
        .unwrap_or_else(|| panic!("no {key} in {idle}"))
}

/// `trove watch ARGS…` with the tiny CLIP, so photos and notes get vectors.
fn watched(dir: &Dir, args: &[&str]) -> Watching {
    let mut all = args.to_vec();
    all.extend(["--model-dir", TINY_CLIP, "--text-model", "none"]);
    dir.watch(&all)
}

#[test]
fn new_changed_and_deleted_files_follow_the_disk() {
    let dir = Dir::new();
    dir.write("a.md", make::note("A", &word(1)));
    let w = watched(&dir, &["files"]);
    w.settle("the first index", || in_step(&dir));

    dir.write("sub/b.md", make::note("B", &word(2)));
    dir.write("photo.png", make::png(20, 16, 1));
    w.settle("two new files", || in_step(&dir));
    assert_eq!(note_paths(&dir.search(&word(2))), [dir.shown("sub/b.md")]);

    let id = id_of(&dir, "sub/b.md");
    dir.write("sub/b.md", make::note("B again", &word(3)));
    w.settle("a changed note", || {
        in_step(&dir) && !note_paths(&dir.search(&word(3))).is_empty()
    });
    assert_eq!(id_of(&dir, "sub/b.md"), id, "a changed file keeps its id");
    assert!(note_paths(&dir.search(&word(2))).is_empty());

    dir.remove("sub/b.md");
    dir.remove("photo.png");
    w.settle("two deleted files", || in_step(&dir));
    assert!(note_paths(&dir.search(&word(3))).is_empty());
    assert_eq!(util::index_rows(&dir).len(), 1);
}

#[test]
fn a_renamed_or_moved_file_keeps_its_id_and_is_not_embedded_again() {
    let dir = Dir::new();
    dir.write("one/photo.png", make::png(24, 18, 7));
    dir.write("one/note.md", make::note("Trip", &word(1)));
    std::fs::create_dir_all(dir.path("two")).unwrap();
    let w = watched(&dir, &["files/one", "files/two"]);
    let before = w.settle("the first index", || in_step(&dir));
    let (photo, note) = (id_of(&dir, "one/photo.png"), id_of(&dir, "one/note.md"));

    dir.rename("one/photo.png", "one/renamed.png");
    dir.rename("one/note.md", "one/deeper/note.md");
    dir.rename("one/renamed.png", "two/moved-to-another-root.png");
    let after = w.settle("renames and a move across roots", || in_step(&dir));
    assert_eq!(id_of(&dir, "two/moved-to-another-root.png"), photo);
    assert_eq!(id_of(&dir, "one/deeper/note.md"), note);
    for counter in ["extracted", "vectors"] {
        assert_eq!(
            total(&after, counter),
            total(&before, counter),
            "{counter}: a move made new work\n{after}"
        );
    }
    assert_eq!(
        note_paths(&dir.search(&word(1))),
        [dir.shown("one/deeper/note.md")]
    );
}

#[test]
fn an_editor_save_is_one_updated_file_not_a_delete_and_an_add() {
    let dir = Dir::new();
    dir.write("note.md", make::note("Draft", &word(1)));
    dir.write("other.md", make::note("Other", &word(2)));
    let w = watched(&dir, &["files"]);
    w.settle("the first index", || in_step(&dir));
    let (note, other) = (id_of(&dir, "note.md"), id_of(&dir, "other.md"));

    // Vim, Emacs, VS Code and most apps write a temporary file and rename it over the
    // original: hidden here, visible (and trackable) there.
    dir.write(".note.md.swp", make::note("Saved", &word(3)));
    dir.rename(".note.md.swp", "note.md");
    dir.write("other.md.tmp.md", make::note("Saved too", &word(4)));
    dir.rename("other.md.tmp.md", "other.md");
    w.settle("two saves", || {
        in_step(&dir) && note_paths(&dir.search(&word(4))).len() == 1
    });
    assert_eq!(id_of(&dir, "note.md"), note);
    assert_eq!(id_of(&dir, "other.md"), other);
    assert_eq!(note_paths(&dir.search(&word(3))), [dir.shown("note.md")]);
    assert_eq!(note_paths(&dir.search(&word(4))), [dir.shown("other.md")]);
    assert!(note_paths(&dir.search(&word(1))).is_empty());
    assert_eq!(util::index_rows(&dir).len(), 2);
}

#[test]
fn whole_folders_move_with_their_files_and_vanish_with_them() {
    let dir = Dir::new();
    for i in 0..6 {
        dir.write(format!("trip/day-{i}.md"), make::note("Day", &word(i)));
        dir.write(
            format!("trip/photos/p{i}.png"),
            make::png(10 + i as u32, 9, i as u64),
        );
    }
    dir.write("keep.md", make::note("Keep", &word(50)));
    let w = watched(&dir, &["files"]);
    let before = w.settle("the first index", || in_step(&dir));
    let ids: BTreeSet<i64> = util::index_rows(&dir).iter().map(|r| r.id).collect();

    dir.rename("trip", "archive/2024/trip");
    let after = w.settle("a folder moved", || in_step(&dir));
    let moved: BTreeSet<i64> = util::index_rows(&dir).iter().map(|r| r.id).collect();
    assert_eq!(moved, ids, "every file keeps its id");
    assert_eq!(total(&after, "extracted"), total(&before, "extracted"));
    assert_eq!(
        note_paths(&dir.search(&word(3))),
        [dir.shown("archive/2024/trip/day-3.md")]
    );

    dir.remove("archive");
    w.settle("a folder deleted", || in_step(&dir));
    assert_eq!(util::index_rows(&dir).len(), 1);
}

#[test]
fn an_unplugged_folder_keeps_its_files_as_missing_until_it_returns() {
    let dir = Dir::new();
    dir.write("drive/photo.png", make::png(12, 12, 3));
    dir.write("drive/note.md", make::note("On the drive", &word(1)));
    dir.write("home/local.md", make::note("Local", &word(2)));
    let w = dir.watch(&["files/drive", "files/home"]);
    w.settle("the first index", || in_step(&dir));
    let ids: BTreeSet<i64> = util::index_rows(&dir).iter().map(|r| r.id).collect();

    // Unplugging a drive takes the whole folder away at once.
    std::fs::rename(dir.path("drive"), dir.root().join("unplugged")).unwrap();
    w.wait_until("the drive's files to be missing", || {
        let rows = util::index_rows(&dir);
        rows.iter().filter(|r| r.state == "missing").count() == 2
            && rows.iter().filter(|r| r.state == "indexed").count() == 1
    });
    let status = dir.status();
    let drive = status["roots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == dir.shown("drive"))
        .unwrap();
    assert_eq!(drive["available"], false, "{status:#}");

    std::fs::rename(dir.root().join("unplugged"), dir.path("drive")).unwrap();
    w.settle("the drive back", || in_step(&dir));
    let back: BTreeSet<i64> = util::index_rows(&dir).iter().map(|r| r.id).collect();
    assert_eq!(back, ids);
    assert_eq!(
        note_paths(&dir.search(&word(1))),
        [dir.shown("drive/note.md")]
    );

    // And it is watched again.
    dir.write("drive/new.md", make::note("New", &word(3)));
    w.settle("a file on the returned drive", || in_step(&dir));
}

#[test]
fn polling_finds_changes_where_there_are_no_file_events() {
    let dir = Dir::new();
    dir.write("a.md", make::note("A", &word(1)));
    let w = dir.watch(&["files", "--poll", "--poll-interval", "1"]);
    let watching = w
        .events()
        .into_iter()
        .find(|e| e["event"] == "watching")
        .unwrap();
    assert_eq!(watching["roots"][0]["state"], "polling", "{watching}");
    w.settle("the first index", || in_step(&dir));
    dir.write("b.md", make::note("B", &word(2)));
    dir.rename("a.md", "renamed.md");
    w.settle("polled changes", || in_step(&dir));
    assert_eq!(note_paths(&dir.search(&word(1))), [dir.shown("renamed.md")]);
}

#[test]
fn changes_made_while_nothing_watched_are_found_at_start() {
    let dir = Dir::new();
    dir.write("a.md", make::note("A", &word(1)));
    dir.write("b.md", make::note("B", &word(2)));
    let w = dir.watch(&["files"]);
    w.settle("the first index", || in_step(&dir));
    let id = id_of(&dir, "a.md");
    assert_eq!(w.interrupt(), Some(0), "Ctrl-C is a clean stop");
    assert!(
        dir.status()["service"].is_null(),
        "a stopped service is not shown"
    );

    dir.rename("a.md", "renamed.md");
    dir.remove("b.md");
    dir.write("c.md", make::note("C", &word(3)));
    let w = dir.watch::<&str>(&[]);
    let changes = w
        .events()
        .into_iter()
        .find(|e| e["event"] == "changes")
        .unwrap();
    assert_eq!(
        [&changes["new"], &changes["moved"], &changes["removed"]],
        [1, 1, 1],
        "{changes}"
    );
    assert_eq!(changes["live"], false);
    w.settle("the start-up reconcile", || in_step(&dir));
    assert_eq!(id_of(&dir, "renamed.md"), id);
}

#[test]
fn pause_holds_indexing_until_resume() {
    let dir = Dir::new();
    dir.write("a.md", make::note("A", &word(1)));
    let w = dir.watch(&["files"]);
    w.settle("the first index", || in_step(&dir));

    let mark = w.mark();
    let paused = dir.trove(&["pause"]).json();
    assert_eq!(paused["paused"], true);
    w.wait_event(mark, "paused");
    let status = dir.status();
    assert_eq!(status["paused"], true);
    assert_eq!(status["service"]["state"], "paused", "{status:#}");
    let mark = w.mark();
    dir.write("b.md", make::note("B", &word(2)));
    w.wait_event(mark, "changes");
    // The file is known, but nothing indexes it while paused.
    let pending = util::files_in_index(&dir)[&dir.shown("b.md")].0.clone();
    assert_eq!(pending, "pending");

    let mark = w.mark();
    dir.trove(&["resume"]).ok();
    w.wait_event(mark, "resumed");
    w.settle("indexing after resume", || in_step(&dir));
    assert_eq!(dir.status()["paused"], false);
    assert_eq!(dir.status()["service"]["state"], "idle");
}

#[test]
fn a_pause_in_the_middle_of_indexing_is_seen_at_once() {
    let dir = Dir::new();
    let w = watched(&dir, &["files", "--batch-size", "2"]);
    let mark = w.mark();
    for i in 0..400 {
        dir.write(format!("many/n{i}.md"), make::note("Many", &word(i)));
    }
    w.wait_event(mark, "progress");
    dir.trove(&["pause"]).ok();
    w.wait_event(mark, "paused");
    // The service said so while files were still waiting, not once the queue was empty.
    let status = dir.status();
    assert!(status["pending"].as_u64().unwrap() > 0, "{status:#}");
    assert_eq!(status["service"]["state"], "paused", "{status:#}");
    dir.trove(&["resume"]).ok();
    w.settle("the rest after resume", || in_step(&dir));
}

#[test]
fn a_folder_moved_while_its_files_wait_is_indexed_under_its_new_name() {
    let dir = Dir::new();
    let w = watched(&dir, &["files", "--batch-size", "4"]);
    let mark = w.mark();
    for i in 0..120 {
        dir.write(
            format!("incoming/n{i}.md"),
            make::note("Incoming", &word(i)),
        );
        dir.write(format!("incoming/p{i}.png"), make::png(10, 10, i as u64));
    }
    w.wait_event(mark, "progress");
    dir.rename("incoming", "sorted/2024");
    w.settle("the moved folder's files to be indexed", || in_step(&dir));
    // Hundreds of notes with the tiny CLIP: weak matches by meaning come along; by keyword,
    // the word is in one note.
    assert_eq!(
        util::keyword_note_paths(&dir.search(&word(77))),
        [dir.shown("sorted/2024/n77.md")]
    );
}

#[test]
fn reads_work_beside_the_service_and_a_second_indexer_hands_it_the_work() {
    let dir = Dir::new();
    dir.write("a.md", make::note("A", &word(1)));
    dir.write("broken.png", b"not a png at all");
    let w = dir.watch(&["files"]);
    w.settle("the first index", || {
        let rows = util::files_in_index(&dir);
        rows.len() == 2 && rows.values().all(|(s, _)| s != "pending")
    });
    // Every read command works while the service owns the library.
    assert_eq!(note_paths(&dir.search(&word(1))), [dir.shown("a.md")]);
    let status = dir.status();
    assert_eq!(status["indexed"], 1);
    assert_eq!(status["service"]["state"], "idle", "{status:#}");
    assert_eq!(status["service"]["pid"], w.pid());
    assert_eq!(dir.failed().as_array().unwrap().len(), 1);
    dir.show(dir.path("a.md"));
    dir.trove(&["roots"]).json();

    // A second writer hands its folder over instead of failing or waiting.
    let elsewhere = dir.root().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(elsewhere.join("far.md"), make::note("Far", &word(2))).unwrap();
    let handed = dir
        .trove(&[std::ffi::OsStr::new("index"), elsewhere.as_os_str()])
        .json();
    assert!(
        handed["handed_over"]["holder"]
            .as_str()
            .unwrap()
            .contains("watching"),
        "{handed}"
    );
    w.wait_until("the handed-over folder to be searchable", || {
        note_paths(&dir.search(&word(2))).len() == 1
    });
    // Writers that cannot hand over say the library is busy.
    let busy = dir.trove(&["check"]).fails();
    assert!(busy.stderr.contains("busy"), "{busy}");
}

/// Unmounts a test file system when dropped, even if the test fails.
struct Mount(std::path::PathBuf);

impl Mount {
    /// A tmpfs at `path`, or `None` where mounting is not allowed (not root, or a container
    /// without the capability): the test then has nothing to check.
    fn tmpfs(path: &std::path::Path) -> Option<Mount> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            return None;
        }
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "trove-test"])
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mount(path.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // Lazy: a file still open by Trove must not keep the test's mount alive.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn an_unmounted_drive_whose_mount_point_stays_keeps_its_files_as_missing() {
    let dir = Dir::new();
    let point = dir.mkdir("drive");
    let Some(mount) = Mount::tmpfs(&point) else {
        eprintln!("skipped: mounting a file system needs root");
        return;
    };
    let files = [
        ("drive/photo.png", make::png(12, 12, 3)),
        (
            "drive/notes/on-the-drive.md",
            make::note("Drive", &word(1)).into_bytes(),
        ),
    ];
    for (rel, bytes) in &files {
        dir.write(rel, bytes);
    }
    dir.write("home/local.md", make::note("Local", &word(2)));
    let w = watched(&dir, &["files/drive", "files/home"]);
    let before = w.settle("the first index", || in_step(&dir));
    let ids: BTreeSet<i64> = util::index_rows(&dir).iter().map(|r| r.id).collect();

    // Unmounting leaves the empty mount point: the files are away, not deleted.
    drop(mount);
    assert!(point.is_dir());
    w.wait_until("the drive's files to be missing", || {
        let rows = util::index_rows(&dir);
        rows.len() == 3 && rows.iter().filter(|r| r.state == "missing").count() == 2
    });
    assert!(note_paths(&dir.search(&word(1))).is_empty());

    let _mount = Mount::tmpfs(&point).expect("mount again");
    for (rel, bytes) in &files {
        dir.write(rel, bytes);
    }
    let after = w.settle("the drive back", || in_step(&dir));
    let back: BTreeSet<i64> = util::index_rows(&dir).iter().map(|r| r.id).collect();
    assert_eq!(back, ids, "the files keep their ids");
    assert_eq!(total(&after, "extracted"), total(&before, "extracted"));
    assert_eq!(
        note_paths(&dir.search(&word(1))),
        [dir.shown("drive/notes/on-the-drive.md")]
    );
}

#[test]
fn a_drive_unmounted_while_its_files_are_indexed_keeps_them_as_missing() {
    let dir = Dir::new();
    let point = dir.mkdir("drive");
    let Some(mount) = Mount::tmpfs(&point) else {
        eprintln!("skipped: mounting a file system needs root");
        return;
    };
    for i in 0..300 {
        dir.write(
            format!("drive/n{i}.md"),
            make::note("On the drive", &word(i)),
        );
    }
    let mut index = dir
        .trove(&[
            "index",
            "files/drive",
            "--model-dir",
            TINY_CLIP,
            "--text-model",
            "none",
            "--batch-size",
            "2",
            "--quiet",
        ])
        .spawn();
    let deadline = std::time::Instant::now() + crate::util::watch::PATIENCE;
    while util::index_rows(&dir).iter().all(|r| r.state != "indexed") {
        assert!(
            std::time::Instant::now() < deadline,
            "indexing never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(mount);
    // The run ends (files it can no longer read are not taken again and again) and keeps them.
    loop {
        if let Some(status) = index.try_wait().unwrap() {
            println!("trove index ended: {status}");
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = index.kill();
            panic!("trove index never ended after the drive went");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let rows = util::index_rows(&dir);
    assert_eq!(rows.len(), 300, "no file of the drive was deleted");
    assert!(rows.iter().all(|r| r.state == "missing"), "{rows:?}");
}

#[test]
fn heic_avif_and_raw_photos_follow_the_disk_as_jpegs_do() {
    use trove_testkit::dng::{self, Dng};
    use trove_testkit::heif::{self, CompressionFormat};
    let dir = Dir::new();
    std::fs::create_dir_all(dir.path("phone")).unwrap();
    let w = watched(&dir, &["files"]);
    let before = w.settle("the first index", || in_step(&dir));

    let (width, height) = (64u32, 48u32);
    let rgb: Vec<u8> = (0..width * height)
        .flat_map(|i| [(i % 251) as u8, 90, 160])
        .collect();
    dir.write(
        "phone/IMG_0001.HEIC",
        heif::encode(width, height, &rgb, CompressionFormat::Hevc, None),
    );
    dir.write(
        "phone/export.avif",
        heif::encode(width, height, &rgb, CompressionFormat::Av1, None),
    );
    let raw = Dng {
        width,
        height,
        scene: rgb.clone(),
        preview: None,
        orientation: 1,
        make: "Trove",
        model: "Watch Camera",
        taken: "2025:01:02 03:04:05",
    };
    dir.write("camera/DSC_0001.DNG", dng::write(&raw));
    let after = w.settle("three new photos", || in_step(&dir));
    for (rel, format) in [
        ("phone/IMG_0001.HEIC", "heic"),
        ("phone/export.avif", "avif"),
        ("camera/DSC_0001.DNG", "raw"),
    ] {
        let shown = dir.show(dir.path(rel));
        assert_eq!(shown["photo"]["format"], format, "{shown:#}");
    }
    // Each was decoded for the model too: three new vectors.
    assert_eq!(
        total(&after, "vectors"),
        total(&before, "vectors") + 3,
        "{after}"
    );

    let id = id_of(&dir, "phone/IMG_0001.HEIC");
    dir.rename("phone/IMG_0001.HEIC", "phone/IMG_0001 (kept).HEIC");
    dir.remove("camera/DSC_0001.DNG");
    let last = w.settle("a renamed HEIC and a deleted DNG", || in_step(&dir));
    assert_eq!(id_of(&dir, "phone/IMG_0001 (kept).HEIC"), id);
    assert_eq!(
        total(&last, "extracted"),
        total(&after, "extracted"),
        "a rename made new work"
    );
}
