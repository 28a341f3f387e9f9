//! CSV/TSV reader (header row required; quoted multi-line fields allowed).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use super::jsonl::{decode_utf8, file_name};
use super::raw::{RawRecord, RawValue};
use super::record_limit::{record_too_long_message, BudgetedReader, RecordBudget};
use super::schema::{DocBuilder, IngestOptions};
use super::stream::{Batch, DocReader, IngestStats};
use crate::error::{InputError, Location};

pub(crate) struct CsvReader {
    path: PathBuf,
    file_name: String,
    options: IngestOptions,
    reader: csv::Reader<BudgetedReader<Box<dyn std::io::BufRead + Send>>>,
    /// Caps the bytes of one row the CSV parser may buffer; reset after each row.
    budget: RecordBudget,
    headers: Vec<String>,
    index: HashMap<String, usize>,
}

/// This reader's format: its names and how it opens a path.
pub(crate) const FORMAT: super::format::FormatInfo = super::format::FormatInfo {
    name: "csv",
    aliases: &["tsv"],
    directory: false,
    open: |path, options, counter| Ok(Box::new(CsvReader::open(path, options, counter)?)),
};

impl CsvReader {
    pub fn open(
        path: &Path,
        options: IngestOptions,
        counter: Arc<AtomicU64>,
    ) -> Result<Self, InputError> {
        let lower = path.to_string_lossy().to_ascii_lowercase();
        let delimiter = if lower.contains(".tsv") { b'\t' } else { b',' };
        let budget = RecordBudget::new(options.max_record_bytes());
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .from_reader(BudgetedReader::new(
                super::format::open_text(path, counter)?,
                budget.clone(),
            ));
        let raw_headers = match reader.byte_headers() {
            Ok(headers) => headers.clone(),
            Err(_) if budget.exhausted() => {
                return Err(InputError::new(
                    path,
                    Location::Line(1),
                    record_too_long_message("the header row", &options),
                ))
            }
            Err(e) => {
                return Err(InputError::new(
                    path,
                    Location::Line(1),
                    format!("cannot read the header row: {e}"),
                ))
            }
        };
        let mut headers = Vec::with_capacity(raw_headers.len());
        for h in raw_headers.iter() {
            let (name, _) = decode_utf8(h, options.lossy_utf8, path, &Location::Line(1))?;
            headers.push(name.trim().trim_start_matches('\u{feff}').to_string());
        }
        // A column name twice would silently read one of them: refuse it, naming it.
        let mut index = HashMap::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            if let Some(first) = index.insert(h.clone(), i) {
                return Err(InputError::new(
                    path,
                    Location::Line(1),
                    format!(
                        "header: column '{h}' appears twice (columns {} and {}); rename one",
                        first + 1,
                        i + 1
                    ),
                )
                .with_field(h));
            }
        }
        budget.reset();
        Ok(CsvReader {
            budget,
            path: path.to_path_buf(),
            file_name: file_name(path),
            options,
            reader,
            headers,
            index,
        })
    }
}

struct CsvRecord<'a> {
    headers: &'a [String],
    index: &'a HashMap<String, usize>,
    values: Vec<Cow<'a, str>>,
}

impl RawRecord for CsvRecord<'_> {
    fn get(&self, field: &str) -> RawValue<'_> {
        match self.index.get(field).and_then(|&i| self.values.get(i)) {
            None => RawValue::Missing,
            // An empty cell is how CSV spells "no value".
            Some(v) if v.is_empty() => RawValue::Null,
            Some(v) => RawValue::Str(Cow::Borrowed(v.as_ref())),
        }
    }

    fn field_names(&self) -> Vec<String> {
        self.headers.to_vec()
    }
}

impl DocReader for CsvReader {
    fn read_batch(
        &mut self,
        max: usize,
        out: &mut Batch,
        stats: &mut IngestStats,
    ) -> Result<bool, InputError> {
        let mut record = csv::ByteRecord::new();
        let mut taken = 0;
        while taken < max {
            let more = self.reader.read_byte_record(&mut record).map_err(|e| {
                if self.budget.exhausted() {
                    // The parser does not know where the unfinished row began: the last
                    // complete one tells the reader where to look.
                    let after = self.reader.position().line();
                    return InputError::new(
                        &self.path,
                        Location::Line(after),
                        record_too_long_message("the row starting on this line", &self.options),
                    );
                }
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("row has {len} fields but the header has {expected_len}")
                    }
                    _ => format!("malformed CSV: {e}"),
                };
                InputError::new(&self.path, Location::Line(line), message)
            })?;
            if !more {
                return Ok(false);
            }
            self.budget.reset();
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let location = Location::Line(line);
            let mut values = Vec::with_capacity(record.len());
            for (i, field) in record.iter().enumerate() {
                let (value, replaced) =
                    decode_utf8(field, self.options.lossy_utf8, &self.path, &location).map_err(
                        |e| match self.headers.get(i) {
                            Some(h) => e.with_field(h.clone()),
                            None => e,
                        },
                    )?;
                stats.utf8_replacements += replaced;
                values.push(value);
            }
            let row = CsvRecord {
                headers: &self.headers,
                index: &self.index,
                values,
            };
            let builder = DocBuilder {
                options: &self.options,
                path: &self.path,
            };
            let outcome =
                builder.build(&row, &location, || format!("{}:{line}", self.file_name))?;
            out.accept(outcome, location, &self.path, stats);
            taken += 1;
        }
        Ok(true)
    }
}
