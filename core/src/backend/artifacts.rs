//! The adapter files a worker announced, as a remote backend collects them.

use std::path::Path;

use super::error::BackendError;
use super::local::artifact_path;
use super::protocol::{EventKind, Transfer, WorkerLine};
use super::{ArtifactSource, CollectedArtifact};

/// The files announced by the `artifact` events among `lines` (a name announced twice counts
/// once, as last announced): on a shared filesystem, found by bare name in `adapter_dir`
/// (never at a path the worker chose); with signed URLs, uploaded by the worker. No
/// announced file is [`BackendError::NotCollectable`].
pub fn announced(
    lines: impl IntoIterator<Item = WorkerLine>,
    transfer: Transfer,
    adapter_dir: &Path,
) -> Result<Vec<CollectedArtifact>, BackendError> {
    let mut artifacts: Vec<CollectedArtifact> = Vec::new();
    for line in lines {
        let WorkerLine::Event(event) = line else { continue };
        let EventKind::Artifact { name, bytes, sha256, .. } = event.kind else { continue };
        let source = match transfer {
            Transfer::SharedFilesystem => ArtifactSource::LocalPath { path: artifact_path(adapter_dir, &name)? },
            Transfer::SignedUrls => ArtifactSource::Uploaded,
        };
        artifacts.retain(|a| a.name != name);
        artifacts.push(CollectedArtifact { name, bytes, sha256, source });
    }
    if artifacts.is_empty() {
        return Err(BackendError::NotCollectable { reason: "the worker announced no artifact".into() });
    }
    Ok(artifacts)
}
