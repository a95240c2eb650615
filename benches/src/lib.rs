//! Benchmarks of BrightRun live in `benches/`: `store` (metrics ingest, downsampled reads,
//! dataset listings, on SQLite and PostgreSQL).
