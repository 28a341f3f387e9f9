//! Parquet reader (arrow-rs), streaming record batches of the configured size.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::columnar::ColumnarBatch;
use super::schema::IngestOptions;
use super::stream::{Batch, DocReader, IngestStats};
use crate::error::{InputError, Location};

pub(crate) struct ParquetReader {
    path: PathBuf,
    options: IngestOptions,
    reader: ParquetRecordBatchReader,
    rows_read: u64,
    row_bytes: f64,
    counter: Arc<AtomicU64>,
}

/// This reader's format: its names and how it opens a path.
pub(crate) const FORMAT: super::format::FormatInfo = super::format::FormatInfo {
    name: "parquet",
    aliases: &["pq"],
    directory: false,
    open: |path, options, counter| Ok(Box::new(ParquetReader::open(path, options, counter)?)),
};

impl ParquetReader {
    pub fn open(
        path: &Path,
        options: IngestOptions,
        counter: Arc<AtomicU64>,
    ) -> Result<Self, InputError> {
        let file =
            File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
        let file_len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let builder = super::guard_panics(path, || ParquetRecordBatchReaderBuilder::try_new(file))?
            .map_err(|e| InputError::file(path, format!("not a readable Parquet file: {e}")))?;
        let total_rows = builder.metadata().file_metadata().num_rows().max(1) as f64;
        refuse_oversized_rows(path, builder.metadata(), &options)?;
        let reader = builder
            .with_batch_size(options.batch_size().min(8192))
            .build()
            .map_err(|e| InputError::file(path, format!("not a readable Parquet file: {e}")))?;
        Ok(ParquetReader {
            path: path.to_path_buf(),
            options,
            reader,
            rows_read: 0,
            row_bytes: file_len as f64 / total_rows,
            counter,
        })
    }
}

/// A row group whose rows average more than one record may take (the compression bomb of
/// Parquet: a few rows of huge values) is refused from its metadata, before it is decoded.
fn refuse_oversized_rows(
    path: &Path,
    metadata: &parquet::file::metadata::ParquetMetaData,
    options: &IngestOptions,
) -> Result<(), InputError> {
    let mut first_row = 0u64;
    for (i, group) in metadata.row_groups().iter().enumerate() {
        let rows = group.num_rows().max(0) as u64;
        let bytes = group.total_byte_size().max(0) as u64;
        if bytes / rows.max(1) > options.max_record_bytes() {
            return Err(InputError::new(
                path,
                Location::Row(first_row + 1),
                super::record_limit::record_too_long_message(
                    &format!(
                        "row group {} ({rows} rows, {} uncompressed) has a row that",
                        i + 1,
                        super::byte_size::format_bytes(bytes)
                    ),
                    options,
                ),
            ));
        }
        first_row += rows;
    }
    Ok(())
}

impl DocReader for ParquetReader {
    fn read_batch(
        &mut self,
        _max: usize,
        out: &mut Batch,
        stats: &mut IngestStats,
    ) -> Result<bool, InputError> {
        let next = super::guard_panics(&self.path, || self.reader.next())?;
        let Some(batch) = next else { return Ok(false) };
        let batch = batch.map_err(|e| {
            InputError::new(
                &self.path,
                Location::Row(self.rows_read + 1),
                format!("cannot decode Parquet data: {e}"),
            )
        })?;
        let view = ColumnarBatch::new(&batch);
        view.read_rows(self.rows_read, &self.path, &self.options, out, stats)?;
        self.rows_read += batch.num_rows() as u64;
        // Parquet is read by row group, not byte by byte: estimate progress from rows.
        self.counter.fetch_add(
            (self.row_bytes * batch.num_rows() as f64) as u64,
            Ordering::Relaxed,
        );
        Ok(true)
    }
}
