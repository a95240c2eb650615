//! Which GPU backend runs the workers: one setting, `BRIGHTRUN_BACKEND`, read the same way by
//! the CLI, the bindings and `brightrun worker` (all open a [`BrightRun`](super::BrightRun)
//! from a [`BrightRunConfig`](super::BrightRunConfig)).
//!
//! - `local` (the default): a process on this machine per job.
//! - `ray+http://HOST:PORT` (or `ray+https://`): a Ray cluster's Jobs API at its dashboard.
//!   `?transfer=signed_urls` (the default) has workers download the data and upload the
//!   adapter through signed URLs of the object store, which must sign (S3-compatible);
//!   `?transfer=shared_filesystem` has them use this machine's files (Ray on this host, or
//!   a cluster mounting the BrightRun home at the same path).
//! - `slurm+http://HOST:PORT` (or `slurm+https://`): a Slurm cluster's slurmrestd, with the
//!   JWT in `SLURM_JWT` for the user in `SLURM_USER` (default: this process's `USER`).
//!   `?transfer=shared_filesystem` (the default) or `signed_urls`; each batch job asks for
//!   `memory_mb` (default 32768), `time_limit` minutes (1440), `cpus` (1) and, if given, a
//!   `partition`; `api=v0.0.38` is the slurmrestd plugin (the only one so far).
//! - `runpod://ENDPOINT_ID`: a RunPod serverless queue endpoint, with the key in
//!   `RUNPOD_API_KEY`; `runpod+http://HOST:PORT` is the runpod SDK's local API server
//!   (development and tests). Workers always use signed URLs.
//!
//! Anything else fails at start with `unknown_backend`; an engine that does not answer
//! fails at start with `backend_unreachable` (and one that refuses its token with
//! `backend_unauthorized`), not at the first job.

use std::str::FromStr;

use url::Url;

use super::error::ServiceError;
use crate::backend::slurm::ApiVersion;
use crate::backend::{SlurmJobOptions, Transfer};
use crate::error_code::Code;

/// Environment variable choosing the GPU backend.
pub const BACKEND_VAR: &str = "BRIGHTRUN_BACKEND";
/// Environment variable with the JWT the Slurm backend sends slurmrestd.
pub const SLURM_JWT_VAR: &str = "SLURM_JWT";
/// Environment variable with the Slurm user the jobs run as (default: `USER`).
pub const SLURM_USER_VAR: &str = "SLURM_USER";

/// The GPU backend the configuration names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BackendChoice {
    /// Worker processes on this machine.
    #[default]
    Local,
    /// A Ray cluster's Jobs API.
    Ray {
        /// The dashboard, `http://HOST:PORT/`.
        dashboard: Url,
        /// How data and adapters travel.
        transfer: Transfer,
    },
    /// A RunPod serverless endpoint.
    RunPod {
        /// The endpoint's queue API: `https://api.runpod.ai/v2/ENDPOINT_ID/`, or the local
        /// server's `http://HOST:PORT/`.
        base: Url,
        /// Whether it is the runpod SDK's local API server (no key, its own routes).
        local_server: bool,
    },
    /// A Slurm cluster's slurmrestd.
    Slurm {
        /// slurmrestd, `http://HOST:PORT/`.
        url: Url,
        /// The slurmrestd plugin version.
        api: ApiVersion,
        /// How data and adapters travel.
        transfer: Transfer,
        /// What each batch job asks for.
        job: SlurmJobOptions,
    },
}

impl FromStr for BackendChoice {
    type Err = ServiceError;

    fn from_str(text: &str) -> Result<Self, ServiceError> {
        let text = text.trim();
        let unknown =
            |reason: String| ServiceError::invalid(Code::UnknownBackend, format!("{BACKEND_VAR}={text:?}: {reason}"));
        if text.is_empty() || text == "local" {
            return Ok(BackendChoice::Local);
        }
        let url = Url::parse(text).map_err(|e| unknown(format!("not `local` nor a URL ({e})")))?;
        if url.scheme().starts_with("runpod") {
            return runpod(&url).map_err(unknown);
        }
        let Some((engine, scheme)) = url
            .scheme()
            .split_once('+')
            .filter(|(engine, scheme)| matches!(*engine, "ray" | "slurm") && matches!(*scheme, "http" | "https"))
        else {
            return Err(unknown(
                "an unknown backend: use `local`, `ray+http://HOST:PORT`, `slurm+http://HOST:PORT` or \
                 `runpod://ENDPOINT_ID`"
                    .to_owned(),
            ));
        };
        let host = url.host_str().filter(|host| !host.is_empty()).ok_or_else(|| unknown("no host".into()))?;
        let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
        let base = Url::parse(&format!("{scheme}://{host}{port}/")).map_err(|e| unknown(e.to_string()))?;
        if !matches!(url.path(), "" | "/") {
            return Err(unknown(format!("a path ({}) after the engine's address", url.path())));
        }
        let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        if engine == "slurm" {
            return slurm_choice(base, &pairs).map_err(unknown);
        }
        let mut transfer = Transfer::SignedUrls;
        for (name, value) in &pairs {
            transfer = match name.as_str() {
                "transfer" => parse_transfer(value).map_err(unknown)?,
                other => return Err(unknown(format!("unknown parameter `{other}`: only `transfer` is read"))),
            };
        }
        Ok(BackendChoice::Ray { dashboard: base, transfer })
    }
}

