-- Tenants: the CHECK constraints of PostgreSQL's 0004, with the same names, so both databases
-- refuse the same rows (client privileges and row-level security are PostgreSQL's alone).
--
-- SQLite cannot add a constraint to a table, and rebuilding a table that others reference would
-- cascade its DELETE while foreign keys are on. It can add a column with CHECK constraints, and
-- a column's CHECK may read any column of its row: each table gets one virtual column,
-- `checks_0004`, always NULL, that holds them. Like PostgreSQL's ADD CONSTRAINT, adding it
-- fails if a stored row breaks a rule.
--
-- Money is decimal text as the store writes it (never negative zero, never an exponent):
--   non-negative: a digit first, then only digits and at most one point, not last;
--   whole cents: besides, at most two decimals once trailing zeros are dropped (`4.200` is).
-- NULL passes a CHECK, as in PostgreSQL.

-- Handles stored before now are bound to their row, as the store writes them from now on.
UPDATE training_jobs
SET backend_handle = json_object('job_id', id, 'attempt', retry_count, 'state', json(backend_handle))
WHERE backend_handle IS NOT NULL;

ALTER TABLE training_jobs ADD COLUMN checks_0004 INTEGER GENERATED ALWAYS AS (NULL) VIRTUAL
    CONSTRAINT training_jobs_price_per_gpu_hour_valid CHECK (
        price_per_gpu_hour GLOB '[0-9]*' AND price_per_gpu_hour NOT GLOB '*[^0-9.]*'
        AND price_per_gpu_hour NOT GLOB '*.*.*' AND price_per_gpu_hour NOT GLOB '*.')
    CONSTRAINT training_jobs_estimated_total_cost_in_cents CHECK (
        estimated_total_cost GLOB '[0-9]*' AND estimated_total_cost NOT GLOB '*[^0-9.]*'
        AND estimated_total_cost NOT GLOB '*.*.*' AND estimated_total_cost NOT GLOB '*.'
        AND (instr(estimated_total_cost, '.') = 0
             OR length(rtrim(substr(estimated_total_cost, instr(estimated_total_cost, '.') + 1), '0')) <= 2))
    CONSTRAINT training_jobs_current_cost_in_cents CHECK (
        current_cost GLOB '[0-9]*' AND current_cost NOT GLOB '*[^0-9.]*'
        AND current_cost NOT GLOB '*.*.*' AND current_cost NOT GLOB '*.'
        AND (instr(current_cost, '.') = 0
             OR length(rtrim(substr(current_cost, instr(current_cost, '.') + 1), '0')) <= 2))
    CONSTRAINT training_jobs_final_cost_in_cents CHECK (
        final_cost GLOB '[0-9]*' AND final_cost NOT GLOB '*[^0-9.]*'
        AND final_cost NOT GLOB '*.*.*' AND final_cost NOT GLOB '*.'
        AND (instr(final_cost, '.') = 0
             OR length(rtrim(substr(final_cost, instr(final_cost, '.') + 1), '0')) <= 2))
    CONSTRAINT training_jobs_backend_handle_bound CHECK (
        backend_handle IS NULL OR CASE WHEN json_valid(backend_handle) THEN
            json_type(backend_handle) = 'object'
            AND json_type(backend_handle, '$.state') IS NOT NULL
            AND json_type(backend_handle, '$.job_id') IS 'text'
            AND json_extract(backend_handle, '$.job_id') IS id
            AND json_type(backend_handle, '$.attempt') IS 'integer'
            AND json_extract(backend_handle, '$.attempt') IS retry_count
        ELSE 0 END);

ALTER TABLE cost_records ADD COLUMN checks_0004 INTEGER GENERATED ALWAYS AS (NULL) VIRTUAL
    CONSTRAINT cost_records_amount_in_cents CHECK (
        amount GLOB '[0-9]*' AND amount NOT GLOB '*[^0-9.]*' AND amount NOT GLOB '*.*.*' AND amount NOT GLOB '*.'
        AND (instr(amount, '.') = 0 OR length(rtrim(substr(amount, instr(amount, '.') + 1), '0')) <= 2));

ALTER TABLE budget_settings ADD COLUMN checks_0004 INTEGER GENERATED ALWAYS AS (NULL) VIRTUAL
    CONSTRAINT budget_settings_amounts_valid CHECK (
        monthly_budget GLOB '[0-9]*' AND monthly_budget NOT GLOB '*[^0-9.]*'
        AND monthly_budget NOT GLOB '*.*.*' AND monthly_budget NOT GLOB '*.'
        AND per_job_cost_cap GLOB '[0-9]*' AND per_job_cost_cap NOT GLOB '*[^0-9.]*'
        AND per_job_cost_cap NOT GLOB '*.*.*' AND per_job_cost_cap NOT GLOB '*.');

-- What the service accepts as a name (1 to 200 characters, not blank) and a description (at
-- most 2,000), with no control character but tab and newline.
ALTER TABLE datasets ADD COLUMN checks_0004 INTEGER GENERATED ALWAYS AS (NULL) VIRTUAL
    CONSTRAINT datasets_name_valid CHECK (
        length(name) BETWEEN 1 AND 200 AND trim(name, ' ' || char(9, 10, 13)) <> ''
        AND name NOT GLOB '*[' || char(1) || '-' || char(8) || char(11) || '-' || char(31)
                           || char(127) || '-' || char(159) || ']*')
    CONSTRAINT datasets_description_valid CHECK (
        length(description) <= 2000
        AND description NOT GLOB '*[' || char(1) || '-' || char(8) || char(11) || '-' || char(31)
                                  || char(127) || '-' || char(159) || ']*');

ALTER TABLE notifications ADD COLUMN checks_0004 INTEGER GENERATED ALWAYS AS (NULL) VIRTUAL
    CONSTRAINT notifications_read_at_only_when_read CHECK (read = 1 OR read_at IS NULL);
