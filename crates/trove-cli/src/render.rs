//! Human-readable output of the CLI. JSON output is the facade's types serialised as they are;
//! everything here is for people, so it may change wording freely. Each function returns the
//! text; the caller prints it (stdout, or stderr for warnings).

use trove_core::api::BenchReport;
use trove_core::api::Changes;
use trove_core::api::EvalReport;
use trove_core::api::{
    CheckReport, FailedFile, IndexReport, ItemDetails, Limitation, Mode, ModelEntry, Notice,
    RemoveReport, RootInfo, SearchResults, Status, Why,
};

/// Output for people, built up line by line before it is printed (so tests can read it).
#[derive(Default)]
struct Lines(String);

impl Lines {
    fn line(&mut self, line: impl std::fmt::Display) {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = writeln!(self.0, "{line}");
    }
}

fn changes_line(c: &Changes) -> String {
    let mut line = format!(
        "{} new, {} changed, {} moved, {} removed",
        c.new, c.changed, c.moved, c.removed
    );
    if c.missing > 0 {
        line.push_str(&format!(", {} missing (folder unavailable)", c.missing));
    }
    if c.restored > 0 {
        line.push_str(&format!(", {} back", c.restored));
    }
    if !c.skipped.is_empty() {
        line.push_str(&format!(", {} skipped", c.skipped.len()));
    }
    line
}

