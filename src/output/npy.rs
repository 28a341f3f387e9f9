//! NumPy `.npy` (float32, C order), with ids and column names in a `<name>.columns.json` sidecar.
//!
//! Written by hand rather than with ndarray-npy because rows arrive in blocks: the header is
//! written with room to spare and its row count patched in at the end.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{AtomicFile, MatrixWriter};
use crate::error::{Error, Result};
use crate::matrix::FeatureMatrix;

const HEADER_LEN: usize = 128;

pub(crate) struct NpyMatrixWriter {
    file: AtomicFile,
    sidecar: PathBuf,
    columns: Vec<String>,
    ids: Vec<String>,
}

fn header(rows: usize, cols: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&((HEADER_LEN - 10) as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.resize(HEADER_LEN - 1, b' ');
    out.push(b'\n');
    out
}

/// `features.npy` -> `features.columns.json`.
pub(crate) fn sidecar_path(path: &Path) -> PathBuf {
    path.with_extension("columns.json")
}

impl NpyMatrixWriter {
    pub fn create(path: &Path, columns: &[String]) -> Result<Self> {
        let mut file = AtomicFile::create(path)?;
        file.write_all(&header(0, columns.len()))
            .map_err(|e| Error::output(path, e))?;
        Ok(NpyMatrixWriter {
            file,
            sidecar: sidecar_path(path),
            columns: columns.to_vec(),
            ids: Vec::new(),
        })
    }
}

impl MatrixWriter for NpyMatrixWriter {
    fn write_block(&mut self, block: &FeatureMatrix) -> Result<()> {
        let path = self.file.path().to_path_buf();
        let mut bytes = Vec::with_capacity(block.values.len() * 4);
        for v in block.values.iter() {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        self.file
            .write_all(&bytes)
            .map_err(|e| Error::output(&path, e))?;
        self.ids.extend(block.ids.iter().cloned());
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<()> {
        let path = self.file.path().to_path_buf();
        let head = header(self.ids.len(), self.columns.len());
        debug_assert_eq!(head.len(), HEADER_LEN);
        self.file
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::output(&path, e))?;
        self.file
            .write_all(&head)
            .map_err(|e| Error::output(&path, e))?;
        let meta = serde_json::json!({ "ids": self.ids, "columns": self.columns });
        let sidecar =
            serde_json::to_vec(&meta).map_err(|e| Error::output(&self.sidecar, e.into()))?;
        // Both files are complete in temp form before either is renamed into place.
        let mut side = AtomicFile::create(&self.sidecar)?;
        side.write_all(&sidecar)
            .map_err(|e| Error::output(&self.sidecar, e))?;
        self.file.commit()?;
        side.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_aligned_and_parsable() {
        let h = header(12345, 384);
        assert_eq!(h.len(), HEADER_LEN);
        assert_eq!(h.len() % 64, 0);
        let text = String::from_utf8_lossy(&h[10..]);
        assert!(text.contains("'shape': (12345, 384)"));
        assert!(text.ends_with('\n'));
    }
}
