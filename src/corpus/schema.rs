//! Mapping users' field names and values onto our schema, and validating each row once.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::byte_size::{format_bytes, DEFAULT_MAX_DOC_BYTES};
use super::raw::{RawRecord, RawValue};
use super::{Doc, Lineage, Source, Split};
use crate::error::{InputError, Location};

/// The schema fields a corpus row can carry, in display order.
pub const SCHEMA_FIELDS: [&str; 12] = [
    "id",
    "text",
    "source",
    "generator",
    "prompt_id",
    "temperature",
    "generation",
    "parent_model",
    "split",
    "label",
    "domain",
    "attack",
];

/// Which input field feeds each schema field (`None`: not read from the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMap {
    names: BTreeMap<String, Option<String>>,
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            names: SCHEMA_FIELDS
                .iter()
                .map(|f| (f.to_string(), Some(f.to_string())))
                .collect(),
        }
    }
}

impl FieldMap {
    /// Reads schema field `field` from input field `input`. A schema field that by default read
    /// `input` stops doing so: `--source-field label` must not also make `label` the class.
    pub fn remap(&mut self, field: &str, input: &str) -> Result<(), String> {
        if !SCHEMA_FIELDS.contains(&field) {
            return Err(format!(
                "unknown schema field '{field}' (known: {})",
                SCHEMA_FIELDS.join(", ")
            ));
        }
        if input.is_empty() {
            return Err(format!("empty input field name for '{field}'"));
        }
        for (other, name) in self.names.iter_mut() {
            if other != field && name.as_deref() == Some(input) && other == input {
                *name = None;
            }
        }
        self.names
            .insert(field.to_string(), Some(input.to_string()));
        Ok(())
    }

    /// The input field read for `field`, if any.
    pub fn input_name(&self, field: &str) -> Option<&str> {
        self.names.get(field).and_then(|n| n.as_deref())
    }
}

/// How input values of the source field map to `real` / `synthetic`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceValues {
    map: BTreeMap<String, Source>,
}

impl Default for SourceValues {
    fn default() -> Self {
        let mut map = BTreeMap::new();
        map.insert("real".to_string(), Source::Real);
        map.insert("synthetic".to_string(), Source::Synthetic);
        SourceValues { map }
    }
}

impl SourceValues {
    /// Parses `human=real,machine=synthetic` (adds to the defaults `real`, `synthetic`).
    pub fn parse_pairs(spec: &str) -> Result<SourceValues, String> {
        let mut values = SourceValues::default();
        values.extend_from_spec(spec)?;
        Ok(values)
    }

    /// Adds the pairs of a `VALUE=real,VALUE=synthetic` spec.
    pub fn extend_from_spec(&mut self, spec: &str) -> Result<(), String> {
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (from, to) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not VALUE=real or VALUE=synthetic"))?;
            self.insert(from.trim(), to.trim())?;
        }
        Ok(())
    }

    pub fn insert(&mut self, from: &str, to: &str) -> Result<(), String> {
        let source = parse_source_name(to).ok_or_else(|| {
            format!("'{from}={to}': the target must be 'real' or 'synthetic', not '{to}'")
        })?;
        self.map.insert(from.to_lowercase(), source);
        Ok(())
    }

    /// Case-insensitive lookup.
    pub fn get(&self, value: &str) -> Option<Source> {
        self.map.get(&value.trim().to_lowercase()).copied()
    }

    fn known(&self) -> String {
        self.map.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn parse_source_name(s: &str) -> Option<Source> {
    match s.to_ascii_lowercase().as_str() {
        "real" => Some(Source::Real),
        "synthetic" => Some(Source::Synthetic),
        _ => None,
    }
}

/// Lineage values used for rows whose file lacks that field (how .txt directories get lineage).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineageDefaults {
    pub source: Option<Source>,
    pub generator: Option<String>,
    pub prompt_id: Option<String>,
    pub temperature: Option<f64>,
    pub generation: Option<u32>,
    pub parent_model: Option<String>,
    pub split: Option<Split>,
    pub label: Option<String>,
    pub domain: Option<String>,
    pub attack: Option<String>,
}

