-- Tenants. What a Supabase client (PostgREST's `anon` and `authenticated` roles) may read and
-- write, and which rows no writer at all may store. docs/security.md has the whole model.
--
-- 1. Money. A price is a non-negative finite number; every amount charged or shown (a job's
--    estimated, current and final cost, a cost record) is also whole cents; a budget is finite.
--    `numeric` holds 'NaN' and 'Infinity', and `>= 0` lets both through, hence `< 'Infinity'`.
-- 2. A job's backend handle belongs to its job: the store writes it as
--    {"job_id": ..., "attempt": ..., "state": ...} from the row's own id and retry_count, and no
--    row may hold a handle naming another job or another attempt of its own.
-- 3. The text a client may change is what the service would accept.
-- 4. Privileges. Nobody but the owner (the control plane) has any privilege on any table of this
--    schema, sqlx's `_sqlx_migrations` included. Where Supabase's `auth.uid()` and
--    `authenticated` exist, a signed-in user may SELECT their own rows of every table, and
--    UPDATE only a dataset's name and description and a notification's read flag, their own
--    rows only; `anon` gets nothing. No INSERT and no DELETE for any client.
-- 5. Should a host grant more anyway (Supabase's guide to exposing a schema says `GRANT ALL ON
--    ALL TABLES`), row-level security still shows a user their own rows only, refuses every
--    INSERT and DELETE, and a trigger refuses a client's change to any other column.

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

-- 4. Privileges, and the row-level security of 0002 made per command.
DO $$
DECLARE
    client text;
    t text;
    supabase boolean := to_regnamespace('auth') IS NOT NULL AND to_regprocedure('auth.uid()') IS NOT NULL;
    tables text[] := ARRAY['datasets', 'training_jobs', 'metrics_points', 'metrics_rollups', 'model_artifacts',
                           'cost_records', 'notifications', 'budget_settings'];
BEGIN
    -- Every relation of this schema, whoever created it: no privilege for PUBLIC or a client
    -- role (revoking a table's privileges revokes its columns' too).
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        EXECUTE format('REVOKE ALL ON TABLE %I FROM PUBLIC', t);
        FOREACH client IN ARRAY ARRAY['anon', 'authenticated'] LOOP
            IF to_regrole(client) IS NOT NULL THEN
                EXECUTE format('REVOKE ALL ON TABLE %I FROM %I', t, client);
            END IF;
        END LOOP;
    END LOOP;
    -- The migration bookkeeping is nobody's business but the owner's, Supabase's service key
    -- included.
    IF to_regrole('service_role') IS NOT NULL THEN
        REVOKE ALL ON TABLE _sqlx_migrations FROM service_role;
    END IF;
    -- Tables the owner creates here later get nothing for client roles by default either.
    FOREACH client IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF to_regrole(client) IS NOT NULL THEN
            EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM %I',
                           current_schema(), client);
        END IF;
    END LOOP;

    IF NOT supabase THEN
        RAISE NOTICE 'no auth.uid(): no row-level security, no client privileges';
        RETURN;
    END IF;
    -- 0002's policies were FOR ALL commands: gone, whatever else happens.
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('DROP POLICY IF EXISTS %I ON %I', t || '_owner', t);
    END LOOP;
    -- No policy: a client sees no row of it even where a host granted it.
    ALTER TABLE _sqlx_migrations ENABLE ROW LEVEL SECURITY;
    IF to_regrole('authenticated') IS NULL THEN
        RAISE NOTICE 'no authenticated role: no client privileges granted';
        RETURN;
    END IF;
    FOREACH t IN ARRAY tables LOOP
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id)',
                       t || '_select_own', t);
        EXECUTE format('GRANT SELECT ON TABLE %I TO authenticated', t);
    END LOOP;
    CREATE POLICY datasets_update_own ON datasets FOR UPDATE TO authenticated
        USING ((SELECT auth.uid()) = user_id AND deleted_at IS NULL)
        WITH CHECK ((SELECT auth.uid()) = user_id AND deleted_at IS NULL);
    GRANT UPDATE (name, description) ON datasets TO authenticated;
    CREATE POLICY notifications_update_own ON notifications FOR UPDATE TO authenticated
        USING ((SELECT auth.uid()) = user_id)
        WITH CHECK ((SELECT auth.uid()) = user_id);
    GRANT UPDATE (read, read_at) ON notifications TO authenticated;
END
$$;

-- 5. The guard: a client role's UPDATE may change the columns named as the trigger's arguments
--    and nothing else, whatever privileges a host granted.
CREATE FUNCTION client_update_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_user IN ('anon', 'authenticated')
       AND (to_jsonb(NEW) - TG_ARGV) IS DISTINCT FROM (to_jsonb(OLD) - TG_ARGV) THEN
        RAISE EXCEPTION 'permission denied: a client may change only % of %',
            array_to_string(TG_ARGV, ', '), TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
REVOKE ALL ON FUNCTION client_update_guard() FROM PUBLIC;

CREATE TRIGGER datasets_client_update_guard BEFORE UPDATE ON datasets
    FOR EACH ROW EXECUTE FUNCTION client_update_guard('name', 'description');
CREATE TRIGGER notifications_client_update_guard BEFORE UPDATE ON notifications
    FOR EACH ROW EXECUTE FUNCTION client_update_guard('read', 'read_at');
