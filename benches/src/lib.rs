//! Benchmarks of BrightRun live in `benches/`.
