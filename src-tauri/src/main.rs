//! `trove-desktop`: Trove's desktop app. Glue only: read the few launch flags, log, run.

// No console window on Windows.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Trove: find your own photos and notes by meaning. The window searches; indexing goes on in
/// the background, shown in the tray.
#[derive(Parser)]
#[command(name = "trove-desktop", version)]
struct Args {
    /// The library to open [default: the settings' `library`, else ~/.local/share/trove]
    #[arg(long, env = "TROVE_LIBRARY", value_name = "DIR")]
    library: Option<PathBuf>,

    /// Start in the tray without opening the window (how Trove starts at login)
    #[arg(long)]
    hidden: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let launch = trove_desktop::Launch {
        library: args.library,
        hidden: args.hidden,
    };
    match trove_desktop::run(launch) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", anyhow::Error::from(e));
            ExitCode::FAILURE
        }
    }
}
