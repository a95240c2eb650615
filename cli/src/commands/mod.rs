//! One module per command family.

pub mod catalog;
pub mod estimate;