impl LineageDefaults {
    /// Sets one default from `key=value` text, as given on the command line.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let value = value.trim();
        let text = || Some(value.to_string());
        match key.trim() {
            "source" => {
                self.source = Some(parse_source_name(value).ok_or_else(|| {
                    format!("source must be 'real' or 'synthetic', not '{value}'")
                })?)
            }
            "generator" => self.generator = text(),
            "prompt_id" => self.prompt_id = text(),
            "temperature" => self.temperature = Some(parse_temperature_text(value)?),
            "generation" => {
                self.generation = Some(value.parse::<u32>().map_err(|_| {
                    format!("generation must be a non-negative integer, not '{value}'")
                })?)
            }
            "parent_model" => self.parent_model = text(),
            "split" => {
                self.split = Some(
                    Split::parse(value)
                        .ok_or_else(|| format!("split must be 'train' or 'eval', not '{value}'"))?,
                )
            }
            "label" => self.label = text(),
            "domain" => self.domain = text(),
            "attack" => self.attack = text(),
            other => {
                return Err(format!(
                    "unknown lineage key '{other}' (known: {})",
                    SCHEMA_FIELDS[2..].join(", ")
                ))
            }
        }
        Ok(())
    }

    /// Parses `source=synthetic,generator=gpt-4o`.
    pub fn parse_pairs(spec: &str) -> Result<LineageDefaults, String> {
        let mut defaults = LineageDefaults::default();
        defaults.apply_spec(spec)?;
        Ok(defaults)
    }

    /// Sets every `KEY=VALUE` of a comma-separated spec.
    pub fn apply_spec(&mut self, spec: &str) -> Result<(), String> {
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("'{pair}' is not KEY=VALUE"))?;
            self.set(key, value)?;
        }
        Ok(())
    }
}

fn parse_temperature_text(value: &str) -> Result<f64, String> {
    match value.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && t >= 0.0 => Ok(t),
        _ => Err(format!(
            "temperature must be a finite number >= 0, not '{value}'"
        )),
    }
}

/// Everything that decides how files become documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IngestOptions {
    pub fields: FieldMap,
    pub source_values: SourceValues,
    pub defaults: LineageDefaults,
    /// Replace invalid UTF-8 with U+FFFD (and count it) instead of failing.
    pub lossy_utf8: bool,
    /// Force a format instead of detecting it from the file name.
    pub format: Option<super::Format>,
    /// Documents per batch when streaming (bounds memory on the streaming paths).
    pub batch_size: usize,
    /// Input fields outside the schema to keep in each document's `lineage.extra` (grouping
    /// and balancing by any field of the file).
    #[serde(default)]
    pub keep_fields: Vec<String>,
    /// Longest document text in bytes (0: [`DEFAULT_MAX_DOC_BYTES`]); longer is an error.
    #[serde(default)]
    pub max_doc_bytes: u64,
    /// Cut texts over `max_doc_bytes` at the limit, and count them, instead of failing.
    #[serde(default)]
    pub truncate_long_docs: bool,
}

impl IngestOptions {
    /// Keeps input field `name` when it is not a schema field (those are read anyway).
    pub fn keep_field(&mut self, name: &str) {
        if !SCHEMA_FIELDS.contains(&name) && !self.keep_fields.iter().any(|f| f == name) {
            self.keep_fields.push(name.to_string());
        }
    }

    pub fn batch_size(&self) -> usize {
        if self.batch_size == 0 {
            4096
        } else {
            self.batch_size
        }
    }

    pub fn max_doc_bytes(&self) -> u64 {
        if self.max_doc_bytes == 0 {
            DEFAULT_MAX_DOC_BYTES
        } else {
            self.max_doc_bytes
        }
    }

    /// The most one raw record (a JSON line, a CSV row) may take while it is read: the text
    /// limit twice over (room for escapes and the other fields) plus 1 MiB. A reader stops
    /// there, so a huge record costs this much memory, never its own size.
    pub fn max_record_bytes(&self) -> u64 {
        self.max_doc_bytes()
            .saturating_mul(2)
            .saturating_add(1 << 20)
    }
}

/// What became of one row.
// Nearly every row is a document: boxing it would cost an allocation per row for nothing.
#[allow(clippy::large_enum_variant)]
pub enum RowOutcome {
    Doc {
        doc: Doc,
        /// The file has no id field: the id was made from the file name and line/row.
        generated_id: bool,
        /// The text was cut to the size limit from this many bytes (`truncate_long_docs`).
        truncated_from: Option<u64>,
    },
    /// Text empty or whitespace-only: skipped and counted.
    Empty,
}

/// Maps one raw row onto a [`Doc`], or explains precisely why it cannot.
pub struct DocBuilder<'a> {
    pub options: &'a IngestOptions,
    pub path: &'a Path,
}

