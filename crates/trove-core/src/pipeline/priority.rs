//! Low priority for indexing threads, so a first index of 50,000 photos leaves the desktop
//! responsive: the scheduler runs them only when nothing the user started wants the cores, and
//! their disk reads wait behind everyone else's.

/// How indexing shares the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// A person is waiting on it (`trove index`, or the service at full speed): every core,
    /// normal priority.
    Foreground,
    /// The service behind watch, serve and the app: all cores but one, at low CPU and I/O
    /// priority, so what the person is doing comes first.
    Background,
}

/// Lowers the calling thread's priority when indexing runs in the background.
pub fn step_back(pace: Pace) {
    if pace == Pace::Background {
        lower_current_thread();
    }
}

/// Lowers the calling thread's CPU and I/O priority. Best effort: failure only logs.
pub fn lower_current_thread() {
    #[cfg(target_os = "linux")]
    linux::lower();
}

#[cfg(target_os = "linux")]
mod linux {
    /// Nice 10: below interactive work, above `nice 19` batch jobs the user started on purpose.
    const NICE: libc::c_int = 10;
    // From linux/ioprio.h (not in libc): the idle I/O class gets the disk only when no one else
    // uses it.
    const IOPRIO_WHO_PROCESS: libc::c_int = 1;
    const IOPRIO_CLASS_IDLE: libc::c_int = 3;
    const IOPRIO_CLASS_SHIFT: libc::c_int = 13;

    pub fn lower() {
        // SAFETY: gettid, setpriority and ioprio_set take plain integers and touch no memory of
        // ours. On Linux, priorities apply per thread, and `who` = this thread's id.
        unsafe {
            let tid = libc::gettid();
            if libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICE) != 0 {
                tracing::debug!(
                    "cannot lower thread priority: {}",
                    std::io::Error::last_os_error()
                );
            }
            let ioprio = IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT;
            if libc::syscall(libc::SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid, ioprio) != 0 {
                tracing::debug!(
                    "cannot lower I/O priority: {}",
                    std::io::Error::last_os_error()
                );
            }
        }
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_thread_runs_at_lower_priority_and_others_do_not() {
            // SAFETY: as above.
            let nice =
                || unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
            let before = nice();
            let lowered = std::thread::spawn(move || {
                super::lower();
                nice()
            })
            .join()
            .unwrap();
            // Never raised: a suite already run under `nice 19` stays there.
            assert_eq!(lowered, before.max(super::NICE));
            assert_eq!(nice(), before, "only the calling thread is lowered");
        }

        #[test]
        fn only_the_background_pace_steps_back() {
            use super::super::{Pace, step_back};
            // SAFETY: as above.
            let nice =
                || unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) };
            let before = nice();
            let [foreground, background] = [Pace::Foreground, Pace::Background].map(|pace| {
                std::thread::spawn(move || {
                    step_back(pace);
                    nice()
                })
                .join()
                .unwrap()
            });
            assert_eq!(foreground, before, "a person waiting gets normal priority");
            assert_eq!(background, before.max(super::NICE));
        }
    }
}
