//! `trove serve`: the web UI on loopback, with the engine service running beside it; prints
//! the address (or opens it) and the service's events as `trove watch` does.

use std::sync::Arc;
use std::sync::mpsc;

use anyhow::{Context, Result};
use trove_core::Library;
use trove_core::api::ServiceEvent;
use trove_server::{Listening, ServeOptions};

use crate::cli::ServeArgs;
use crate::watch::Printer;

pub fn run(library: Library, args: &ServeArgs, quiet: bool) -> Result<()> {
    let json = args.watch.index.json.json;
    let (tx, rx) = mpsc::channel::<ServiceEvent>();
    // The service starts before the address is known to the caller, so its first events wait
    // for the address line: `--json` promises that line comes first. A server that fails before
    // it listens drops the sender, and the printer goes on.
    let (listened, address_printed) = mpsc::channel::<()>();
    // The service's events are printed off its thread; the channel closes when it stops.
    let printer = std::thread::spawn(move || {
        let _ = address_printed.recv();
        let mut printer = Printer::new(json, quiet);
        for event in rx {
            printer.print(&event);
        }
        printer.finish();
    });
    let options = ServeOptions {
        port: args.port,
        dirs: args.watch.index.dirs.clone(),
    };
    let open = args.open;
    let listening = move |at: &Listening| {
        trove_core::api::failpoint("serve::before_address");
        if json {
            let line = serde_json::json!({
                "event": "listening",
                "url": at.url,
                "port": at.port,
                "indexing": at.indexing_here,
            });
            println!("{line}");
        } else {
            println!("Trove is at {}", at.url);
            if !at.indexing_here {
                println!(
                    "(another Trove process keeps this library up to date; this one hands work to it)"
                );
            }
        }
        let _ = listened.send(());
        if open && let Err(e) = open::that_detached(&at.url) {
            eprintln!("cannot open a browser ({e}): open the address above");
        }
    };
    trove_server::serve(Arc::new(library), options, listening, move |event| {
        let _ = tx.send(event.clone());
    })
    .context("cannot serve")?;
    let _ = printer.join();
    Ok(())
}
