//! One module per command family.

pub mod catalog;
pub mod convert;
pub mod estimate;
pub mod validate;
