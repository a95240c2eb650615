//! `NativeUpload`: a dataset file streamed from JavaScript chunk by chunk, without a
//! temporary file.
//!
//! The chunks go through a bounded channel into the stream `BrightRun::upload_dataset`
//! reads, so at most [`QUEUED_CHUNKS`] chunks wait in memory and `write` resolves only once
//! its chunk is queued (back-pressure for the JS side). `abort` puts an error into the
//! stream: the store aborts the upload, nothing is written, and the dataset stays
//! `uploading` (the JS layer deletes it).
//!
//! A confirming upload (`datasets.create`) ends with the dataset queued for validation; a
//! storing one (`datasets.upload`, the HTTP upload step) stores at most the declared size
//! and leaves the dataset `uploading` for `datasets.confirm`.

use std::sync::{Mutex, MutexGuard, PoisonError};

use brightrun_core::model::{Dataset, DatasetId, UserId};
use brightrun_core::service::{BrightRun, ServiceError};
use bytes::Bytes;
use napi::Result;
use napi::bindgen_prelude::Uint8Array;
use napi_derive::napi;
use tokio::sync::{mpsc, oneshot};

use crate::errors::{coded, internal, to_json};

/// Chunks that may wait between JavaScript and the store.
const QUEUED_CHUNKS: usize = 8;

type Chunk = std::result::Result<Bytes, std::io::Error>;

/// An upload in progress: created by `NativeClient.beginUpload`.
#[napi]
pub struct NativeUpload {
    sender: Mutex<Option<mpsc::Sender<Chunk>>>,
    outcome: Mutex<Option<oneshot::Receiver<std::result::Result<Dataset, ServiceError>>>>,
}

impl NativeUpload {
    /// Starts the upload task, reading chunks as they come; `confirm` queues the dataset
    /// for validation once its file is stored.
    pub fn start(app: BrightRun, user: UserId, dataset: DatasetId, confirm: bool) -> Self {
        let (sender, mut receiver) = mpsc::channel::<Chunk>(QUEUED_CHUNKS);
        let chunks = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
        let (report, outcome) = oneshot::channel();
        napi::bindgen_prelude::spawn(async move {
            let outcome = if confirm {
                app.upload_dataset(user, dataset, chunks).await
            } else {
                app.store_dataset_file(user, dataset, chunks).await
            };
            let _ = report.send(outcome);
        });
        Self { sender: Mutex::new(Some(sender)), outcome: Mutex::new(Some(outcome)) }
    }

    fn outcome(&self) -> Option<oneshot::Receiver<std::result::Result<Dataset, ServiceError>>> {
        self.outcome.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn sender(&self) -> MutexGuard<'_, Option<mpsc::Sender<Chunk>>> {
        self.sender.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[napi]
impl NativeUpload {
    /// Queues one chunk; resolves once it is queued. Rejects when the upload has ended
    /// (finished, aborted, or refused by the store, e.g. over the size cap).
    #[napi]
    pub async fn write(&self, chunk: Uint8Array) -> Result<()> {
        let sender = self.sender().clone();
        let Some(sender) = sender else {
            return Err(internal("write after the upload ended"));
        };
        if sender.send(Ok(Bytes::copy_from_slice(&chunk))).await.is_err() {
            // The store stopped reading: `finish` reports why.
            self.sender().take();
        }
        Ok(())
    }

    /// Ends the file and waits for the store (and the confirmation, if asked); resolves to
    /// the dataset's JSON (status `validating`, or `uploading` unconfirmed).
    #[napi]
    pub async fn finish(&self) -> Result<String> {
        self.sender().take();
        let Some(outcome) = self.outcome() else { return Err(internal("the upload has already ended")) };
        let dataset =
            outcome.await.map_err(|_| internal("the upload stopped (it panicked)"))?.map_err(|e| coded(&e))?;
        to_json(&dataset)
    }

    /// Aborts the upload: the store discards what it received. Resolves once it has.
    #[napi]
    pub async fn abort(&self) -> Result<()> {
        let sender = self.sender().take();
        let outcome = self.outcome();
        if let Some(sender) = sender {
            let aborted = std::io::Error::new(std::io::ErrorKind::Interrupted, "the upload was aborted");
            let _ = sender.send(Err(aborted)).await;
        }
        if let Some(outcome) = outcome {
            let _ = outcome.await;
        }
        Ok(())
    }
}
