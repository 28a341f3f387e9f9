//! JSON Lines reader: lines are read sequentially and parsed in parallel, in order.

use std::borrow::Cow;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::{Map, Value};

use super::raw::{RawRecord, RawValue};
use super::record_limit::{read_line_within, record_too_long_message, LineRead};
use super::schema::{DocBuilder, IngestOptions, RowOutcome};
use super::stream::{Batch, DocReader, IngestStats};
use crate::error::{InputError, Location};

pub(crate) struct JsonlReader {
    parser: LineParser,
    reader: Box<dyn BufRead + Send>,
    line_no: u64,
}

/// Everything needed to parse one line, shared by the parallel parsers.
struct LineParser {
    path: PathBuf,
    file_name: String,
    options: IngestOptions,
}

/// This reader's format: its names and how it opens a path.
pub(crate) const FORMAT: super::format::FormatInfo = super::format::FormatInfo {
    name: "jsonl",
    aliases: &["ndjson", "json"],
    directory: false,
    open: |path, options, counter| Ok(Box::new(JsonlReader::open(path, options, counter)?)),
};

impl JsonlReader {
    pub fn open(
        path: &Path,
        options: IngestOptions,
        counter: Arc<AtomicU64>,
    ) -> Result<Self, InputError> {
        Ok(JsonlReader {
            reader: super::format::open_text(path, counter)?,
            parser: LineParser {
                file_name: file_name(path),
                path: path.to_path_buf(),
                options,
            },
            line_no: 0,
        })
    }
}

/// The UTF-8 byte-order mark (U+FEFF) some editors write at the start of a text file.
pub(crate) const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Decodes a line as UTF-8, or in lossy mode replaces bad sequences and counts them.
pub(crate) fn decode_utf8<'a>(
    bytes: &'a [u8],
    lossy: bool,
    path: &Path,
    location: &Location,
) -> Result<(Cow<'a, str>, u64), InputError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), 0)),
        Err(e) if !lossy => Err(InputError::new(
            path,
            location.clone(),
            format!(
                "invalid UTF-8 at byte {} of the line; fix the encoding or pass --lossy-utf8 to replace and count bad bytes",
                e.valid_up_to() + 1
            ),
        )),
        Err(_) => {
            let bad = bytes.utf8_chunks().filter(|c| !c.invalid().is_empty()).count() as u64;
            Ok((String::from_utf8_lossy(bytes), bad))
        }
    }
}

struct JsonRecord<'a>(&'a Map<String, Value>);

impl RawRecord for JsonRecord<'_> {
    fn get(&self, field: &str) -> RawValue<'_> {
        match self.0.get(field) {
            None => RawValue::Missing,
            Some(Value::Null) => RawValue::Null,
            Some(Value::String(s)) => RawValue::Str(Cow::Borrowed(s)),
            Some(Value::Bool(b)) => RawValue::Bool(*b),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => RawValue::Int(i),
                None => RawValue::Float(n.as_f64().unwrap_or(f64::NAN)),
            },
            Some(Value::Array(_)) => RawValue::Other("array"),
            Some(Value::Object(_)) => RawValue::Other("object"),
        }
    }

    fn field_names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }
}

impl LineParser {
    /// The row's outcome and how many invalid UTF-8 sequences were replaced in it.
    fn parse_line(&self, line_no: u64, bytes: &[u8]) -> Result<(RowOutcome, u64), InputError> {
        let location = Location::Line(line_no);
        let (text, replaced) = decode_utf8(bytes, self.options.lossy_utf8, &self.path, &location)?;
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            InputError::new(&self.path, location.clone(), format!("invalid JSON: {e}"))
        })?;
        let Value::Object(map) = value else {
            return Err(InputError::new(
                &self.path,
                location,
                "expected a JSON object per line (JSON Lines), found another JSON value",
            ));
        };
        let builder = DocBuilder {
            options: &self.options,
            path: &self.path,
        };
        let outcome = builder.build(&JsonRecord(&map), &location, || {
            format!("{}:{line_no}", self.file_name)
        })?;
        Ok((outcome, replaced))
    }
}

impl DocReader for JsonlReader {
    fn read_batch(
        &mut self,
        max: usize,
        out: &mut Batch,
        stats: &mut IngestStats,
    ) -> Result<bool, InputError> {
        let mut lines: Vec<(u64, Vec<u8>)> = Vec::with_capacity(max);
        let mut more = true;
        let max_line = self.parser.options.max_record_bytes();
        while lines.len() < max {
            let mut buf = Vec::new();
            let location = Location::Line(self.line_no + 1);
            let read = read_line_within(&mut self.reader, &mut buf, max_line).map_err(|e| {
                InputError::new(
                    &self.parser.path,
                    location.clone(),
                    format!("read failed: {e}"),
                )
            })?;
            match read {
                LineRead::End => {
                    more = false;
                    break;
                }
                LineRead::TooLong => {
                    return Err(InputError::new(
                        &self.parser.path,
                        location,
                        record_too_long_message("the line", &self.parser.options),
                    ))
                }
                LineRead::Line => {}
            }
            self.line_no += 1;
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            // Editors on Windows start UTF-8 files with a byte-order mark; JSON has no place
            // for one, so it is dropped (as the CSV reader drops it from the header).
            if self.line_no == 1 && buf.starts_with(UTF8_BOM) {
                buf.drain(..UTF8_BOM.len());
            }
            // Blank lines are not rows (a trailing newline at the end of a file is normal).
            if buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            lines.push((self.line_no, buf));
        }
        // Each line's bytes are freed as soon as it is parsed: a long line is held once, not
        // next to its parsed document.
        let parsed: Vec<_> = lines
            .into_par_iter()
            .map(|(no, bytes)| (no, self.parser.parse_line(no, &bytes)))
            .collect();
        for (line_no, result) in parsed {
            let (outcome, replaced) = result?;
            stats.utf8_replacements += replaced;
            out.accept(outcome, Location::Line(line_no), &self.parser.path, stats);
        }
        Ok(more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Corpus;

    #[test]
    fn a_byte_order_mark_at_the_start_is_dropped_and_anywhere_else_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.jsonl");
        let rows = "{\"id\": \"a\", \"text\": \"one\", \"source\": \"real\"}\n\
                    {\"id\": \"b\", \"text\": \"two\", \"source\": \"synthetic\"}\n";
        std::fs::write(&path, [UTF8_BOM, rows.as_bytes()].concat()).unwrap();
        let corpus = Corpus::load(std::slice::from_ref(&path), &IngestOptions::default()).unwrap();
        let ids: Vec<&str> = corpus.docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(corpus.docs[0].text, "one");
        // Only the file's first bytes can be a byte-order mark.
        let second = format!("{rows}\u{feff}{{\"id\": \"c\", \"text\": \"x\"}}\n");
        std::fs::write(&path, second).unwrap();
        let e = Corpus::load(&[path], &IngestOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("bom.jsonl") && e.contains("line 3"), "{e}");
    }
}
