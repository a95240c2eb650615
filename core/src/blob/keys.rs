//! Object keys: `datasets/{user}/{dataset}/{file}` and `models/{user}/{model}/{file}`, and
//! `datasets/{user}/{dataset}/validated/{sha256}` for the copy of a dataset's file that its
//! validation read (no signed URL is ever given for it, so it never changes).
//!
//! A file name never reaches a key unsanitised: only ASCII letters, digits, `.`, `_` and `-`
//! are kept (anything else, separators and control characters included, becomes `_`), runs
//! of dots collapse so no `..` remains, leading dots and underscores go, and the name is
//! capped at [`MAX_FILE_NAME_BYTES`] keeping its extension. The ASCII set is what every
//! S3-compatible store (Supabase Storage included) and every file system accepts.

use std::fmt;
use std::str::FromStr;

use object_store::path::Path;
use uuid::Uuid;

use super::BlobError;
use crate::model::{ArtifactId, DatasetId, JobId, UserId};

/// The longest file name kept in a key, in bytes.
pub const MAX_FILE_NAME_BYTES: usize = 128;
/// The longest extension kept whole when a long name is shortened.
const MAX_EXTENSION_BYTES: usize = 16;

/// What an object is: decides its key prefix and its upload cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlobKind {
    /// A dataset file: `datasets/...`.
    Dataset,
    /// A file of a trained model: `models/...`.
    Model,
}

impl BlobKind {
    const fn prefix(self) -> &'static str {
        match self {
            BlobKind::Dataset => "datasets",
            BlobKind::Model => "models",
        }
    }
}

/// A checked object key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey {
    kind: BlobKind,
    path: Path,
}

impl BlobKey {
    /// `datasets/{user}/{dataset}/{file}`, the file name sanitised.
    pub fn dataset(user_id: UserId, dataset_id: DatasetId, file_name: &str) -> Result<Self, BlobError> {
        Self::build(BlobKind::Dataset, user_id.as_uuid(), dataset_id.as_uuid(), file_name)
    }

