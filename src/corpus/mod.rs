//! Corpora: documents with lineage, read from JSONL/CSV/Parquet/Arrow IPC/.txt directories.
//!
//! Every format reader turns its rows into [`RawRecord`]s; one [`schema::FieldMap`] maps those onto
//! our schema, so remapping and validation behave the same for every format. A new format is one
//! reader file (with its `FORMAT`: names and how it opens a path) plus one line in the format
//! table (`format.rs`).

mod arrow_ipc;
pub mod byte_size;
mod columnar;
mod csv;
mod format;
pub mod grouping;
mod jsonl;
mod parquet;
mod raw;
pub mod record_batch;
mod record_limit;
pub mod sample;
pub mod schema;
pub mod side_file;
mod stream;
mod text_dir;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use format::Format;
pub use raw::{RawRecord, RawValue};
pub use schema::{FieldMap, IngestOptions, LineageDefaults, SourceValues};
pub use stream::{CorpusStream, IngestStats};

thread_local! {
    static DECODING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Decoders of binary formats (arrow-rs IPC in particular) may panic on corrupt files; a user's
/// bad file is an error naming the file, not a crash.
pub(crate) fn guard_panics<T>(
    path: &std::path::Path,
    f: impl FnOnce() -> T,
) -> Result<T, crate::error::InputError> {
    DECODING.with(|d| d.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    DECODING.with(|d| d.set(false));
    result.map_err(|_| {
        crate::error::InputError::file(path, "corrupt file: the decoder failed while reading it")
    })
}

/// Keeps panics caught by the decoder guard off stderr (they become input errors); every other
/// panic still reaches the default hook.
pub fn quiet_decoder_panics() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DECODING.with(|d| d.get()) {
                tracing::debug!("decoder panicked on corrupt input: {info}");
            } else {
                default(info);
            }
        }));
    });
}

/// Where a document came from: the provenance every rule and test is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Real,
    Synthetic,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Real => "real",
            Source::Synthetic => "synthetic",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which side of the train/eval boundary a document is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Eval,
}

impl Split {
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Eval => "eval",
        }
    }

    /// Accepts our names and the usual aliases (test/validation/dev are evaluation data).
    pub fn parse(value: &str) -> Option<Split> {
        match value.trim().to_ascii_lowercase().as_str() {
            "train" | "training" => Some(Split::Train),
            "eval" | "evaluation" | "test" | "validation" | "valid" | "val" | "dev" => {
                Some(Split::Eval)
            }
            _ => None,
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything known about how a document was produced. Only `source` is required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    pub source: Source,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<Split>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Adversarial transformation applied to the text (paraphrase, homoglyphs, ...), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attack: Option<String>,
    /// Input fields outside the schema that a command asked to keep (`--group-by dataset`,
    /// `--balance-by writer_group`), as text.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub extra: std::collections::BTreeMap<String, String>,
}

impl Lineage {
    pub fn new(source: Source) -> Self {
        Lineage {
            source,
            generator: None,
            prompt_id: None,
            temperature: None,
            generation: None,
            parent_model: None,
            split: None,
            label: None,
            domain: None,
            attack: None,
            extra: Default::default(),
        }
    }
}

/// The input field that links a synthetic text to the real text it rewrites or answers, kept
/// as read in [`Lineage::extra`] by the commands that use it: documents sharing it stay on one
/// side of every split (the detector's calibration split, the strength's folds), since a
/// rewrite shares its passage's content words.
pub const PAIR_FIELD: &str = "pair_id";

impl Lineage {
    /// The document's pair (see [`PAIR_FIELD`]), when the field was kept and is set.
    pub fn pair(&self) -> Option<&str> {
        self.extra.get(PAIR_FIELD).map(String::as_str)
    }

    /// The value of a lineage field by schema name, or of a kept input field, as text (for
    /// grouping and splitting).
    pub fn field(&self, name: &str) -> Option<String> {
        match name {
            "source" => Some(self.source.as_str().to_string()),
            "generator" => self.generator.clone(),
            "prompt_id" => self.prompt_id.clone(),
            "temperature" => self.temperature.map(|t| t.to_string()),
            "generation" => self.generation.map(|g| g.to_string()),
            "parent_model" => self.parent_model.clone(),
            "split" => self.split.map(|s| s.as_str().to_string()),
            "label" => self.label.clone(),
            "domain" => self.domain.clone(),
            "attack" => self.attack.clone(),
            other => self.extra.get(other).cloned(),
        }
    }

    /// Whether `name` is a lineage field [`Lineage::field`] can read.
    pub fn is_field(name: &str) -> bool {
        schema::SCHEMA_FIELDS[2..].contains(&name)
    }
}

/// One document: its id, its text and its lineage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub id: String,
    pub text: String,
    #[serde(flatten)]
    pub lineage: Lineage,
}

/// A whole corpus in memory, with what ingest counted on the way.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub docs: Vec<Doc>,
    pub stats: IngestStats,
}

impl Corpus {
    /// Reads every path (files or .txt directories) into memory, in order.
    pub fn load(
        paths: &[std::path::PathBuf],
        options: &IngestOptions,
    ) -> crate::error::Result<Corpus> {
        let mut stream = CorpusStream::open(paths, options)?;
        let mut docs = Vec::new();
        while let Some(batch) = stream.next_batch()? {
            docs.extend(batch);
        }
        let stats = stream.finish()?;
        Ok(Corpus { docs, stats })
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }
}
