//! Trove's engine: finds a person's photos and notes by meaning, on their own machine.
//!
//! The one way in is the facade, [`api`]: [`Library`] and the types it speaks. Binaries (CLI,
//! HTTP server, desktop shell) only translate requests into calls on it. The engine's modules
//! behind it follow the data flow in layers that point one way (see `ARCHITECTURE.md`) and are
//! private; the crate's own tests and benches reach the few they measure through the
//! `internals` feature, which only its dev-dependency on itself turns on.

pub mod api;

/// Modules the crate's own integration tests and benches use directly: public with the
/// `internals` feature, private in every build people run.
macro_rules! internal {
    ($($module:ident),* $(,)?) => {
        $(
            #[cfg(feature = "internals")]
            pub mod $module;
            #[cfg(not(feature = "internals"))]
            mod $module;
        )*
    };
}

internal!(embed, extract, index, search, store);

mod config;
mod error;
mod eval;
mod failpoint;
mod paths;
mod pipeline;
mod reconcile;
mod roots;
mod scan;
mod service;
mod types;
mod watch;

pub use api::{ItemRef, Library};
pub use config::Settings;
pub use error::{Error, Result};
pub use types::Origin;