/// `runpod://ENDPOINT_ID` or `runpod+http://HOST:PORT`, nothing more.
fn runpod(url: &Url) -> Result<BackendChoice, String> {
    if url.query().is_some() || url.fragment().is_some() || !matches!(url.path(), "" | "/") {
        return Err("a RunPod backend takes no path or parameters".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("the RunPod key goes in {}, not in the URL", crate::backend::runpod::API_KEY_VAR));
    }
    let host = url.host_str().filter(|host| !host.is_empty()).ok_or("no endpoint id or host")?;
    match url.scheme() {
        "runpod" => {
            let valid = host.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && url.port().is_none();
            if !valid {
                return Err(format!("`{host}` is not a RunPod endpoint id (letters and digits)"));
            }
            let base =
                Url::parse(&format!("{}{host}/", crate::backend::runpod::API_BASE)).map_err(|e| e.to_string())?;
            Ok(BackendChoice::RunPod { base, local_server: false })
        }
        "runpod+http" => {
            let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
            let base = Url::parse(&format!("http://{host}{port}/")).map_err(|e| e.to_string())?;
            Ok(BackendChoice::RunPod { base, local_server: true })
        }
        other => Err(format!("{other}: use `runpod://ENDPOINT_ID` or `runpod+http://HOST:PORT`")),
    }
}

fn parse_transfer(value: &str) -> Result<Transfer, String> {
    match value {
        "signed_urls" => Ok(Transfer::SignedUrls),
        "shared_filesystem" => Ok(Transfer::SharedFilesystem),
        other => Err(format!("transfer={other}: use signed_urls or shared_filesystem")),
    }
}

/// A Slurm choice from slurmrestd's address and the URL's parameters.
fn slurm_choice(url: Url, pairs: &[(String, String)]) -> Result<BackendChoice, String> {
    let (mut api, mut transfer, mut job) =
        (ApiVersion::default(), Transfer::SharedFilesystem, SlurmJobOptions::default());
    fn number<T: FromStr>(name: &str, value: &str) -> Result<T, String> {
        value.parse().ok().filter(|_| value != "0").ok_or_else(|| format!("{name}={value}: a positive whole number"))
    }
    for (name, value) in pairs {
        match name.as_str() {
            "transfer" => transfer = parse_transfer(value)?,
            "api" => api = value.parse()?,
            "memory_mb" => job.memory_mb = number(name, value)?,
            "time_limit" => job.time_limit_minutes = number(name, value)?,
            "cpus" => job.cpus_per_task = number(name, value)?,
            "partition" if !value.is_empty() => job.partition = Some(value.clone()),
            other => {
                return Err(format!(
                    "unknown or empty parameter `{other}`: Slurm reads transfer, api, memory_mb, time_limit, cpus and partition"
                ));
            }
        }
    }
    Ok(BackendChoice::Slurm { url, api, transfer, job })
}

/// The Slurm user and JWT the environment gives: `SLURM_USER` (else `USER`, else
/// `LOGNAME`) and `SLURM_JWT`.
pub(super) fn slurm_credentials() -> Result<(String, String), ServiceError> {
    slurm_credentials_from(|name| std::env::var(name).ok())
}

