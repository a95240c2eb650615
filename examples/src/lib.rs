//! Runnable examples of BrightRun live in `rust/`.
