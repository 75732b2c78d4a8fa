//! Tests of the watcher: the pure translation of events into changes, and real file systems
//! (OS events and polling) with bounded waits.

use super::*;
use notify::event::{CreateKind, DataChange, Flag, RemoveKind, RenameMode};
use notify::{ErrorKind, Event};
use std::fs;
use std::sync::mpsc::{self, Receiver};

fn event(kind: EventKind, paths: &[&str]) -> DebouncedEvent {
    let event = paths
        .iter()
        .fold(Event::new(kind), |e, p| e.add_path(PathBuf::from(p)));
    DebouncedEvent::new(event, Instant::now())
}

fn roots(paths: &[&str]) -> Vec<Root> {
    paths.iter().map(|p| Root::new(Path::new(p))).collect()
}

fn path(p: &str) -> Change {
    Change::Path(PathBuf::from(p))
}

fn rescan(p: &str) -> Change {
    Change::Rescan(PathBuf::from(p))
}

fn no_dirs(_: &Path) -> bool {
    false
}

const CREATE: EventKind = EventKind::Create(CreateKind::File);
const RENAME: EventKind = EventKind::Modify(ModifyKind::Name(RenameMode::Both));

#[test]
fn every_path_of_a_change_is_reported_once() {
    let roots = roots(&["/r"]);
    let events = [
        event(CREATE, &["/r/a.jpg"]),
        event(
            EventKind::Modify(ModifyKind::Data(DataChange::Any)),
            &["/r/a.jpg"],
        ),
        event(RENAME, &["/r/notes/old.md", "/r/docs/new.md"]),
        event(EventKind::Remove(RemoveKind::Folder), &["/r/trip"]),
        event(
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            &["/r/b.md"],
        ),
    ];
    assert_eq!(
        changes_of(&events, &roots, &[], &no_dirs),
        [
            path("/r/a.jpg"),
            path("/r/b.md"),
            path("/r/docs/new.md"),
            path("/r/notes/old.md"),
            path("/r/trip"),
        ]
    );
}

#[test]
fn reading_files_is_no_change() {
    let roots = roots(&["/r"]);
    let events = [
        event(
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            &["/r/a.jpg"],
        ),
        event(
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            &["/r/a.jpg"],
        ),
        event(EventKind::Access(AccessKind::Read), &["/r/a.jpg"]),
        event(EventKind::Other, &["/r/a.jpg"]),
    ];
    assert_eq!(changes_of(&events, &roots, &[], &no_dirs), []);
}

#[test]
fn a_folder_whose_entries_changed_is_no_change_itself() {
    let roots = roots(&["/r"]);
    let is_dir = |p: &Path| p == Path::new("/r") || p == Path::new("/r/notes");
    let write_time = EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime));
    let events = [
        event(write_time, &["/r"]),
        event(EventKind::Modify(ModifyKind::Any), &["/r/notes"]),
        event(CREATE, &["/r/notes/new.md"]),
        event(write_time, &["/r/a.jpg"]),
    ];
    assert_eq!(
        changes_of(&events, &roots, &[], &is_dir),
        [path("/r/a.jpg"), path("/r/notes/new.md")]
    );
    // What may make a folder readable or not, and a folder that arrived, are changes.
    let chmod = EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions));
    let events = [
        event(chmod, &["/r/notes"]),
        event(RENAME, &["/elsewhere/trip", "/r/trip"]),
    ];
    assert_eq!(
        changes_of(&events, &roots, &[], &is_dir),
        [path("/r/notes"), path("/r/trip")]
    );
}

#[test]
fn paths_outside_the_roots_or_ignored_or_hidden_are_dropped() {
    let roots = roots(&["/r", "/s"]);
    let ignore = [PathBuf::from("/r/library")];
    let events = [
        event(CREATE, &["/elsewhere/a.jpg"]),
        event(CREATE, &["/rr/a.jpg"]),
        event(CREATE, &["/r/library/thumbs/1.webp"]),
        event(CREATE, &["/r/library"]),
        event(CREATE, &["/r/.git/index"]),
        event(CREATE, &["/r/app/node_modules/x/readme.md"]),
        event(CREATE, &["/r/.cache/x.jpg"]),
        event(CREATE, &["/s/kept.md"]),
        // A move out of the roots still removes its source.
        event(RENAME, &["/r/out.md", "/elsewhere/out.md"]),
    ];
    assert_eq!(
        changes_of(&events, &roots, &ignore, &no_dirs),
        [path("/r/out.md"), path("/s/kept.md")]
    );
}

