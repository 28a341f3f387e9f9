//! A directory of .txt files, one document each; lineage comes from `--lineage` flags.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::jsonl::decode_utf8;
use super::raw::{RawRecord, RawValue};
use super::schema::{DocBuilder, IngestOptions};
use super::stream::{Batch, DocReader, IngestStats};
use crate::error::{InputError, Location};

pub(crate) struct TextDirReader {
    root: PathBuf,
    options: IngestOptions,
    files: Vec<PathBuf>,
    next: usize,
    counter: Arc<AtomicU64>,
}

impl TextDirReader {
    pub fn open(
        root: &Path,
        options: IngestOptions,
        counter: Arc<AtomicU64>,
    ) -> Result<Self, InputError> {
        let mut files = Vec::new();
        collect_txt(root, &mut files)?;
        // Sorted so ids and document order do not depend on the file system.
        files.sort();
        Ok(TextDirReader {
            root: root.to_path_buf(),
            options,
            files,
            next: 0,
            counter,
        })
    }
}

fn collect_txt(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| InputError::file(dir, format!("cannot list directory: {e}")))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| InputError::file(dir, format!("cannot list directory: {e}")))?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| InputError::file(&path, format!("cannot read: {e}")))?;
        if kind.is_dir() {
            collect_txt(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
        {
            // Regular files only (a symlink counts by what it points to): a FIFO would block
            // the run forever, a device (`/dev/zero`) never ends.
            match std::fs::metadata(&path) {
                Ok(m) if m.is_file() => out.push(path),
                Ok(_) => tracing::warn!(
                    "{}: skipped, not a regular file (a FIFO, socket, device or link to one)",
                    path.display()
                ),
                Err(e) => {
                    return Err(InputError::file(&path, format!("cannot read: {e}")));
                }
            }
        }
    }
    Ok(())
}

/// A .txt file seen as a row with two fields: the schema's id and text input names.
struct TextFileRecord<'a> {
    id_field: &'a str,
    text_field: &'a str,
    id: &'a str,
    text: &'a str,
}

impl RawRecord for TextFileRecord<'_> {
    fn get(&self, field: &str) -> RawValue<'_> {
        if field == self.text_field {
            RawValue::Str(Cow::Borrowed(self.text))
        } else if field == self.id_field {
            RawValue::Str(Cow::Borrowed(self.id))
        } else {
            RawValue::Missing
        }
    }

    fn field_names(&self) -> Vec<String> {
        vec![self.id_field.to_string(), self.text_field.to_string()]
    }
}

impl DocReader for TextDirReader {
    fn read_batch(
        &mut self,
        max: usize,
        out: &mut Batch,
        stats: &mut IngestStats,
    ) -> Result<bool, InputError> {
        let end = (self.next + max).min(self.files.len());
        for path in &self.files[self.next..end] {
            let bytes = std::fs::read(path)
                .map_err(|e| InputError::file(path, format!("cannot read: {e}")))?;
            self.counter
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            let (text, replaced) =
                decode_utf8(&bytes, self.options.lossy_utf8, path, &Location::File)?;
            stats.utf8_replacements += replaced;
            // The id is the path below the directory, with '/' separators on every platform.
            let id = path
                .strip_prefix(&self.root)
                .unwrap_or(path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let fields = &self.options.fields;
            let record = TextFileRecord {
                id_field: fields.input_name("id").unwrap_or("id"),
                text_field: fields.input_name("text").unwrap_or("text"),
                id: &id,
                text: &text,
            };
            let builder = DocBuilder {
                options: &self.options,
                path,
            };
            let outcome = builder.build(&record, &Location::File, || id.clone())?;
            out.accept(outcome, Location::File, path, stats);
        }
        self.next = end;
        Ok(self.next < self.files.len())
    }
}
