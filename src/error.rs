//! Typed errors. Library code returns these; only `main.rs` turns them into exit codes.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of a text file (JSONL, CSV).
    Line(u64),
    /// 1-based row of a columnar file (Parquet, Arrow IPC).
    Row(u64),
    /// The whole file (a .txt document, or a file that could not be opened).
    File,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(n) => write!(f, "line {n}"),
            Location::Row(n) => write!(f, "row {n}"),
            Location::File => Ok(()),
        }
    }
}

/// A problem with user-supplied input: always names the file, and where known the line/row and field.
#[derive(Debug, Clone, thiserror::Error)]
pub struct InputError {
    pub path: PathBuf,
    pub location: Location,
    pub field: Option<String>,
    pub message: String,
}

impl InputError {
    pub fn new(path: &Path, location: Location, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            location,
            field: None,
            message: message.into(),
        }
    }

    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self::new(path, Location::File, message)
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.location != Location::File {
            write!(f, ": {}", self.location)?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field '{field}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A problem with configuration (TOML file or flags): names the key.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{origin}: {key}: {message}")]
pub struct ConfigError {
    /// The config file, or "command line".
    pub origin: String,
    pub key: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(
        origin: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            origin: origin.into(),
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Any error the library reports. Every one is about the user's input, flags, config or output
/// path, so the binary exits 2 on all of them (`app::run`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("could not write '{}': {source}", path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Usage(String),
    /// Data a computation cannot use (empty sample, mismatched widths, non-finite values...).
    #[error("{0}")]
    Data(String),
}

impl Error {
    pub fn output(path: &Path, source: std::io::Error) -> Self {
        Error::Output {
            path: path.to_path_buf(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