#[test]
fn an_edited_ignore_file_changes_its_folder() {
    let roots = roots(&["/r"]);
    let events = [
        event(CREATE, &["/r/notes/.troveignore"]),
        event(CREATE, &["/r/.hidden/.troveignore"]),
    ];
    assert_eq!(
        changes_of(&events, &roots, &[], &no_dirs),
        [path("/r/notes")]
    );
    let top = [event(CREATE, &["/r/.troveignore"])];
    assert_eq!(changes_of(&top, &roots, &[], &no_dirs), [path("/r")]);
}

#[test]
fn a_folder_covers_its_contents_and_a_rescan_its_root() {
    let roots = roots(&["/r", "/s"]);
    let events = [
        event(CREATE, &["/r/trip/day1/a.jpg"]),
        event(CREATE, &["/r/trip"]),
        event(CREATE, &["/r/trip.md"]),
        event(CREATE, &["/r/trip/b.jpg"]),
        event(CREATE, &["/s/x/y.md"]),
        event(EventKind::Other, &["/s/x"]).tap_rescan(),
    ];
    assert_eq!(
        changes_of(&events, &roots, &[], &no_dirs),
        [rescan("/s"), path("/r/trip"), path("/r/trip.md")]
    );
}

#[test]
fn an_overflow_rescans_the_roots_it_names_or_all() {
    let roots = roots(&["/r", "/s"]);
    let anywhere = [event(EventKind::Other, &[]).tap_rescan()];
    assert_eq!(
        changes_of(&anywhere, &roots, &[], &no_dirs),
        [rescan("/r"), rescan("/s")]
    );
    let under_r = [event(EventKind::Other, &["/r/a"]).tap_rescan()];
    assert_eq!(changes_of(&under_r, &roots, &[], &no_dirs), [rescan("/r")]);
    let above_both = [event(EventKind::Other, &["/"]).tap_rescan()];
    assert_eq!(
        changes_of(&above_both, &roots, &[], &no_dirs),
        [rescan("/r"), rescan("/s")]
    );
}

#[test]
fn errors_rescan_the_roots_they_concern() {
    let roots = roots(&["/r", "/s"]);
    let io = || notify::Error::io(std::io::Error::other("queue read failed"));
    assert_eq!(
        changes_of_errors(&[io()], &roots),
        [rescan("/r"), rescan("/s")]
    );
    let limit = notify::Error::new(ErrorKind::MaxFilesWatch).add_path("/s/deep/new".into());
    assert_eq!(changes_of_errors(&[limit], &roots), [rescan("/s")]);
    assert_eq!(changes_of_errors(&[], &roots), []);
}

#[test]
fn an_error_met_on_every_poll_is_reported_once() {
    let mut repeats = Repeats::new(Duration::from_secs(10));
    let t0 = Instant::now();
    assert!(repeats.is_new("unreadable /r/x".into(), t0));
    assert!(repeats.is_new("unreadable /r/y".into(), t0));
    let every = Duration::from_secs(5);
    assert!(!repeats.is_new("unreadable /r/x".into(), t0 + every));
    assert!(!repeats.is_new("unreadable /r/x".into(), t0 + every * 2));
    // Gone for longer than the window, then back: a new condition.
    assert!(repeats.is_new("unreadable /r/x".into(), t0 + every * 5));
}

#[test]
fn real_paths_are_reported_under_the_root_as_given() {
    let roots = [Root {
        path: PathBuf::from("/var/r"),
        canonical: Some(PathBuf::from("/private/var/r")),
        lost: false,
    }];
    let events = [event(CREATE, &["/private/var/r/a.jpg"])];
    assert_eq!(
        changes_of(&events, &roots, &[], &no_dirs),
        [path("/var/r/a.jpg")]
    );
    let root_itself = [event(
        EventKind::Remove(RemoveKind::Folder),
        &["/private/var/r"],
    )];
    assert_eq!(
        changes_of(&root_itself, &roots, &[], &no_dirs),
        [path("/var/r")]
    );
}

#[test]
fn a_root_removed_or_moved_away_is_marked_lost() {
    let mut roots = roots(&["/r", "/s", "/t"]);
    let events = [
        event(EventKind::Remove(RemoveKind::Folder), &["/r"]),
        event(
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
            &["/s"],
        ),
        event(EventKind::Remove(RemoveKind::File), &["/t/a.jpg"]),
    ];
    mark_lost(&events, &mut roots);
    let lost: Vec<bool> = roots.iter().map(|r| r.lost).collect();
    assert_eq!(lost, [true, true, false]);
}

trait TapRescan {
    fn tap_rescan(self) -> Self;
}

