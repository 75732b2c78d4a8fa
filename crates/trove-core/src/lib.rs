//! Trove's engine: finds a person's photos and notes by meaning, on their own machine.
//!
//! The modules follow the data flow (see `ARCHITECTURE.md`):
//! [`scan`] → [`reconcile`] → [`pipeline`] ([`extract`]) → [`store`] → [`search`], exposed
//! through one facade, [`Library`]. Binaries (CLI, HTTP server, desktop shell) only translate
//! requests into calls on it.

pub mod api;
pub mod config;
pub mod embed;
pub mod error;
pub mod eval;
pub mod extract;
mod failpoint;
pub mod index;
pub mod paths;
pub mod pipeline;
pub mod reconcile;
pub mod scan;
pub mod search;
pub mod service;
pub mod store;
pub mod watch;

pub use api::{ItemRef, Library};
pub use config::Settings;
pub use error::{Error, Origin, Result};
