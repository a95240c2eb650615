//! How the CLI reports a failure: a message with the stable code, and an exit code.

use std::process::ExitCode;

use brightrun_core::ErrorCode;

/// Exit code for input that cannot be used (bad flags, unknown names, unreadable files).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of work that ran and failed (a failed or cancelled job, an invalid dataset, a
/// download that does not match its checksum).
pub const EXIT_FAILED: u8 = 1;
/// Exit code after Ctrl-C (128 + SIGINT), as shells report it.
pub const EXIT_INTERRUPTED: u8 = 130;

/// A failure of a command, ready to print.
#[derive(Debug)]
pub struct CliError {
    code: &'static str,
    message: String,
    exit: u8,
}

impl CliError {
    /// A usage error (exit code 2) with a stable code.
    pub fn usage(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), exit: EXIT_USAGE }
    }

    /// Work that ran and failed (exit code 1).
    pub fn failed(code: &'static str, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), exit: EXIT_FAILED }
    }

    /// The user pressed Ctrl-C (exit code 130).
    pub fn interrupted(message: impl Into<String>) -> Self {
        Self { code: "interrupted", message: message.into(), exit: EXIT_INTERRUPTED }
    }

    /// The same error with `hint` (what the user can do about it) after the message.
    pub fn with_hint(mut self, hint: &str) -> Self {
        self.message = format!("{}; {hint}", self.message);
        self
    }

    /// Prints `error[code]: message` on stderr and returns the exit code.
    pub fn report(&self) -> ExitCode {
        eprintln!("error[{}]: {}", self.code, self.message);
        ExitCode::from(self.exit)
    }
}

/// Errors of the core are the caller's input being wrong: exit code 2.
impl<E: ErrorCode + std::fmt::Display> From<E> for CliError {
    fn from(error: E) -> Self {
        Self::usage(error.code(), error.to_string())
    }
}
