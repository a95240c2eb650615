//! Direct access to an object, so large files move between a worker and the store without
//! passing through the control plane: a signed URL where the store signs (S3-compatible
//! stores), the file's own path for a local directory — never a made-up URL.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::signer::{Method, Signer};
use serde::{Deserialize, Serialize};
use url::Url;

use super::BlobError;
use crate::model::Timestamp;

/// The longest a signed URL may live (the SigV4 maximum).
pub const MAX_SIGNED_URL_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// What the holder of a location may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Read the object (`GET`).
    Download,
    /// Write the object (`PUT`).
    Upload,
}

/// Where an object can be reached directly. As JSON: `{"kind": "signed_url", "url",
/// "access", "expires_at"}` or `{"kind": "local_path", "path"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(into = "LocationJson", from = "LocationJson")]
pub enum Location {
    /// A pre-signed URL: `GET` it to download, `PUT` the bytes to upload, until `expires_at`.
    /// The upload cap is not enforced on such a `PUT`; check the object's size (`head`)
    /// before trusting it.
    SignedUrl {
        /// The URL, with its signature in the query.
        url: Url,
        /// What it allows.
        access: Access,
        /// When the signature stops being accepted.
        expires_at: Timestamp,
    },
    /// A local directory store: the object's file, for a worker on the same machine to read
    /// or write itself (its directory may not exist yet). No expiry applies, and no size cap
    /// is enforced on what is written there.
    LocalPath(PathBuf),
}

/// [`Location`] as JSON. serde cannot tag a newtype variant holding a string internally
/// (`LocalPath(PathBuf)` failed to serialize), so the path gets a field of its own.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case", tag = "kind")]
enum LocationJson {
    SignedUrl {
        #[cfg_attr(feature = "schema", schemars(with = "String"))]
        url: Url,
        access: Access,
        expires_at: Timestamp,
    },
    LocalPath {
        #[cfg_attr(feature = "schema", schemars(with = "crate::model::PathText"))]
        path: PathBuf,
    },
}

impl From<Location> for LocationJson {
    fn from(location: Location) -> Self {
        match location {
            Location::SignedUrl { url, access, expires_at } => LocationJson::SignedUrl { url, access, expires_at },
            Location::LocalPath(path) => LocationJson::LocalPath { path },
        }
    }
}

impl From<LocationJson> for Location {
    fn from(location: LocationJson) -> Self {
        match location {
            LocationJson::SignedUrl { url, access, expires_at } => Location::SignedUrl { url, access, expires_at },
            LocationJson::LocalPath { path } => Location::LocalPath(path),
        }
    }
}

/// How a store gives direct access to its objects.
#[derive(Debug, Clone)]
pub(super) enum DirectAccess {
    /// The store signs URLs.
    Signer(Arc<dyn Signer>),
    /// Objects are files under a local directory.
    Local(Arc<LocalFileSystem>),
    /// No direct access (in memory).
    None,
}

impl DirectAccess {
    pub(super) async fn location(
        &self,
        path: &Path,
        access: Access,
        expires_in: Duration,
        now: Timestamp,
    ) -> Result<Location, BlobError> {
        match self {
            DirectAccess::Signer(signer) => {
                if expires_in < Duration::from_secs(1) || expires_in > MAX_SIGNED_URL_LIFETIME {
                    return Err(BlobError::InvalidExpiry { seconds: expires_in.as_secs() });
                }
                let method = match access {
                    Access::Download => Method::GET,
                    Access::Upload => Method::PUT,
                };
                let url = signer.signed_url(method, path, expires_in).await?;
                let lifetime = TimeDelta::from_std(expires_in)
                    .map_err(|_| BlobError::InvalidExpiry { seconds: expires_in.as_secs() })?;
                Ok(Location::SignedUrl { url, access, expires_at: now.plus(lifetime) })
            }
            DirectAccess::Local(store) => Ok(Location::LocalPath(store.path_to_filesystem(path)?)),
            DirectAccess::None => Err(BlobError::NoDirectAccess),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locations_round_trip_through_json() {
        let local = Location::LocalPath(PathBuf::from("/srv/storage/models/a/b/adapter_config.json"));
        let json = serde_json::to_value(&local).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "local_path", "path": "/srv/storage/models/a/b/adapter_config.json"})
        );
        assert_eq!(serde_json::from_value::<Location>(json).unwrap(), local);
        let signed = Location::SignedUrl {
            url: Url::parse("https://s3.example/bucket/key?X-Amz-Signature=abc").unwrap(),
            access: Access::Download,
            expires_at: Timestamp::now(),
        };
        let json = serde_json::to_value(&signed).unwrap();
        assert_eq!((json["kind"].as_str(), json["access"].as_str()), (Some("signed_url"), Some("download")));
        assert_eq!(serde_json::from_value::<Location>(json).unwrap(), signed);
    }
}
