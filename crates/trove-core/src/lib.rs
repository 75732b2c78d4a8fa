//! Trove's engine: finds a person's photos and notes by meaning, on their own machine.
//!
//! The modules follow the data flow (see `ARCHITECTURE.md`):
//! scan → extract → store → search, driven by the pipeline and exposed through one facade,
//! [`Library`]. Binaries (CLI, HTTP server, desktop shell) only translate requests into calls on it.

pub mod extract;
