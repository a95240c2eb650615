//! What is trained is what was validated.
//!
//! The uploaded object can change after its validation (a signed upload URL stays valid
//! for its whole lifetime), so a validation that finds a dataset valid stores a copy of
//! the very bytes it read under a key named by their sha256
//! ([`BlobKey::validated_dataset`]), and records that key as the dataset's
//! `storage_path`. A launch reads that copy only, and checks its sha256 while it streams.

use crate::blob::BlobKey;
use crate::model::Dataset;

/// The key of the dataset's validated copy and its sha256, rebuilt from the dataset's ids
/// and the sha256 its `storage_path` names; `None` when it names none (a dataset not
/// validated, or validated before copies were kept). A `storage_path` of any other shape,
/// or naming another dataset's copy, is never used as a key.
pub fn pinned_dataset_key(dataset: &Dataset) -> Option<(BlobKey, String)> {
    let stored = dataset.storage_path.as_deref()?;
    let sha256 = stored.rsplit('/').next()?;
    let key = BlobKey::validated_dataset(dataset.user_id, dataset.id, sha256).ok()?;
    (key.as_str() == stored).then(|| (key, sha256.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DatasetFormat, DatasetId, DatasetStatus, Timestamp, UserId};

    fn dataset() -> Dataset {
        let (user_id, id, now) = (UserId::new(), DatasetId::new(), Timestamp::now());
        Dataset {
            id,
            user_id,
            name: "chats".into(),
            description: None,
            format: DatasetFormat::Chat,
            status: DatasetStatus::Ready,
            storage_path: Some(format!("datasets/{user_id}/{id}/train.jsonl")),
            file_name: "train.jsonl".into(),
            file_size: 10,
            total_training_pairs: 1,
            total_validation_pairs: 0,
            total_tokens: 1,
            avg_turns_per_conversation: None,
            avg_tokens_per_example: None,
            training_ready: true,
            statistics: None,
            validation_errors: Vec::new(),
            sample_data: None,
            validated_at: Some(now),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }

    #[test]
    fn only_the_datasets_own_validated_copy_is_read() {
        let mut dataset = dataset();
        let sha = "ab".repeat(32);
        assert_eq!(pinned_dataset_key(&dataset), None, "the upload itself is never trained on");
        let key = BlobKey::validated_dataset(dataset.user_id, dataset.id, &sha).unwrap();
        dataset.storage_path = Some(key.as_str().to_owned());
        assert_eq!(pinned_dataset_key(&dataset), Some((key, sha.clone())));
        let other = BlobKey::validated_dataset(UserId::new(), dataset.id, &sha).unwrap();
        for hostile in [other.as_str().to_owned(), format!("../{sha}"), sha.clone(), String::new()] {
            dataset.storage_path = Some(hostile.clone());
            assert_eq!(pinned_dataset_key(&dataset), None, "{hostile}");
        }
    }
}
