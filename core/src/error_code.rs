//! Stable error codes: the [`ErrorCode`] trait and [`Code`], the registry of every code the
//! crate returns.
//!
//! A leaf module: it names failures and knows nothing of the errors that carry them. Each
//! error type of the crate returns one of these codes from [`ErrorCode::error_code`], so a
//! code can only be returned once it is registered here with its meaning and remedy.
//! Codes never change meaning once released: hosts match on them, log them and translate
//! them. `docs/errors.md` is generated from this table. The codes whose type is `Client`
//! are raised by the Python and Node clients themselves (a download, a closed client); their
//! tests check every code they raise against `docs/errors.md`.

/// A stable, machine-readable name for a failure.
pub trait ErrorCode {
    /// The registered code of this error.
    fn error_code(&self) -> Code;

    /// The stable code of this error as text, e.g. `invalid_hyperparameters`.
    fn code(&self) -> &'static str {
        self.error_code().as_str()
    }
}

/// What kind of failure a code is: who can fix it, and the HTTP status a host answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// The caller's input is wrong; the message says how to fix it.
    InvalidInput,
    /// The thing asked for does not exist (or belongs to another user).
    NotFound,
    /// The thing is in a state that does not allow the operation (now).
    Conflict,
    /// An input larger than its limit.
    TooLarge,
    /// A part BrightRun depends on (database, object store, GPU engine, disk) failed.
    Dependency,
    /// A part BrightRun depends on cannot be reached now; trying again later may work.
    Unavailable,
    /// A fault in BrightRun itself or in data it wrote.
    Internal,
}

impl Category {
    /// The HTTP status a host answers with for a failure of this category.
    pub const fn http_status(self) -> u16 {
        match self {
            Category::InvalidInput => 400,
            Category::NotFound => 404,
            Category::Conflict => 409,
            Category::TooLarge => 413,
            Category::Internal => 500,
            Category::Dependency => 502,
            Category::Unavailable => 503,
        }
    }

    /// The category's name, snake_case.
    pub const fn as_str(self) -> &'static str {
        match self {
            Category::InvalidInput => "invalid_input",
            Category::NotFound => "not_found",
            Category::Conflict => "conflict",
            Category::TooLarge => "too_large",
            Category::Dependency => "dependency",
            Category::Unavailable => "unavailable",
            Category::Internal => "internal",
        }
    }
}

/// Declares [`Code`] with its table of codes, categories, error types, meanings (the
/// variant's doc line) and remedies in one place.
macro_rules! error_codes {
    ($(#[doc = $meaning:literal] $variant:ident => $code:literal, $category:ident, [$($ty:ident),+],
        $remedy:literal;)+) => {
        /// Every error code of the crate.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $meaning] $variant),+
        }

        impl Code {
            /// Every code, in the order of this table.
            pub const ALL: [Code; [$($code),+].len()] = [$(Code::$variant),+];

            /// The stable snake_case code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $code),+
                }
            }

            /// What kind of failure it is.
            pub const fn category(self) -> Category {
                match self {
                    $(Code::$variant => Category::$category),+
                }
            }

            /// The error types that return it (`StoreError`, ...).
            pub const fn error_types(self) -> &'static [&'static str] {
                match self {
                    $(Code::$variant => &[$(stringify!($ty)),+]),+
                }
            }

            /// What it means, in one line.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => $meaning.trim()),+
                }
            }

            /// What to do about it.
            pub const fn remedy(self) -> &'static str {
                match self {
                    $(Code::$variant => $remedy),+
                }
            }
        }
    };
}