impl TapRescan for DebouncedEvent {
    fn tap_rescan(mut self) -> Self {
        self.event = self.event.clone().set_flag(Flag::Rescan);
        self
    }
}

// Real file systems, with bounded waits.

const DEADLINE: Duration = Duration::from_secs(10);

/// Collects batches until `done` holds for everything received, or the deadline passes.
fn wait_for(rx: &Receiver<Vec<Change>>, done: impl Fn(&[Change]) -> bool) -> Vec<Change> {
    let deadline = Instant::now() + DEADLINE;
    let mut seen = Vec::new();
    while !done(&seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(batch) => {
                assert!(!batch.is_empty(), "an empty batch was sent");
                seen.extend(batch);
            }
            Err(_) => panic!("timed out; changes so far: {seen:?}"),
        }
    }
    seen
}

/// Whether a change other than a whole-root one covers `path`.
fn covers(changes: &[Change], root: &Path, path: &Path) -> bool {
    changes
        .iter()
        .any(|c| matches!(c, Change::Path(p) if p != root && path.starts_with(p)))
}

fn temp_root() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(dir.path()).unwrap().join("root");
    fs::create_dir_all(root.join("notes")).unwrap();
    fs::write(root.join("notes/old.md"), "old").unwrap();
    (dir, root)
}

fn start(poll: Option<Duration>) -> (Watcher, Receiver<Vec<Change>>) {
    let (tx, rx) = mpsc::channel();
    let options = WatchOptions {
        poll,
        debounce: Duration::from_millis(100),
        ..WatchOptions::default()
    };
    (Watcher::start(options, tx).unwrap(), rx)
}

fn creation_and_rename_are_reported(poll: Option<Duration>, mode: Mode) {
    let (_dir, root) = temp_root();
    let (mut watcher, rx) = start(poll);
    assert_eq!(watcher.watch(&root).unwrap(), mode);
    assert_eq!(watcher.watch(&root).unwrap(), mode, "watching twice");
    assert_eq!(watcher.watched(), [(root.clone(), mode)]);

    let new = root.join("notes/new.md");
    fs::write(&new, "new").unwrap();
    wait_for(&rx, |seen| covers(seen, &root, &new));

    let (from, to) = (root.join("notes/old.md"), root.join("moved.md"));
    fs::rename(&from, &to).unwrap();
    wait_for(&rx, |seen| {
        covers(seen, &root, &from) && covers(seen, &root, &to)
    });

    watcher.unwatch(&root);
    watcher.unwatch(&root);
    assert_eq!(watcher.watched(), []);
}

#[test]
fn os_events_report_a_creation_and_both_ends_of_a_rename() {
    creation_and_rename_are_reported(None, Mode::Events);
}

#[test]
fn polling_reports_a_creation_and_both_ends_of_a_rename() {
    creation_and_rename_are_reported(Some(Duration::from_millis(100)), Mode::Polling);
}

#[test]
fn a_moved_folder_is_reported_at_both_places_and_a_deleted_root_as_itself() {
    let (_dir, root) = temp_root();
    let (mut watcher, rx) = start(None);
    assert_eq!(watcher.watch(&root).unwrap(), Mode::Events);
    fs::rename(root.join("notes"), root.join("archive")).unwrap();
    let seen = wait_for(&rx, |seen| {
        covers(seen, &root, &root.join("notes")) && covers(seen, &root, &root.join("archive"))
    });
    assert!(seen.contains(&Change::Path(root.join("notes"))), "{seen:?}");

    fs::remove_dir_all(&root).unwrap();
    wait_for(&rx, |seen| seen.contains(&Change::Path(root.clone())));
    assert!(matches!(watcher.watch(&root), Err(WatchError::NotFound(_))));

    // Back again: watched anew, its old OS watch having gone with the folder.
    fs::create_dir_all(&root).unwrap();
    assert_eq!(watcher.watch(&root).unwrap(), Mode::Events);
    let again = root.join("again.md");
    fs::write(&again, "again").unwrap();
    wait_for(&rx, |seen| covers(seen, &root, &again));
}

#[test]
fn the_watcher_can_move_to_the_service_thread() {
    fn check<T: Send>() {}
    check::<Watcher>();
}

#[test]
fn a_missing_root_is_not_watched() {
    let (_dir, root) = temp_root();
    let (mut watcher, _rx) = start(None);
    let gone = root.join("gone");
    assert!(matches!(watcher.watch(&gone), Err(WatchError::NotFound(p)) if p == gone));
    assert_eq!(watcher.watched(), []);
    watcher.unwatch(&gone);
}
