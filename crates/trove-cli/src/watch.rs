//! `trove watch`: runs the engine service in the foreground and renders its events — a live
//! status line on a terminal, plain lines in logs, or JSON lines (`--json`) for scripts.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};
use trove_core::Library;
use trove_core::api::IndexEvent;
use trove_core::api::Progress;
use trove_core::api::ServiceEvent;

use crate::cli::WatchArgs;
use crate::progress::Reporter;

/// Ctrl-C (or SIGTERM) received so far: the first stops the service after the file in hand,
/// a second one quits at once (which loses nothing either: every batch commits on its own).
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

pub fn run(library: Library, args: &WatchArgs, quiet: bool) -> Result<()> {
    let json = args.index.json.json;
    let library = Arc::new(library);
    let (tx, rx) = mpsc::channel::<ServiceEvent>();
    let service = library
        .start_service(
            &args.index.dirs,
            Box::new(move |event| {
                let _ = tx.send(event.clone());
            }),
        )
        .context("cannot watch")?;
    ctrlc::set_handler(|| {
        if SIGNALS.fetch_add(1, Ordering::SeqCst) > 0 {
            std::process::exit(130);
        }
    })
    .context("cannot handle Ctrl-C")?;

    let mut printer = Printer::new(json, quiet);
    loop {
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => printer.print(&event),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if SIGNALS.load(Ordering::SeqCst) > 0 || service.is_finished() {
            break;
        }
    }
    printer.finish();
    let stopped = SIGNALS.load(Ordering::SeqCst) > 0;
    service.stop().context("indexing stopped")?;
    if stopped && !quiet && !json {
        eprintln!("stopped; `trove watch` picks up from here");
    }
    Ok(())
}

/// Prints the service's events: JSON lines, or for people (a live status line on a terminal).
pub(crate) struct Printer {
    json: bool,
    quiet: bool,
    reporter: Reporter,
    view: View,
}

impl Printer {
    pub(crate) fn new(json: bool, quiet: bool) -> Printer {
        Printer {
            json,
            quiet,
            reporter: Reporter::new(!quiet && !json),
            view: View::default(),
        }
    }

    pub(crate) fn print(&mut self, event: &ServiceEvent) {
        if !self.json {
            self.view.render(event, &mut self.reporter, self.quiet);
        } else if let Ok(line) = serde_json::to_string(event) {
            println!("{line}");
        }
    }

    pub(crate) fn finish(&mut self) {
        self.reporter.finish();
    }
}

/// What the human rendering remembers between events.
#[derive(Default)]
struct View {
    idle_said: bool,
}

impl View {
    fn render(&mut self, event: &ServiceEvent, reporter: &mut Reporter, quiet: bool) {
        let say = |reporter: &Reporter, text: String| {
            if !quiet {
                reporter.println(&text);
            }
        };
        match event {
            ServiceEvent::Watching { roots } => {
                for root in roots {
                    let how = match root.state {
                        "events" => "watching".to_string(),
                        "polling" => "polling".to_string(),
                        _ => format!(
                            "not there (an unplugged drive?): its files are kept as missing \
                             until it returns: {}",
                            root.path
                        ),
                    };
                    if root.state == "unavailable" {
                        say(reporter, how);
                    } else {
                        say(reporter, format!("{how} {}", root.path));
                    }
                }
            }
            ServiceEvent::Changes { changes, .. } => {
                for skipped in &changes.skipped {
                    say(
                        reporter,
                        format!("skipped {}: {}", skipped.path, skipped.reason),
                    );
                }
                let parts: Vec<String> = [
                    (changes.new, "new"),
                    (changes.changed, "changed"),
                    (changes.moved, "moved"),
                    (changes.removed, "removed"),
                    (changes.missing, "missing"),
                    (changes.restored, "back"),
                ]
                .into_iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
                if !parts.is_empty() {
                    say(reporter, format!("files: {}", parts.join(", ")));
                    self.idle_said = false;
                }
            }
            ServiceEvent::Models { models } => {
                for notice in models.iter().filter_map(|m| m.notice.as_ref()) {
                    eprintln!("warning: {notice}");
                }
            }
            ServiceEvent::Download { download } => {
                reporter.event(&IndexEvent::Download(download.clone()))
            }
            ServiceEvent::Progress(a) => reporter.event(&IndexEvent::Progress(Progress {
                phase: a.phase,
                done: a.done,
                total: a.total,
                failed: a.failed,
                current: a.current.clone(),
            })),
            ServiceEvent::Idle { counts, .. } => {
                reporter.clear();
                if !self.idle_said {
                    self.idle_said = true;
                    let failed = match counts.failed {
                        0 => String::new(),
                        n => format!(", {n} failed (`trove failed` says why)"),
                    };
                    say(
                        reporter,
                        format!(
                            "up to date: {} photos, {} notes{failed}; watching for changes \
                             (Ctrl-C stops)",
                            counts.photos, counts.notes
                        ),
                    );
                }
            }
            ServiceEvent::Paused => {
                reporter.clear();
                say(reporter, "paused; `trove resume` continues".into());
            }
            ServiceEvent::Resumed => say(reporter, "resumed".into()),
            ServiceEvent::Problem { message } => {
                reporter.println(&format!("problem: {message}; trying again shortly"))
            }
        }
    }
}
