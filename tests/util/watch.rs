//! A running `trove watch --json` (or `trove serve --json`) for the live tests: its JSON-line events collected as they
//! arrive, and bounded waits on conditions (never fixed sleeps): on an event, or on the library
//! reaching a state.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

trait OkOrDefault {
    fn ok_or_default(self) -> Result<(), String>;
}

impl OkOrDefault for Option<()> {
    fn ok_or_default(self) -> Result<(), String> {
        self.ok_or_else(|| "the condition does not hold yet".into())
    }
}

use super::Dir;

/// How long an awaited condition may take without a new event from the service before the
/// test fails.
pub const PATIENCE: Duration = Duration::from_secs(60);
/// The longest any wait lasts while the service keeps reporting progress.
pub const MOST_PATIENCE: Duration = Duration::from_secs(300);

pub struct Watching {
    child: Child,
    events: Arc<Mutex<Vec<Value>>>,
}

impl Dir {
    /// Starts `trove watch ARGS… --json`.
    pub fn watch<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Watching {
        self.service("watch", args)
    }

    /// Starts `trove serve ARGS… --json` (its first line names the address, then come the
    /// same events as `trove watch`).
    pub fn serve<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Watching {
        self.service("serve", args)
    }

    fn service<S: AsRef<std::ffi::OsStr>>(&self, command: &str, args: &[S]) -> Watching {
        let mut cmd = self.trove(&[command]);
        cmd.args(args).arg("--json");
        let mut child = cmd
            .cmd_mut()
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start trove {command}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let sink = events.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let event: Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
                sink.lock().unwrap().push(event);
            }
        });
        let watching = Watching { child, events };
        // A server beside another Trove's service indexes nothing, so it never goes idle.
        if command == "serve" && watching.wait_event(0, "listening")["indexing"] == false {
            return watching;
        }
        watching.wait_event(0, "idle");
        watching
    }
}

impl Watching {
    /// Every event so far.
    pub fn events(&self) -> Vec<Value> {
        self.events.lock().unwrap().clone()
    }

    /// How many events so far: a mark to wait for events after.
    pub fn mark(&self) -> usize {
        self.events.lock().unwrap().len()
    }

    /// Waits for an event named `name` at or after `mark`, and returns it.
    pub fn wait_event(&self, mark: usize, name: &str) -> Value {
        let mut found = None;
        self.wait_until(&format!("a {name:?} event"), || {
            found = self.events()[mark..]
                .iter()
                .find(|e| e["event"] == name)
                .cloned();
            found.is_some()
        });
        found.unwrap()
    }

    /// Waits until `condition` holds, checking often; fails the test after [`PATIENCE`].
    pub fn wait_until(&self, what: &str, mut condition: impl FnMut() -> bool) {
        self.wait_explained(what, || condition().then_some(()).ok_or_default());
    }

    /// Waits until `condition` is `Ok`; on timeout the test fails with its last `Err` (what
    /// still differs) and the events. The time out is [`PATIENCE`] without a new event: a
    /// service that keeps reporting progress on a loaded machine is waited for (up to
    /// [`MOST_PATIENCE`] in all), one that has gone quiet fails as soon as before.
    pub fn wait_explained(&self, what: &str, mut condition: impl FnMut() -> Result<(), String>) {
        let start = Instant::now();
        let mut deadline = start + PATIENCE;
        let mut seen = self.mark();
        loop {
            let why = match condition() {
                Ok(()) => return,
                Err(why) => why,
            };
            let now = Instant::now();
            let events = self.mark();
            if events > seen {
                seen = events;
                deadline = (now + PATIENCE).min(start + MOST_PATIENCE);
            }
            if now > deadline {
                panic!(
                    "gave up waiting for {what}: {why}\nevents:\n{}",
                    self.events()
                        .iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the service is idle after its latest changes and `condition` holds (the
    /// index reached the state the test expects); returns the last idle event.
    pub fn settle(&self, what: &str, mut condition: impl FnMut() -> bool) -> Value {
        self.settle_explained(what, || condition().then_some(()).ok_or_default())
    }

    /// [`Watching::settle`] with a condition that says what still differs.
    pub fn settle_explained(
        &self,
        what: &str,
        mut condition: impl FnMut() -> Result<(), String>,
    ) -> Value {
        let mut idle = Value::Null;
        self.wait_explained(what, || {
            let events = self.events();
            let last_idle = events.iter().rposition(|e| e["event"] == "idle");
            let last_busy = events
                .iter()
                .rposition(|e| e["event"] == "changes" || e["event"] == "progress");
            let quiet = match (last_idle, last_busy) {
                (Some(i), Some(b)) => i > b,
                (Some(_), None) => true,
                _ => false,
            };
            if !quiet {
                return Err("the service is not idle".into());
            }
            condition()?;
            idle = events[last_idle.unwrap()].clone();
            Ok(())
        });
        idle
    }

    /// The process id, for signals.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process with SIGKILL.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Stops it as Ctrl-C does, and waits for it to end; returns its exit code.
    pub fn interrupt(mut self) -> Option<i32> {
        // SAFETY: kill() with a valid pid and signal number touches no memory.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "trove watch did not stop on Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
