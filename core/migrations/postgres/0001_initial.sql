-- BrightRun on PostgreSQL. Runs with search_path set to BrightRun's own schema (default
-- `brightrun`), so these tables never meet a host application's tables of the same names.

CREATE TABLE datasets (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    name text NOT NULL,
    description text,
    format text NOT NULL CHECK (format IN ('brightrun_lora_v4', 'brightrun_lora_v3', 'chat')),
    status text NOT NULL CHECK (status IN ('uploading', 'validating', 'ready', 'error')),
    storage_path text,
    file_name text NOT NULL,
    file_size bigint NOT NULL CHECK (file_size >= 0),
    total_training_pairs bigint NOT NULL DEFAULT 0 CHECK (total_training_pairs >= 0),
    total_validation_pairs bigint NOT NULL DEFAULT 0 CHECK (total_validation_pairs >= 0),
    total_tokens bigint NOT NULL DEFAULT 0 CHECK (total_tokens >= 0),
    avg_turns_per_conversation double precision,
    avg_tokens_per_example double precision,
    training_ready boolean NOT NULL DEFAULT false,
    statistics jsonb,
    validation_errors jsonb NOT NULL DEFAULT '[]',
    sample_data jsonb,
    -- The full validation report, inline, or the object-storage key of a large one.
    validation_report jsonb,
    validation_report_path text,
    validated_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz,
    -- The orchestrator validating the dataset, until its lease expires.
    claimed_by text,
    lease_expires_at timestamptz
);

CREATE INDEX datasets_by_user ON datasets (user_id, created_at);
CREATE INDEX datasets_awaiting_validation ON datasets (created_at) WHERE status = 'validating' AND deleted_at IS NULL;

CREATE TABLE training_jobs (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    dataset_id uuid NOT NULL REFERENCES datasets (id),
    preset text NOT NULL CHECK (preset IN ('conservative', 'balanced', 'aggressive', 'custom')),
    hyperparameters jsonb NOT NULL,
    gpu_type text NOT NULL,
    gpu_count bigint NOT NULL CHECK (gpu_count BETWEEN 1 AND 8),
    price_per_gpu_hour numeric NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'initializing', 'running', 'completed', 'failed', 'cancelled')),
    stage text CHECK (stage IN ('queued_on_backend', 'loading', 'training', 'evaluating', 'saving', 'collecting')),
    progress_percent double precision NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    current_epoch bigint NOT NULL DEFAULT 0 CHECK (current_epoch >= 0),
    total_epochs bigint NOT NULL CHECK (total_epochs >= 0),
    current_step bigint NOT NULL DEFAULT 0 CHECK (current_step >= 0),
    total_steps bigint NOT NULL CHECK (total_steps >= 0),
    current_metrics jsonb,
    queued_at timestamptz NOT NULL,
    started_at timestamptz,
    completed_at timestamptz,
    estimated_completion_at timestamptz,
    estimated_total_cost numeric,
    current_cost numeric NOT NULL,
    final_cost numeric,
    error_type text,
    error_message text,
    retry_count bigint NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    external_job_id text,
    -- The backend's serialised handle, so polling survives a restart.
    backend_handle jsonb,
    artifact_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    claimed_by text,
    lease_expires_at timestamptz,
    CHECK (stage IS NULL OR status = 'running')
);

CREATE INDEX training_jobs_by_user ON training_jobs (user_id, created_at);
CREATE INDEX training_jobs_active ON training_jobs (status, queued_at) WHERE status IN ('queued', 'initializing', 'running');

-- One row per job and step: a re-read event never duplicates a point.
CREATE TABLE metrics_points (
    job_id uuid NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    step bigint NOT NULL CHECK (step >= 0),
    epoch double precision NOT NULL,
    training_loss double precision,
    validation_loss double precision,
    learning_rate double precision,
    grad_norm double precision,
    tokens_per_second double precision,
    gpu_utilization_percent double precision,
    gpu_memory_used_gb double precision,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (job_id, step)
);

-- Per job, series and bucket of `width` steps, the lowest and highest value and their steps,
-- kept up to date as points arrive, so a chart of a long curve reads buckets, not points.
CREATE TABLE metrics_rollups (
    job_id uuid NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    series text NOT NULL,
    width bigint NOT NULL CHECK (width > 0),
    bucket bigint NOT NULL CHECK (bucket >= 0),
    lo double precision NOT NULL,
    lo_step bigint NOT NULL,
    hi double precision NOT NULL,
    hi_step bigint NOT NULL,
    PRIMARY KEY (job_id, series, width, bucket)
);

CREATE TABLE model_artifacts (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    job_id uuid NOT NULL REFERENCES training_jobs (id),
    dataset_id uuid NOT NULL REFERENCES datasets (id),
    name text NOT NULL,
    description text,
    status text NOT NULL CHECK (status IN ('stored', 'archived', 'deleted')),
    base_model text NOT NULL,
    quality_metrics jsonb NOT NULL,
    training_summary jsonb NOT NULL,
    configuration jsonb NOT NULL,
    storage_path text NOT NULL,
    files jsonb NOT NULL,
    parent_model_id uuid,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    deleted_at timestamptz
);

CREATE INDEX model_artifacts_by_user ON model_artifacts (user_id, created_at);

CREATE TABLE cost_records (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    job_id uuid REFERENCES training_jobs (id),
    cost_type text NOT NULL CHECK (cost_type IN ('compute', 'storage', 'data_transfer')),
    amount numeric NOT NULL,
    currency text NOT NULL CHECK (length(currency) = 3),
    details jsonb NOT NULL,
    billing_period_start date NOT NULL,
    billing_period_end date NOT NULL,
    created_at timestamptz NOT NULL,
    CHECK (billing_period_start <= billing_period_end)
);

CREATE INDEX cost_records_by_period ON cost_records (user_id, billing_period_start);

CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL,
    notification_type text NOT NULL CHECK (notification_type IN ('job_queued', 'job_started', 'job_complete',
        'job_failed', 'job_cancelled', 'dataset_ready', 'dataset_error', 'cost_alert', 'system')),
    title text NOT NULL,
    message text NOT NULL,
    priority text NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    read boolean NOT NULL DEFAULT false,
    read_at timestamptz,
    action_url text,
    metadata jsonb NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX notifications_by_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE NOT read;

CREATE TABLE budget_settings (
    user_id uuid PRIMARY KEY,
    monthly_budget numeric CHECK (monthly_budget >= 0),
    alert_threshold_percent bigint NOT NULL DEFAULT 80 CHECK (alert_threshold_percent BETWEEN 1 AND 100),
    per_job_cost_cap numeric CHECK (per_job_cost_cap >= 0),
    updated_at timestamptz NOT NULL
);
