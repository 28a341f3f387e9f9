//! Parquet: an `id` string column, then one float32 column per feature (zstd-compressed).

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::{AtomicFile, MatrixWriter};
use crate::error::{Error, Result};
use crate::matrix::FeatureMatrix;

pub(crate) struct ParquetMatrixWriter {
    writer: ArrowWriter<AtomicFile>,
    schema: SchemaRef,
    path: std::path::PathBuf,
}

fn pq_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::output(path, std::io::Error::other(e.to_string()))
}

impl ParquetMatrixWriter {
    pub fn create(path: &Path, columns: &[String]) -> Result<Self> {
        let mut fields = vec![Field::new("id", DataType::Utf8, false)];
        fields.extend(
            columns
                .iter()
                .map(|c| Field::new(c, DataType::Float32, false)),
        );
        let schema = Arc::new(Schema::new(fields));
        // Row groups of 16k rows: the writer buffers a whole group, so this bounds its memory.
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(16_384))
            .build();
        let writer = ArrowWriter::try_new(AtomicFile::create(path)?, schema.clone(), Some(props))
            .map_err(|e| pq_err(path, e))?;
        Ok(ParquetMatrixWriter {
            writer,
            schema,
            path: path.to_path_buf(),
        })
    }
}

impl MatrixWriter for ParquetMatrixWriter {
    fn write_block(&mut self, block: &FeatureMatrix) -> Result<()> {
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(block.names.len() + 1);
        arrays.push(Arc::new(StringArray::from_iter_values(block.ids.iter())));
        for column in block.values.columns() {
            arrays.push(Arc::new(Float32Array::from_iter_values(
                column.iter().copied(),
            )));
        }
        let batch =
            RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| pq_err(&self.path, e))?;
        self.writer.write(&batch).map_err(|e| pq_err(&self.path, e))
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let path = self.path.clone();
        let file = self.writer.into_inner().map_err(|e| pq_err(&path, e))?;
        file.commit()
    }
}
