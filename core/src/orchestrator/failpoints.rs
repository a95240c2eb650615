//! Failpoints: named places between the awaits of launching, following and finishing a job,
//! and of validating a dataset, where a test can make an orchestrator die, as a process
//! killed there would.
//!
//! Compiled only for the core's own tests and with the `failpoints` feature (the
//! integration tests enable it); without them [`failpoint!`] expands to nothing, so a
//! release build pays nothing. A dead orchestrator stops at once: the work in hand returns
//! an error, no further database call is made, no lease is released (they lapse, and
//! another orchestrator takes the rows over), and every later pass fails.
//!
//! Each failpoint sits between two awaits, never inside one: a process that dies during a
//! database statement leaves the database as it was just before or just after it, which a
//! failpoint before or after the call reaches. (Abandoning a statement in flight instead
//! would keep its row locked on PostgreSQL until the pooled connection is reaped.)

#[cfg(any(test, feature = "failpoints"))]
mod armed {
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::service::ServiceError;

    /// Every failpoint, in the order a job meets them.
    pub const FAILPOINTS: &[&str] = &[
        "submit.initialize",
        "launch.find",
        "launch.give_up",
        "launch.record",
        "launch.download",
        "launch.convert",
        "launch.submit",
        "launch.store_handle",
        "launch.cancel_submitted",
        "launch.retry_later",
        "follow.status",
        "follow.cancel",
        "follow.events",
        "follow.metrics",
        "follow.start",
        "follow.worker_times",
        "follow.store_state",
        "follow.progress",
        "follow.cost_cap",
        "follow.stop_at_cap",
        "finish.last_point",
        "finish.settle",
        "finish.budget",
        "finish.progress",
        "finish.fail",
        "finish.retry",
        "finish.cancel",
        "finish.collect",
        "finish.upload",
        "finish.mismatch",
        "finish.curve",
        "finish.artifact",
        "finish.link_artifact",
        "finish.complete",
        "finish.cleanup",
        "validate.record",
        "validate.download",
        "validate.run",
        "validate.pin",
        "validate.verdict",
        "validate.retry_later",
    ];

    /// The failpoints of one orchestrator: which ones kill it, which ones it passed.
    #[derive(Debug, Default)]
    pub struct Failpoints {
        /// Failpoint name -> how many more passes through it before it kills.
        armed: Mutex<BTreeMap<&'static str, u32>>,
        /// Every failpoint passed, killing or not.
        reached: Mutex<BTreeSet<&'static str>>,
        dead: AtomicBool,
    }

    impl Failpoints {
        /// Makes the orchestrator die the `nth` time (1 = the first) it reaches `name`.
        pub fn arm(&self, name: &'static str, nth: u32) {
            if let Ok(mut armed) = self.armed.lock() {
                armed.insert(name, nth.max(1));
            }
        }

        /// The failpoints passed so far.
        pub fn reached(&self) -> BTreeSet<&'static str> {
            self.reached.lock().map(|reached| reached.clone()).unwrap_or_default()
        }

        /// Whether a failpoint killed the orchestrator.
        pub fn is_dead(&self) -> bool {
            self.dead.load(Ordering::SeqCst)
        }

        /// Passes `name`: an error if it kills now, or killed before.
        pub fn check(&self, name: &'static str) -> Result<(), ServiceError> {
            debug_assert!(FAILPOINTS.contains(&name), "failpoint {name} is not listed");
            if let Ok(mut reached) = self.reached.lock() {
                reached.insert(name);
            }
            if let Ok(mut armed) = self.armed.lock()
                && let Some(left) = armed.get_mut(name)
            {
                *left -= 1;
                if *left == 0 {
                    armed.remove(name);
                    self.dead.store(true, Ordering::SeqCst);
                }
            }
            self.alive()
        }

        /// An error once the orchestrator is dead.
        pub fn alive(&self) -> Result<(), ServiceError> {
            if self.is_dead() { Err(ServiceError::internal("the orchestrator died at a failpoint")) } else { Ok(()) }
        }
    }
}

#[cfg(any(test, feature = "failpoints"))]
pub use armed::{FAILPOINTS, Failpoints};

/// Dies here when the orchestrator's failpoint `$name` is armed (see [`Failpoints`]);
/// nothing at all without the `failpoints` feature.
macro_rules! failpoint {
    ($orchestrator:expr, $name:literal) => {
        #[cfg(any(test, feature = "failpoints"))]
        $orchestrator.failpoints.check($name)?;
    };
}

pub(crate) use failpoint;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_armed_failpoint_kills_on_its_nth_pass_and_for_good() {
        let points = Failpoints::default();
        points.arm("follow.status", 2);
        assert!(points.check("follow.status").is_ok());
        assert!(points.check("follow.events").is_ok());
        assert!(points.check("follow.status").is_err());
        assert!(points.is_dead());
        assert!(points.check("follow.events").is_err(), "dead for good");
        assert!(points.reached().contains("follow.events"));
    }

    #[test]
    fn failpoint_names_are_unique() {
        let unique: std::collections::BTreeSet<_> = FAILPOINTS.iter().collect();
        assert_eq!(unique.len(), FAILPOINTS.len());
    }
}
