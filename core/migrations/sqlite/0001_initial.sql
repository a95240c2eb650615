-- BrightRun on SQLite. STRICT tables refuse a value of the wrong type.
-- ids: hyphenated UUID text. times: RFC 3339 UTC text with microseconds, fixed width, so text
-- order is time order. money: exact decimal text, never REAL. JSON: text. dates: YYYY-MM-DD.

CREATE TABLE datasets (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    format TEXT NOT NULL CHECK (format IN ('brightrun_lora_v4', 'brightrun_lora_v3', 'chat')),
    status TEXT NOT NULL CHECK (status IN ('uploading', 'validating', 'ready', 'error')),
    storage_path TEXT,
    file_name TEXT NOT NULL,
    file_size INTEGER NOT NULL CHECK (file_size >= 0),
    total_training_pairs INTEGER NOT NULL DEFAULT 0 CHECK (total_training_pairs >= 0),
    total_validation_pairs INTEGER NOT NULL DEFAULT 0 CHECK (total_validation_pairs >= 0),
    total_tokens INTEGER NOT NULL DEFAULT 0 CHECK (total_tokens >= 0),
    avg_turns_per_conversation REAL,
    avg_tokens_per_example REAL,
    training_ready INTEGER NOT NULL DEFAULT 0 CHECK (training_ready IN (0, 1)),
    statistics TEXT,
    validation_errors TEXT NOT NULL DEFAULT '[]',
    sample_data TEXT,
    -- The full validation report, inline, or the object-storage key of a large one.
    validation_report TEXT,
    validation_report_path TEXT,
    validated_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT,
    -- The orchestrator validating the dataset, until its lease expires.
    claimed_by TEXT,
    lease_expires_at TEXT
) STRICT;

CREATE INDEX datasets_by_user ON datasets (user_id, created_at);
CREATE INDEX datasets_awaiting_validation ON datasets (created_at) WHERE status = 'validating' AND deleted_at IS NULL;

CREATE TABLE training_jobs (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL REFERENCES datasets (id),
    preset TEXT NOT NULL CHECK (preset IN ('conservative', 'balanced', 'aggressive', 'custom')),
    hyperparameters TEXT NOT NULL,
    gpu_type TEXT NOT NULL,
    gpu_count INTEGER NOT NULL CHECK (gpu_count BETWEEN 1 AND 8),
    price_per_gpu_hour TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'initializing', 'running', 'completed', 'failed', 'cancelled')),
    stage TEXT CHECK (stage IN ('queued_on_backend', 'loading', 'training', 'evaluating', 'saving', 'collecting')),
    progress_percent REAL NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    current_epoch INTEGER NOT NULL DEFAULT 0 CHECK (current_epoch >= 0),
    total_epochs INTEGER NOT NULL CHECK (total_epochs >= 0),
    current_step INTEGER NOT NULL DEFAULT 0 CHECK (current_step >= 0),
    total_steps INTEGER NOT NULL CHECK (total_steps >= 0),
    current_metrics TEXT,
    queued_at TEXT NOT NULL,
    started_at TEXT,
    completed_at TEXT,
    estimated_completion_at TEXT,
    estimated_total_cost TEXT,
    current_cost TEXT NOT NULL,
    final_cost TEXT,
    error_type TEXT,
    error_message TEXT,
    retry_count INTEGER NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
    external_job_id TEXT,
    -- The backend's serialised handle, so polling survives a restart.
    backend_handle TEXT,
    artifact_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    claimed_by TEXT,
    lease_expires_at TEXT,
    CHECK (stage IS NULL OR status = 'running')
) STRICT;

CREATE INDEX training_jobs_by_user ON training_jobs (user_id, created_at);
CREATE INDEX training_jobs_active ON training_jobs (status, queued_at) WHERE status IN ('queued', 'initializing', 'running');

-- One row per job and step: a re-read event never duplicates a point.
CREATE TABLE metrics_points (
    job_id TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    step INTEGER NOT NULL CHECK (step >= 0),
    epoch REAL NOT NULL,
    training_loss REAL,
    validation_loss REAL,
    learning_rate REAL,
    grad_norm REAL,
    tokens_per_second REAL,
    gpu_utilization_percent REAL,
    gpu_memory_used_gb REAL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (job_id, step)
) STRICT, WITHOUT ROWID;

-- Per job, series and bucket of `width` steps, the lowest and highest value and their steps,
-- kept up to date as points arrive, so a chart of a long curve reads buckets, not points.
CREATE TABLE metrics_rollups (
    job_id TEXT NOT NULL REFERENCES training_jobs (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    series TEXT NOT NULL,
    width INTEGER NOT NULL CHECK (width > 0),
    bucket INTEGER NOT NULL CHECK (bucket >= 0),
    lo REAL NOT NULL,
    lo_step INTEGER NOT NULL,
    hi REAL NOT NULL,
    hi_step INTEGER NOT NULL,
    PRIMARY KEY (job_id, series, width, bucket)
) STRICT, WITHOUT ROWID;

CREATE TABLE model_artifacts (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    job_id TEXT NOT NULL REFERENCES training_jobs (id),
    dataset_id TEXT NOT NULL REFERENCES datasets (id),
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL CHECK (status IN ('stored', 'archived', 'deleted')),
    base_model TEXT NOT NULL,
    quality_metrics TEXT NOT NULL,
    training_summary TEXT NOT NULL,
    configuration TEXT NOT NULL,
    storage_path TEXT NOT NULL,
    files TEXT NOT NULL,
    parent_model_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT
) STRICT;

CREATE INDEX model_artifacts_by_user ON model_artifacts (user_id, created_at);

CREATE TABLE cost_records (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    job_id TEXT REFERENCES training_jobs (id),
    cost_type TEXT NOT NULL CHECK (cost_type IN ('compute', 'storage', 'data_transfer')),
    amount TEXT NOT NULL,
    currency TEXT NOT NULL CHECK (length(currency) = 3),
    details TEXT NOT NULL,
    billing_period_start TEXT NOT NULL,
    billing_period_end TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CHECK (billing_period_start <= billing_period_end)
) STRICT;

CREATE INDEX cost_records_by_period ON cost_records (user_id, billing_period_start);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    notification_type TEXT NOT NULL CHECK (notification_type IN ('job_queued', 'job_started', 'job_complete',
        'job_failed', 'job_cancelled', 'dataset_ready', 'dataset_error', 'cost_alert', 'system')),
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    read INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),
    read_at TEXT,
    action_url TEXT,
    metadata TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

CREATE INDEX notifications_by_user ON notifications (user_id, created_at);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read = 0;

CREATE TABLE budget_settings (
    user_id TEXT PRIMARY KEY NOT NULL,
    monthly_budget TEXT,
    alert_threshold_percent INTEGER NOT NULL DEFAULT 80 CHECK (alert_threshold_percent BETWEEN 1 AND 100),
    per_job_cost_cap TEXT,
    updated_at TEXT NOT NULL
) STRICT;
