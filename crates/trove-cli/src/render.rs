//! Human-readable output of the CLI. JSON output is the facade's types serialised as they are;
//! everything here is for people, so it may change wording freely.

use trove_core::api::BenchReport;
use trove_core::api::Changes;
use trove_core::api::EvalReport;
use trove_core::api::{
    CheckReport, FailedFile, IndexReport, ItemDetails, ModelEntry, RemoveReport, RootInfo,
    SearchResults, Status, Why,
};

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

pub fn index_report(r: &IndexReport) {
    for root in &r.roots_added {
        println!("Added {root}");
    }
    println!("{}", changes_line(&r.changes));
    let p = &r.processed;
    if p.indexed + p.failed + p.vanished == 0 {
        println!("Nothing to index: the library is up to date.");
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
        println!("{line}");
    }
    if p.embedded > 0 {
        println!(
            "Embedded {} earlier items with the current models",
            p.embedded
        );
    }
    let c = &r.counts;
    println!(
        "Library: {} photos, {} notes ({} failed, {} missing)",
        c.photos, c.notes, c.failed, c.missing
    );
    for m in &r.models {
        if let (Some(id), Some(device)) = (&m.id, &m.device) {
            println!("{} model: {id} on {device}", m.role.as_str());
        }
    }
}

/// Warnings of an index run (models that could not be used), for stderr.
pub fn index_notices(r: &IndexReport) {
    for notice in r.models.iter().filter_map(|m| m.notice.as_ref()) {
        eprintln!("warning: {notice}");
    }
}

fn duration(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs.div_ceil(60)),
        _ => format!("{} h {} min", secs / 3600, (secs % 3600) / 60),
    }
}

pub fn handed_over(h: &trove_core::api::HandedOver) {
    let what = if h.folders.is_empty() {
        "to look at every folder again".to_string()
    } else {
        format!("to add and index {}", h.folders.join(", "))
    };
    println!(
        "{} and was asked {what}; `trove status` shows its progress",
        h.holder
    );
}

pub fn bench(reports: &[BenchReport]) {
    for r in reports {
        println!(
            "{} ({}, {} on {} threads, loaded in {:.0} ms)",
            r.model, r.family, r.device, r.threads, r.load_ms
        );
        if let Some(rate) = r.images_per_sec {
            println!(
                "  image tower: {rate:.1} images/s ({} images, batches of {})",
                r.images, r.image_batch
            );
        }
        println!(
            "  text query:  {:.1} ms median, {:.1} ms mean ({} queries)",
            r.text_ms_median, r.text_ms_mean, r.queries
        );
    }
}

pub fn eval(r: &EvalReport) {
    println!(
        "{}: {} images, {} captions ({:.1} s)",
        r.model,
        r.images,
        r.captions,
        r.elapsed_ms as f64 / 1000.0
    );
    println!(
        "{:<14} {:>6} {:>6} {:>6} {:>6} {:>12}",
        "", "R@1", "R@5", "R@10", "mAP", "median rank"
    );
    for (name, m) in [
        ("text → image", &r.text_to_image),
        ("image → text", &r.image_to_text),
    ] {
        println!(
            "{name:<14} {:>6.1} {:>6.1} {:>6.1} {:>6.1} {:>12}",
            m.recall_at_1 * 100.0,
            m.recall_at_5 * 100.0,
            m.recall_at_10 * 100.0,
            m.map * 100.0,
            m.median_rank
        );
    }
    for s in &r.skipped {
        eprintln!("skipped {s}");
    }
}

pub fn models(models: &[ModelEntry]) {
    // The widest id, with room for the default marker.
    let w = models
        .iter()
        .map(|m| m.id.chars().count() + 2)
        .max()
        .unwrap_or(24);
    println!(
        "{:<w$} {:<7} {:<13} {:>5} {:>9}  {:<9} {:<14} this library",
        "ID", "ROLE", "FAMILY", "DIM", "SIZE", "INSTALLED", "FLICKR T→I R@1"
    );
    for m in models {
        let mut id = m.id.clone();
        if m.default {
            id.push_str(" *");
        }
        let r1 = m
            .published
            .and_then(|p| p.flickr_t2i_r1)
            .map_or("—".to_string(), |v| format!("{v:.1}"));
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
        println!(
            "{id:<w$} {:<7} {:<13} {:>5} {:>9}  {:<9} {r1:<14} {}",
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
        );
    }
    println!("* default. Models download on first use; see docs/models.md for offline use.");
}

pub fn removed(r: &RemoveReport) {
    println!(
        "Removed {} ({} files forgotten; nothing on disk was touched)",
        r.root, r.files_removed
    );
}

pub fn check(r: &CheckReport) {
    if r.ok {
        println!("The library is consistent.");
    }
    for problem in &r.problems {
        println!("problem: {problem}");
    }
}

pub fn roots(roots: &[RootInfo]) {
    if roots.is_empty() {
        println!("No folders yet. Add one with `trove index DIR`.");
        return;
    }
    for root in roots {
        let c = &root.counts;
        let state = if root.available {
            ""
        } else {
            "  [unavailable]"
        };
        println!(
            "{}  {} photos, {} notes, {} failed, {} pending{state}",
            root.path, c.photos, c.notes, c.failed, c.pending
        );
    }
}

