//! Cross-crate integration tests of BrightRun live in `tests/`; this library holds what
//! they share with the tests of the bindings: an S3-compatible server ([`s3`]) and small
//! datasets ([`fixtures`]); and what the tests of the remote engines share ([`engine`]).

pub mod engine;
pub mod fixtures;
pub mod s3;
