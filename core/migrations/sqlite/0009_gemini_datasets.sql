-- no-transaction
-- Gemini datasets (`gemini`, Vertex AI's tuning format).
--
-- SQLite cannot alter a CHECK constraint, so `datasets` is rebuilt as 0007 did (see there,
-- and https://www.sqlite.org/lang_altertable.html, "Making Other Kinds Of Table Schema
-- Changes"): foreign keys off outside any transaction, then in one transaction a new table
-- with the wider CHECK, the rows copied, the old table dropped, the new one renamed, the
-- indexes recreated and the references to it checked, and foreign keys back on. The CHECKs
-- of 0004 (on its generated column `checks_0004`) are kept as they were.
PRAGMA foreign_keys = OFF;

BEGIN;

CREATE TABLE datasets_0009 (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    format TEXT NOT NULL CHECK (format IN ('brightrun_lora_v4', 'brightrun_lora_v3', 'chat',
                                           'prompt_completion', 'alpaca', 'sharegpt', 'text',
                                           'gemini')),
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
    lease_expires_at TEXT,
    -- What the service accepts as a name (1 to 200 characters, not blank) and a description
    -- (at most 2,000), with no control character but tab and newline (0004).
    checks_0004 INTEGER GENERATED ALWAYS AS (NULL) VIRTUAL
        CONSTRAINT datasets_name_valid CHECK (
            length(name) BETWEEN 1 AND 200 AND trim(name, ' ' || char(9, 10, 13)) <> ''
            AND name NOT GLOB '*[' || char(1) || '-' || char(8) || char(11) || '-' || char(31)
                               || char(127) || '-' || char(159) || ']*')
        CONSTRAINT datasets_description_valid CHECK (
            length(description) <= 2000
            AND description NOT GLOB '*[' || char(1) || '-' || char(8) || char(11) || '-' || char(31)
                                      || char(127) || '-' || char(159) || ']*')
) STRICT;

INSERT INTO datasets_0009 (
    id, user_id, name, description, format, status, storage_path, file_name, file_size,
    total_training_pairs, total_validation_pairs, total_tokens, avg_turns_per_conversation,
    avg_tokens_per_example, training_ready, statistics, validation_errors, sample_data,
    validation_report, validation_report_path, validated_at, created_at, updated_at, deleted_at,
    claimed_by, lease_expires_at)
SELECT
    id, user_id, name, description, format, status, storage_path, file_name, file_size,
    total_training_pairs, total_validation_pairs, total_tokens, avg_turns_per_conversation,
    avg_tokens_per_example, training_ready, statistics, validation_errors, sample_data,
    validation_report, validation_report_path, validated_at, created_at, updated_at, deleted_at,
    claimed_by, lease_expires_at
FROM datasets;

DROP TABLE datasets;

ALTER TABLE datasets_0009 RENAME TO datasets;

CREATE INDEX datasets_by_user ON datasets (user_id, created_at);
CREATE INDEX datasets_awaiting_validation ON datasets (created_at) WHERE status = 'validating' AND deleted_at IS NULL;
-- 0006: a user's dataset list and its total read only this index.
CREATE INDEX datasets_live_by_user ON datasets (user_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- Fails the migration (a row returned is not an error by itself, so a failing CHECK is
-- raised through a constraint): every reference to a dataset still finds it.
CREATE TEMP TABLE migration_0009_orphans (n INTEGER CHECK (n = 0));
INSERT INTO migration_0009_orphans SELECT count(*) FROM pragma_foreign_key_check('training_jobs');
INSERT INTO migration_0009_orphans SELECT count(*) FROM pragma_foreign_key_check('model_artifacts');
DROP TABLE migration_0009_orphans;

COMMIT;

PRAGMA foreign_keys = ON;
