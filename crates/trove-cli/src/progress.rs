//! Index progress on the terminal: a live bar when stderr is a terminal, otherwise plain lines
//! (at most one every few seconds) that read well in logs and CI output.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use trove_core::api::DownloadEvent;
use trove_core::api::IndexEvent;

const LINE_INTERVAL: Duration = Duration::from_secs(5);

pub struct Reporter {
    enabled: bool,
    bar: Option<ProgressBar>,
    last_line: Option<Instant>,
    /// What the bar currently shows, so a new phase restyles it.
    phase: &'static str,
}

impl Reporter {
    pub fn new(enabled: bool) -> Reporter {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Reporter {
            enabled,
            bar,
            last_line: None,
            phase: "",
        }
    }

    pub fn event(&mut self, event: &IndexEvent) {
        if !self.enabled {
            return;
        }
        match event {
            IndexEvent::Scanning { root } => self.message(&format!("scanning {root}")),
            IndexEvent::Reconciled(changes) => {
                // The counts are in the final report; what was skipped is only said here.
                for skipped in &changes.skipped {
                    self.println(&format!("skipped {}: {}", skipped.path, skipped.reason));
                }
            }
            IndexEvent::Download(d) => self.download(d),
            IndexEvent::Progress(p) => match &self.bar {
                Some(bar) => {
                    if bar.length() != Some(p.total as u64) || self.phase != p.phase {
                        self.phase = p.phase;
                        bar.set_length(p.total as u64);
                        bar.set_style(bar_style(&format!(
                            "{{spinner}} {} [{{bar:30}}] {{pos}}/{{len}} {{per_sec}} eta {{eta}} {{msg}}",
                            p.phase
                        )));
                        bar.set_message("");
                    }
                    bar.set_position(p.done as u64);
                    if let Some(current) = &p.current {
                        bar.set_message(shorten(current, 40));
                    }
                }
                None => {
                    let due = self.last_line.is_none_or(|t| t.elapsed() >= LINE_INTERVAL);
                    if p.done > 0 && (due || p.done == p.total) {
                        self.last_line = Some(Instant::now());
                        match p.phase {
                            "indexing" => {
                                eprintln!("indexed {}/{} ({} failed)", p.done, p.total, p.failed)
                            }
                            phase => eprintln!("{phase} {}/{}", p.done, p.total),
                        }
                    }
                }
            },
        }
    }

    /// Progress of a phase other than indexing (`trove eval`).
    pub fn step(&mut self, phase: &'static str, done: usize, total: usize) {
        self.event(&IndexEvent::Progress(trove_core::api::Progress {
            phase,
            done,
            total,
            failed: 0,
            current: None,
        }));
    }

    fn download(&mut self, event: &DownloadEvent) {
        match (event, &self.bar) {
            (DownloadEvent::Started { file, total }, Some(bar)) => {
                self.phase = "download";
                bar.set_length(*total);
                bar.set_position(0);
                bar.set_style(bar_style(
                    "{spinner} downloading [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {msg}",
                ));
                bar.set_message(file.clone());
            }
            (DownloadEvent::Progress { done, .. }, Some(bar)) => bar.set_position(*done),
            (DownloadEvent::Started { file, total }, None) => {
                eprintln!("downloading {file} ({} MB)", total / 1_000_000);
            }
            (DownloadEvent::Finished { file }, None) => eprintln!("downloaded {file}"),
            _ => {}
        }
    }

    fn message(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.set_message(text.to_string()),
            None => eprintln!("{text}"),
        }
    }

    /// Hides the bar until the next progress (the service went idle or paused).
    pub fn clear(&mut self) {
        if let Some(bar) = &self.bar {
            bar.set_style(ProgressStyle::with_template("").expect("valid template"));
            bar.set_length(0);
            self.phase = "";
        }
    }

    pub fn println(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .expect("valid template")
        .progress_chars("=> ")
}

fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        text.to_string()
    } else {
        let tail: String = text.chars().skip(count - max + 1).collect();
        format!("…{tail}")
    }
}
