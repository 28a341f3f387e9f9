//! CSV: an `id` column, then one column per feature.

use std::path::Path;

use super::{AtomicFile, MatrixWriter};
use crate::error::{Error, Result};
use crate::matrix::FeatureMatrix;

pub(crate) struct CsvMatrixWriter {
    writer: csv::Writer<AtomicFile>,
    path: std::path::PathBuf,
}

fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::output(path, std::io::Error::other(e))
}

impl CsvMatrixWriter {
    pub fn create(path: &Path, columns: &[String]) -> Result<Self> {
        let mut writer = csv::Writer::from_writer(AtomicFile::create(path)?);
        let header = std::iter::once("id").chain(columns.iter().map(String::as_str));
        writer.write_record(header).map_err(|e| csv_err(path, e))?;
        Ok(CsvMatrixWriter {
            writer,
            path: path.to_path_buf(),
        })
    }
}

impl MatrixWriter for CsvMatrixWriter {
    fn write_block(&mut self, block: &FeatureMatrix) -> Result<()> {
        let mut record = Vec::with_capacity(block.names.len() + 1);
        for (id, row) in block.ids.iter().zip(block.values.rows()) {
            record.clear();
            record.push(id.clone());
            record.extend(row.iter().map(|v| v.to_string()));
            self.writer
                .write_record(&record)
                .map_err(|e| csv_err(&self.path, e))?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        let path = self.path.clone();
        let file = self
            .writer
            .into_inner()
            .map_err(|e| Error::output(&path, e.into_error()))?;
        file.commit()
    }
}