impl DocBuilder<'_> {
    fn err(&self, location: &Location, field: &str, message: String) -> InputError {
        InputError::new(self.path, location.clone(), message).with_field(field)
    }

    fn flag_hint(field: &str) -> String {
        format!("--{}-field", field.replace('_', "-"))
    }

    /// `fallback_id` names documents whose file has no id field (file name + line/row).
    pub fn build(
        &self,
        record: &dyn RawRecord,
        location: &Location,
        fallback_id: impl FnOnce() -> String,
    ) -> Result<RowOutcome, InputError> {
        let fields = &self.options.fields;
        let text_name = fields.input_name("text").unwrap_or("text");
        let text = match record.get(text_name) {
            RawValue::Str(s) => s,
            RawValue::Missing => {
                let mut have = record.field_names();
                have.truncate(12);
                return Err(self.err(
                    location,
                    text_name,
                    format!(
                        "missing text field (this row has: {}); name the text field with --text-field or [ingest.fields] text",
                        if have.is_empty() { "no fields".to_string() } else { have.join(", ") }
                    ),
                ));
            }
            RawValue::Null => return Ok(RowOutcome::Empty),
            other => {
                return Err(self.err(
                    location,
                    text_name,
                    format!("text must be a string, found {}", other.type_name()),
                ))
            }
        };
        if text.trim().is_empty() {
            return Ok(RowOutcome::Empty);
        }
        let (text, truncated_from) = self.within_limit(text, location, text_name)?;

        let mut generated_id = false;
        let id = match fields.input_name("id").map(|n| record.get(n)) {
            Some(RawValue::Missing) | Some(RawValue::Null) | None => {
                generated_id = true;
                fallback_id()
            }
            Some(value) => match value.as_text() {
                Some(id) if !id.trim().is_empty() => id.into_owned(),
                Some(_) => {
                    return Err(self.err(
                        location,
                        fields.input_name("id").unwrap_or("id"),
                        "empty id".into(),
                    ))
                }
                None => {
                    return Err(self.err(
                        location,
                        fields.input_name("id").unwrap_or("id"),
                        format!(
                            "id must be a string or integer, found {}",
                            value.type_name()
                        ),
                    ))
                }
            },
        };

        let defaults = &self.options.defaults;
        let source = match self.string_field(record, location, "source")? {
            Some(value) => self.options.source_values.get(&value).ok_or_else(|| {
                self.err(
                    location,
                    fields.input_name("source").unwrap_or("source"),
                    format!(
                        "unknown source value '{value}' (known: {}); map it with --source-values {value}=real or {value}=synthetic",
                        self.options.source_values.known()
                    ),
                )
            })?,
            None => defaults.source.ok_or_else(|| {
                let name = fields.input_name("source").unwrap_or("source");
                self.err(
                    location,
                    name,
                    format!(
                        "missing source (real or synthetic); name the field with {} or set it for every document with --lineage source=real",
                        Self::flag_hint("source")
                    ),
                )
            })?,
        };

        let mut lineage = Lineage::new(source);
        lineage.generator = self
            .string_field(record, location, "generator")?
            .or_else(|| defaults.generator.clone());
        lineage.prompt_id = self
            .string_field(record, location, "prompt_id")?
            .or_else(|| defaults.prompt_id.clone());
        lineage.parent_model = self
            .string_field(record, location, "parent_model")?
            .or_else(|| defaults.parent_model.clone());
        lineage.label = self
            .string_field(record, location, "label")?
            .or_else(|| defaults.label.clone());
        lineage.domain = self
            .string_field(record, location, "domain")?
            .or_else(|| defaults.domain.clone());
        lineage.attack = self
            .string_field(record, location, "attack")?
            .or_else(|| defaults.attack.clone());
        lineage.temperature = self.temperature(record, location)?.or(defaults.temperature);
        lineage.generation = self.generation(record, location)?.or(defaults.generation);
        lineage.split = match self.string_field(record, location, "split")? {
            Some(value) => Some(Split::parse(&value).ok_or_else(|| {
                self.err(
                    location,
                    fields.input_name("split").unwrap_or("split"),
                    format!("unknown split '{value}' (expected train or eval; test/validation/dev count as eval)"),
                )
            })?),
            None => defaults.split,
        };

        for name in &self.options.keep_fields {
            if let Some(value) = record.get(name).as_text() {
                let value = value.trim();
                if !value.is_empty() {
                    lineage.extra.insert(name.clone(), value.to_string());
                }
            }
        }
        let doc = Doc {
            id,
            text: text.into_owned(),
            lineage,
        };
        Ok(RowOutcome::Doc {
            doc,
            generated_id,
            truncated_from,
        })
    }

    /// The text if it is within `max_doc_bytes`; else an error naming its size, or with
    /// `truncate_long_docs` the text cut at the last char boundary under the limit.
    fn within_limit<'t>(
        &self,
        text: Cow<'t, str>,
        location: &Location,
        field: &str,
    ) -> Result<(Cow<'t, str>, Option<u64>), InputError> {
        let limit = self.options.max_doc_bytes();
        let size = text.len() as u64;
        if size <= limit {
            return Ok((text, None));
        }
        if !self.options.truncate_long_docs {
            return Err(self.err(location, field, too_long_message(size, limit)));
        }
        let mut end = limit as usize;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut = match text {
            Cow::Borrowed(t) => Cow::Borrowed(&t[..end]),
            Cow::Owned(mut t) => {
                t.truncate(end);
                t.shrink_to_fit();
                Cow::Owned(t)
            }
        };
        Ok((cut, Some(size)))
    }

    /// A string-typed schema field: absent, null or blank reads as `None`.
    fn string_field(
        &self,
        record: &dyn RawRecord,
        location: &Location,
        field: &str,
    ) -> Result<Option<String>, InputError> {
        let Some(name) = self.options.fields.input_name(field) else {
            return Ok(None);
        };
        let value = record.get(name);
        match value {
            RawValue::Missing | RawValue::Null => Ok(None),
            RawValue::Other(t) => Err(self.err(
                location,
                name,
                format!("{field} must be a string, found {t}"),
            )),
            _ => Ok(value
                .as_text()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())),
        }
    }

    fn temperature(
        &self,
        record: &dyn RawRecord,
        location: &Location,
    ) -> Result<Option<f64>, InputError> {
        let Some(name) = self.options.fields.input_name("temperature") else {
            return Ok(None);
        };
        let t = match record.get(name) {
            RawValue::Missing | RawValue::Null => return Ok(None),
            RawValue::Float(x) => x,
            RawValue::Int(i) => i as f64,
            RawValue::Str(s) if s.trim().is_empty() => return Ok(None),
            RawValue::Str(s) => {
                return parse_temperature_text(&s)
                    .map(Some)
                    .map_err(|m| self.err(location, name, m))
            }
            other => {
                return Err(self.err(
                    location,
                    name,
                    format!("temperature must be a number, found {}", other.type_name()),
                ))
            }
        };
        if t.is_finite() && t >= 0.0 {
            Ok(Some(t))
        } else {
            Err(self.err(
                location,
                name,
                format!("temperature must be a finite number >= 0, not {t}"),
            ))
        }
    }

    fn generation(
        &self,
        record: &dyn RawRecord,
        location: &Location,
    ) -> Result<Option<u32>, InputError> {
        let Some(name) = self.options.fields.input_name("generation") else {
            return Ok(None);
        };
        let bad = |shown: String| {
            self.err(
                location,
                name,
                format!("generation must be a non-negative integer, not {shown}"),
            )
        };
        match record.get(name) {
            RawValue::Missing | RawValue::Null => Ok(None),
            RawValue::Int(i) => u32::try_from(i).map(Some).map_err(|_| bad(i.to_string())),
            // Pandas writes integer columns with gaps as floats: accept 2.0, refuse 2.5.
            RawValue::Float(x) if x.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&x) => {
                Ok(Some(x as u32))
            }
            RawValue::Str(s) if s.trim().is_empty() => Ok(None),
            RawValue::Str(s) => s
                .trim()
                .parse::<u32>()
                .map(Some)
                .map_err(|_| bad(format!("'{s}'"))),
            other => Err(bad(other.type_name().to_string())),
        }
    }
}

