//! Writing results: every file is written to a temporary sibling and renamed into place on
//! success, so a failed or interrupted run never leaves a half-written output behind.

mod atomic;
mod corpus;
mod csv;
mod input_files;
mod npy;
mod number;
mod parquet;
pub mod plots;
pub mod stale;
pub mod terminal;

use std::path::{Path, PathBuf};

pub use atomic::AtomicFile;
pub use corpus::{write_corpus_jsonl, write_corpus_parquet};
pub use input_files::InputFiles;
pub use number::number;

use crate::error::{Error, Result};
use crate::matrix::FeatureMatrix;

/// Streams blocks of feature rows to one output format.
pub trait MatrixWriter {
    fn write_block(&mut self, block: &FeatureMatrix) -> Result<()>;
    /// Completes the file(s) and moves them into place; dropping without `finish` leaves nothing.
    fn finish(self: Box<Self>) -> Result<()>;
}

/// Picks the writer from the output's extension: `.parquet`, `.csv` or `.npy`.
pub fn matrix_writer(path: &Path, columns: &[String]) -> Result<Box<dyn MatrixWriter>> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "parquet" => Ok(Box::new(parquet::ParquetMatrixWriter::create(
            path, columns,
        )?)),
        "csv" => Ok(Box::new(csv::CsvMatrixWriter::create(path, columns)?)),
        "npy" => Ok(Box::new(npy::NpyMatrixWriter::create(path, columns)?)),
        _ => Err(Error::Usage(format!(
            "cannot tell the output format of '{}': use a .parquet, .csv or .npy extension",
            path.display()
        ))),
    }
}

/// Every file [`matrix_writer`] writes for `path`: the matrix, and beside a `.npy` its sidecar.
pub fn matrix_files(path: &Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_path_buf()];
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    {
        files.push(npy::sidecar_path(path));
    }
    files
}

/// Writes a whole file atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).map_err(|e| Error::output(path, e))?;
    file.commit()
}
