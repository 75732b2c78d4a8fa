//! Running the server: bind loopback, start the engine service beside it, serve until Ctrl-C
//! or SIGTERM, then stop both cleanly.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use trove_core::Library;
use trove_core::api::ServiceEvent;

use trove_front::{Front, Hub};

use crate::{AppState, router};

/// The port tried first: a fixed one keeps the address (and its history) the same from one
/// launch to the next. When it is taken, any free port is used.
pub const DEFAULT_PORT: u16 = 4756;

pub struct ServeOptions {
    /// `None`: [`DEFAULT_PORT`], else any free one. `Some(0)`: any free port.
    pub port: Option<u16>,
    /// Folders to add (and index) before serving.
    pub dirs: Vec<PathBuf>,
}

/// Where the server listens, for the caller to print or open.
pub struct Listening {
    pub url: String,
    pub port: u16,
    /// Whether this process indexes (false: another process owns the library).
    pub indexing_here: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Engine(#[from] trove_core::Error),
    #[error("the web server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Serves `library` until interrupted. `on_listening` runs once the port is bound (print the
/// address, open a browser); `on_event` gets every service event too (the CLI prints them).
pub fn serve(
    library: Arc<Library>,
    options: ServeOptions,
    on_listening: impl FnOnce(&Listening),
    on_event: impl FnMut(&ServiceEvent) + Send + 'static,
) -> Result<(), ServeError> {
    let listener = bind(options.port)?;
    let port = listener.local_addr()?.port();
    let hub = Arc::new(Hub::default());
    let front = Front::new(library, hub.clone());
    let service = front.start_service(&options.dirs, on_event)?;
    let token = crate::new_token();
    let state = Arc::new(AppState::new(front, token.clone(), port));
    on_listening(&Listening {
        url: format!("http://127.0.0.1:{port}/?token={token}"),
        port,
        indexing_here: service.is_some(),
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("trove-http")
        .enable_all()
        .build()?;
    let service = Arc::new(Mutex::new(service));
    let served = runtime.block_on(async {
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let service_ended = {
            let service = service.clone();
            async move {
                // A service that ends by itself (its watcher died) ends the server too.
                loop {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    let service = service.lock().unwrap_or_else(|e| e.into_inner());
                    if service.as_ref().is_some_and(|s| s.is_finished()) {
                        break;
                    }
                }
            }
        };
        let hub = hub.clone();
        axum::serve(listener, router(state))
            .with_graceful_shutdown(async move {
                tokio::select! {
                    _ = interrupted() => {}
                    _ = service_ended => {}
                }
                hub.close();
            })
            .await
    });
    // Open event streams end with the hub; a page still loading an original does not hold
    // the shutdown for long.
    runtime.shutdown_timeout(Duration::from_secs(2));
    let service = service.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(service) = service {
        service.stop()?;
    }
    Ok(served?)
}

fn bind(port: Option<u16>) -> Result<TcpListener, ServeError> {
    let at = |port| TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    match port {
        Some(port) => at(port).map_err(|source| ServeError::Bind { port, source }),
        None => at(DEFAULT_PORT)
            .or_else(|_| at(0))
            .map_err(|source| ServeError::Bind { port: 0, source }),
    }
}

async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
