//! The gate: how indexing gives way. Workers pass it between files and model calls; it holds
//! them while the user pauses indexing or while a search is being answered (so queries get the
//! cores and the memory bandwidth), and tells them to stop when the service shuts down.
//!
//! It lives in memory and is shared by the threads of one process; pausing from another process
//! goes through the library's pause file, which the service mirrors here.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// A search waits for no batch, but indexing must not starve under a stream of searches
/// either: after this long it goes on for one file, then gives way again.
const SEARCH_HOLD: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub struct Gate {
    paused: AtomicBool,
    stopping: AtomicBool,
    searches: AtomicUsize,
    /// New changes wait: long work that can resume later (the backfill) should return.
    yield_now: AtomicBool,
    /// Woken when any of the above changes.
    changed: (Mutex<()>, Condvar),
}

/// Held while a search runs; indexing waits until every guard is dropped.
pub struct SearchGuard<'a>(&'a Gate);

impl Drop for SearchGuard<'_> {
    fn drop(&mut self) {
        self.0.searches.fetch_sub(1, Ordering::SeqCst);
        self.0.notify();
    }
}

impl Gate {
    pub fn searching(&self) -> SearchGuard<'_> {
        self.searches.fetch_add(1, Ordering::SeqCst);
        SearchGuard(self)
    }

    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
        self.notify();
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.notify();
    }

    /// Lets work run again after a [`Gate::stop`] (a service started anew in this process).
    pub fn reopen(&self) {
        self.stopping.store(false, Ordering::SeqCst);
        self.yield_now.store(false, Ordering::SeqCst);
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Called between units of work: returns at once when indexing may go on, waits while it is
    /// paused or a search runs (a search for at most [`SEARCH_HOLD`]), and returns `false` when
    /// the work should be dropped because the service is stopping.
    pub fn pass(&self) -> bool {
        let (lock, condvar) = &self.changed;
        let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut held = Duration::ZERO;
        loop {
            if self.is_stopping() {
                return false;
            }
            let searching = self.searches.load(Ordering::SeqCst) > 0 && held < SEARCH_HOLD;
            if !self.is_paused() && !searching {
                return true;
            }
            let step = Duration::from_millis(100);
            guard = condvar
                .wait_timeout(guard, step)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            if !self.is_paused() {
                held += step;
            }
        }
    }

    /// Asks long resumable work to return early so newer changes go first.
    pub fn request_yield(&self) {
        self.yield_now.store(true, Ordering::SeqCst);
    }

    /// Whether a yield was requested (clearing the request).
    pub fn take_yield(&self) -> bool {
        self.yield_now.swap(false, Ordering::SeqCst)
    }

    fn notify(&self) {
        let _guard = self.changed.0.lock().unwrap_or_else(|e| e.into_inner());
        self.changed.1.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Instant;

    #[test]
    fn an_open_gate_passes_and_a_stopping_one_refuses() {
        let gate = Gate::default();
        assert!(gate.pass());
        gate.stop();
        assert!(!gate.pass());
    }

    #[test]
    fn a_pause_holds_workers_until_resumed() {
        let gate = Arc::new(Gate::default());
        gate.set_paused(true);
        let worker = {
            let gate = gate.clone();
            std::thread::spawn(move || gate.pass())
        };
        std::thread::sleep(Duration::from_millis(150));
        assert!(!worker.is_finished(), "a paused gate let a worker through");
        gate.set_paused(false);
        assert!(worker.join().unwrap());
    }

    #[test]
    fn a_search_holds_workers_for_a_bounded_time() {
        let gate = Gate::default();
        let _search = gate.searching();
        let started = Instant::now();
        assert!(gate.pass());
        assert!(started.elapsed() >= SEARCH_HOLD, "{:?}", started.elapsed());
    }
}
