//! The fatal errors: one enum for what stops a command (exit 2): configuration, catalogue,
//! I/O on the output, the lock. Variants carry where it happened (path, line) as data.
//!
//! A bad input is never one of these: every problem with an input is a
//! [`Reject`](crate::model::Reject), carrying the file, where in it (a typed
//! [`Origin`](crate::model::Origin): sheet and row, PDF page and row, paragraph) and the stage
//! (discover, identify, extract, classify, load) as data, and the batch goes on.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The configuration (juesuan.toml, units.toml) is unusable; every problem is listed.
    #[error("invalid configuration:\n  - {}", .problems.join("\n  - "))]
    Config { problems: Vec<String> },
    /// The classification catalogue CSVs are unusable.
    #[error("{path}: line {line}: {reason}")]
    Catalog {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    /// Writing Parquet failed.
    #[error("{path}: writing parquet: {reason}")]
    Parquet { path: PathBuf, reason: String },
    /// Encoding the manifest or the state as JSON failed.
    #[error("{what}: encoding JSON: {reason}")]
    Json { what: String, reason: String },
    /// Reading the warehouse back (compare) failed.
    #[error("{path}: reading the warehouse: {reason}")]
    Warehouse { path: PathBuf, reason: String },
    /// The synthetic generator failed (writing a workbook).
    #[error("{path}: writing workbook: {reason}")]
    Synth { path: PathBuf, reason: String },
    /// The object store holding the warehouse could not be reached, read or written.
    #[error("{url}: {reason}")]
    Store { url: String, reason: String },
    /// Another run holds the warehouse lock.
    #[error("{0}")]
    Locked(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
