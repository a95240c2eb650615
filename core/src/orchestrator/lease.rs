//! Holding a claimed row while working on it.
//!
//! Each pass claims rows under a holder name of its own ([`Pass`]) and writes through the
//! database fenced by that name, so a write lands only while the pass still holds the row.
//! While one row's work runs, a heartbeat renews its lease every third of the lease; when a
//! renewal finds the row taken over (or cannot renew it before the lease would lapse), the
//! [`Hold`] is lost: the work stops at its next check, and any long wait in it (a download,
//! a conversion, a validation) is abandoned at once. A pass keeps what it claimed until it
//! ends, so it never claims a row twice, then gives the rows up, except those it keeps until
//! a retry time.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use tokio::sync::watch;

use super::Orchestrator;
use crate::model::Timestamp;
use crate::service::ServiceError;
use crate::store::{Database, Lease, LeaseTarget, StoreError};

/// One pass of one kind of work: its own holder name and the database fenced by it.
#[derive(Debug, Clone)]
pub(super) struct Pass {
    /// The name its leases carry: the orchestrator's, then the pass.
    pub holder: String,
    /// The database, every write fenced by `holder`'s leases.
    pub db: Arc<dyn Database>,
    duration: TimeDelta,
}

impl Pass {
    pub fn new(orchestrator_db: &Arc<dyn Database>, holder: String, duration: TimeDelta) -> Self {
        Self { db: orchestrator_db.fenced(&holder), holder, duration }
    }

    /// A lease from now.
    pub fn lease(&self) -> Lease {
        Lease::new(self.holder.clone(), Timestamp::now(), self.duration)
    }

    /// The holder name as a directory name.
    pub fn dir_name(&self) -> String {
        dir_name(&self.holder)
    }
}

/// A holder name as a directory name: letters, digits, `-` and `.` kept, anything else `_`.
fn dir_name(holder: &str) -> String {
    holder.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect()
}

/// What became of a claimed row once its work ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    /// Done for this pass: the row is given up when the pass ends.
    Done,
    /// Tried and to be tried again, not before this time: the row stays held until then.
    RetryAt(Timestamp),
}

/// The lease on one row, as its work sees it: held, or lost to another orchestrator.
#[derive(Debug)]
pub(super) struct Hold {
    target: LeaseTarget,
    holder: String,
    lost: watch::Sender<Option<String>>,
}

impl Hold {
    fn new(target: LeaseTarget, holder: &str) -> Self {
        Self { target, holder: holder.to_owned(), lost: watch::Sender::new(None) }
    }

    /// An error once the lease is lost: the work must stop.
    pub fn check(&self) -> Result<(), ServiceError> {
        match self.lost.borrow().as_deref() {
            None => Ok(()),
            Some(_) => Err(self.lost_error()),
        }
    }

    /// Waits for `work`, unless the lease is lost first: then `work` is dropped (it must hold
    /// no database statement in flight: a download, a blocking task, a wait).
    pub async fn guard<T>(&self, work: impl Future<Output = T>) -> Result<T, ServiceError> {
        let mut lost = self.lost.subscribe();
        // Biased, loss first: once the lease is lost no work is waited for, even work that
        // is ready at once (an unbiased select picks among ready branches at random).
        tokio::select! {
            biased;
            _ = lost.wait_for(Option::is_some) => Err(self.lost_error()),
            out = work => Ok(out),
        }
    }

    fn lose(&self, reason: String) {
        tracing::warn!(target = ?self.target, holder = %self.holder, %reason, "lease lost: stopping the work");
        self.lost.send_replace(Some(reason));
    }

    fn lost_error(&self) -> ServiceError {
        let (entity, id) = match self.target {
            LeaseTarget::Dataset { id, .. } => ("dataset", id.to_string()),
            LeaseTarget::Job { id, .. } => ("job", id.to_string()),
        };
        ServiceError::Store(StoreError::LeaseLost { entity, id, holder: self.holder.clone() })
    }
}

