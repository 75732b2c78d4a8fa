//! End-to-end tests of the `trove` binary: every test builds files in a temporary directory,
//! runs the real CLI on them and asserts on its JSON output, its exit code and what the
//! library's database holds. The harness is `tests/util`.

#[path = "../util/mod.rs"]
mod util;

mod basics;
mod crash;
mod formats;
mod hostile;
mod models;
mod output;
mod reconcile;
mod regression;
mod search;
mod serve;
mod shapes;
mod similar;
mod storm;
mod watch;
