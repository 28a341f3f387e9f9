//! Streaming over one or more corpus files in batches, with the checks that span files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;

use super::format::Format;
use super::schema::IngestOptions;
use super::Doc;
use crate::error::{InputError, Location, Result};

/// Documents read so far with the location each came from (for errors found later).
#[derive(Default)]
pub(crate) struct Batch {
    pub docs: Vec<Doc>,
    pub locations: Vec<Location>,
}

impl Batch {
    pub fn push(&mut self, doc: Doc, location: Location) {
        self.docs.push(doc);
        self.locations.push(location);
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }
}

/// A format reader: appends up to `max` documents; returns `false` once the file is exhausted.
pub(crate) trait DocReader: Send {
    fn read_batch(
        &mut self,
        max: usize,
        out: &mut Batch,
        stats: &mut IngestStats,
    ) -> Result<bool, InputError>;
}

/// What ingest counted, reported by `inspect` and logged as warnings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestStats {
    pub documents: u64,
    /// Rows whose text was empty or whitespace-only: skipped, never silently.
    pub skipped_empty: u64,
    /// Up to 5 places where empty texts were skipped, for the warning.
    pub skipped_examples: Vec<String>,
    /// Invalid UTF-8 sequences replaced with U+FFFD (only with `lossy_utf8`).
    pub utf8_replacements: u64,
    /// Documents whose file had no id field, named `<file>:<line>` instead.
    pub generated_ids: u64,
    /// UTF-8 bytes of document text read.
    pub text_bytes: u64,
    /// Documents cut to the size limit (only with `truncate_long_docs`).
    pub truncated: u64,
    /// Up to 5 of them, with their size before the cut, for the warning.
    pub truncated_examples: Vec<String>,
    /// The size limit they were cut to.
    pub max_doc_bytes: u64,
}

impl IngestStats {
    pub(crate) fn skipped(&mut self, path: &Path, location: &Location) {
        self.skipped_empty += 1;
        if self.skipped_examples.len() < 5 {
            self.skipped_examples.push(place(path, location));
        }
    }

    pub(crate) fn truncated(&mut self, path: &Path, location: &Location, size: u64) {
        self.truncated += 1;
        if self.truncated_examples.len() < 5 {
            self.truncated_examples.push(format!(
                "{} was {}",
                place(path, location),
                super::byte_size::format_bytes(size)
            ));
        }
    }

    /// Logs the counted warnings (empty texts, lossy UTF-8) once a read is complete.
    pub fn log_warnings(&self) {
        if self.skipped_empty > 0 {
            tracing::warn!(
                "skipped {} document(s) with empty or whitespace-only text (e.g. {})",
                self.skipped_empty,
                self.skipped_examples.join("; ")
            );
        }
        if self.truncated > 0 {
            tracing::warn!(
                "cut {} document(s) to the limit of {} per document (--truncate-long-docs; e.g. {})",
                self.truncated,
                super::byte_size::format_bytes(self.max_doc_bytes),
                self.truncated_examples.join("; ")
            );
        }
        if self.utf8_replacements > 0 {
            tracing::warn!(
                "replaced {} invalid UTF-8 sequence(s) with U+FFFD (--lossy-utf8)",
                self.utf8_replacements
            );
        }
    }
}

/// "file: line 3", or just "file" for a one-document file.
fn place(path: &Path, location: &Location) -> String {
    match location {
        Location::File => path.display().to_string(),
        at => format!("{}: {at}", path.display()),
    }
}

/// Reads the given paths in order, batch by batch; memory is bounded by the batch size
/// (plus 16 bytes per document for the duplicate-id check).
pub struct CorpusStream {
    paths: Vec<(PathBuf, Format)>,
    options: IngestOptions,
    next_path: usize,
    current: Option<(usize, Box<dyn DocReader>)>,
    /// id hash -> (path index, location) of its first occurrence.
    seen_ids: HashMap<u128, (usize, Location)>,
    stats: IngestStats,
    bytes_read: Arc<AtomicU64>,
    total_bytes: u64,
    /// The input (index into the paths given) of each document of the last batch.
    origins: Vec<u32>,
}

impl CorpusStream {
    /// Checks every path up front (exists, readable, known format) so a typo fails before work starts.
    pub fn open(paths: &[PathBuf], options: &IngestOptions) -> Result<CorpusStream> {
        if paths.is_empty() {
            return Err(crate::error::Error::Usage("no corpus path given".into()));
        }
        let mut resolved = Vec::with_capacity(paths.len());
        let mut total_bytes = 0;
        for path in paths {
            let meta = std::fs::metadata(path)
                .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
            let format = match options.format {
                Some(f) => f,
                None => Format::detect(path)?,
            };
            if format.reads_directory() && !meta.is_dir() {
                return Err(InputError::file(
                    path,
                    format!("the {} format reads a directory, not a file", format.name()),
                )
                .into());
            }
            if !format.reads_directory() && meta.is_dir() {
                return Err(InputError::file(
                    path,
                    "is a directory; directories are read as .txt documents (--format txt)",
                )
                .into());
            }
            total_bytes += if meta.is_dir() { 0 } else { meta.len() };
            resolved.push((path.clone(), format));
        }
        Ok(CorpusStream {
            paths: resolved,
            options: options.clone(),
            next_path: 0,
            current: None,
            seen_ids: HashMap::new(),
            stats: IngestStats {
                max_doc_bytes: options.max_doc_bytes(),
                ..IngestStats::default()
            },
            bytes_read: Arc::new(AtomicU64::new(0)),
            total_bytes,
            origins: Vec::new(),
        })
    }

