//! Which reader a path needs, from its name and (for compression) its first bytes.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::stream::DocReader;
use super::IngestOptions;
use crate::error::InputError;

/// One corpus format: the names that select it and how its reader opens a path. Each reader
/// file defines its `FORMAT`; [`FORMATS`] lists them.
pub(crate) struct FormatInfo {
    /// Its name (`--format`, `[ingest] format`, messages).
    pub name: &'static str,
    /// Other names `--format` accepts; with `name`, the file extensions that select it.
    pub aliases: &'static [&'static str],
    /// Reads a directory, not a file.
    pub directory: bool,
    pub open: OpenReader,
}

/// Opens a reader on a path (the counter counts the bytes it reads, for progress bars).
pub(crate) type OpenReader =
    fn(&Path, IngestOptions, Arc<AtomicU64>) -> Result<Box<dyn DocReader>, InputError>;

/// Every format, one line each (a format is its reader file plus its line here).
const FORMATS: [&FormatInfo; 5] = [
    &super::jsonl::FORMAT,
    &super::csv::FORMAT,
    &super::parquet::FORMAT,
    &super::arrow_ipc::FORMAT,
    &super::text_dir::FORMAT,
];

/// A corpus format (one of [`FORMATS`]).
#[derive(Clone, Copy)]
pub struct Format(&'static FormatInfo);

impl PartialEq for Format {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}
impl Eq for Format {}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Serialize for Format {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name)
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Format, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.to_ascii_lowercase();
        FORMATS
            .iter()
            .find(|f| f.name == s || f.aliases.contains(&s.as_str()))
            .map(|f| Format(f))
            .ok_or_else(|| format!("unknown format '{s}' (expected {})", Format::names()))
    }
}

impl Format {
    pub fn name(self) -> &'static str {
        self.0.name
    }

    /// Whether it reads a directory rather than a file.
    pub fn reads_directory(self) -> bool {
        self.0.directory
    }

    /// The known format names, for messages: "jsonl, csv, ...".
    pub fn names() -> String {
        FORMATS
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(crate) fn open(
        self,
        path: &Path,
        options: IngestOptions,
        counter: Arc<AtomicU64>,
    ) -> Result<Box<dyn DocReader>, InputError> {
        (self.0.open)(path, options, counter)
    }

    /// Detects the format from a path: a directory is read by the directory format, else the
    /// extension (after stripping `.gz`/`.zst`) names it.
    pub fn detect(path: &Path) -> Result<Format, InputError> {
        if path.is_dir() {
            if let Some(f) = FORMATS.iter().find(|f| f.directory) {
                return Ok(Format(f));
            }
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
        Format::from_str(ext)
            .ok()
            .filter(|f| !f.reads_directory())
            .ok_or_else(|| {
                InputError::file(
                    path,
                    format!(
                        "cannot tell the format from the name (extension '{ext}'); use --format {}",
                        FORMATS.iter().map(|f| f.name).collect::<Vec<_>>().join("|")
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
        let detected = |name: &str| Format::detect(Path::new(name)).unwrap().name();
        assert_eq!(detected("a.jsonl.gz"), "jsonl");
        assert_eq!(detected("a.ndjson.zst"), "jsonl");
        assert_eq!(detected("a.tsv"), "csv");
        assert_eq!(detected("a.parquet"), "parquet");
        assert_eq!(detected("a.feather"), "arrow");
        let err = Format::detect(Path::new("a.xlsx")).unwrap_err().to_string();
        assert!(err.contains("a.xlsx") && err.contains("--format"), "{err}");
        // A file named like the directory format is not read as a directory.
        assert!(Format::detect(Path::new("a.txt")).is_err());
    }

    #[test]
    fn every_format_is_named_by_its_names_and_round_trips() {
        for f in FORMATS {
            for name in std::iter::once(&f.name).chain(f.aliases) {
                let parsed: Format = name.to_uppercase().parse().unwrap();
                assert_eq!(parsed.name(), f.name);
                let json = serde_json::to_string(&parsed).unwrap();
                assert_eq!(serde_json::from_str::<Format>(&json).unwrap(), parsed);
            }
        }
        assert!("xlsx".parse::<Format>().unwrap_err().contains("jsonl, csv"));
    }
}
