//! Arrow IPC reader: the file format (`.arrow`/`.feather` v2), or the stream format.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::error::ArrowError;
use arrow::ipc::reader::{FileReader, StreamReader};

use super::columnar::ColumnarBatch;
use super::schema::IngestOptions;
use super::stream::{Batch, DocReader, IngestStats};
use crate::error::{InputError, Location};

type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

pub(crate) struct ArrowIpcReader {
    path: PathBuf,
    options: IngestOptions,
    batches: BatchIter,
    rows_read: u64,
}

/// This reader's format: its names and how it opens a path.
pub(crate) const FORMAT: super::format::FormatInfo = super::format::FormatInfo {
    name: "arrow",
    aliases: &["ipc", "feather"],
    directory: false,
    open: |path, options, counter| Ok(Box::new(ArrowIpcReader::open(path, options, counter)?)),
};

impl ArrowIpcReader {
    pub fn open(
        path: &Path,
        options: IngestOptions,
        counter: Arc<AtomicU64>,
    ) -> Result<Self, InputError> {
        let open_err = |e: std::io::Error| InputError::file(path, format!("cannot open: {e}"));
        let mut file = File::open(path).map_err(open_err)?;
        let mut magic = [0u8; 6];
        let is_file_format = file.read_exact(&mut magic).is_ok() && &magic == b"ARROW1";
        file.seek(SeekFrom::Start(0)).map_err(open_err)?;
        let counted = super::format::CountingReader::new(file, counter);
        let batches: BatchIter = if is_file_format {
            let reader = super::guard_panics(path, || FileReader::try_new(counted, None))?
                .map_err(|e| {
                    InputError::file(path, format!("not a readable Arrow IPC file: {e}"))
                })?;
            Box::new(reader)
        } else {
            let reader = super::guard_panics(path, || {
                StreamReader::try_new(BufReader::new(counted), None)
            })?
            .map_err(|e| {
                InputError::file(
                    path,
                    format!("not a readable Arrow IPC file or stream: {e}"),
                )
            })?;
            Box::new(reader)
        };
        Ok(ArrowIpcReader {
            path: path.to_path_buf(),
            options,
            batches,
            rows_read: 0,
        })
    }
}

impl DocReader for ArrowIpcReader {
    fn read_batch(
        &mut self,
        _max: usize,
        out: &mut Batch,
        stats: &mut IngestStats,
    ) -> Result<bool, InputError> {
        let next = super::guard_panics(&self.path, || self.batches.next())?;
        let Some(batch) = next else { return Ok(false) };
        let batch = batch.map_err(|e| {
            InputError::new(
                &self.path,
                Location::Row(self.rows_read + 1),
                format!("cannot decode Arrow data: {e}"),
            )
        })?;
        ColumnarBatch::new(&batch).read_rows(
            self.rows_read,
            &self.path,
            &self.options,
            out,
            stats,
        )?;
        self.rows_read += batch.num_rows() as u64;
        Ok(true)
    }
}
