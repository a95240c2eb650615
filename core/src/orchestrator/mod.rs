//! The orchestrator: background work that moves datasets and jobs through their lives.

pub mod accounting;
pub mod quality;
pub mod retry;
