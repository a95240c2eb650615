//! Errors and results crossing into JavaScript: coded errors and JSON text.

use std::fmt::Display;

use brightrun_core::ErrorCode;
use napi::{Error, Result, Status};
use serde::Serialize;

/// A coded error as a JS error whose message starts with the stable code: `[code] message`
/// (the JS layer makes it a `BrightRunError` with `.code`).
pub fn coded(error: &(impl ErrorCode + Display)) -> Error {
    Error::new(Status::GenericFailure, format!("[{}] {error}", error.code()))
}

/// `value` as JSON text, the way the CLI prints it.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| Error::new(Status::GenericFailure, format!("[internal] cannot serialise a result: {e}")))
}

/// A fault of the binding itself (a task that panicked), coded `internal`.
pub fn internal(message: impl Display) -> Error {
    Error::new(Status::GenericFailure, format!("[internal] {message}"))
}

/// Runs blocking core `work` on tokio's blocking pool; core errors become coded errors.
pub async fn blocking<T, F>(what: &str, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> std::result::Result<T, brightrun_core::Error> + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| internal(format!("the {what} task failed: {e}")))?
        .map_err(|e| coded(&e))
}
