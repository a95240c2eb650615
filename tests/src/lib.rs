//! Cross-crate integration tests of BrightRun live in `tests/`; this library holds what
//! they share with the tests of the bindings: an S3-compatible server ([`s3`]).

pub mod s3;
