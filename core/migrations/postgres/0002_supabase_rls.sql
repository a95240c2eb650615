-- Supabase: where an `auth` schema with `auth.uid()` exists, each user (the signed-in user of
-- a Supabase client) sees and changes their own rows only. Elsewhere this does nothing.
-- The control plane connects as the tables' owner, which row-level security does not bind;
-- the policies guard access through Supabase's client roles, which a host grants itself.
DO $$
DECLARE
    t text;
BEGIN
    IF to_regnamespace('auth') IS NULL OR to_regprocedure('auth.uid()') IS NULL THEN
        RAISE NOTICE 'no auth.uid(): row-level security policies not installed';
        RETURN;
    END IF;
    FOREACH t IN ARRAY ARRAY['datasets', 'training_jobs', 'metrics_points', 'metrics_rollups', 'model_artifacts',
                             'cost_records', 'notifications', 'budget_settings']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR ALL USING ((SELECT auth.uid()) = user_id) '
                       'WITH CHECK ((SELECT auth.uid()) = user_id)', t || '_owner', t);
    END LOOP;
END
$$;