/// [`slurm_credentials`] from the variables `lookup` gives.
fn slurm_credentials_from(lookup: impl Fn(&str) -> Option<String>) -> Result<(String, String), ServiceError> {
    let var = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let token = var(SLURM_JWT_VAR).ok_or_else(|| {
        ServiceError::invalid(
            Code::BackendCredentialsMissing,
            format!(
                "{BACKEND_VAR} names a Slurm cluster and {SLURM_JWT_VAR} is unset: set it to a token of the jobs' \
                 user (`scontrol token username=USER lifespan=SECONDS` prints one)"
            ),
        )
    })?;
    let user = var(SLURM_USER_VAR).or_else(|| var("USER")).or_else(|| var("LOGNAME")).ok_or_else(|| {
        ServiceError::invalid(
            Code::BackendCredentialsMissing,
            format!("{BACKEND_VAR} names a Slurm cluster and {SLURM_USER_VAR} (and USER) is unset: set it to the token's user"),
        )
    })?;
    Ok((user, token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode as _;

    #[test]
    fn runpod_endpoints_and_the_local_server_are_read() {
        let endpoint: BackendChoice = "runpod://abc123xyz".parse().unwrap();
        assert_eq!(
            endpoint,
            BackendChoice::RunPod {
                base: Url::parse("https://api.runpod.ai/v2/abc123xyz/").unwrap(),
                local_server: false
            }
        );
        let local: BackendChoice = "runpod+http://127.0.0.1:8000".parse().unwrap();
        assert_eq!(
            local,
            BackendChoice::RunPod { base: Url::parse("http://127.0.0.1:8000/").unwrap(), local_server: true }
        );
    }

    #[test]
    fn local_and_ray_urls_are_read() {
        assert_eq!("local".parse::<BackendChoice>().unwrap(), BackendChoice::Local);
        assert_eq!("".parse::<BackendChoice>().unwrap(), BackendChoice::Local);
        let ray: BackendChoice = "ray+http://127.0.0.1:8265".parse().unwrap();
        assert_eq!(
            ray,
            BackendChoice::Ray {
                dashboard: Url::parse("http://127.0.0.1:8265/").unwrap(),
                transfer: Transfer::SignedUrls
            }
        );
        let shared: BackendChoice = "ray+https://ray.internal/?transfer=shared_filesystem".parse().unwrap();
        assert!(matches!(shared, BackendChoice::Ray { transfer: Transfer::SharedFilesystem, ref dashboard }
            if dashboard.as_str() == "https://ray.internal/"));
    }

    #[test]
    fn slurm_urls_are_read_with_their_job_limits() {
        let plain: BackendChoice = "slurm+http://127.0.0.1:6820".parse().unwrap();
        assert_eq!(
            plain,
            BackendChoice::Slurm {
                url: Url::parse("http://127.0.0.1:6820/").unwrap(),
                api: ApiVersion::V0038,
                transfer: Transfer::SharedFilesystem,
                job: SlurmJobOptions::default(),
            }
        );
        let tuned: BackendChoice =
            "slurm+https://hpc.internal:6820/?memory_mb=4096&time_limit=90&cpus=8&partition=gpu&api=v0.0.38&transfer=signed_urls"
                .parse()
                .unwrap();
        let BackendChoice::Slurm { url, transfer, job, .. } = tuned else { panic!("{tuned:?}") };
        assert_eq!((url.as_str(), transfer), ("https://hpc.internal:6820/", Transfer::SignedUrls));
        assert_eq!((job.memory_mb, job.time_limit_minutes, job.cpus_per_task), (4096, 90, 8));
        assert_eq!(job.partition.as_deref(), Some("gpu"));
    }

    #[test]
    fn slurm_credentials_need_a_token_and_a_user() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        };
        let both = slurm_credentials_from(env(&[("SLURM_JWT", "t"), ("SLURM_USER", "alice"), ("USER", "bob")]));
        assert_eq!(both.unwrap(), ("alice".to_owned(), "t".to_owned()));
        let login = slurm_credentials_from(env(&[("SLURM_JWT", "t"), ("USER", "bob")]));
        assert_eq!(login.unwrap().0, "bob", "the user running BrightRun by default");
        for missing in
            [env(&[("SLURM_USER", "alice")]), env(&[("SLURM_JWT", " "), ("USER", "bob")]), env(&[("SLURM_JWT", "t")])]
        {
            let error = slurm_credentials_from(missing).unwrap_err();
            assert_eq!(error.code(), "backend_credentials_missing", "{error}");
        }
    }

    #[test]
    fn anything_else_is_an_unknown_backend_naming_the_setting() {
        for bad in [
            "lokal",
            "http://127.0.0.1:8265",
            "slurm+ftp://127.0.0.1:6820",
            "slurm+http://127.0.0.1:6820?memory_mb=lots",
            "slurm+http://127.0.0.1:6820?time_limit=0",
            "slurm+http://127.0.0.1:6820?api=v0.0.40",
            "slurm+http://127.0.0.1:6820?token=x",
            "runpod://abc/path",
            "runpod://ab_c",
            "runpod://key@abc",
            "runpod+https://127.0.0.1:8000",
            "runpod+http://127.0.0.1:8000?x=1",
            "ray+ftp://x",
            "ray+http://127.0.0.1:8265?transfer=carrier",
            "ray+http://127.0.0.1:8265?token=x",
            "ray+http://127.0.0.1:8265/api",
        ] {
            let error = bad.parse::<BackendChoice>().unwrap_err();
            assert_eq!(error.code(), "unknown_backend", "{bad}");
            assert!(error.to_string().contains(BACKEND_VAR), "{error}");
        }
    }
}
