//! A directory of .txt files, one document each; lineage comes from `--lineage` flags.

use std::borrow::Cow;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::jsonl::{decode_utf8, UTF8_BOM};
use super::raw::{RawRecord, RawValue};
use super::schema::{too_long_message, DocBuilder, IngestOptions, RowOutcome};
use super::stream::{Batch, DocReader, IngestStats};
use crate::error::{InputError, Location};

pub(crate) struct TextDirReader {
    root: PathBuf,
    options: IngestOptions,
    files: Vec<PathBuf>,
    next: usize,
    counter: Arc<AtomicU64>,
}

/// This reader's format: its names and how it opens a path.
pub(crate) const FORMAT: super::format::FormatInfo = super::format::FormatInfo {
    name: "txt",
    aliases: &["text", "dir"],
    directory: true,
    open: |path, options, counter| Ok(Box::new(TextDirReader::open(path, options, counter)?)),
};

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

impl TextDirReader {
    /// The file's bytes if within the size limit (the limit caps the read, whatever the file
    /// claims to be); with `truncate_long_docs` the first `max_doc_bytes` of a longer one, cut
    /// back to a whole UTF-8 character, and its size.
    fn read_within_limit(&self, path: &Path) -> Result<(Vec<u8>, Option<u64>), InputError> {
        let cannot = |e: std::io::Error| InputError::file(path, format!("cannot read: {e}"));
        let limit = self.options.max_doc_bytes();
        let file = std::fs::File::open(path).map_err(cannot)?;
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(cannot)?;
        self.counter
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if bytes.len() as u64 <= limit {
            return Ok((bytes, None));
        }
        let size = std::fs::metadata(path)
            .map_err(cannot)?
            .len()
            .max(limit + 1);
        if !self.options.truncate_long_docs {
            return Err(InputError::file(path, too_long_message(size, limit))
                .with_field(self.options.fields.input_name("text").unwrap_or("text")));
        }
        bytes.truncate(limit as usize);
        bytes.truncate(whole_chars(&bytes));
        Ok((bytes, Some(size)))
    }
}

/// The length of `bytes` without a UTF-8 character that a cut at the end split in two.
fn whole_chars(bytes: &[u8]) -> usize {
    let is_continuation = |b: u8| b & 0xC0 == 0x80;
    let mut start = bytes.len();
    while start > 0 && bytes.len() - start < 3 && is_continuation(bytes[start - 1]) {
        start -= 1;
    }
    let Some(&lead) = bytes.get(start.wrapping_sub(1)) else {
        return bytes.len();
    };
    let width = match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    };
    if start - 1 + width > bytes.len() {
        start - 1
    } else {
        bytes.len()
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
            let (bytes, truncated_from) = self.read_within_limit(path)?;
            // A byte-order mark is not part of the text (it would count as a character).
            let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(&bytes);
            let (text, replaced) =
                decode_utf8(bytes, self.options.lossy_utf8, path, &Location::File)?;
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
            let mut outcome = builder.build(&record, &Location::File, || id.clone())?;
            if let RowOutcome::Doc {
                truncated_from: cut,
                ..
            } = &mut outcome
            {
                *cut = cut.or(truncated_from);
            }
            out.accept(outcome, Location::File, path, stats);
        }
        self.next = end;
        Ok(self.next < self.files.len())
    }
}

#[cfg(test)]
mod tests {
    use super::whole_chars;

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_text() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "\u{feff}Hello there.").unwrap();
        let options = crate::corpus::IngestOptions {
            defaults: crate::corpus::LineageDefaults::parse_pairs("source=real").unwrap(),
            ..Default::default()
        };
        let corpus = crate::corpus::Corpus::load(&[dir.path().to_path_buf()], &options).unwrap();
        assert_eq!(corpus.docs[0].text, "Hello there.");
    }

    #[test]
    fn a_cut_drops_only_a_split_character() {
        let text = "ab\u{e9}\u{20ac}\u{1f600}".as_bytes(); // 1+1, 2, 3, 4 bytes
        assert_eq!(text.len(), 11);
        let kept: Vec<usize> = (0..=11).map(|n| whole_chars(&text[..n])).collect();
        assert_eq!(kept, [0, 1, 2, 2, 4, 4, 4, 7, 7, 7, 7, 11]);
    }
}
