//! What the REST backends (Ray, Slurm) share in talking HTTP: one client shape, JSON bodies,
//! and error texts that say what happened.

use std::time::Duration;

use serde::Serialize;

use super::error::BackendError;

/// The longest any one request may take; the log of a long run is the largest answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Characters of an error answer kept in a message.
const MAX_ERROR_TEXT: usize = 2_000;

/// An HTTP client with the backends' timeouts.
pub fn client(engine: &'static str) -> Result<reqwest::Client, BackendError> {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .map_err(|e| BackendError::Engine { engine, reason: format!("cannot build an HTTP client: {e}") })
}

/// A JSON body without reqwest's `json` feature.
pub trait JsonBody: Sized {
    /// The request with `body` as JSON; `engine` names the backend in an error.
    fn json_body(self, engine: &'static str, body: &impl Serialize) -> Result<Self, BackendError>;
}

impl JsonBody for reqwest::RequestBuilder {
    fn json_body(self, engine: &'static str, body: &impl Serialize) -> Result<Self, BackendError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| BackendError::Engine { engine, reason: format!("cannot encode the request: {e}") })?;
        Ok(self.header(reqwest::header::CONTENT_TYPE, "application/json").body(bytes))
    }
}

/// A reqwest error with its causes (its own message alone is "error sending request").
pub fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// At most [`MAX_ERROR_TEXT`] characters of an answer, its end kept (where a traceback says
/// what happened).
pub fn clip(text: &str) -> &str {
    let text = text.trim();
    match text.char_indices().rev().nth(MAX_ERROR_TEXT) {
        Some((at, _)) => &text[at..],
        None => text,
    }
}
