//! A `trove` process stopped at a named fail point (trove-core's `failpoint.rs`), so a test can
//! act at that exact step and then let it go on: no sleeps, no races.

use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use super::TestCommand;

/// How long a process may take to reach its fail point (a loaded CI machine included).
const PATIENCE: Duration = Duration::from_secs(120);

pub struct Held {
    child: Option<Child>,
    point: &'static str,
    dir: tempfile::TempDir,
}

impl Held {
    /// Starts `cmd` with `point` set to hold, and returns once the process has reached it.
    pub fn at(point: &'static str, cmd: &mut TestCommand) -> Held {
        let dir = tempfile::Builder::new()
            .prefix("trove-hold-")
            .tempdir()
            .unwrap();
        let child = cmd
            .env(
                "FAILPOINTS",
                format!("{point}=return(hold:{})", dir.path().display()),
            )
            .cmd_mut()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start trove");
        let mut held = Held {
            child: Some(child),
            point,
            dir,
        };
        held.wait_reached();
        held
    }

    fn marker(&self, what: &str) -> PathBuf {
        self.dir.path().join(format!("{}.{what}", self.point))
    }

    fn wait_reached(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        while !self.marker("reached").exists() {
            let child = self.child.as_mut().unwrap();
            if child.try_wait().unwrap().is_some() {
                let output = self.child.take().unwrap().wait_with_output().unwrap();
                panic!(
                    "trove ended before reaching the fail point {}:\n{}",
                    self.point,
                    describe(&output)
                );
            }
            assert!(
                Instant::now() < deadline,
                "trove did not reach the fail point {} in {PATIENCE:?} (is it built with \
                 trove-core's `failpoints` feature? TROVE_TEST_BIN may name a build without it)",
                self.point
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Lets the process go on and waits for it to end.
    pub fn release(mut self) -> Output {
        std::fs::write(self.marker("release"), "").unwrap();
        self.child.take().unwrap().wait_with_output().unwrap()
    }

    /// Lets the process go on and returns the first line it prints (it is left running, and
    /// killed when this is dropped).
    pub fn release_then_first_line(mut self) -> String {
        use std::io::BufRead;
        std::fs::write(self.marker("release"), "").unwrap();
        let stdout = self.child.as_mut().unwrap().stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the first line");
        line
    }
}

impl Drop for Held {
    /// A failed test leaves no process behind.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