fn seconds(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

pub fn index_report(r: &IndexReport) -> String {
    let mut out = Lines::default();
    for root in &r.roots_added {
        out.line(format_args!("Added {root}"));
    }
    out.line(changes_line(&r.changes));
    let p = &r.processed;
    if p.indexed + p.failed + p.vanished == 0 {
        out.line("Nothing to index: the library is up to date.");
    } else {
        let mut line = format!("Indexed {} files in {}", p.indexed, seconds(r.elapsed_ms));
        if p.deduplicated > 0 {
            line.push_str(&format!(" ({} already known by content)", p.deduplicated));
        }
        if p.failed > 0 {
            line.push_str(&format!("; {} failed — see `trove failed`", p.failed));
        }
        if p.vanished > 0 {
            line.push_str(&format!(
                "; {} vanished before they could be read",
                p.vanished
            ));
        }
        out.line(line);
    }
    if p.embedded > 0 {
        out.line(format_args!(
            "Embedded {} earlier items with the current models",
            p.embedded
        ));
    }
    let c = &r.counts;
    out.line(format_args!(
        "Library: {} photos, {} notes ({} failed, {} missing)",
        c.photos, c.notes, c.failed, c.missing
    ));
    for m in &r.models {
        if let (Some(id), Some(device)) = (&m.id, &m.device) {
            out.line(format_args!("{} model: {id} on {device}", m.role.as_str()));
        }
    }
    out.0
}

/// Warnings of an index run (models that could not be used), for stderr.
pub fn index_notices(r: &IndexReport) -> String {
    let mut out = Lines::default();
    for notice in r.models.iter().filter_map(|m| m.notice.as_ref()) {
        out.line(format_args!("warning: {notice}"));
    }
    out.0
}

fn duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

pub fn handed_over(h: &trove_core::api::HandedOver) -> String {
    let mut out = Lines::default();
    let what = if h.folders.is_empty() {
        "to look at every folder again".to_string()
    } else {
        format!("to add and index {}", h.folders.join(", "))
    };
    out.line(format_args!(
        "{} and was asked {what}; `trove status` shows its progress",
        h.holder
    ));
    out.0
}

pub fn bench(reports: &[BenchReport]) -> String {
    let mut out = Lines::default();
    for r in reports {
        out.line(format_args!(
            "{} ({}, {} on {} threads, loaded in {:.0} ms)",
            r.model, r.family, r.device, r.threads, r.load_ms
        ));
        if let Some(rate) = r.images_per_sec {
            out.line(format_args!(
                "  image tower: {rate:.1} images/s ({} images, batches of {}; the tower indexing runs)",
                r.images, r.image_batch
            ));
        }
        out.line(format_args!(
            "  text query:  {:.1} ms median, {:.1} ms mean ({} queries; a repeated one is cached)",
            r.text_ms_median, r.text_ms_mean, r.queries
        ));
    }
    out.0
}

pub fn eval(r: &EvalReport) -> String {
    let mut out = Lines::default();
    out.line(format_args!(
        "{}: {} images, {} captions ({:.1} s)",
        r.model,
        r.images,
        r.captions,
        r.elapsed_ms as f64 / 1000.0
    ));
    out.line(format_args!(
        "{:<14} {:>6} {:>6} {:>6} {:>6} {:>12}",
        "", "R@1", "R@5", "R@10", "mAP", "median rank"
    ));
    for (name, m) in [
        ("text → image", &r.text_to_image),
        ("image → text", &r.image_to_text),
    ] {
        out.line(format_args!(
            "{name:<14} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>12}",
            m.recall_at_1 * 100.0,
            m.recall_at_5 * 100.0,
            m.recall_at_10 * 100.0,
            m.map * 100.0,
            m.median_rank
        ));
    }
    out.0
}

pub fn models(models: &[ModelEntry]) -> String {
    let mut out = Lines::default();
    // The widest id, with room for the default marker.
    let w = models
        .iter()
        .map(|m| m.id.chars().count() + 2)
        .max()
        .unwrap_or(24);
    let lw = models
        .iter()
        .map(|m| m.licence.chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    // Published text → image Recall@1 on COCO 5k and Flickr30k 1k (`--json` names sources).
    out.line(format_args!(
        "{:<w$} {:<7} {:<13} {:>5} {:>9}  {:<9} {:>4} {:>6}  {:<lw$} this library",
        "ID", "ROLE", "FAMILY", "DIM", "SIZE", "INSTALLED", "COCO", "FLICKR", "LICENCE"
    ));
    for m in models {
        let mut id = m.id.clone();
        if m.default {
            id.push_str(" *");
        }
        let r1 = |figure: fn(&trove_core::api::registry::Published) -> Option<f32>| {
            m.published
                .as_ref()
                .and_then(figure)
                .map_or("—".to_string(), |v| format!("{v:.1}"))
        };
        let (coco, flickr) = (r1(|p| p.coco_t2i_r1), r1(|p| p.flickr_t2i_r1));
        let licence = &m.licence;
        let mut usage = Vec::new();
        if m.serving {
            usage.push("searching".to_string());
        }
        if m.target && !m.complete {
            usage.push("embedding".to_string());
        } else if m.target {
            usage.push("active".to_string());
        }
        if m.vectors > 0 {
            usage.push(format!("{} vectors", m.vectors));
        }
        out.line(format_args!(
            "{id:<w$} {:<7} {:<13} {:>5} {:>9}  {:<9} {coco:>4} {flickr:>6}  {licence:<lw$} {}",
            m.role.as_str(),
            m.family,
            m.dim,
            match (m.size, m.size_exact) {
                (0, false) => "unknown".to_string(),
                (n, false) => format!("~{}", bytes(n)),
                (n, true) => bytes(n),
            },
            if m.installed { "yes" } else { "no" },
            usage.join(", ")
        ));
    }
    out.line(format_args!(
        "* default. Models download on first use into the hub cache; offline, give a model's \
         folder with --model-dir (config.json, model.safetensors, tokenizer.json)."
    ));
    out.0
}

pub fn removed(r: &RemoveReport) -> String {
    let mut out = Lines::default();
    out.line(format_args!(
        "Removed {} ({} files forgotten; nothing on disk was touched)",
        r.root, r.files_removed
    ));
    out.0
}

pub fn check(r: &CheckReport) -> String {
    let mut out = Lines::default();
    if r.ok {
        out.line("The library is consistent.");
    }
    for problem in &r.problems {
        out.line(format_args!("problem: {problem}"));
    }
    out.0
}

pub fn roots(roots: &[RootInfo]) -> String {
    let mut out = Lines::default();
    if roots.is_empty() {
        out.line(format_args!(
            "No folders yet. Add one with `trove index DIR`."
        ));
        return out.0;
    }
    for root in roots {
        let c = &root.counts;
        let state = if root.available {
            ""
        } else {
            "  [unavailable]"
        };
        out.line(format_args!(
            "{}  {} photos, {} notes, {} failed, {} pending{state}",
            root.path, c.photos, c.notes, c.failed, c.pending
        ));
    }
    out.0
}

fn bytes(n: u64) -> String {
    trove_core::api::human_size(n)
}

pub fn status(s: &Status) -> String {
    let mut out = Lines::default();
    let c = &s.counts;
    out.line(format_args!(
        "Library:  {} ({})",
        s.library,
        bytes(s.library_bytes)
    ));
    out.line(format_args!(
        "Files:    {} indexed ({} photos, {} notes), {} pending, {} failed, {} missing",
        c.indexed, c.photos, c.notes, c.pending, c.failed, c.missing
    ));
    out.line(format_args!(
        "Contents: {} distinct, {} note passages",
        s.contents, s.chunks
    ));
    match &s.service {
        Some(service) => {
            let doing = match service.state.as_str() {
                "indexing" | "embedding" => {
                    let eta = service
                        .eta_secs
                        .map(|s| format!(", about {} left", duration(s)))
                        .unwrap_or_default();
                    format!(
                        "{} {}/{} ({:.0}/s{eta})",
                        service.state, service.done, service.total, service.rate
                    )
                }
                "idle" => "up to date, watching for changes".into(),
                other => other.to_string(),
            };
            out.line(format_args!(
                "Service:  {doing} — Trove (pid {})",
                service.pid
            ));
        }
        None if s.paused => out.line("Indexing: paused — `trove resume` continues"),
        None => {}
    }
    if s.roots.is_empty() {
        out.line(format_args!(
            "Folders:  none yet — add one with `trove index DIR`"
        ));
    } else {
        out.line("Folders:");
        for root in &s.roots {
            let state = if root.available {
                ""
            } else {
                "  [unavailable]"
            };
            out.line(format_args!(
                "  {}  {} files{state}",
                root.path, root.counts.files
            ));
        }
    }
    if s.models.is_empty() {
        out.line(format_args!(
            "Models:   none yet — search uses keywords (see `trove models`)"
        ));
    } else {
        out.line("Models:");
        for m in &s.models {
            let mut state = Vec::new();
            if m.serving {
                state.push("searching");
            }
            if m.target {
                state.push(if m.complete { "active" } else { "embedding" });
            }
            out.line(format_args!(
                "  {} ({}): {} vectors, {} waiting  [{}]",
                m.id,
                m.role.as_str(),
                m.vectors,
                m.missing,
                state.join(", ")
            ));
        }
    }
    if c.failed > 0 {
        out.line(format_args!(
            "See `trove failed` for what could not be indexed."
        ));
    }
    out.0
}

pub fn failed(files: &[FailedFile]) -> String {
    let mut out = Lines::default();
    if files.is_empty() {
        out.line("No failed files.");
        return out.0;
    }
    for f in files {
        out.line(format_args!("{}\n  {}", f.path, f.reason));
    }
    out.line(format_args!(
        "{} failed. They are retried when they change.",
        files.len()
    ));
    out.0
}

/// Marks the highlighted ranges: bold on a terminal, **like this** elsewhere.
fn highlight(text: &str, ranges: &[[usize; 2]], color: bool) -> String {
    let (open, close) = if color {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("**", "**")
    };
    let mut out = String::with_capacity(text.len() + ranges.len() * 8);
    let mut next = ranges.iter().peekable();
    for (i, c) in text.chars().enumerate() {
        if next.peek().is_some_and(|r| r[0] == i) {
            out.push_str(open);
        }
        out.push(c);
        if let Some(r) = next.peek()
            && r[1] == i + 1
        {
            out.push_str(close);
            next.next();
        }
    }
    out
}

/// Why a result matched, in one line: "words in name, title · meaning 0.31 (#2) · taken …".
fn why(w: &Why, below_cutoff: bool) -> String {
    let mut parts = Vec::new();
    if let Some(k) = &w.keyword {
        let which = if k.all_words { "words" } else { "some words" };
        parts.push(format!("{which} in {}", k.fields.join(", ")));
    }
    if let Some(s) = &w.semantic {
        let mut part = format!("meaning {:.3} (#{})", s.score, s.rank);
        if below_cutoff && let Some(c) = s.cutoff {
            part.push_str(&format!(", below the cutoff {c:.3}"));
        }
        parts.push(part);
    }
    parts.extend(w.filters.iter().cloned());
    parts.join(" · ")
}

/// A search's notices in the CLI's words, in one line.
pub fn notices(r: &SearchResults) -> Option<String> {
    let worded: Vec<String> = r.notices.iter().map(|n| notice(n, &r.query)).collect();
    (!worded.is_empty()).then(|| worded.join("; "))
}

fn notice(notice: &Notice, query: &str) -> String {
    match notice {
        Notice::EmptyQuery => "type something to search for".into(),
        Notice::NoKeywordWords { by_meaning: true } => {
            "no words to match by keyword (letters or digits); matched by meaning only".into()
        }
        Notice::NoKeywordWords { by_meaning: false } => {
            "the query has no words to search for (letters or digits)".into()
        }
        Notice::SamePhoto { paths } => format!("same photo: {}", paths.join(", ")),
        Notice::AllTooWeak { hidden } => format!(
            "nothing matches “{query}” closely enough; {hidden} weaker {} hidden (--all shows {})",
            if *hidden == 1 {
                "match is"
            } else {
                "matches are"
            },
            if *hidden == 1 { "it" } else { "them" }
        ),
    }
}

/// What limits a search's results (if anything does), in the CLI's words.
pub fn limitation(r: &SearchResults) -> Option<String> {
    let fix = "(see `trove models` and the warnings of `trove index`)";
    r.limitation.map(|l| match l {
        Limitation::KeywordOnly => {
            format!("keyword matches only: no model has embedded this library yet {fix}")
        }
        Limitation::PhotosByNameOnly => format!(
            "photos match by name and metadata only: no image model has embedded this \
             library yet {fix}"
        ),
    })
}

/// A search's results as `--json` prints them: the engine's answer, its notices and limitation
/// also in words (`notice`, `warning`) as the text output says them.
#[derive(serde::Serialize)]
pub struct SearchJson<'a> {
    #[serde(flatten)]
    pub results: &'a SearchResults,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl<'a> SearchJson<'a> {
    pub fn new(results: &'a SearchResults) -> Self {
        SearchJson {
            results,
            notice: notices(results),
            warning: limitation(results),
        }
    }
}

/// Pairs `trove eval` left out (an image or caption it could not use), for stderr.
pub fn eval_skipped(r: &EvalReport) -> String {
    let mut out = Lines::default();
    for s in &r.skipped {
        out.line(format_args!("skipped {s}"));
    }
    out.0
}

pub fn search(r: &SearchResults, color: bool) -> String {
    let mut out = Lines::default();
    let notice = notices(r);
    if let Some(notice) = &notice {
        out.line(notice);
    }
    if !r.filters.is_empty() {
        out.line(format_args!("Filters: {}", r.filters.join(", ")));
    }
    if r.photos.is_empty() && r.notes.is_empty() {
        if notice.is_none() {
            out.line(format_args!("No photos or notes match “{}”.", r.query));
        }
        return out.0;
    }
    let similar = r.mode == Mode::Similar;
    if !r.photos.is_empty() {
        out.line(format_args!("Photos ({})", r.photos.len()));
        for (i, p) in r.photos.iter().enumerate() {
            let mut facts = Vec::new();
            if let (Some(w), Some(h)) = (p.width, p.height) {
                facts.push(format!("{w}×{h}"));
            }
            if let Some(t) = &p.taken_at {
                facts.push(t.clone());
            }
            if let Some(c) = &p.camera {
                facts.push(c.clone());
            }
            if let Some(raw) = &p.raw {
                facts.push(format!("RAW beside it: {raw}"));
            }
            let weak = if p.below_cutoff { "  (weak match)" } else { "" };
            out.line(format_args!(
                "{:>3}. {}  [id {}]{weak}",
                i + 1,
                p.path,
                p.id
            ));
            if !facts.is_empty() {
                out.line(format_args!("     {}", facts.join(", ")));
            }
            let reason = if similar {
                format!("similarity {:.3}", p.score)
            } else {
                why(&p.why, p.below_cutoff)
            };
            out.line(format_args!("     {reason}"));
        }
    }
    if !r.notes.is_empty() {
        if !r.photos.is_empty() {
            out.line("");
        }
        out.line(format_args!("Notes ({})", r.notes.len()));
        for (i, n) in r.notes.iter().enumerate() {
            let weak = if n.below_cutoff { "  (weak match)" } else { "" };
            out.line(format_args!(
                "{:>3}. {} — {}  [id {}]{weak}",
                i + 1,
                n.title,
                n.path,
                n.id
            ));
            let heading = if n.heading.is_empty() {
                String::new()
            } else {
                format!("{}: ", n.heading)
            };
            out.line(format_args!(
                "     {heading}{}",
                highlight(&n.snippet.replace('\n', " "), &n.highlights, color)
            ));
            let reason = if similar {
                format!("similarity {:.3}", n.score)
            } else {
                why(&n.why, n.below_cutoff)
            };
            out.line(format_args!("     {reason}"));
        }
    }
    let hidden = r.hidden.photos + r.hidden.notes;
    if hidden > 0 {
        out.line(format_args!(
            "\n{hidden} weaker {} hidden (--all shows {})",
            if hidden == 1 { "match" } else { "matches" },
            if hidden == 1 { "it" } else { "them" }
        ));
    }
    out.0
}

pub fn details(d: &ItemDetails) -> String {
    let mut out = Lines::default();
    let f = &d.file;
    out.line(format_args!("{}  [id {}]", f.path, f.id));
    out.line(format_args!("  kind:     {}", f.kind.as_str()));
    out.line(format_args!("  state:    {}", f.state));
    if let Some(e) = &d.error {
        out.line(format_args!("  reason:   {e}"));
    }
    out.line(format_args!("  size:     {}", bytes(f.size)));
    if let Some(m) = &d.modified {
        out.line(format_args!("  modified: {m}"));
    }
    if let Some(h) = &f.hash {
        out.line(format_args!("  blake3:   {h}"));
    }
    for copy in &d.copies {
        out.line(format_args!("  copy at:  {copy}"));
    }
    if let Some(p) = &d.photo {
        out.line(format_args!(
            "  format:   {} {}×{}",
            p.format, p.width, p.height
        ));
        let fields = [
            ("taken", p.taken_at.clone()),
            ("camera", p.camera.clone()),
            ("lens", p.lens.clone()),
            (
                "place",
                p.latitude
                    .zip(p.longitude)
                    .map(|(la, lo)| format!("{la:.6}, {lo:.6}")),
            ),
            (
                "rotation",
                p.orientation
                    .filter(|o| *o != 1)
                    .map(|o| format!("EXIF orientation {o}")),
            ),
            ("thumbnail", p.thumbnail.clone()),
        ];
        for (label, value) in fields {
            if let Some(value) = value {
                out.line(format_args!("  {:<9} {value}", format!("{label}:")));
            }
        }
    }
    if let Some(n) = &d.note {
        out.line(format_args!("  format:   {}", n.format));
        out.line(format_args!("  title:    {}", n.title));
        out.line(format_args!(
            "  text:     {} characters in {} passages",
            n.chars,
            n.chunks.len()
        ));
        for c in &n.chunks {
            let heading = if c.heading.is_empty() {
                "—"
            } else {
                &c.heading
            };
            let preview: String = c
                .text
                .chars()
                .take(70)
                .collect::<String>()
                .replace('\n', " ");
            out.line(format_args!(
                "    [{}..{}] {heading}: {preview}…",
                c.start, c.end
            ));
        }
    }
    out.0
}