    /// `datasets/{user}/{dataset}/validated/{sha256}`: the copy of the dataset's file that
    /// its validation read, named by the hex sha256 of its bytes (64 lowercase hex digits,
    /// else [`BlobError::InvalidKey`]).
    pub fn validated_dataset(user_id: UserId, dataset_id: DatasetId, sha256: &str) -> Result<Self, BlobError> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(BlobError::InvalidKey {
                name: sha256.to_owned(),
                reason: "a validated copy is named by a sha256 of 64 lowercase hex digits",
            });
        }
        let prefix = BlobKind::Dataset.prefix();
        let path = Path::from(format!("{prefix}/{user_id}/{dataset_id}/validated/{sha256}"));
        Ok(Self { kind: BlobKind::Dataset, path })
    }

    /// `models/{user}/{model}/{file}`, the file name sanitised.
    pub fn model(user_id: UserId, model_id: ArtifactId, file_name: &str) -> Result<Self, BlobError> {
        Self::build(BlobKind::Model, user_id.as_uuid(), model_id.as_uuid(), file_name)
    }

    /// `datasets/{user}/{dataset}/jobs/{job}-{attempt}/{file}`: a training file converted
    /// for one attempt of a job, read by a remote worker through a signed URL. Removed when
    /// the attempt ends.
    pub fn job_input(
        user_id: UserId,
        dataset_id: DatasetId,
        job_id: JobId,
        attempt: u32,
        file_name: &str,
    ) -> Result<Self, BlobError> {
        let file = sanitize_file_name(file_name)?;
        let prefix = BlobKind::Dataset.prefix();
        let path = Path::from(format!("{prefix}/{user_id}/{dataset_id}/jobs/{job_id}-{attempt}/{file}"));
        Ok(Self { kind: BlobKind::Dataset, path })
    }

    /// `models/{user}/{model}/attempts/{attempt}/{file}`: where a remote worker uploads a
    /// file of the adapter through a signed URL. The orchestrator copies it to the model's
    /// own key ([`BlobKey::model`]) only after checking its size and sha256, and removes it;
    /// a worker's URL never writes a model's accepted files.
    pub fn attempt_artifact(
        user_id: UserId,
        model_id: ArtifactId,
        attempt: u32,
        file_name: &str,
    ) -> Result<Self, BlobError> {
        let file = sanitize_file_name(file_name)?;
        let prefix = BlobKind::Model.prefix();
        let path = Path::from(format!("{prefix}/{user_id}/{model_id}/attempts/{attempt}/{file}"));
        Ok(Self { kind: BlobKind::Model, path })
    }

    fn build(kind: BlobKind, user: &Uuid, owner: &Uuid, file_name: &str) -> Result<Self, BlobError> {
        let file = sanitize_file_name(file_name)?;
        Ok(Self { kind, path: Path::from(format!("{}/{user}/{owner}/{file}", kind.prefix())) })
    }

    /// What the object is.
    pub fn kind(&self) -> BlobKind {
        self.kind
    }

    /// The key as text, as stored in a record's `storage_path`.
    pub fn as_str(&self) -> &str {
        self.path.as_ref()
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Display for BlobKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BlobKey {
    type Err = BlobError;

    /// Reads a stored key back, accepting only the exact shape a key builder writes.
    fn from_str(key: &str) -> Result<Self, BlobError> {
        let refuse = |reason| BlobError::InvalidKey { name: key.to_owned(), reason };
        let parts: Vec<&str> = key.split('/').collect();
        let [prefix, user, owner, file] = parts[..] else {
            return Err(refuse("a key has the form {datasets|models}/{user}/{id}/{file}"));
        };
        let kind = match prefix {
            "datasets" => BlobKind::Dataset,
            "models" => BlobKind::Model,
            _ => return Err(refuse("a key starts with `datasets/` or `models/`")),
        };
        let user = Uuid::parse_str(user).map_err(|_| refuse("the user part is not a UUID"))?;
        let owner = Uuid::parse_str(owner).map_err(|_| refuse("the id part is not a UUID"))?;
        let built = Self::build(kind, &user, &owner, file)?;
        if built.as_str() == key { Ok(built) } else { Err(refuse("the key is not in its canonical form")) }
    }
}

/// The safe form of a user's file name, or an error when nothing usable is left.
pub fn sanitize_file_name(name: &str) -> Result<String, BlobError> {
    let mut safe = String::with_capacity(name.len().min(MAX_FILE_NAME_BYTES));
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') { c } else { '_' };
        // No runs of dots (so no `..`) and no runs of replacement underscores.
        if (c == '.' || c == '_') && safe.ends_with(c) {
            continue;
        }
        safe.push(c);
    }
    let safe = safe.trim_start_matches(['.', '_']).trim_end_matches(['.', '_']);
    if safe.is_empty() || safe.chars().all(|c| c == '-') {
        return Err(BlobError::InvalidKey { name: name.to_owned(), reason: "no usable character is left in the name" });
    }
    Ok(shorten(safe))
}

