//! How a binding's `open` options become a [`BrightRunConfig`].

use std::path::PathBuf;

use serde::Deserialize;

use crate::error_code::Code;
use crate::service::{BrightRunConfig, ServiceError, WORKER_VAR};

/// Where the service keeps things: the JSON object a binding's `open` sends (snake_case).
/// Every field is optional; the environment ([`BrightRunConfig::from_env`]) fills the rest.
///
/// ```
/// use brightrun_core::service::operations::OpenOptions;
///
/// let options: OpenOptions = serde_json::from_str(r#"{"home": "/tmp/brightrun-doc"}"#).unwrap();
/// let config = options.config().unwrap();
/// assert!(config.database_url.starts_with("sqlite://"));
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenOptions {
    /// Another home than `$BRIGHTRUN_HOME`.
    pub home: Option<PathBuf>,
    /// `sqlite://...` or `postgres://...` instead of the home's SQLite file.
    pub database_url: Option<String>,
    /// A directory or `s3://...` instead of the home's storage directory.
    pub storage_url: Option<String>,
    /// The worker command of the local backend, when `$BRIGHTRUN_WORKER` does not set it.
    pub worker_command: Option<Vec<String>>,
}

impl OpenOptions {
    /// The configuration: the environment's, with these options on top. A home given here
    /// keeps the environment's worker command, GPU slots, worker environment, retention and
    /// backend,
    /// but not its database or storage URLs.
    pub fn config(self) -> Result<BrightRunConfig, ServiceError> {
        let from_env = BrightRunConfig::from_env()?;
        let mut config = match &self.home {
            Some(home) => BrightRunConfig {
                worker_command: from_env.worker_command.clone(),
                gpu_slots: from_env.gpu_slots.clone(),
                worker_env: from_env.worker_env.clone(),
                retention: from_env.retention,
                backend: from_env.backend.clone(),
                ..BrightRunConfig::embedded(home)
            },
            None => from_env,
        };
        if let Some(url) = self.database_url {
            config.database_url = url;
        }
        if let Some(url) = self.storage_url {
            config.storage_url = url;
        }
        if let Some(command) = self.worker_command
            && std::env::var_os(WORKER_VAR).is_none()
        {
            if command.is_empty() {
                return Err(ServiceError::invalid(Code::InvalidWorker, "the worker command is empty"));
            }
            config.worker_command = command;
        }
        Ok(config)
    }
}
