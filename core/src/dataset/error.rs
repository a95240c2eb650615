//! Errors of the dataset engine: what stops a validation or a conversion from running at all.
//!
//! Problems *in* the file are findings of the report, never errors: an error means the file
//! could not be read, its format could not be recognised for a conversion, or the output
//! could not be written.

use std::io;
use std::path::{Path, PathBuf};

use super::inflate::InflatedTooFar;
use crate::error_code::{Code, ErrorCode};

/// A validation or conversion that could not run.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The dataset file does not exist or cannot be opened.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
    /// Reading the input failed part-way.
    #[error("cannot read the dataset: {source}")]
    Read {
        /// The reason.
        source: io::Error,
    },
    /// The input starts like gzip but does not decompress.
    #[error("the dataset is not a valid gzip stream: {source}")]
    Gzip {
        /// The decoder's reason.
        source: io::Error,
    },
    /// A gzip input that inflates past its limits (a "gzip bomb", or a file too large once
    /// decompressed): nothing more of it was read.
    #[error(transparent)]
    Inflated(#[from] InflatedTooFar),
    /// No record of the first lines has the shape of a known format: a conversion has
    /// nothing to write. (A validation reports each record instead.)
    #[error("cannot detect the dataset format: {reason}")]
    UnknownFormat {
        /// What was seen, and the formats that were expected.
        reason: String,
    },
    /// A CSV, Parquet or Arrow table that cannot be read as one (a corrupt Parquet or Arrow
    /// file, a header row naming a column twice, a saved dataset's unreadable `state.json`).
    #[error("the dataset table cannot be read: {reason}")]
    InvalidTable {
        /// What is wrong.
        reason: String,
    },
    /// A kind of source that is not read as a dataset, with how to give one that is.
    #[error("the dataset is {what}, which is not read as a dataset: {fix}")]
    UnsupportedSource {
        /// What the file is.
        what: String,
        /// How to make a dataset of it.
        fix: String,
    },
    /// An option outside its range.
    #[error("invalid option {name}: {reason}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// What is allowed.
        reason: String,
    },
    /// The converted output could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's reason.
        source: io::Error,
    },
}

impl DatasetError {
    /// A failure to open `path`.
    pub(crate) fn open(path: &Path, source: io::Error) -> Self {
        Self::Open { path: path.to_owned(), source }
    }

    /// A failure to write `path`.
    pub(crate) fn write(path: &Path, source: io::Error) -> Self {
        Self::Write { path: path.to_owned(), source }
    }

    /// A read failure; from a gzip input, a corrupt stream or one that inflates too far is
    /// told apart from an I/O failure.
    pub(crate) fn read(source: io::Error, gzip: bool) -> Self {
        if let Some(inflated) = source.get_ref().and_then(|inner| inner.downcast_ref::<InflatedTooFar>()) {
            return Self::Inflated(inflated.clone());
        }
        let corrupt = matches!(
            source.kind(),
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
        );
        if gzip && corrupt { Self::Gzip { source } } else { Self::Read { source } }
    }
}

impl ErrorCode for DatasetError {
    fn error_code(&self) -> Code {
        match self {
            DatasetError::Open { source, .. } if source.kind() == io::ErrorKind::NotFound => Code::DatasetNotFound,
            DatasetError::Open { .. } => Code::DatasetUnreadable,
            DatasetError::Read { .. } => Code::DatasetReadFailed,
            DatasetError::Gzip { .. } => Code::InvalidGzip,
            DatasetError::Inflated(_) => Code::DecompressedTooLarge,
            DatasetError::UnknownFormat { .. } => Code::UnknownDatasetFormat,
            DatasetError::InvalidTable { .. } => Code::InvalidTable,
            DatasetError::UnsupportedSource { .. } => Code::UnsupportedSource,
            DatasetError::InvalidOption { .. } => Code::InvalidOption,
            DatasetError::Write { .. } => Code::DatasetWriteFailed,
        }
    }
}
