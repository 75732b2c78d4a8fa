//! `trove`: the command-line face of the engine. Glue only: parse arguments, call the
//! `Library` facade, render its answers as text or JSON.

mod cli;
mod progress;
mod render;
mod serve;
mod watch;

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Parser;
use trove_core::api::Kind;
use trove_core::api::{Filters, IndexEvent, ItemRef, SearchRequest};
use trove_core::{Library, Settings};

use cli::{Cli, Command, DeviceArg, IndexArgs, KindArg, ModelArgs, ServeArgs};
use trove_core::api::DeviceChoice;
use trove_core::api::ModelChoice;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            // One line: the cause chain, outermost first, without causes that a message
            // already quotes (many errors print their source in their own message).
            let mut chain: Vec<String> = Vec::new();
            for cause in err.chain().map(|e| e.to_string()) {
                if !chain.last().is_some_and(|outer| outer.contains(&cause)) {
                    chain.push(cause);
                }
            }
            eprintln!("error: {}", chain.join(": "));
            let user_error = err
                .downcast_ref::<trove_core::Error>()
                .is_some_and(|e| e.origin() == trove_core::Origin::User);
            ExitCode::from(if user_error { 2 } else { 1 })
        }
    }
}

/// `trove … | head` must end quietly when `head` stops reading, as command-line tools do: Rust
/// ignores SIGPIPE, which turns the closed pipe into a panic in `println!`.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; SIG_DFL is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

fn load_settings(cli: &Cli) -> Result<Settings> {
    let mut settings = match &cli.config {
        Some(path) => Settings::load_from(path)?,
        None => Settings::load()?,
    };
    if let Some(dir) = &cli.library {
        settings.library = Some(dir.clone());
    }
    if let Some(device) = cli.device {
        settings.models.device = match device {
            DeviceArg::Auto => DeviceChoice::Auto,
            DeviceArg::Cpu => DeviceChoice::Cpu,
            DeviceArg::Cuda => DeviceChoice::Cuda,
            DeviceArg::Metal => DeviceChoice::Metal,
        };
    }
    settings.models.offline |= cli.offline;
    Ok(settings)
}

fn apply_index_flags(settings: &mut Settings, args: &IndexArgs) {
    if let Some(n) = args.threads {
        settings.index.threads = Some(n);
    }
    if let Some(n) = args.batch_size {
        settings.index.batch_size = n;
    }
    if let Some(mb) = args.max_file_mb {
        settings.limits.max_file_bytes = mb * 1_000_000;
    }
    if let Some(mp) = args.max_image_megapixels {
        settings.limits.max_image_pixels = mp * 1_000_000;
    }
    if let Some(mb) = args.max_decode_mb {
        settings.limits.max_decode_bytes = mb * 1_000_000;
    }
    if let Some(px) = args.thumbnail_size {
        settings.limits.thumbnail_size = px;
    }
    apply_model_flags(settings, &args.models);
}

fn apply_model_flags(settings: &mut Settings, m: &ModelArgs) {
    // The environment stands in for a flag that was not given (an explicit flag always wins).
    let choice = ModelChoice {
        model: m.model.clone(),
        model_dir: m.model_dir.clone(),
        text_model: m.text_model.clone(),
        text_model_dir: m.text_model_dir.clone(),
    };
    settings.models.choose(&choice.or_from_env());
}

/// Prints `value` as JSON when asked to, else as the text `human` makes of it.
fn emit<T: serde::Serialize + ?Sized>(
    json: bool,
    value: &T,
    human: impl FnOnce(&T) -> String,
) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{}", human(value));
    }
    Ok(())
}

