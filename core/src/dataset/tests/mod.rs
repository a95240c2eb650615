//! Tests of the dataset engine on generated fixtures.
