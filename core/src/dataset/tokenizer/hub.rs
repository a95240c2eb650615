//! Fetching tokenizer files from the Hugging Face Hub (cargo feature `hub`).
//!
//! `GET {endpoint}/{model id}/resolve/main/{file}` for `tokenizer_config.json` and
//! `chat_template.jinja` (both optional: a 404 means the model has none) and `tokenizer.json`,
//! with `Authorization: Bearer {token}` when a token is set (kept on redirects to the same
//! host only). Each file is checked (JSON, UTF-8), written to a temporary file in the target
//! directory and renamed into place; `tokenizer.json` comes last, so its presence means a
//! complete download and a half-finished one is fetched again.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ureq::config::RedirectAuthHeaders;

use super::resolve::{CHAT_TEMPLATE_FILE, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE};

/// The largest file accepted: the biggest tokenizers (Gemma's) are about 35 MB.
const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// How long one file may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Fetches the tokenizer files of `model_id` (already validated) into `dir`.
pub(crate) fn fetch_tokenizer(model_id: &str, dir: &Path, endpoint: &str, token: Option<&str>) -> Result<(), String> {
    if !(endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
        return Err(format!("the Hub endpoint {endpoint:?} is not an http(s) URL"));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .http_status_as_error(false)
        .redirect_auth_headers(RedirectAuthHeaders::SameHost)
        .user_agent(concat!("brightrun/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (file, required) in [(TOKENIZER_CONFIG_FILE, false), (CHAT_TEMPLATE_FILE, false), (TOKENIZER_FILE, true)] {
        let url = format!("{endpoint}/{model_id}/resolve/main/{file}");
        tracing::info!(%url, "fetching tokenizer file");
        match get(&agent, &url, token)? {
            Some(bytes) => {
                check(file, &bytes).map_err(|why| format!("{url}: {why}"))?;
                write_atomically(dir, file, &bytes)?;
            }
            None if required => return Err(format!("{url}: not found (does the model ship a {TOKENIZER_FILE}?)")),
            None => {
                // A file left by an older download of a model that has since dropped it.
                let _ = fs::remove_file(dir.join(file));
            }
        }
    }
    Ok(())
}

fn get(agent: &ureq::Agent, url: &str, token: Option<&str>) -> Result<Option<Vec<u8>>, String> {
    let mut request = agent.get(url);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let mut response = request.call().map_err(|e| format!("GET {url}: {e}"))?;
    match response.status().as_u16() {
        200 => response
            .body_mut()
            .with_config()
            .limit(MAX_FILE_BYTES)
            .read_to_vec()
            .map(Some)
            .map_err(|e| format!("GET {url}: {e}")),
        404 => Ok(None),
        status @ (401 | 403) => Err(format!(
            "GET {url}: HTTP {status}: the model does not exist, or it is gated or private \
             (set HF_TOKEN to a token that has access)"
        )),
        status => Err(format!("GET {url}: HTTP {status}")),
    }
}

fn check(file: &str, bytes: &[u8]) -> Result<(), String> {
    if file.ends_with(".json") {
        serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map(|_| ()).map_err(|e| format!("not JSON: {e}"))
    } else {
        std::str::from_utf8(bytes).map(|_| ()).map_err(|_| "not UTF-8 text".to_owned())
    }
}

fn write_atomically(dir: &Path, file: &str, bytes: &[u8]) -> Result<(), String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let temporary = dir.join(format!(".{file}.{}.{}.tmp", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    let target = dir.join(file);
    let written = fs::File::create(&temporary)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&temporary, &target));
    written.map_err(|e| {
        let _ = fs::remove_file(&temporary);
        format!("cannot write {}: {e}", target.display())
    })
}