    /// Which input (index into the paths given to `open`) each document of the last batch
    /// came from.
    pub fn origins(&self) -> &[u32] {
        &self.origins
    }

    /// Bytes of input files consumed so far, and in all (for progress bars).
    pub fn progress(&self) -> (u64, u64) {
        (self.bytes_read.load(Ordering::Relaxed), self.total_bytes)
    }

    fn open_reader(&self, index: usize) -> Result<Box<dyn DocReader>, InputError> {
        let (path, format) = &self.paths[index];
        let counter = self.bytes_read.clone();
        let options = self.options.clone();
        format.open(path, options, counter)
    }

    /// The next batch of at most `batch_size` documents, or `None` at the end of the last file.
    pub fn next_batch(&mut self) -> Result<Option<Vec<Doc>>> {
        let max = self.options.batch_size();
        let mut batch = Batch::default();
        self.origins.clear();
        while batch.len() < max {
            if self.current.is_none() {
                if self.next_path == self.paths.len() {
                    break;
                }
                let reader = self.open_reader(self.next_path)?;
                self.current = Some((self.next_path, reader));
                self.next_path += 1;
            }
            let Some((index, reader)) = self.current.as_mut() else {
                break;
            };
            let before = batch.len();
            let more = reader.read_batch(max - batch.len(), &mut batch, &mut self.stats)?;
            let index = *index;
            self.check_duplicates(index, &batch, before)?;
            self.origins
                .extend(std::iter::repeat_n(index as u32, batch.len() - before));
            if !more {
                self.current = None;
            }
        }
        if batch.docs.is_empty() {
            return Ok(None);
        }
        self.stats.documents += batch.docs.len() as u64;
        self.stats.text_bytes += batch.docs.iter().map(|d| d.text.len() as u64).sum::<u64>();
        Ok(Some(batch.docs))
    }

    fn check_duplicates(
        &mut self,
        path_index: usize,
        batch: &Batch,
        from: usize,
    ) -> Result<(), InputError> {
        for (doc, location) in batch.docs[from..].iter().zip(&batch.locations[from..]) {
            let key = xxhash_rust::xxh3::xxh3_128(doc.id.as_bytes());
            if let Some((first_path, first_location)) = self.seen_ids.get(&key) {
                let first = &self.paths[*first_path].0;
                return Err(InputError::new(
                    &self.paths[path_index].0,
                    location.clone(),
                    format!(
                        "duplicate id '{}' (first seen in {}{}); ids must be unique across all inputs",
                        doc.id,
                        first.display(),
                        match first_location {
                            Location::File => String::new(),
                            loc => format!(" at {loc}"),
                        }
                    ),
                )
                .with_field(self.options.fields.input_name("id").unwrap_or("id")));
            }
            self.seen_ids.insert(key, (path_index, location.clone()));
        }
        Ok(())
    }

    /// Ends the read: an input with no documents at all is an error, never an empty result.
    pub fn finish(self) -> Result<IngestStats> {
        if self.stats.documents == 0 {
            let names: Vec<String> = self
                .paths
                .iter()
                .map(|(p, _)| p.display().to_string())
                .collect();
            let first = &self.paths[0].0;
            let why = if self.stats.skipped_empty > 0 {
                format!(
                    "empty corpus: every text was empty ({} skipped)",
                    self.stats.skipped_empty
                )
            } else {
                "empty corpus: no documents".to_string()
            };
            let mut err = InputError::file(first, why);
            if names.len() > 1 {
                err.message.push_str(&format!(" in {}", names.join(", ")));
            }
            return Err(err.into());
        }
        self.stats.log_warnings();
        Ok(self.stats)
    }
}

impl Batch {
    /// Files a row's outcome: a document joins the batch, an empty text is counted as skipped.
    pub(crate) fn accept(
        &mut self,
        outcome: super::schema::RowOutcome,
        location: Location,
        path: &Path,
        stats: &mut IngestStats,
    ) {
        match outcome {
            super::schema::RowOutcome::Doc {
                doc,
                generated_id,
                truncated_from,
            } => {
                stats.generated_ids += u64::from(generated_id);
                if let Some(size) = truncated_from {
                    stats.truncated(path, &location, size);
                }
                self.push(doc, location);
            }
            super::schema::RowOutcome::Empty => stats.skipped(path, &location),
        }
    }
}
