//! A Python progress callback as the core's [`Progress`]: throttled, and re-attached to the
//! interpreter only for the moment of the call.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use brightrun_core::dataset::Progress;
use pyo3::prelude::*;

use crate::runtime;

/// At most one call per this interval, besides the last one (all bytes read).
const INTERVAL: Duration = Duration::from_millis(100);

/// Where the callback stands: when it was last called, and the first exception it raised.
struct State {
    last: Option<Instant>,
    read: u64,
    error: Option<PyErr>,
}

/// `callback(bytes_read, total_bytes)` behind the core's progress hook. The core reports
/// every MiB read; Python hears of it at most every 100 ms, and once at the end.
pub struct PyProgress {
    callback: Py<PyAny>,
    total: u64,
    state: Mutex<State>,
}

impl PyProgress {
    /// A callback told of the bytes read of a dataset of `total` bytes.
    pub fn new(callback: Py<PyAny>, total: u64) -> Arc<Self> {
        Arc::new(Self { callback, total, state: Mutex::new(State { last: None, read: 0, error: None }) })
    }

    /// The core's hook.
    pub fn hook(self: &Arc<Self>) -> Progress {
        let this = Arc::clone(self);
        Arc::new(move |read| this.report(read))
    }

    fn report(&self, read: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let done = read >= self.total;
        let due = state.last.is_none_or(|last| last.elapsed() >= INTERVAL);
        let repeated = state.last.is_some() && read == state.read;
        if state.error.is_some() || repeated || !(done || due) {
            return;
        }
        state.last = Some(Instant::now());
        state.read = read;
        // The lock is held while the callback runs: calls stay in order, never overlap.
        // Nothing is called once the interpreter is exiting.
        let outcome = runtime::with_interpreter(|py| self.callback.call1(py, (read, self.total)).map(drop));
        if let Some(Err(error)) = outcome {
            state.error = Some(error);
        }
    }

    /// The first exception the callback raised: the caller re-raises it after the work.
    pub fn take_error(&self) -> Option<PyErr> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).error.take()
    }
}
