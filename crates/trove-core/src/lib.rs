//! Trove's engine: finds a person's photos and notes by meaning, on their own machine.
//!
//! The one way in is the facade, [`api`]: [`Library`] and the types it speaks. Binaries (CLI,
//! HTTP server, desktop shell) only translate requests into calls on it. The engine's modules
//! behind it follow the data flow in layers that point one way (see `ARCHITECTURE.md`) and are
//! private; the crate's own tests and benches reach the few they measure through the
//! `internals` feature, which only its dev-dependency on itself turns on.

pub mod api;

// Modules the crate's own integration tests and benches use directly: public with the
// `internals` feature, private in every build people run. (Written out rather than made by a
// macro: rustfmt does not follow modules a macro declares, so `cargo fmt` would skip them.)
#[cfg(feature = "internals")]
pub mod embed;
#[cfg(not(feature = "internals"))]
mod embed;
#[cfg(feature = "internals")]
pub mod extract;
#[cfg(not(feature = "internals"))]
mod extract;
#[cfg(feature = "internals")]
pub mod index;
#[cfg(not(feature = "internals"))]
mod index;
#[cfg(feature = "internals")]
pub mod search;
#[cfg(not(feature = "internals"))]
mod search;
#[cfg(feature = "internals")]
pub mod store;
#[cfg(not(feature = "internals"))]
mod store;

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
