//! Finding a tokenizer from what a user typed after `--tokenizer`: see [`resolve_tokenizer`].

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use super::TokenizerError;

/// The tokenizer file.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// The configuration holding the chat template and special tokens, optional.
pub const TOKENIZER_CONFIG_FILE: &str = "tokenizer_config.json";
/// The chat template of recent models, stored apart; it wins over the configuration's.
pub const CHAT_TEMPLATE_FILE: &str = "chat_template.jinja";

/// The Hub asked when `$HF_ENDPOINT` is not set.
pub const DEFAULT_HF_ENDPOINT: &str = "https://huggingface.co";

/// Where tokenizers are looked for, and whether the Hub may be asked.
#[derive(Clone, Default)]
pub struct ResolveOptions {
    /// BrightRun's home (`$BRIGHTRUN_HOME`, default `~/.brightrun`): fetched tokenizers are
    /// kept in `<home>/tokenizers/<model id>/`. `None`: no cache of our own.
    pub brightrun_home: Option<PathBuf>,
    /// The Hugging Face hub cache (`$HF_HUB_CACHE`, else `$HF_HOME/hub`, default
    /// `~/.cache/huggingface/hub`), searched for snapshots. `None`: not searched.
    pub hf_hub_cache: Option<PathBuf>,
    /// Whether a model id found in no cache may be fetched from the Hub. Off by default.
    pub allow_network: bool,
    /// The Hub's base URL (`$HF_ENDPOINT`); [`DEFAULT_HF_ENDPOINT`] when `None`.
    pub endpoint: Option<String>,
    /// A Hugging Face access token (`$HF_TOKEN`, else the `token` file of `$HF_HOME`), sent
    /// as a bearer token for gated and private models.
    pub token: Option<String>,
}

impl ResolveOptions {
    /// Options from the environment, as `huggingface_hub` reads it; the network stays off.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let home = var("HOME").or_else(|| var("USERPROFILE"));
        let brightrun_home = var("BRIGHTRUN_HOME").or_else(|| home.as_ref().map(|h| h.join(".brightrun")));
        let hf_home = var("HF_HOME").or_else(|| {
            var("XDG_CACHE_HOME").or_else(|| home.as_ref().map(|h| h.join(".cache"))).map(|c| c.join("huggingface"))
        });
        let hf_hub_cache = var("HF_HUB_CACHE").or_else(|| hf_home.as_ref().map(|h| h.join("hub")));
        let token = std::env::var("HF_TOKEN")
            .ok()
            .or_else(|| hf_home.and_then(|h| fs::read_to_string(h.join("token")).ok()))
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        Self {
            brightrun_home,
            hf_hub_cache,
            allow_network: false,
            endpoint: std::env::var("HF_ENDPOINT").ok().filter(|e| !e.is_empty()),
            token,
        }
    }

    /// The same options, allowing or forbidding fetches from the Hub.
    pub fn allow_network(mut self, allow: bool) -> Self {
        self.allow_network = allow;
        self
    }

    fn endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or(DEFAULT_HF_ENDPOINT).trim_end_matches('/')
    }
}

impl fmt::Debug for ResolveOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolveOptions")
            .field("brightrun_home", &self.brightrun_home)
            .field("hf_hub_cache", &self.hf_hub_cache)
            .field("allow_network", &self.allow_network)
            .field("endpoint", &self.endpoint)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The files of one tokenizer, found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenizerFiles {
    /// The model id or the path as the user gave it: what the counter is named after.
    pub name: String,
    /// `tokenizer.json`.
    pub tokenizer_json: PathBuf,
    /// `tokenizer_config.json`, when there is one.
    pub tokenizer_config: Option<PathBuf>,
    /// `chat_template.jinja`, when there is one.
    pub chat_template: Option<PathBuf>,
}

impl TokenizerFiles {
    /// The files in `dir`, if it holds a `tokenizer.json`.
    fn in_dir(name: &str, dir: &Path) -> Option<Self> {
        let tokenizer_json = dir.join(TOKENIZER_FILE);
        tokenizer_json.is_file().then(|| Self::beside(name, tokenizer_json, dir))
    }

    fn beside(name: &str, tokenizer_json: PathBuf, dir: &Path) -> Self {
        let optional = |file: &str| Some(dir.join(file)).filter(|p| p.is_file());
        Self {
            name: name.to_owned(),
            tokenizer_json,
            tokenizer_config: optional(TOKENIZER_CONFIG_FILE),
            chat_template: optional(CHAT_TEMPLATE_FILE),
        }
    }
}

