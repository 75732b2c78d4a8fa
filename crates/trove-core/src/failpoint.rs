//! Named points where a test can stop or crash this process, to force an interleaving or a
//! crash at an exact step instead of racing it with sleeps and `kill -9`.
//!
//! Compiled only with the `failpoints` feature, which only the tests turn on (the `trove` binary
//! the end-to-end tests run is built with it); without it [`failpoint!`] expands to nothing.
//! The points are [tikv's `fail`](https://docs.rs/fail) fail points, configured in-process with
//! `fail::cfg`/`fail::cfg_callback` or, for another process, with the `FAILPOINTS` environment
//! variable (`name=action;name=action`). Besides `fail`'s own actions (`panic`, `sleep(ms)`, …),
//! `return(ARG)` runs one of ours:
//!
//! - `return(hold:DIR)`: creates `DIR/NAME.reached`, then waits until `DIR/NAME.release` exists
//!   (a test in another process sees the point reached, acts, and lets the process go on);
//! - `return(abort)`: ends the process at once, as `kill -9` would (no destructor, no flush).

/// Marks a fail point named `$name` (`"layer::what_happens_next"`).
macro_rules! failpoint {
    ($name:literal) => {
        #[cfg(feature = "failpoints")]
        $crate::failpoint::hit($name);
    };
}
pub(crate) use failpoint;

#[cfg(feature = "failpoints")]
pub(crate) fn hit(name: &str) {
    static FROM_ENV: std::sync::Once = std::sync::Once::new();
    FROM_ENV.call_once(configure_from_env);
    fail::eval(name, |arg| act(name, arg.as_deref().unwrap_or_default()));
}

/// What `FAILPOINTS` names, once per process. (Not `fail::FailScenario`, whose guard would keep
/// the in-process tests from configuring points of their own.)
#[cfg(feature = "failpoints")]
fn configure_from_env() {
    let Ok(spec) = std::env::var("FAILPOINTS") else {
        return;
    };
    for point in spec.split(';').filter(|p| !p.trim().is_empty()) {
        let (name, actions) = point
            .split_once('=')
            .unwrap_or_else(|| panic!("FAILPOINTS: {point:?} is not name=actions"));
        fail::cfg(name.trim(), actions.trim())
            .unwrap_or_else(|e| panic!("FAILPOINTS: {point:?}: {e}"));
    }
}

#[cfg(feature = "failpoints")]
fn act(name: &str, arg: &str) {
    match arg.split_once(':') {
        Some(("hold", dir)) => hold(name, std::path::Path::new(dir)),
        None if arg == "abort" => std::process::abort(),
        _ => panic!("fail point {name}: unknown action {arg:?} (hold:DIR or abort)"),
    }
}

#[cfg(feature = "failpoints")]
fn hold(name: &str, dir: &std::path::Path) {
    let reached = dir.join(format!("{name}.reached"));
    let release = dir.join(format!("{name}.release"));
    std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::write(&reached, std::process::id().to_string()))
        .unwrap_or_else(|e| panic!("fail point {name}: cannot write {}: {e}", reached.display()));
    while !release.exists() {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
