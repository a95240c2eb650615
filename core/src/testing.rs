//! What a test does when the environment it needs is missing. Not part of the API: compiled
//! for the crate's own tests and, for other crates, behind the `test-support` feature.

use std::io::Write;

/// Whether this runs under CI (`CI` set to anything but empty, `0` or `false`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"))
}

/// Says that `test` is skipped because `reason` (straight to stderr, past the test
/// harness's capture, so the skip is seen); under CI it fails the test instead: a green CI
/// run must never mean that its services were missing.
pub fn skip(test: &str, reason: &str) {
    assert!(!under_ci(), "{test} cannot run under CI: {reason}");
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
}
