//! Errors that cross the library boundary.
//!
//! Each concern has its own error type (a hyperparameter error, a catalog error, an illegal
//! job transition, ...). Every one of them implements [`ErrorCode`], which names the failure
//! with a stable snake_case code of the registry [`Code`] that the CLI prints and the Python
//! and Node bindings carry as `code`. [`Error`] gathers them for callers who want one type.

use crate::backend::BackendError;
use crate::blob::BlobError;
use crate::config::{CatalogError, HyperparameterError};
use crate::dataset::{DatasetError, TokenizerError};
use crate::error_code::{Code, ErrorCode};
use crate::estimate::EstimateError;
use crate::model::{MoneyParseError, ParseEnumError, TransitionError};
use crate::store::StoreError;

/// Any error of the core, for callers who want a single error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Hyperparameters out of range or inconsistent.
    #[error(transparent)]
    Hyperparameters(#[from] HyperparameterError),
    /// An unknown GPU or base model, or a malformed architecture.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// An estimate that cannot be made from its inputs.
    #[error(transparent)]
    Estimate(#[from] EstimateError),
    /// A job status change that the state machine forbids.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A money amount that is not a decimal number.
    #[error(transparent)]
    Money(#[from] MoneyParseError),
    /// A GPU backend that cannot submit, follow, cancel or collect a job.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A tokenizer that cannot be loaded or cannot count.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// A name that is not one of an enum's values (a status, a format, a role, ...).
    #[error(transparent)]
    UnknownValue(#[from] ParseEnumError),
    /// A database operation that failed: not found, stale state, conflict, unavailable, ...
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An object-storage operation that failed: invalid key, too large, not found, ...
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A dataset that cannot be read, recognised or converted.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
}

impl ErrorCode for Error {
    fn error_code(&self) -> Code {
        match self {
            Error::Hyperparameters(e) => e.error_code(),
            Error::Catalog(e) => e.error_code(),
            Error::Estimate(e) => e.error_code(),
            Error::Transition(e) => e.error_code(),
            Error::Money(e) => e.error_code(),
            Error::UnknownValue(e) => e.error_code(),
            Error::Backend(e) => e.error_code(),
            Error::Tokenizer(e) => e.error_code(),
            Error::Store(e) => e.error_code(),
            Error::Blob(e) => e.error_code(),
            Error::Dataset(e) => e.error_code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::io;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::dataset::InflatedTooFar;
    use crate::error_code::Category;
    use crate::model::{JobStatus, JobTransition, Money};
    use crate::service::ServiceError;

    /// A database's refusal of a value its CHECK constraints forbid.
    #[derive(Debug, thiserror::Error)]
    #[error("check violation")]
    struct CheckViolation;

    impl sqlx::error::DatabaseError for CheckViolation {
        fn message(&self) -> &str {
            "check violation"
        }
        fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::CheckViolation
        }
    }

    fn io_error(kind: io::ErrorKind) -> io::Error {
        io::Error::new(kind, "test")
    }

    /// One value of every variant of every error type, named by its type (the wrappers
    /// [`Error`], [`EstimateError`]'s and [`ServiceError`]'s transparent variants only
    /// pass their inner code on, and are checked to do so).
    fn representatives() -> Vec<(&'static str, Code)> {
        let text = String::new;
        let catalog = [
            CatalogError::UnknownGpu { name: text(), known: text() },
            CatalogError::InvalidGpuCount { count: 9 },
            CatalogError::InvalidPrice { price: Money::ZERO, max: Money::ZERO },
            CatalogError::UnknownBaseModel { id: text(), known: text() },
            CatalogError::UnknownPreset { name: text() },
            CatalogError::InvalidArchitecture { reason: text() },
            CatalogError::UnreadableModelConfig { path: text(), reason: text() },
        ];
        let estimate = [
            EstimateError::UnknownTargetModule { module: text() },
            EstimateError::NoTokens,
            EstimateError::InvalidThroughput { value: 0.0 },
            EstimateError::OutOfRange { what: "duration" },
            EstimateError::InvalidNumber { field: text(), value: -1.0, max: 1 },
        ];
        let backend = [
            BackendError::io("test", io_error(io::ErrorKind::Other)),
            BackendError::InvalidHandle { reason: text() },
            BackendError::Launch { reason: text() },
            BackendError::Engine { engine: "ray", reason: text() },
            BackendError::Unreachable { engine: "ray", url: text(), reason: text() },
            BackendError::Unauthorized { engine: "slurm", reason: text() },
            BackendError::NotCollectable { reason: text() },
            BackendError::Unauthorized { engine: "runpod", reason: text() },
        ];
        let tokenizer = [
            TokenizerError::Load { source_name: text(), reason: text() },
            TokenizerError::Template { reason: text() },
            TokenizerError::ToolsUnsupported { tokenizer: text(), reason: text() },
            TokenizerError::ReasoningUnsupported { tokenizer: text(), reason: text() },
            TokenizerError::Encode { reason: text() },
        ];
        let path = PathBuf::from("data.jsonl");
        let dataset = [
            DatasetError::Open { path: path.clone(), source: io_error(io::ErrorKind::NotFound) },
            DatasetError::Open { path: path.clone(), source: io_error(io::ErrorKind::PermissionDenied) },
            DatasetError::Read { source: io_error(io::ErrorKind::Other) },
            DatasetError::Gzip { source: io_error(io::ErrorKind::InvalidData) },
            DatasetError::Inflated(InflatedTooFar { decompressed: 2, compressed: 1, limit: text() }),
            DatasetError::UnknownFormat { reason: text() },
            DatasetError::InvalidTable { reason: text() },
            DatasetError::UnsupportedSource { what: text(), fix: text() },
            DatasetError::InvalidOption { name: "max_seq_len", reason: text() },
            DatasetError::Write { path, source: io_error(io::ErrorKind::Other) },
        ];
        let (entity, id) = ("job", String::new());
        let store = [
            StoreError::NotFound { entity, id: id.clone() },
            StoreError::StaleState { entity, id: id.clone(), reason: text() },
            StoreError::LeaseLost { entity, id: id.clone(), holder: text() },
            StoreError::Conflict { entity, id },
            StoreError::InvalidInput { field: "offset", message: text() },
            StoreError::InvalidSchemaName(text()),
            StoreError::InvalidUrl(text()),
            StoreError::CorruptRow { column: text(), message: text() },
            StoreError::Migration(sqlx::migrate::MigrateError::VersionMissing(1)),
            StoreError::Database(sqlx::Error::PoolTimedOut),
            StoreError::Database(sqlx::Error::Database(Box::new(CheckViolation))),
            StoreError::Database(sqlx::Error::RowNotFound),
        ];
        let blob = [
            BlobError::InvalidKey { name: text(), reason: "test" },
            BlobError::TooLarge { limit: 1 },
            BlobError::Changed { key: text(), expected: text(), found: text() },
            BlobError::NotFound { key: text() },
            BlobError::InvalidUrl(text()),
            BlobError::InvalidExpiry { seconds: 0 },
            BlobError::NoDirectAccess,
            BlobError::Source(io_error(io::ErrorKind::Other)),
            BlobError::Storage(object_store::Error::Generic { store: "test", source: "test".into() }),
        ];
        // The service's own input codes are whichever its calls pass to `ServiceError::invalid`.
        let service_input = Code::ALL.into_iter().filter(|code| code.error_types().contains(&"ServiceError"));
        let service = service_input
            .map(|code| ServiceError::invalid(code, "test"))
            .chain([ServiceError::io("test", io_error(io::ErrorKind::Other)), ServiceError::internal("test")]);

        let mut all = vec![("HyperparameterError", HyperparameterError::Invalid(Vec::new()).error_code())];
        all.extend(catalog.iter().map(|e| ("CatalogError", e.error_code())));
        all.extend(estimate.iter().map(|e| ("EstimateError", e.error_code())));
        all.push(("MoneyParseError", "x".parse::<Money>().unwrap_err().error_code()));
        all.push(("ParseEnumError", "x".parse::<JobStatus>().unwrap_err().error_code()));
        all.push(("TransitionError", JobStatus::Completed.apply(JobTransition::Start).unwrap_err().error_code()));
        all.extend(backend.iter().map(|e| ("BackendError", e.error_code())));
        all.extend(tokenizer.iter().map(|e| ("TokenizerError", e.error_code())));
        all.extend(dataset.iter().map(|e| ("DatasetError", e.error_code())));
        all.extend(store.iter().map(|e| ("StoreError", e.error_code())));
        all.extend(blob.iter().map(|e| ("BlobError", e.error_code())));
        all.extend(service.map(|e| ("ServiceError", e.error_code())));
        // The clients' own codes (closed, timeouts, downloads) are returned by the Python and
        // Node `BrightRun` layers, which their tests check; the core only registers them.
        let client = Code::ALL.into_iter().filter(|code| code.error_types().contains(&"Client"));
        all.extend(client.map(|code| ("Client", code)));
        all
    }

    #[test]
    fn every_code_returned_is_registered_for_its_type_and_every_registered_code_is_returned() {
        let returned = representatives();
        for (error_type, code) in &returned {
            assert!(
                Code::ALL.iter().any(|known| known.as_str() == code.as_str()),
                "`{}` is not registered",
                code.as_str()
            );
            assert!(
                code.error_types().contains(error_type),
                "`{}` is returned by {error_type}, but the registry says {:?}",
                code.as_str(),
                code.error_types()
            );
        }
        let seen: BTreeSet<Code> = returned.iter().map(|(_, code)| *code).collect();
        let unused: Vec<&str> = Code::ALL.into_iter().filter(|code| !seen.contains(code)).map(Code::as_str).collect();
        assert!(unused.is_empty(), "registered codes no error returns: {unused:?}");
    }

    #[test]
    fn wrappers_pass_their_inner_code_on() {
        let catalog = CatalogError::UnknownPreset { name: String::new() };
        assert_eq!(Error::from(catalog.clone()).code(), "unknown_preset");
        assert_eq!(EstimateError::from(catalog.clone()).code(), "unknown_preset");
        assert_eq!(ServiceError::from(EstimateError::from(catalog)).code(), "unknown_preset");
        let store = StoreError::InvalidUrl(String::new());
        assert_eq!(ServiceError::from(store).error_code(), Code::InvalidDatabaseUrl);
        assert_eq!(Error::from(BlobError::NoDirectAccess).code(), "direct_access_unsupported");
    }

    /// docs/errors.md as the registry writes it.
    fn errors_md() -> String {
        let mut out = String::from(
            "# Error codes\n\n\
             <!-- Generated from core/src/error_code.rs by the test `error::tests::docs_errors_md_is_current`; \
             do not edit: run it with BRIGHTRUN_BLESS=1 to rewrite this file. -->\n\n\
             Every failure of BrightRun carries one of these stable codes: the CLI prints \
             `error[code]: message`, Python raises an exception with `.code`, Node throws or \
             rejects an error with `.code`. A code never changes meaning once released. The HTTP \
             status is the one a web host answers with (see its category).\n\n\
             | code | HTTP | category | returned by | meaning | what to do |\n\
             | --- | --- | --- | --- | --- | --- |\n",
        );
        for code in Code::ALL {
            let category: Category = code.category();
            let types: Vec<String> = code.error_types().iter().map(|name| format!("`{name}`")).collect();
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} |\n",
                code.as_str(),
                category.http_status(),
                category.as_str(),
                types.join(", "),
                code.meaning().replace('|', "\\|"),
                code.remedy().replace('|', "\\|"),
            ));
        }
        out
    }

    #[test]
    fn docs_errors_md_is_current() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/errors.md");
        let expected = errors_md();
        if std::env::var_os("BRIGHTRUN_BLESS").is_some_and(|value| value == "1") {
            std::fs::write(&path, &expected).expect("write docs/errors.md");
        }
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            found == expected,
            "docs/errors.md is not the registry's (core/src/error_code.rs): regenerate it with \
             `BRIGHTRUN_BLESS=1 cargo test -p brightrun-core --lib error::tests::docs_errors_md_is_current`"
        );
    }
}