fn bytes(n: u64) -> String {
    trove_core::api::human_size(n)
}

pub fn status(s: &Status) {
    let c = &s.counts;
    println!("Library:  {} ({})", s.library, bytes(s.library_bytes));
    println!(
        "Files:    {} indexed ({} photos, {} notes), {} pending, {} failed, {} missing",
        c.indexed, c.photos, c.notes, c.pending, c.failed, c.missing
    );
    println!(
        "Contents: {} distinct, {} note passages",
        s.contents, s.chunks
    );
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
            println!("Service:  {doing} — Trove (pid {})", service.pid);
        }
        None if s.paused => println!("Indexing: paused — `trove resume` continues"),
        None => {}
    }
    if s.roots.is_empty() {
        println!("Folders:  none yet — add one with `trove index DIR`");
    } else {
        println!("Folders:");
        for root in &s.roots {
            let state = if root.available {
                ""
            } else {
                "  [unavailable]"
            };
            println!("  {}  {} files{state}", root.path, root.counts.files);
        }
    }
    if s.models.is_empty() {
        println!("Models:   none yet — search uses keywords (see `trove models`)");
    } else {
        println!("Models:");
        for m in &s.models {
            let mut state = Vec::new();
            if m.serving {
                state.push("searching");
            }
            if m.target {
                state.push(if m.complete { "active" } else { "embedding" });
            }
            println!(
                "  {} ({}): {} vectors, {} waiting  [{}]",
                m.id,
                m.role.as_str(),
                m.vectors,
                m.missing,
                state.join(", ")
            );
        }
    }
    if c.failed > 0 {
        println!("See `trove failed` for what could not be indexed.");
    }
}

pub fn failed(files: &[FailedFile]) {
    if files.is_empty() {
        println!("No failed files.");
        return;
    }
    for f in files {
        println!("{}\n  {}", f.path, f.reason);
    }
    println!("{} failed. They are retried when they change.", files.len());
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

pub fn search(r: &SearchResults, color: bool) {
    if let Some(warning) = &r.warning {
        eprintln!("note: {warning}");
    }
    if let Some(notice) = &r.notice {
        println!("{notice}");
    }
    if !r.filters.is_empty() {
        println!("Filters: {}", r.filters.join(", "));
    }
    if r.photos.is_empty() && r.notes.is_empty() {
        if r.notice.is_none() {
            println!("No photos or notes match “{}”.", r.query);
        }
        return;
    }
    let similar = r.mode == "similar";
    if !r.photos.is_empty() {
        println!("Photos ({})", r.photos.len());
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
            let weak = if p.below_cutoff { "  (weak match)" } else { "" };
            println!("{:>3}. {}  [id {}]{weak}", i + 1, p.path, p.id);
            if !facts.is_empty() {
                println!("     {}", facts.join(", "));
            }
            let reason = if similar {
                format!("similarity {:.3}", p.score)
            } else {
                why(&p.why, p.below_cutoff)
            };
            println!("     {reason}");
        }
    }
    if !r.notes.is_empty() {
        if !r.photos.is_empty() {
            println!();
        }
        println!("Notes ({})", r.notes.len());
        for (i, n) in r.notes.iter().enumerate() {
            let weak = if n.below_cutoff { "  (weak match)" } else { "" };
            println!(
                "{:>3}. {} — {}  [id {}]{weak}",
                i + 1,
                n.title,
                n.path,
                n.id
            );
            let heading = if n.heading.is_empty() {
                String::new()
            } else {
                format!("{}: ", n.heading)
            };
            println!(
                "     {heading}{}",
                highlight(&n.snippet.replace('\n', " "), &n.highlights, color)
            );
            let reason = if similar {
                format!("similarity {:.3}", n.score)
            } else {
                why(&n.why, n.below_cutoff)
            };
            println!("     {reason}");
        }
    }
    let hidden = r.hidden.photos + r.hidden.notes;
    if hidden > 0 {
        println!(
            "\n{hidden} weaker {} hidden (--all shows {})",
            if hidden == 1 { "match" } else { "matches" },
            if hidden == 1 { "it" } else { "them" }
        );
    }
}

pub fn details(d: &ItemDetails) {
    let f = &d.file;
    println!("{}  [id {}]", f.path, f.id);
    println!("  kind:     {}", f.kind.as_str());
    println!("  state:    {}", f.state);
    if let Some(e) = &d.error {
        println!("  reason:   {e}");
    }
    println!("  size:     {}", bytes(f.size));
    if let Some(m) = &d.modified {
        println!("  modified: {m}");
    }
    if let Some(h) = &f.hash {
        println!("  blake3:   {h}");
    }
    for copy in &d.copies {
        println!("  copy at:  {copy}");
    }
    if let Some(p) = &d.photo {
        println!("  format:   {} {}×{}", p.format, p.width, p.height);
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
                println!("  {:<9} {value}", format!("{label}:"));
            }
        }
    }
    if let Some(n) = &d.note {
        println!("  format:   {}", n.format);
        println!("  title:    {}", n.title);
        println!(
            "  text:     {} characters in {} passages",
            n.chars,
            n.chunks.len()
        );
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
            println!("    [{}..{}] {heading}: {preview}…", c.start, c.end);
        }
    }
}
