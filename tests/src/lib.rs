//! Cross-crate integration tests of BrightRun live in `tests/`.
