//! One pass over the documents: each corpus the stages read is streamed once and every batch
//! goes to every stage reading it (in parallel). Also the state file: the stages' states after
//! a pass over one shard, saved to be merged with other shards' into one report.

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::coverage::Coverage;
use super::{Batch, Reads, Running, SavedState};
use crate::config::Config;
use crate::corpus::side_file::{read_side_file, SideFile};
use crate::corpus::{CorpusStream, IngestOptions};
use crate::error::{Error, Result};
use crate::output::AtomicFile;

/// Which corpora a pass reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corpora {
    All,
    /// The report's inputs only: a shard's pass (the inputs are what is split into shards).
    Inputs,
    /// The stages' own corpora only: read once when the shards' states are merged.
    Own,
}

/// Streams every corpus the stages read once, feeding each batch to the stages that read it
/// (and the inputs' documents to `coverage`). A corpus that cannot be read fails the stages
/// reading it (the others go on).
pub fn observe(
    stages: &mut [Box<dyn Running>],
    coverage: &mut Coverage,
    config: &Config,
    corpora: Corpora,
    progress: &dyn Fn(&str),
) {
    let corpus_of = |s: &dyn Running| -> Option<Vec<PathBuf>> {
        match (s.reads(), corpora) {
            (Reads::Inputs, Corpora::All | Corpora::Inputs) => Some(config.inputs.clone()),
            (Reads::Own(paths), Corpora::All | Corpora::Own) => Some(paths.to_vec()),
            _ => None,
        }
    };
    let mut distinct: Vec<Vec<PathBuf>> = Vec::new();
    for corpus in stages.iter().filter_map(|s| corpus_of(s.as_ref())) {
        if !distinct.contains(&corpus) {
            distinct.push(corpus);
        }
    }
    for corpus in distinct {
        let reads: Vec<bool> = stages
            .iter()
            .map(|s| corpus_of(s.as_ref()).as_ref() == Some(&corpus))
            .collect();
        let names: Vec<&str> = stages
            .iter()
            .zip(&reads)
            .filter(|r| *r.1)
            .map(|(s, _)| s.name())
            .collect();
        progress(&format!("reading ({})", names.join(", ")));
        let ingest = ingest_for(config, stages, &reads);
        let inputs = crate::corpus::grouping::file_labels(&corpus);
        let covers_inputs = corpus == config.inputs;
        let outcome = (|| -> Result<()> {
            let mut stream = CorpusStream::open(&corpus, &ingest)?;
            while let Some(docs) = stream.next_batch()? {
                if covers_inputs {
                    coverage
                        .observe(&docs, &inputs.join(", "))
                        .map_err(Error::Usage)?;
                }
                let batch = Batch {
                    docs: &docs,
                    origins: stream.origins(),
                    inputs: &inputs,
                };
                stages
                    .par_iter_mut()
                    .zip(reads.par_iter())
                    .filter(|(_, &r)| r)
                    .for_each(|(s, _)| s.observe(batch));
            }
            stream.finish()?;
            Ok(())
        })();
        if let Err(e) = outcome {
            let message = e.to_string();
            for (s, _) in stages.iter_mut().zip(&reads).filter(|r| *r.1) {
                s.fail(Error::Usage(message.clone()));
            }
        }
    }
}

/// The ingest options for a corpus: rows without a source get one only when every stage
/// reading it can do without (drift needs every row's); the fields outside the schema any of
/// them reads are kept.
pub(crate) fn ingest_for(
    config: &Config,
    stages: &[Box<dyn Running>],
    reads: &[bool],
) -> IngestOptions {
    let mut ingest = config.ingest.clone();
    for (s, _) in stages.iter().zip(reads).filter(|r| *r.1) {
        s.kept_fields().iter().for_each(|f| ingest.keep_field(f));
    }
    let defaults: Vec<_> = stages
        .iter()
        .zip(reads)
        .filter(|r| *r.1)
        .map(|(s, _)| s.default_source())
        .collect();
    if let Some(Some(source)) = defaults.first() {
        if defaults.iter().all(Option::is_some) {
            ingest.defaults.source.get_or_insert(*source);
        }
    }
    ingest
}

