//! The environment a local worker gets: an allowlist, never the whole environment of the
//! process that launches it (which may hold cloud keys and database URLs).
//!
//! Allowed by default: what a Python training process needs to find its interpreter,
//! libraries, GPUs, caches and proxies (see [`DEFAULT_NAMES`] and [`DEFAULT_PREFIXES`]).
//! A deployment adds names with `BRIGHTRUN_WORKER_ENV=NAME,PREFIX_*` (see
//! [`WorkerEnvironment::parse_extra`]). `docs/operations-local.md` lists the rule.

use std::ffi::{OsStr, OsString};

use super::super::error::BackendError;

/// Variables passed by exact name.
pub const DEFAULT_NAMES: &[&str] = &[
    // The process and its user.
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "XDG_CACHE_HOME",
    // Python and virtual environments.
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "PYTHONNOUSERSITE",
    "PYTHONUNBUFFERED",
    "PYTHONDONTWRITEBYTECODE",
    "PYTHONWARNINGS",
    "PYTHONFAULTHANDLER",
    "VIRTUAL_ENV",
    "CONDA_PREFIX",
    "CONDA_DEFAULT_ENV",
    // Native libraries and threads.
    "LD_LIBRARY_PATH",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "TOKENIZERS_PARALLELISM",
    // Model downloads through a proxy or a private CA.
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
];

/// Variables passed by prefix: locale, GPUs and their libraries, the Hugging Face and
/// PyTorch stacks (`HF_TOKEN` included: gated base models need it).
pub const DEFAULT_PREFIXES: &[&str] = &[
    "LC_",
    "CUDA_",
    "NVIDIA_",
    "NCCL_",
    "CUBLAS_",
    "CUDNN_",
    "HF_",
    "HUGGINGFACE_",
    "TRANSFORMERS_",
    "TORCH_",
    "TORCHINDUCTOR_",
    "PYTORCH_",
    "ACCELERATE_",
    "TRITON_",
];

/// Which variables of the launching process a worker gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkerEnvironment {
    /// Names beyond the defaults; an entry ending in `*` is a prefix.
    extra: Vec<String>,
}

impl WorkerEnvironment {
    /// The defaults plus `extra` (names, or prefixes ending in `*`); checks each entry.
    pub fn new(extra: &[String]) -> Result<Self, BackendError> {
        for entry in extra {
            let name = entry.strip_suffix('*').unwrap_or(entry);
            let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(BackendError::Launch {
                    reason: format!(
                        "worker environment entry {entry:?} is not a variable name (or a prefix ending in `*`)"
                    ),
                });
            }
        }
        Ok(Self { extra: extra.to_vec() })
    }

    /// The entries of a `BRIGHTRUN_WORKER_ENV` value: names or `PREFIX*`, separated by
    /// commas or white space.
    pub fn parse_extra(value: &str) -> Vec<String> {
        value.split(|c: char| c == ',' || c.is_whitespace()).filter(|s| !s.is_empty()).map(String::from).collect()
    }

    /// Whether a worker gets the variable `name`.
    pub fn allows(&self, name: &OsStr) -> bool {
        let Some(name) = name.to_str() else { return false };
        DEFAULT_NAMES.contains(&name)
            || DEFAULT_PREFIXES.iter().any(|prefix| name.starts_with(prefix))
            || self.extra.iter().any(|entry| match entry.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => entry == name,
            })
    }

    /// The allowed ones of `vars`.
    pub fn filter(&self, vars: impl IntoIterator<Item = (OsString, OsString)>) -> Vec<(OsString, OsString)> {
        vars.into_iter().filter(|(name, _)| self.allows(name)).collect()
    }

    /// The allowed variables of this process's environment.
    pub fn from_current_process(&self) -> Vec<(OsString, OsString)> {
        self.filter(std::env::vars_os())
    }

    /// Gives `command` only the allowed variables of this process's environment.
    pub fn apply(&self, command: &mut std::process::Command) {
        command.env_clear().envs(self.from_current_process());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(names: &[&str]) -> Vec<(OsString, OsString)> {
        names.iter().map(|n| (OsString::from(n), OsString::from("value"))).collect()
    }

    fn names(vars: Vec<(OsString, OsString)>) -> Vec<String> {
        vars.into_iter().map(|(n, _)| n.into_string().unwrap()).collect()
    }

    #[test]
    fn secrets_stay_behind_and_what_training_needs_passes() {
        let environment = WorkerEnvironment::default();
        let given = vars(&[
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "BRIGHTRUN_DATABASE_URL",
            "BRIGHTRUN_STORAGE_URL",
            "DATABASE_URL",
            "GITHUB_TOKEN",
            "OPENAI_API_KEY",
            "PATH",
            "HOME",
            "LC_ALL",
            "CUDA_VISIBLE_DEVICES",
            "HF_HOME",
            "TRANSFORMERS_OFFLINE",
            "PYTORCH_CUDA_ALLOC_CONF",
            "VIRTUAL_ENV",
        ]);
        assert_eq!(
            names(environment.filter(given)),
            [
                "PATH",
                "HOME",
                "LC_ALL",
                "CUDA_VISIBLE_DEVICES",
                "HF_HOME",
                "TRANSFORMERS_OFFLINE",
                "PYTORCH_CUDA_ALLOC_CONF",
                "VIRTUAL_ENV"
            ]
        );
    }

    #[test]
    fn configured_names_and_prefixes_are_added() {
        let extra = WorkerEnvironment::parse_extra("WANDB_PROJECT, MLFLOW_*\tMY_FLAG");
        assert_eq!(extra, ["WANDB_PROJECT", "MLFLOW_*", "MY_FLAG"]);
        let environment = WorkerEnvironment::new(&extra).unwrap();
        let given = vars(&["WANDB_PROJECT", "WANDB_API_KEY", "MLFLOW_TRACKING_URI", "MY_FLAG", "MY_FLAG2"]);
        assert_eq!(names(environment.filter(given)), ["WANDB_PROJECT", "MLFLOW_TRACKING_URI", "MY_FLAG"]);
        for bad in ["", "*", "A-B", "1X", "PATH=x"] {
            assert!(WorkerEnvironment::new(&[bad.to_owned()]).is_err(), "{bad:?}");
        }
    }
}
