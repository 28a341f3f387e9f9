//! Which reader a path needs, from its name and (for compression) its first bytes.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::InputError;

/// Corpus file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line; `.gz`/`.zst` compressed files are read transparently.
    Jsonl,
    /// Comma-separated with a header row (`.tsv`: tab-separated); may be compressed.
    Csv,
    Parquet,
    /// Arrow IPC file or stream (`.arrow`, `.feather`, `.ipc`).
    Arrow,
    /// A directory of `.txt` files, one document each.
    Txt,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "ndjson" | "json" => Ok(Format::Jsonl),
            "csv" | "tsv" => Ok(Format::Csv),
            "parquet" | "pq" => Ok(Format::Parquet),
            "arrow" | "ipc" | "feather" => Ok(Format::Arrow),
            "txt" | "text" | "dir" => Ok(Format::Txt),
            _ => Err(format!(
                "unknown format '{s}' (expected jsonl, csv, parquet, arrow or txt)"
            )),
        }
    }
}

impl Format {
    /// Detects the format from a path: a directory is a .txt directory, else the extension
    /// (after stripping `.gz`/`.zst`).
    pub fn detect(path: &Path) -> Result<Format, InputError> {
        if path.is_dir() {
            return Ok(Format::Txt);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let stem = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".zst"))
            .or_else(|| name.strip_suffix(".zstd"))
            .unwrap_or(&name);
        let ext = stem.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        Format::from_str(ext).map_err(|_| {
            InputError::file(
                path,
                format!(
                    "cannot tell the format from the name (extension '{ext}'); use --format jsonl|csv|parquet|arrow|txt"
                ),
            )
        })
    }
}

/// Counts bytes read from the underlying file, for progress bars.
pub(crate) struct CountingReader<R> {
    inner: R,
    counter: Arc<AtomicU64>,
}

impl<R> CountingReader<R> {
    pub fn new(inner: R, counter: Arc<AtomicU64>) -> Self {
        CountingReader { inner, counter }
    }
}

impl<R: std::io::Seek> std::io::Seek for CountingReader<R> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens a text-format file, decompressing gzip or zstd when its first bytes say so.
pub(crate) fn open_text(
    path: &Path,
    counter: Arc<AtomicU64>,
) -> Result<Box<dyn BufRead + Send>, InputError> {
    let file = File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
    let mut reader = BufReader::with_capacity(
        1 << 20,
        CountingReader {
            inner: file,
            counter,
        },
    );
    let magic = reader
        .fill_buf()
        .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
    let boxed: Box<dyn BufRead + Send> = if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::read::MultiGzDecoder::new(reader),
        ))
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let decoder = zstd::Decoder::with_buffer(reader)
            .map_err(|e| InputError::file(path, format!("cannot start zstd decoding: {e}")))?;
        Box::new(BufReader::with_capacity(1 << 20, decoder))
    } else {
        Box::new(reader)
    };
    Ok(boxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats_through_compression_suffixes() {
        assert_eq!(
            Format::detect(Path::new("a.jsonl.gz")).unwrap(),
            Format::Jsonl
        );
        assert_eq!(
            Format::detect(Path::new("a.ndjson.zst")).unwrap(),
            Format::Jsonl
        );
        assert_eq!(Format::detect(Path::new("a.tsv")).unwrap(), Format::Csv);
        assert_eq!(
            Format::detect(Path::new("a.parquet")).unwrap(),
            Format::Parquet
        );
        assert_eq!(
            Format::detect(Path::new("a.feather")).unwrap(),
            Format::Arrow
        );
        let err = Format::detect(Path::new("a.xlsx")).unwrap_err().to_string();
        assert!(err.contains("a.xlsx") && err.contains("--format"), "{err}");
    }
}