/// What a state file is, and the version of its layout.
const FORMAT: &str = "driftprint-state";
const FORMAT_VERSION: u32 = 2;

/// The stages' states after a pass over one shard of the corpus.
#[derive(Debug, Serialize, Deserialize)]
pub struct StateFile {
    pub format: String,
    pub version: u32,
    /// A digest of the settings the states were observed with (everything in the config but
    /// the inputs): states observed with other settings do not merge.
    pub settings: String,
    /// Which documents of the inputs the states cover: merges count each once.
    pub coverage: Coverage,
    pub stages: Vec<SavedState>,
}

/// The digest of the settings a state depends on: the checked config without its inputs (nor
/// a policy manifest training on them, which follows the inputs of each shard), the contents of
/// the side files observing reads (a detector replaced by another under the same path scores
/// differently), and this build's version.
fn settings_digest(config: &Config) -> String {
    let mut settings = Config {
        inputs: Vec::new(),
        ..config.clone()
    };
    if config.policy.train == config.inputs {
        settings.policy.train.clear();
    }
    let mut digest = xxhash_rust::xxh3::Xxh3::new();
    digest.update(env!("CARGO_PKG_VERSION").as_bytes());
    digest.update(format!("{settings:?}").as_bytes());
    let side_files = [
        (config.fingerprint.model.as_ref(), SideFile::Model),
        (config.policy.lock.as_ref(), SideFile::Lock),
        (config.policy.audit.as_ref(), SideFile::Audit),
        (config.policy.ancestry.as_ref(), SideFile::Ancestry),
    ];
    for (path, kind) in side_files {
        if let Some(bytes) = path.and_then(|p| read_side_file(p, kind).ok()) {
            digest.update(&xxhash_rust::xxh3::xxh3_64(&bytes).to_le_bytes());
        }
    }
    format!("{:016x}", digest.digest())
}

/// The stages' states with the digest of the settings they were observed with and what they
/// cover.
pub fn state_file(
    stages: &[Box<dyn Running>],
    coverage: &Coverage,
    config: &Config,
) -> Result<StateFile> {
    Ok(StateFile {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        settings: settings_digest(config),
        coverage: coverage.clone(),
        stages: stages.iter().map(|s| s.save()).collect::<Result<_>>()?,
    })
}

/// zstd level of the encoded states: the JSON of hash sets and sample texts shrinks ~4x.
const ZSTD_LEVEL: i32 = 3;

/// The bytes of a state file (or anything carrying one): its JSON, zstd-compressed.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(|e| Error::Data(e.to_string()))?;
    zstd::encode_all(&json[..], ZSTD_LEVEL).map_err(|e| Error::Data(e.to_string()))
}

/// The most JSON a compressed state may decode to: a state's JSON is ~4x its compressed size,
/// so a state within its file-size limit stays far below; a small file crafted to inflate
/// without end stops here.
const MAX_DECODED: u64 = 4 * SideFile::State.limit();

/// Reads back what [`encode`] wrote (or plain JSON); `origin` names the bytes in errors.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], origin: &str) -> Result<T> {
    decode_within(bytes, origin, MAX_DECODED)
}

/// [`decode`], with compressed bytes decoding to at most `max_decoded` bytes.
fn decode_within<T: DeserializeOwned>(bytes: &[u8], origin: &str, max_decoded: u64) -> Result<T> {
    let bad = |m: String| Error::Usage(format!("{origin}: {m}"));
    const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
    if bytes.starts_with(&ZSTD_MAGIC) {
        let decoder = zstd::Decoder::new(bytes).map_err(|e| bad(e.to_string()))?;
        let mut limited = BufReader::new(decoder).take(max_decoded + 1);
        let value = serde_json::from_reader(&mut limited);
        if limited.limit() == 0 {
            return Err(bad(format!(
                "decompresses to more than {max_decoded} bytes of JSON: not a state driftprint wrote"
            )));
        }
        value
    } else {
        serde_json::from_slice(bytes)
    }
    .map_err(|e| bad(format!("not a driftprint state ({e})")))
}