/// Finds the tokenizer files that `spec` names. The spec is, in this order:
///
/// 1. a path to a `tokenizer.json` file: its directory's `tokenizer_config.json` and
///    `chat_template.jinja` are used when present;
/// 2. a path to a directory holding `tokenizer.json` (and optionally the two others);
/// 3. a Hugging Face model id (`org/name`, or a bare legacy `name`), looked up in
///    `$BRIGHTRUN_HOME/tokenizers/<id>/`, then in the Hugging Face hub cache
///    (`models--org--name/snapshots/<revision>/`, the revision `refs/main` names first), and
///    fetched from the Hub into the first only when [`ResolveOptions::allow_network`] is set
///    (and the crate is built with its default `hub` feature).
///
/// A spec that looks like a path (absolute, starting with `.` or `~`, or ending in `.json`)
/// is never taken for a model id. Model ids are checked against the Hub's rules (letters,
/// digits, `-`, `_`, `.`; no `--` or `..`; no leading or trailing `-` or `.`; at most 96
/// characters a part) before they become a path or a URL.
pub fn resolve_tokenizer(spec: &str, options: &ResolveOptions) -> Result<TokenizerFiles, TokenizerError> {
    if spec.is_empty() {
        return Err(error(spec, "empty tokenizer: give a path to tokenizer.json, a directory, or a model id"));
    }
    let path = Path::new(spec);
    if path.is_file() {
        let dir = path.parent().unwrap_or(Path::new("."));
        return Ok(TokenizerFiles::beside(spec, path.to_path_buf(), dir));
    }
    if path.is_dir() {
        return TokenizerFiles::in_dir(spec, path)
            .ok_or_else(|| error(spec, format!("the directory holds no {TOKENIZER_FILE}")));
    }
    if looks_like_path(spec) {
        return Err(error(spec, "no such file or directory"));
    }
    validate_model_id(spec)?;
    let ours = options.brightrun_home.as_ref().map(|home| home.join("tokenizers").join(spec));
    if let Some(files) = ours.as_deref().and_then(|dir| TokenizerFiles::in_dir(spec, dir)) {
        return Ok(files);
    }
    if let Some(files) = options.hf_hub_cache.as_deref().and_then(|cache| in_hub_cache(spec, cache)) {
        return Ok(files);
    }
    let Some(dir) = ours else {
        return Err(error(spec, "not found, and no BrightRun home to fetch it into"));
    };
    if !options.allow_network {
        return Err(error(
            spec,
            format!(
                "not in {} nor in the Hugging Face cache; allow network access to fetch it from {}, or give a path",
                dir.display(),
                options.endpoint()
            ),
        ));
    }
    fetch(spec, &dir, options)
}

#[cfg(feature = "hub")]
fn fetch(model_id: &str, dir: &Path, options: &ResolveOptions) -> Result<TokenizerFiles, TokenizerError> {
    super::hub::fetch_tokenizer(model_id, dir, options.endpoint(), options.token.as_deref())
        .map_err(|reason| error(model_id, reason))?;
    TokenizerFiles::in_dir(model_id, dir).ok_or_else(|| error(model_id, "fetched files went missing"))
}

#[cfg(not(feature = "hub"))]
fn fetch(model_id: &str, _dir: &Path, _options: &ResolveOptions) -> Result<TokenizerFiles, TokenizerError> {
    Err(error(model_id, "this build cannot fetch from the Hub (feature `hub` is off); give a path"))
}

fn error(spec: &str, reason: impl Into<String>) -> TokenizerError {
    TokenizerError::Load { source_name: spec.to_owned(), reason: reason.into() }
}

fn looks_like_path(spec: &str) -> bool {
    spec.starts_with(['/', '.', '~']) || spec.contains('\\') || spec.ends_with(".json") || Path::new(spec).is_absolute()
}

/// Checks a Hub model id: `name` or `org/name`, each part 1 to 96 characters of letters,
/// digits, `-`, `_` and `.`, without `--` or `..`, not starting or ending with `-` or `.`.
pub fn validate_model_id(id: &str) -> Result<(), TokenizerError> {
    let bad = |why: &str| Err(error(id, format!("{id:?} is not a model id: {why}")));
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() > 2 {
        return bad("expected `org/name`");
    }
    for part in parts {
        if part.is_empty() || part.len() > 96 {
            return bad("each part has 1 to 96 characters");
        }
        if !part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return bad("only letters, digits, '-', '_' and '.' are allowed");
        }
        if part.contains("--") || part.contains("..") {
            return bad("'--' and '..' are not allowed");
        }
        if part.starts_with(['-', '.']) || part.ends_with(['-', '.']) {
            return bad("a part cannot start or end with '-' or '.'");
        }
    }
    Ok(())
}