impl Orchestrator {
    /// Runs the work `start` makes on a claimed row, renewing the row's lease all the while;
    /// the work gets the [`Hold`] to check and to guard its long waits with.
    pub(super) async fn holding<T, F>(
        &self,
        pass: &Pass,
        target: LeaseTarget,
        start: impl FnOnce(Arc<Hold>) -> F,
    ) -> Result<T, ServiceError>
    where
        F: Future<Output = Result<T, ServiceError>>,
    {
        let hold = Arc::new(Hold::new(target, &pass.holder));
        let (done, finished) = watch::channel(false);
        // On the heap: the work of a pass is a large future.
        let work = Box::pin(async {
            let out = start(hold.clone()).await;
            done.send_replace(true);
            out
        });
        // The work and the heartbeat are polled side by side, never one inside the other: a
        // renewal waits for the row's lock while the work's own transaction may hold it, so
        // the work must go on meanwhile (else neither would). A renewal in flight when the
        // work ends is finished, not dropped: no statement is abandoned half-way.
        let (out, ()) = tokio::join!(work, self.heartbeat(pass, target, &hold, finished));
        out
    }

    /// Renews the lease of `target` every third of the lease until `finished`; loses `hold`
    /// when the row was taken over or could not be renewed before the lease would lapse.
    async fn heartbeat(&self, pass: &Pass, target: LeaseTarget, hold: &Hold, mut finished: watch::Receiver<bool>) {
        let lease = self.options.lease.to_std().unwrap_or(Duration::from_secs(60));
        let mut ticker = tokio::time::interval((lease / 3).max(Duration::from_millis(10)));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        let mut renewed = tokio::time::Instant::now();
        loop {
            tokio::select! {
                biased;
                _ = finished.wait_for(|done| *done) => return,
                _ = ticker.tick() => {}
            }
            if hold.check().is_err() || self.alive().is_err() {
                // Lost, or dead: nothing to renew; the work stops at its next check.
                continue;
            }
            match pass.db.renew_lease(target, &pass.lease()).await {
                Ok(()) => renewed = tokio::time::Instant::now(),
                Err(e @ (StoreError::StaleState { .. } | StoreError::NotFound { .. })) => hold.lose(e.to_string()),
                Err(e) if renewed.elapsed() >= lease * 2 / 3 => {
                    hold.lose(format!("the lease could not be renewed before it lapses: {e}"));
                }
                Err(e) => tracing::warn!(error = %e, "renewing a lease failed; trying again"),
            }
        }
    }

    /// Gives up what a pass held: each row at once, or, for a row to be retried later, at
    /// its retry time (its lease is extended to then, so no one claims it before).
    pub(super) async fn give_up(&self, pass: &Pass, held: Vec<(LeaseTarget, Outcome)>) -> Result<(), ServiceError> {
        for (target, outcome) in held {
            self.alive()?;
            let result = match outcome {
                Outcome::Done => pass.db.release_lease(target, &pass.holder).await,
                Outcome::RetryAt(at) => {
                    let lease = Lease { holder: pass.holder.clone(), now: Timestamp::now(), expires_at: at };
                    pass.db.renew_lease(target, &lease).await
                }
            };
            match result {
                // Released by a final write already, deleted, or taken over: nothing to give.
                Ok(()) | Err(StoreError::NotFound { .. } | StoreError::StaleState { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{JobId, UserId};

    fn hold() -> Hold {
        Hold::new(LeaseTarget::Job { user_id: UserId::new(), id: JobId::new() }, "o.j1")
    }

    #[tokio::test]
    async fn a_lost_hold_stops_a_guarded_wait_and_every_check() {
        let hold = hold();
        assert!(hold.check().is_ok());
        assert_eq!(hold.guard(async { 7 }).await.unwrap(), 7);
        let waiting = hold.guard(std::future::pending::<()>());
        let lose = async {
            tokio::task::yield_now().await;
            hold.lose("taken over".into());
        };
        let (waited, ()) = tokio::join!(waiting, lose);
        assert_eq!(crate::ErrorCode::code(&waited.unwrap_err()), "lease_lost");
        assert_eq!(crate::ErrorCode::code(&hold.check().unwrap_err()), "lease_lost");
        assert!(hold.guard(async { 7 }).await.is_err(), "lost for good");
    }

    #[test]
    fn a_holder_name_is_a_safe_directory_name() {
        assert_eq!(dir_name("orchestrator-12-abc.v3"), "orchestrator-12-abc.v3");
        assert_eq!(dir_name("a/../b c"), "a_.._b_c");
    }
}