error_codes! {
    /// Hyperparameters out of range or inconsistent; every bad field is listed with its range.
    InvalidHyperparameters => "invalid_hyperparameters", InvalidInput, [HyperparameterError],
        "give each listed field a value in its range (`brightrun hyperparameters` lists them)";
    /// A GPU that is not in the GPU catalog.
    UnknownGpu => "unknown_gpu", InvalidInput, [CatalogError],
        "choose a GPU of the catalog (`brightrun gpus`)";
    /// A GPU count outside 1 to 8.
    InvalidGpuCount => "invalid_gpu_count", InvalidInput, [CatalogError],
        "ask for 1 to 8 GPUs";
    /// A price per GPU-hour below $0 or above $10,000.
    InvalidPrice => "invalid_price", InvalidInput, [CatalogError],
        "give the price in dollars per GPU-hour, from 0 to 10000";
    /// A base model that is not in the catalog, and no architecture was given for it.
    UnknownBaseModel => "unknown_base_model", InvalidInput, [CatalogError],
        "choose a model of the catalog (`brightrun base-models`), or pass its Hugging Face config.json";
    /// A preset that does not exist.
    UnknownPreset => "unknown_preset", InvalidInput, [CatalogError],
        "use conservative, balanced, aggressive or custom";
    /// A model architecture that is incomplete or inconsistent.
    InvalidArchitecture => "invalid_architecture", InvalidInput, [CatalogError],
        "pass the model's complete config.json";
    /// A model config.json that cannot be read or parsed.
    UnreadableModelConfig => "unreadable_model_config", InvalidInput, [CatalogError],
        "check the path, and that the file is the model's JSON config";
    /// A LoRA target module that Llama-, Mistral- and Qwen-style models do not have.
    UnknownTargetModule => "unknown_target_module", InvalidInput, [EstimateError],
        "use q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj or down_proj";
    /// An estimate asked for a dataset without tokens to train on.
    NoTokens => "no_tokens", InvalidInput, [EstimateError],
        "pass the token count of the training split";
    /// A measured throughput that is not a positive number.
    InvalidThroughput => "invalid_throughput", InvalidInput, [EstimateError],
        "give tokens per second per GPU as a positive number, or leave it out";
    /// An estimated duration or cost too large to represent.
    EstimateOutOfRange => "estimate_out_of_range", InvalidInput, [EstimateError],
        "check the throughput, price and sizes given: one is most likely out of scale";
    /// A count that is negative, fractional, not finite or beyond 2^53 - 1.
    InvalidNumber => "invalid_number", InvalidInput, [EstimateError],
        "give a whole number in the range the message states";
    /// A money amount that is not a decimal number.
    InvalidMoney => "invalid_money", InvalidInput, [MoneyParseError],
        "write the amount as a plain decimal, e.g. 2.49";
    /// A name that is none of an enum's values (a status, a format, a role, ...).
    UnknownValue => "unknown_value", InvalidInput, [ParseEnumError],
        "use one of the values the message lists";
    /// A job status change that the job's state machine forbids.
    IllegalTransition => "illegal_transition", Conflict, [TransitionError],
        "read the job again: it is no longer in the status the change requires";
    /// The GPU backend could not read or write its own files or processes.
    BackendIo => "backend_io", Dependency, [BackendError],
        "check the backend's runs directory (disk space, permissions)";
    /// A backend handle this backend did not issue, or one whose data is malformed.
    InvalidBackendHandle => "invalid_backend_handle", Internal, [BackendError],
        "run the job's orchestrator with the backend that submitted it";
    /// The training worker could not be started.
    WorkerLaunchFailed => "worker_launch_failed", Dependency, [BackendError],
        "check the worker command (BRIGHTRUN_WORKER) and its Python environment";
    /// A job asks for more GPUs than its backend can give one job (a local machine with fewer GPU slots), or for more than one process on the CPU.
    NotEnoughGpus => "not_enough_gpus", InvalidInput, [BackendError, ServiceError],
        "ask for at most the GPUs the message names, list a bigger GPU set in BRIGHTRUN_GPU_SLOTS (e.g. `0,1`), or use an engine with more GPUs (Ray, Slurm)";
    /// The GPU engine (RunPod, Ray, Slurm, ...) refused or failed a request.
    BackendEngineFailed => "backend_engine_failed", Dependency, [BackendError],
        "check the engine's status and credentials; the message has its answer";
    /// The GPU engine named by BRIGHTRUN_BACKEND did not answer (refused, timed out, not the engine).
    BackendUnreachable => "backend_unreachable", Unavailable, [BackendError],
        "start the engine (e.g. scripts/ray-head for Ray) or fix the host and port in BRIGHTRUN_BACKEND";
    /// The GPU engine refused the credentials it was given (a wrong or expired key or token).
    BackendUnauthorized => "backend_unauthorized", Dependency, [BackendError],
        "check the engine's credentials: RUNPOD_API_KEY for RunPod (and that it may use this endpoint), SLURM_JWT from `scontrol token` for Slurm (and the user it is for)";
    /// The GPU engine named by BRIGHTRUN_BACKEND needs credentials the environment does not give.
    BackendCredentialsMissing => "backend_credentials_missing", InvalidInput, [ServiceError],
        "set the engine's credentials: RUNPOD_API_KEY for `runpod://ENDPOINT_ID`, SLURM_JWT and SLURM_USER for Slurm";
    /// BRIGHTRUN_BACKEND names no backend this version knows, or one it cannot build yet.
    UnknownBackend => "unknown_backend", InvalidInput, [ServiceError],
        "set BRIGHTRUN_BACKEND to `local`, `ray+http://HOST:PORT`, `slurm+http://HOST:PORT`, `runpod://ENDPOINT_ID` or `runpod+http://HOST:PORT`, or unset it";
    /// A backend whose workers upload through signed URLs, with an object store that signs none.
    StorageCannotSign => "storage_cannot_sign", InvalidInput, [ServiceError],
        "use S3-compatible storage (BRIGHTRUN_STORAGE_URL=s3://...) or a backend on a shared filesystem (`?transfer=shared_filesystem`)";
    /// A job without artifacts to collect: it did not complete.
    NothingToCollect => "nothing_to_collect", Conflict, [BackendError],
        "collect only completed jobs";
    /// The tokenizer or its configuration could not be read or parsed.
    TokenizerLoadFailed => "tokenizer_load_failed", InvalidInput, [TokenizerError],
        "check the tokenizer path or model id, and that tokenizer.json is there";
    /// The chat template failed to render a conversation.
    ChatTemplateFailed => "chat_template_failed", InvalidInput, [TokenizerError],
        "check the model's chat template, or count with another tokenizer";
    /// The tokenizer failed to encode a text.
    TokenizationFailed => "tokenization_failed", InvalidInput, [TokenizerError],
        "check the tokenizer files; the message has the tokenizer's reason";
    /// The dataset file does not exist.
    DatasetNotFound => "dataset_not_found", NotFound, [DatasetError],
        "check the path of the dataset file";
    /// The dataset file exists but cannot be opened.
    DatasetUnreadable => "dataset_unreadable", InvalidInput, [DatasetError],
        "check the file's permissions, and that it is a file, not a folder";
    /// Reading the dataset failed part-way.
    DatasetReadFailed => "dataset_read_failed", Dependency, [DatasetError],
        "read the file again; check the disk or the network mount it is on";
    /// A dataset that starts like gzip but does not decompress.
    InvalidGzip => "invalid_gzip", InvalidInput, [DatasetError],
        "compress the file again with gzip, or upload it uncompressed";
    /// A gzip dataset that inflates past its limits (10 GB, 100 times its size).
    DecompressedTooLarge => "decompressed_too_large", TooLarge, [DatasetError],
        "split the dataset, or upload it uncompressed";
    /// A conversion found no record of a known format in the first lines.
    UnknownDatasetFormat => "unknown_dataset_format", InvalidInput, [DatasetError],
        "validate the file to see what each record lacks (docs/formats.md)";
    /// A CSV, Parquet or Arrow dataset that cannot be read as a table.
    InvalidTable => "invalid_table", InvalidInput, [DatasetError],
        "write the table again (Parquet or Arrow from pandas, pyarrow or datasets; CSV with one header row of unique column names)";
    /// A source of a kind that is not read as a dataset (a directory that is not one saved Hugging Face dataset).
    UnsupportedSource => "unsupported_source", InvalidInput, [DatasetError],
        "give what the message says: a dataset file, or the directory of one saved dataset (one split)";
    /// A validation or conversion option out of range (max_seq_len, validation_fraction, ...).
    InvalidOption => "invalid_option", InvalidInput, [DatasetError],
        "give the option a value in the range the message states";
    /// The converted dataset could not be written.
    DatasetWriteFailed => "dataset_write_failed", Dependency, [DatasetError],
        "check the output folder (it exists, is writable, has space)";
    /// The row or object does not exist, was deleted, or belongs to another user.
    NotFound => "not_found", NotFound, [StoreError, BlobError],
        "check the id; another user's ids are never found";
    /// The row changed under the operation (a job that already moved on).
    StaleState => "stale_state", Conflict, [StoreError],
        "read the row again and decide once more";
    /// An orchestrator's write to a row whose lease another orchestrator now holds.
    LeaseLost => "lease_lost", Conflict, [StoreError],
        "nothing: the other orchestrator carries the work on";
    /// A row with this id already exists.
    Conflict => "conflict", Conflict, [StoreError],
        "use a new id, or read the existing row";
    /// A value that cannot be stored (a count above 2^63 - 1, a page offset beyond the cap, ...).
    InvalidInput => "invalid_input", InvalidInput, [StoreError],
        "give the field a value in the range the message states";
    /// A PostgreSQL schema name that is not a plain lowercase identifier.
    InvalidSchemaName => "invalid_schema_name", InvalidInput, [StoreError],
        "use lowercase letters, digits and `_`, not starting with a digit";
    /// A database URL that names no supported database or cannot be parsed.
    InvalidDatabaseUrl => "invalid_database_url", InvalidInput, [StoreError],
        "use sqlite://PATH or postgres://USER:PASSWORD@HOST/DATABASE";
    /// A stored value that does not decode (edited by hand, or written by a newer BrightRun).
    CorruptRow => "corrupt_row", Internal, [StoreError],
        "run the BrightRun version that wrote the database, or repair the column named";
    /// Applying the schema migrations failed.
    MigrationFailed => "migration_failed", Internal, [StoreError],
        "check the database user's rights; the message says which migration failed";
    /// The database cannot be reached (timeout, connection or TLS failure).
    DatabaseUnavailable => "database_unavailable", Unavailable, [StoreError],
        "check that the database is up and reachable, then try again";
    /// The database refused a value its constraints forbid.
    ConstraintViolation => "constraint_violation", InvalidInput, [StoreError],
        "give values in the documented ranges";
    /// The database refused or failed the statement.
    DatabaseError => "database_error", Dependency, [StoreError],
        "see the database's message; check its logs";
    /// A file name or key that cannot become a safe object key.
    InvalidKey => "invalid_key", InvalidInput, [BlobError],
        "use a plain file name (no `..`, no control characters)";
    /// An upload larger than its cap; nothing of it was kept.
    TooLarge => "too_large", TooLarge, [BlobError],
        "upload a smaller file, or split it";
    /// An object whose sha256 is not the one expected: it was replaced since it was checked.
    ObjectChanged => "object_changed", Conflict, [BlobError],
        "upload the file again; never overwrite stored objects by hand";
    /// A storage URL that names no supported store or cannot be parsed.
    InvalidStorageUrl => "invalid_storage_url", InvalidInput, [BlobError],
        "use a local directory path, or s3://BUCKET?endpoint=...&region=...";
    /// A signed URL's or download link's lifetime out of range.
    InvalidExpiry => "invalid_expiry", InvalidInput, [BlobError, ServiceError],
        "ask for a lifetime in the range the message states";
    /// The object store gives no direct location of its objects (an in-memory store).
    DirectAccessUnsupported => "direct_access_unsupported", InvalidInput, [BlobError],
        "use a local directory or an S3-compatible store";
    /// The stream being uploaded failed; nothing of it was kept.
    UploadInterrupted => "upload_interrupted", Dependency, [BlobError],
        "upload the file again";
    /// The object store failed.
    StorageError => "storage_error", Dependency, [BlobError],
        "see the store's message; check its credentials and that it is reachable";
    /// A name or description that is empty, too long or holds control characters.
    InvalidText => "invalid_text", InvalidInput, [ServiceError],
        "give a non-empty text of printable characters within the length stated";
    /// A dataset file of 0 bytes or larger than the upload cap.
    InvalidSize => "invalid_size", InvalidInput, [ServiceError],
        "upload a file of 1 byte up to the cap the message states";
    /// A dataset confirmed before its file was uploaded.
    UploadMissing => "upload_missing", Conflict, [ServiceError],
        "upload the file first, then confirm";
    /// A file uploaded for a dataset that already has one.
    DatasetNotUploading => "dataset_not_uploading", Conflict, [ServiceError],
        "create a new dataset for another file";
    /// A cancel of a job that already ended.
    JobFinished => "job_finished", Conflict, [ServiceError],
        "nothing to do: the job is over";
    /// A job asked of a dataset that is not validated and ready.
    DatasetNotReady => "dataset_not_ready", Conflict, [ServiceError],
        "wait for the validation, or fix the errors its report lists and upload again";
    /// A cost history of a number of months out of range.
    InvalidMonths => "invalid_months", InvalidInput, [ServiceError],
        "ask for the number of months the message states";
    /// A budget, alert threshold or cap out of range.
    InvalidBudget => "invalid_budget", InvalidInput, [ServiceError],
        "give non-negative amounts and a threshold from 1 to 100 percent";
    /// An artifact a backend reported that is not a local file.
    UnsupportedArtifact => "unsupported_artifact", Dependency, [ServiceError],
        "use a backend whose artifacts are local files or signed uploads";
    /// No home directory to put the BrightRun home in.
    NoHome => "no_home", InvalidInput, [ServiceError],
        "set BRIGHTRUN_HOME";
    /// BRIGHTRUN_WORKER (or a client's worker command) is empty or has an unbalanced quote.
    InvalidWorker => "invalid_worker", InvalidInput, [ServiceError],
        "set BRIGHTRUN_WORKER to the worker's command line as a shell would read it, or unset it";
    /// BRIGHTRUN_WORKER_ENV names a variable the worker must never get.
    InvalidWorkerEnv => "invalid_worker_env", InvalidInput, [ServiceError],
        "remove the names the message lists (credentials, BrightRun's own settings)";
    /// BRIGHTRUN_KEEP_RUNS or BRIGHTRUN_KEEP_SCRATCH is not an age.
    InvalidRetention => "invalid_retention", InvalidInput, [ServiceError],
        "write an age such as 7d, 12h or 30m, or never";
    /// Local files (scratch space, the BrightRun home) could not be used.
    LocalIo => "local_io", Dependency, [ServiceError],
        "check the BrightRun home (disk space, permissions)";
    /// A binding's call with arguments of the wrong shape; the message names the field.
    InvalidArguments => "invalid_arguments", InvalidInput, [ServiceError],
        "pass the arguments the method's documentation lists, with the types it gives";
    /// A user id that is not a UUID.
    InvalidUserId => "invalid_user_id", InvalidInput, [ServiceError],
        "scope the client to the user's id as a UUID (for_user / forUser)";
    /// A binding asked the native code for an operation it does not have.
    UnknownOperation => "unknown_operation", InvalidInput, [ServiceError],
        "install the binding and native module of the same version";
    /// A call on a client (Python or Node `BrightRun`) after it was closed.
    ClientClosed => "client_closed", Conflict, [Client],
        "open a new client; a closed one stays closed";
    /// A client's wait (`datasets.wait`, `jobs.wait`) that did not end within its timeout.
    Timeout => "timeout", Unavailable, [Client],
        "wait longer, and check that an orchestrator runs (the embedded worker or `brightrun worker`)";
    /// A model file a client could not download.
    DownloadFailed => "download_failed", Dependency, [Client],
        "check the storage (a signed URL may have expired: ask for new ones) and try again";
    /// A downloaded model file whose size or sha256 differs from the model's record.
    ChecksumMismatch => "checksum_mismatch", Dependency, [Client],
        "download it again; if it still differs, the stored file was changed or damaged";
    /// A fault in BrightRun itself; the message says where.
    Internal => "internal", Internal, [ServiceError],
        "report it with the message: it is a bug";
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_registry_has_no_duplicates_and_every_code_is_snake_case_with_a_meaning_and_remedy() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "`{text}` is registered twice");
            assert!(!text.is_empty() && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "`{text}`");
            assert!(!code.meaning().is_empty() && !code.meaning().contains('\n'), "`{text}` needs a one-line doc");
            assert!(!code.remedy().is_empty(), "`{text}` needs a remedy");
            assert!(!code.error_types().is_empty(), "`{text}` needs the types that return it");
        }
    }

    #[test]
    fn categories_map_to_http_statuses() {
        assert_eq!(Code::NotFound.category().http_status(), 404);
        assert_eq!(Code::InvalidHyperparameters.category().http_status(), 400);
        assert_eq!(Code::DatabaseUnavailable.category().http_status(), 503);
    }
}
