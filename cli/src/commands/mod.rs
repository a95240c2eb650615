//! One module per command.

pub mod cancel;
pub mod catalog;
pub mod convert;
pub mod costs;
pub mod download;
pub mod estimate;
pub mod job;
pub mod jobs;
pub mod models;
pub mod notifications;
pub mod train;
pub mod validate;
pub mod worker;
