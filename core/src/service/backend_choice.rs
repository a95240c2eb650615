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
//! - `runpod://ENDPOINT_ID`: a RunPod serverless queue endpoint, with the key in
//!   `RUNPOD_API_KEY`; `runpod+http://HOST:PORT` is the runpod SDK's local API server
//!   (development and tests). Workers always use signed URLs.
//!
//! Anything else fails at start with `unknown_backend`; a Ray head that does not answer
//! fails at start with `backend_unreachable`, not at the first job.

use std::str::FromStr;

use url::Url;

use super::error::ServiceError;
use crate::backend::Transfer;
use crate::error_code::Code;

/// Environment variable choosing the GPU backend.
pub const BACKEND_VAR: &str = "BRIGHTRUN_BACKEND";

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
        let Some(scheme) = url.scheme().strip_prefix("ray+").filter(|s| matches!(*s, "http" | "https")) else {
            let known = match url.scheme() {
                "slurm+http" | "slurm+https" => "a backend this version does not have yet",
                _ => "an unknown backend",
            };
            return Err(unknown(format!("{known}: use `local` or `ray+http://HOST:PORT`")));
        };
        let host = url.host_str().filter(|host| !host.is_empty()).ok_or_else(|| unknown("no host".into()))?;
        let port = url.port().map(|port| format!(":{port}")).unwrap_or_default();
        let dashboard = Url::parse(&format!("{scheme}://{host}{port}/")).map_err(|e| unknown(e.to_string()))?;
        let mut transfer = Transfer::SignedUrls;
        for (name, value) in url.query_pairs() {
            transfer = match (name.as_ref(), value.as_ref()) {
                ("transfer", "signed_urls") => Transfer::SignedUrls,
                ("transfer", "shared_filesystem") => Transfer::SharedFilesystem,
                ("transfer", other) => {
                    return Err(unknown(format!("transfer={other}: use signed_urls or shared_filesystem")));
                }
                (other, _) => return Err(unknown(format!("unknown parameter `{other}`: only `transfer` is read"))),
            };
        }
        if !matches!(url.path(), "" | "/") {
            return Err(unknown(format!("a path ({}) after the dashboard's address", url.path())));
        }
        Ok(BackendChoice::Ray { dashboard, transfer })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode as _;

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
    fn anything_else_is_an_unknown_backend_naming_the_setting() {
        for bad in [
            "lokal",
            "http://127.0.0.1:8265",
            "slurm+http://127.0.0.1:6820",
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
