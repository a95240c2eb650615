-- A cancel asked for while a job is being launched or runs: the orchestrator that holds the
-- job stops its worker (or, when none was started, cancels the job) and the job ends
-- `cancelled` once the worker is gone. The request is recorded rather than acted on by the
-- caller, so a launch in flight, or an orchestrator that dies half-way, cannot leave a
-- worker running for a job that reads as cancelled. Clients read it with the row (the
-- table's SELECT grant) and cannot write it (no column grant).
ALTER TABLE training_jobs ADD COLUMN cancel_requested_at timestamptz;