/// A snapshot of `model_id` in the Hugging Face hub cache: the one `refs/main` names, else
/// the first (by name) that holds a `tokenizer.json`.
fn in_hub_cache(model_id: &str, cache: &Path) -> Option<TokenizerFiles> {
    let repo = cache.join(format!("models--{}", model_id.replace('/', "--")));
    let snapshots = repo.join("snapshots");
    let main = fs::read_to_string(repo.join("refs").join("main"))
        .ok()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric()));
    if let Some(files) = main.and_then(|revision| TokenizerFiles::in_dir(model_id, &snapshots.join(revision))) {
        return Some(files);
    }
    let mut revisions: Vec<PathBuf> = fs::read_dir(&snapshots).ok()?.filter_map(|e| Some(e.ok()?.path())).collect();
    revisions.sort();
    revisions.iter().find_map(|dir| TokenizerFiles::in_dir(model_id, dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn offline(home: &Path) -> ResolveOptions {
        ResolveOptions {
            brightrun_home: Some(home.join("brightrun")),
            hf_hub_cache: Some(home.join("hf/hub")),
            ..ResolveOptions::default()
        }
    }

    #[test]
    fn a_file_path_brings_its_siblings() {
        let tmp = tempfile::tempdir().unwrap();
        let json = tmp.path().join("m/tokenizer.json");
        write(&json, "{}");
        write(&tmp.path().join("m/tokenizer_config.json"), "{}");
        let spec = json.to_str().unwrap();
        let files = resolve_tokenizer(spec, &offline(tmp.path())).unwrap();
        assert_eq!(files.name, spec);
        assert_eq!(files.tokenizer_json, json);
        assert_eq!(files.tokenizer_config, Some(tmp.path().join("m/tokenizer_config.json")));
        assert_eq!(files.chat_template, None);
    }

    #[test]
    fn a_directory_needs_a_tokenizer_json() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m");
        write(&dir.join("chat_template.jinja"), "{{ x }}");
        let spec = dir.to_str().unwrap();
        let error = resolve_tokenizer(spec, &offline(tmp.path())).unwrap_err();
        assert!(error.to_string().contains("holds no tokenizer.json"), "{error}");
        write(&dir.join("tokenizer.json"), "{}");
        let files = resolve_tokenizer(spec, &offline(tmp.path())).unwrap();
        assert_eq!(files.tokenizer_json, dir.join("tokenizer.json"));
        assert_eq!(files.tokenizer_config, None);
        assert_eq!(files.chat_template, Some(dir.join("chat_template.jinja")));
    }

    #[test]
    fn missing_paths_are_not_taken_for_model_ids() {
        let tmp = tempfile::tempdir().unwrap();
        for spec in ["./nope", "/nope/tokenizer.json", "nope.json", "~/x", "../org/name"] {
            let error = resolve_tokenizer(spec, &offline(tmp.path())).unwrap_err();
            assert!(error.to_string().contains("no such file"), "{spec}: {error}");
        }
    }

    #[test]
    fn model_ids_are_checked_before_they_become_paths() {
        for good in ["gpt2", "Qwen/Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B", "a_b/c.d"] {
            assert_eq!(validate_model_id(good), Ok(()), "{good}");
        }
        for bad in [
            "a/b/c",
            "org/",
            "/name",
            "org/..",
            "org/a..b",
            "org/a--b",
            "org/-a",
            "org/a.",
            "org/a b",
            "org/a%2e",
            "org/ä",
            "org\\name",
            "org/name?x=1",
            &"x".repeat(97),
        ] {
            assert!(validate_model_id(bad).is_err(), "{bad}");
        }
        let tmp = tempfile::tempdir().unwrap();
        let error = resolve_tokenizer("evil/..%2f", &offline(tmp.path())).unwrap_err();
        assert!(error.to_string().contains("not a model id"), "{error}");
    }

    #[test]
    fn model_ids_come_from_our_cache_first_then_the_hub_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let options = offline(tmp.path());
        let hub = tmp.path().join("hf/hub/models--org--name");
        write(&hub.join("refs/main"), "bbb\n");
        write(&hub.join("snapshots/aaa/tokenizer.json"), "{}");
        write(&hub.join("snapshots/bbb/tokenizer.json"), "{}");
        write(&hub.join("snapshots/bbb/tokenizer_config.json"), "{}");
        let files = resolve_tokenizer("org/name", &options).unwrap();
        assert_eq!(files.name, "org/name");
        assert_eq!(files.tokenizer_json, hub.join("snapshots/bbb/tokenizer.json"));
        assert_eq!(files.tokenizer_config, Some(hub.join("snapshots/bbb/tokenizer_config.json")));

        write(&hub.join("refs/main"), "../../../etc");
        let files = resolve_tokenizer("org/name", &options).unwrap();
        assert_eq!(files.tokenizer_json, hub.join("snapshots/aaa/tokenizer.json"), "a hostile ref is ignored");

        let ours = tmp.path().join("brightrun/tokenizers/org/name/tokenizer.json");
        write(&ours, "{}");
        assert_eq!(resolve_tokenizer("org/name", &options).unwrap().tokenizer_json, ours);
    }

    #[test]
    fn an_uncached_model_id_needs_the_network() {
        let tmp = tempfile::tempdir().unwrap();
        let error = resolve_tokenizer("org/name", &offline(tmp.path())).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("allow network access") && message.contains(DEFAULT_HF_ENDPOINT), "{message}");
        let nowhere = ResolveOptions::default().allow_network(true);
        assert!(resolve_tokenizer("org/name", &nowhere).unwrap_err().to_string().contains("no BrightRun home"));
    }

    #[test]
    fn debug_output_hides_the_token() {
        let options = ResolveOptions { token: Some("hf_secret".to_owned()), ..ResolveOptions::default() };
        let debug = format!("{options:?}");
        assert!(!debug.contains("hf_secret") && debug.contains("redacted"), "{debug}");
    }
}
