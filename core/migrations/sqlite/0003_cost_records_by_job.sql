-- A job's cost records are read on every pass that follows it (its live cost is the sum of
-- its settled attempts plus the running one) and when an attempt is settled.
CREATE INDEX cost_records_by_job ON cost_records (job_id, user_id);