/// Why a document over the size limit was refused, and the two ways out.
pub(crate) fn too_long_message(size: u64, limit: u64) -> String {
    format!(
        "document text is {} ({size} bytes), over the limit of {} per document; raise it with \
         --max-doc-bytes (or [ingest] max_doc_bytes), or pass --truncate-long-docs to cut such \
         documents at the limit and count them",
        format_bytes(size),
        format_bytes(limit)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remapping_source_to_label_frees_the_label_field() {
        let mut fields = FieldMap::default();
        fields.remap("source", "label").unwrap();
        assert_eq!(fields.input_name("source"), Some("label"));
        assert_eq!(fields.input_name("label"), None);
        assert!(fields
            .remap("nonsense", "x")
            .unwrap_err()
            .contains("unknown schema field"));
    }

    #[test]
    fn source_values_parse_and_reject_bad_targets() {
        let v = SourceValues::parse_pairs("human=real, machine=synthetic").unwrap();
        assert_eq!(v.get("Human"), Some(Source::Real));
        assert_eq!(v.get("machine"), Some(Source::Synthetic));
        assert_eq!(v.get("real"), Some(Source::Real));
        assert!(SourceValues::parse_pairs("human=people")
            .unwrap_err()
            .contains("'real' or 'synthetic'"));
        assert!(SourceValues::parse_pairs("human").is_err());
    }

    #[test]
    fn lineage_defaults_validate_values() {
        let d = LineageDefaults::parse_pairs(
            "source=synthetic,generator=gpt-4o,generation=3,split=test",
        )
        .unwrap();
        assert_eq!(d.source, Some(Source::Synthetic));
        assert_eq!(d.generation, Some(3));
        assert_eq!(d.split, Some(Split::Eval));
        assert!(LineageDefaults::parse_pairs("temperature=-1")
            .unwrap_err()
            .contains("temperature"));
        assert!(LineageDefaults::parse_pairs("colour=red")
            .unwrap_err()
            .contains("unknown lineage key"));
    }
}