/// Prints a search's results as JSON when asked to, else for people, after what limits them
/// (on stderr).
fn emit_search(json: bool, results: &trove_core::api::SearchResults, color: bool) -> Result<()> {
    if json {
        return emit(true, &render::SearchJson::new(results), |_| String::new());
    }
    if let Some(warning) = render::limitation(results) {
        eprintln!("note: {warning}");
    }
    print!("{}", render::search(results, color));
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode> {
    let mut settings = load_settings(&cli)?;
    match &cli.command {
        Command::Index(args) => apply_index_flags(&mut settings, args),
        Command::Watch(args) | Command::Serve(ServeArgs { watch: args, .. }) => {
            apply_index_flags(&mut settings, &args.index);
            settings.watch.poll |= args.poll;
            settings.index.full_speed |= args.full_speed;
            if let Some(secs) = args.poll_interval {
                settings.watch.poll_interval_secs = secs;
            }
        }
        Command::Bench(args) => apply_model_flags(&mut settings, &args.models),
        Command::Eval(args) => apply_model_flags(&mut settings, &args.models),
        _ => {}
    }
    let dir = settings.library_dir()?;
    let library = Library::open(dir, settings);
    let color = std::io::stdout().is_terminal();

    match cli.command {
        Command::Index(args) => {
            let show_progress = !cli.quiet;
            let mut reporter = progress::Reporter::new(show_progress);
            let indexed =
                library.index(&args.dirs, &mut |event: &IndexEvent| reporter.event(event));
            reporter.finish();
            // A running service takes the work instead of a second writer waiting for it.
            if let Err(trove_core::Error::Busy { .. }) = &indexed
                && let Some(handed) = library.hand_over(&args.dirs)?
            {
                emit(
                    args.json.json,
                    &serde_json::json!({ "handed_over": handed }),
                    |_| render::handed_over(&handed),
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let report = indexed.context("indexing failed")?;
            eprint!("{}", render::index_notices(&report));
            emit(args.json.json, &report, render::index_report)?;
        }
        Command::Watch(args) => watch::run(library, &args, cli.quiet)?,
        Command::Serve(args) => serve::run(library, &args, cli.quiet)?,
        Command::Pause(json) => {
            library.pause()?;
            emit(json.json, &serde_json::json!({ "paused": true }), |_| {
                "indexing paused until `trove resume`\n".into()
            })?;
        }
        Command::Resume(json) => {
            library.resume()?;
            emit(json.json, &serde_json::json!({ "paused": false }), |_| {
                "indexing resumed\n".into()
            })?;
        }
        Command::Roots(json) => {
            let roots = library.roots()?;
            emit(json.json, roots.as_slice(), render::roots)?;
        }
        Command::Remove { dir, json } => {
            let report = library.remove_root(&dir)?;
            emit(json.json, &report, render::removed)?;
        }
        Command::Search(args) => {
            let request = SearchRequest {
                query: args.query.join(" "),
                kind: args.kind.map(|k| match k {
                    KindArg::Photo => Kind::Photo,
                    KindArg::Note => Kind::Note,
                }),
                limit: Some(args.limit),
                like: None,
                text_weight: Some(args.text_weight),
                all: args.all,
                filters: Filters {
                    folder: args.folder,
                    after: args.after,
                    before: args.before,
                    camera: args.camera,
                    has_gps: args.has_gps,
                },
            };
            let like = args.like.as_deref().map(ItemRef::parse);
            let results = library.search_by(&request, like.as_ref())?;
            emit_search(args.json.json, &results, color)?;
        }
        Command::Similar { photo, limit, json } => {
            let results = library.similar(&ItemRef::parse(&photo), limit)?;
            emit_search(json.json, &results, color)?;
        }
        Command::Status(json) => {
            let status = library.status()?;
            emit(json.json, &status, render::status)?;
        }
        Command::Failed(json) => {
            let failed = library.failed()?;
            emit(json.json, failed.as_slice(), render::failed)?;
        }
        Command::Show { item, json } => {
            let details = library.show(&ItemRef::parse(&item))?;
            emit(json.json, &details, render::details)?;
        }
        Command::Models(json) => {
            let models = library.models()?;
            emit(json.json, models.as_slice(), render::models)?;
        }
        Command::Bench(args) => {
            let mut reporter = progress::Reporter::new(!cli.quiet);
            let reports = library.bench_models(args.images, args.batch, args.rounds, &mut |e| {
                reporter.event(&IndexEvent::Download(e))
            })?;
            reporter.finish();
            emit(args.json.json, reports.as_slice(), render::bench)?;
        }
        Command::Eval(args) => {
            let mut reporter = progress::Reporter::new(!cli.quiet);
            let mut downloads = progress::Reporter::new(!cli.quiet);
            let report = library.eval(
                &args.captions,
                &args.images,
                args.split.as_deref(),
                &mut |e| downloads.event(&IndexEvent::Download(e)),
                &mut |images, captions, total_images, total_captions| {
                    reporter.step(
                        "embedding",
                        images + captions,
                        total_images + total_captions,
                    )
                },
            )?;
            reporter.finish();
            downloads.finish();
            emit(args.json.json, &report, |r| {
                eprint!("{}", render::eval_skipped(r));
                render::eval(r)
            })?;
        }
        Command::Check(json) => {
            let report = library.check()?;
            emit(json.json, &report, render::check)?;
            if !report.ok {
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
