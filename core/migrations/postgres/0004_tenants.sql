-- Tenants: which rows no writer at all may store. docs/security.md has the whole model.
--
-- 1. Money. A price is a non-negative finite number; every amount charged or shown (a job's
--    estimated, current and final cost, a cost record) is also whole cents; a budget is finite.
--    `numeric` holds 'NaN' and 'Infinity', and `>= 0` lets both through, hence `< 'Infinity'`.
-- 2. A job's backend handle belongs to its job: the store writes it as
--    {"job_id": ..., "attempt": ..., "state": ...} from the row's own id and retry_count, and no
--    row may hold a handle naming another job or another attempt of its own.
-- 3. The text a client may change is what the service would accept.

-- 1. Money.
ALTER TABLE training_jobs
    ADD CONSTRAINT training_jobs_price_per_gpu_hour_valid
        CHECK (price_per_gpu_hour >= 0 AND price_per_gpu_hour < 'Infinity'),
    ADD CONSTRAINT training_jobs_estimated_total_cost_in_cents
        CHECK (estimated_total_cost >= 0 AND estimated_total_cost < 'Infinity'
               AND estimated_total_cost = round(estimated_total_cost, 2)),
    ADD CONSTRAINT training_jobs_current_cost_in_cents
        CHECK (current_cost >= 0 AND current_cost < 'Infinity' AND current_cost = round(current_cost, 2)),
    ADD CONSTRAINT training_jobs_final_cost_in_cents
        CHECK (final_cost >= 0 AND final_cost < 'Infinity' AND final_cost = round(final_cost, 2));

ALTER TABLE cost_records
    ADD CONSTRAINT cost_records_amount_in_cents
        CHECK (amount >= 0 AND amount < 'Infinity' AND amount = round(amount, 2));

ALTER TABLE budget_settings
    ADD CONSTRAINT budget_settings_amounts_valid
        CHECK (monthly_budget >= 0 AND monthly_budget < 'Infinity'
               AND per_job_cost_cap >= 0 AND per_job_cost_cap < 'Infinity');

-- 2. Backend handles, bound to their job. Handles stored before now are bound to their row.
UPDATE training_jobs
SET backend_handle = jsonb_build_object('job_id', id, 'attempt', retry_count, 'state', backend_handle)
WHERE backend_handle IS NOT NULL;

ALTER TABLE training_jobs
    ADD CONSTRAINT training_jobs_backend_handle_bound CHECK (
        backend_handle IS NULL OR (
            jsonb_typeof(backend_handle) = 'object'
            AND backend_handle ? 'state'
            AND (backend_handle ->> 'job_id') IS NOT DISTINCT FROM id::text
            AND (backend_handle -> 'attempt') IS NOT DISTINCT FROM to_jsonb(retry_count)));

-- 3. Text a client may change: what the service accepts (1 to 200 characters, not blank; a
--    description of at most 2,000), and no control character but tab and newline.
ALTER TABLE datasets
    ADD CONSTRAINT datasets_name_valid
        CHECK (char_length(name) BETWEEN 1 AND 200 AND btrim(name, E' \t\n\r') <> ''
               AND name !~ '[\u0001-\u0008\u000b-\u001f\u007f-\u009f]'),
    ADD CONSTRAINT datasets_description_valid
        CHECK (char_length(description) <= 2000 AND description !~ '[\u0001-\u0008\u000b-\u001f\u007f-\u009f]');

ALTER TABLE notifications
    ADD CONSTRAINT notifications_read_at_only_when_read CHECK (read OR read_at IS NULL);