/// The state file when it is one this version can merge, else an error naming `origin`.
pub fn checked(state: StateFile, origin: &str) -> Result<StateFile> {
    if state.format != FORMAT || state.version != FORMAT_VERSION {
        return Err(Error::Usage(format!(
            "{origin}: a {} file of version {}; this driftprint merges {FORMAT} version {FORMAT_VERSION}",
            state.format, state.version
        )));
    }
    Ok(state)
}

/// Writes the stages' states to `path` (atomically), encoded by [`encode`]; the shard's pass
/// is named by `path` in its coverage.
pub fn save(
    stages: &[Box<dyn Running>],
    coverage: &Coverage,
    config: &Config,
    path: &Path,
) -> Result<()> {
    let mut coverage = coverage.clone();
    coverage.name_own(&path.display().to_string());
    let bytes = encode(&state_file(stages, &coverage, config)?)?;
    let mut out = AtomicFile::create(path)?;
    out.write_all(&bytes).map_err(|e| Error::output(path, e))?;
    out.commit()
}

/// Reads a state file written by [`save`].
pub fn load(path: &Path) -> Result<StateFile> {
    let bytes = read_side_file(path, SideFile::State)?;
    let origin = path.display().to_string();
    checked(decode(&bytes, &origin)?, &origin)
}

/// Merges saved states into the stages (which must be the ones the states were saved from)
/// and their coverage into `coverage`. Nothing is merged from a state that shares documents
/// with those merged already, or whose counts exceed what it covers.
pub fn merge(
    stages: &mut [Box<dyn Running>],
    coverage: &mut Coverage,
    config: &Config,
    file: StateFile,
    origin: &str,
) -> Result<()> {
    let bad = |m: String| Error::Usage(format!("{origin}: {m}"));
    if file.settings != settings_digest(config) {
        return Err(bad(
            "observed with other settings than this config's (seed, features, tests...): merge states saved with the same config".into(),
        ));
    }
    let saved: Vec<&str> = file.stages.iter().map(|s| s.stage.as_str()).collect();
    let running: Vec<&str> = stages.iter().map(|s| s.name()).collect();
    if saved != running {
        return Err(bad(format!(
            "holds the stages {} but the run has {}",
            saved.join(", "),
            running.join(", ")
        )));
    }
    file.coverage.check().map_err(|e| {
        bad(format!(
            "the state's coverage is inconsistent (edited or damaged): {e}"
        ))
    })?;
    let covered = file.coverage.covered();
    let mut merged = coverage.clone();
    merged.merge(file.coverage).map_err(bad)?;
    // Every stage's state checked before any is merged: a bad one leaves the run unchanged.
    let mut checked = Vec::with_capacity(file.stages.len());
    for (stage, state) in stages.iter().zip(file.stages) {
        checked.push(
            stage
                .check_saved(state, covered)
                .map_err(|e| bad(e.to_string()))?,
        );
    }
    for (stage, state) in stages.iter_mut().zip(checked) {
        stage.merge_checked(state);
    }
    *coverage = merged;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_bytes_that_inflate_past_the_limit_are_refused() {
        let big = serde_json::Value::String("x".repeat(100_000));
        let bytes = encode(&big).unwrap();
        assert!(bytes.len() < 1_000, "zstd squeezes a repeated byte");
        let back: serde_json::Value = decode_within(&bytes, "s.state", 200_000).unwrap();
        assert_eq!(back, big);
        let e = decode_within::<serde_json::Value>(&bytes, "s.state", 10_000)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("s.state") && e.contains("more than 10000 bytes"),
            "{e}"
        );
    }
}