/// Caps a (sanitised, ASCII) name at [`MAX_FILE_NAME_BYTES`], keeping a short extension.
fn shorten(name: &str) -> String {
    if name.len() <= MAX_FILE_NAME_BYTES {
        return name.to_owned();
    }
    match name.rsplit_once('.') {
        Some((stem, extension)) if extension.len() < MAX_EXTENSION_BYTES && !stem.is_empty() => {
            let room = MAX_FILE_NAME_BYTES - extension.len() - 1;
            format!("{}.{extension}", &stem[..room.min(stem.len())])
        }
        _ => name[..MAX_FILE_NAME_BYTES].to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn keys_have_the_documented_shape() {
        let (user, dataset, model) = (UserId::new(), DatasetId::new(), ArtifactId::new());
        let key = BlobKey::dataset(user, dataset, "train.jsonl").unwrap();
        assert_eq!(key.as_str(), format!("datasets/{user}/{dataset}/train.jsonl"));
        assert_eq!(key.kind(), BlobKind::Dataset);
        let key = BlobKey::model(user, model, "adapter_model.safetensors").unwrap();
        assert_eq!(key.to_string(), format!("models/{user}/{model}/adapter_model.safetensors"));
        assert_eq!(key.as_str().parse::<BlobKey>().unwrap(), key);
    }

    #[test]
    fn a_validated_copy_is_named_by_its_sha256_only() {
        let (user, dataset) = (UserId::new(), DatasetId::new());
        let sha = "0123456789abcdef".repeat(4);
        let key = BlobKey::validated_dataset(user, dataset, &sha).unwrap();
        assert_eq!(key.as_str(), format!("datasets/{user}/{dataset}/validated/{sha}"));
        assert_eq!(key.kind(), BlobKind::Dataset);
        for bad in ["", "../../x", &sha.to_uppercase(), &sha[1..], &format!("{sha}0"), &format!("{}/", &sha[1..])] {
            assert_eq!(BlobKey::validated_dataset(user, dataset, bad).unwrap_err().code(), "invalid_key", "{bad:?}");
        }
    }

    #[test]
    fn hostile_names_are_made_safe() {
        let cases = [
            ("../../etc/passwd", "etc_passwd"),
            ("..\\..\\windows\\system32", "windows_system32"),
            ("/absolute/path.jsonl", "absolute_path.jsonl"),
            ("a/../../b.jsonl", "a_._._b.jsonl"),
            ("...hidden", "hidden"),
            ("name..jsonl", "name.jsonl"),
            ("nul\0byte\r\n.jsonl", "nul_byte_.jsonl"),
            ("\u{202e}lmth.exe", "lmth.exe"),
            ("my data (v2).jsonl", "my_data_v2_.jsonl"),
            ("données été.jsonl", "donn_es_t_.jsonl"),
            ("%2e%2e%2fsecret", "2e_2e_2fsecret"),
            ("C:file?.txt", "C_file_.txt"),
            ("-dash-", "-dash-"),
        ];
        for (hostile, safe) in cases {
            let sanitized = sanitize_file_name(hostile).unwrap();
            assert_eq!(sanitized, safe, "{hostile:?}");
            assert!(!sanitized.contains(".."), "{hostile:?}");
            assert!(sanitized.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)));
        }
    }

    #[test]
    fn names_with_nothing_usable_are_refused() {
        for hostile in ["", ".", "..", "/", "../..", "\0\0", "___", "🙂", "---"] {
            let err = sanitize_file_name(hostile).unwrap_err();
            assert_eq!(err.code(), "invalid_key", "{hostile:?}");
            assert!(BlobKey::dataset(UserId::new(), DatasetId::new(), hostile).is_err());
        }
    }

    #[test]
    fn long_names_are_capped_keeping_the_extension() {
        let long = format!("{}.safetensors", "a".repeat(1_000));
        let capped = sanitize_file_name(&long).unwrap();
        assert_eq!(capped.len(), MAX_FILE_NAME_BYTES);
        assert!(capped.ends_with("a.safetensors"));
        let no_extension = sanitize_file_name(&"b".repeat(500)).unwrap();
        assert_eq!(no_extension.len(), MAX_FILE_NAME_BYTES);
    }

    #[test]
    fn only_canonical_stored_keys_parse() {
        let (user, dataset) = (UserId::new(), DatasetId::new());
        for bad in [
            format!("datasets/{user}/{dataset}/../x"),
            format!("datasets/{user}/{dataset}/a/b"),
            format!("other/{user}/{dataset}/x"),
            format!("datasets/not-a-uuid/{dataset}/x"),
            format!("datasets/{user}/{dataset}/my file"),
            "datasets".to_owned(),
        ] {
            assert_eq!(bad.parse::<BlobKey>().unwrap_err().code(), "invalid_key", "{bad}");
        }
    }
}
