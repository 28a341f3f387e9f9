//! What each subcommand does, callable from tests; `main.rs` only parses flags and maps errors
//! to exit codes.

pub mod calibrate;
pub mod collapse;
pub mod drift;
pub mod features;
pub mod fingerprint;
pub mod inspect;
pub mod policy;
pub mod simulate;

use std::path::PathBuf;

use crate::cli::IngestArgs;
use crate::config::{Config, Overrides};
use crate::corpus::grouping::{GroupBy, Grouping};
use crate::corpus::{CorpusStream, Doc, IngestOptions, IngestStats};
use crate::error::{ConfigError, Error, Result};

/// The config file (if any) with the ingest flags and the command's own `flags` laid over it,
/// checked once.
pub fn resolve_config(args: &IngestArgs, mut flags: Overrides) -> Result<Config> {
    let usage = |flag: &str, m: String| Error::Config(ConfigError::new("command line", flag, m));
    if let Some(f) = &args.format {
        flags.set("ingest.format", "--format", f.as_str());
    }
    let remaps = [
        ("text", &args.text_field),
        ("id", &args.id_field),
        ("source", &args.source_field),
        ("generator", &args.generator_field),
        ("prompt_id", &args.prompt_id_field),
        ("temperature", &args.temperature_field),
        ("generation", &args.generation_field),
        ("parent_model", &args.parent_model_field),
        ("split", &args.split_field),
        ("label", &args.label_field),
        ("domain", &args.domain_field),
        ("attack", &args.attack_field),
    ];
    for (field, input) in remaps {
        if let Some(input) = input {
            let flag = format!("--{}-field", field.replace('_', "-"));
            flags.set(&format!("ingest.fields.{field}"), &flag, input.as_str());
        }
    }
    if let Some(spec) = &args.source_values {
        flags
            .set_pairs(
                "ingest.source_values",
                "--source-values",
                spec,
                "VALUE=real or VALUE=synthetic",
            )
            .map_err(|m| usage("--source-values", m))?;
    }
    for spec in &args.lineage {
        flags
            .set_pairs("ingest.lineage", "--lineage", spec, "KEY=VALUE")
            .map_err(|m| usage("--lineage", m))?;
    }
    if args.lossy_utf8 {
        flags.set("ingest.lossy_utf8", "--lossy-utf8", true);
    }
    if let Some(b) = args.batch_size {
        flags.set_count("ingest.batch_size", "--batch-size", b);
    }
    if let Some(size) = &args.max_doc_bytes {
        flags.set("ingest.max_doc_bytes", "--max-doc-bytes", size.as_str());
    }
    if args.truncate_long_docs {
        flags.set("ingest.truncate_long_docs", "--truncate-long-docs", true);
    }
    Config::resolve(args.config.as_deref(), &flags)
}

/// Inputs from the command line, else from the config's [ingest] inputs.
pub fn resolve_inputs(given: &[PathBuf], config: &Config) -> Result<Vec<PathBuf>> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    if !config.inputs.is_empty() {
        return Ok(config.inputs.clone());
    }
    Err(Error::Usage(
        "no corpus given: name one or more files (or set [ingest] inputs in --config)".into(),
    ))
}

/// Reads every document of `inputs` into memory (training, evaluation and the collapse
/// measurements need them all).
pub fn read_corpus(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<(Vec<Doc>, IngestStats)> {
    let mut stream = CorpusStream::open(inputs, ingest)?;
    let mut docs = Vec::new();
    while let Some(batch) = stream.next_batch()? {
        docs.extend(batch);
        let (done, total) = stream.progress();
        progress(done, total);
    }
    let stats = stream.finish()?;
    Ok((docs, stats))
}

/// Reads every document of `inputs` with the group of each: its input file or the value of a
/// field (kept by the reader when it is not a schema field), and a second grouping when asked
/// for (balancing).
pub fn read_grouped_corpus(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    by: &GroupBy,
    also: Option<&GroupBy>,
) -> Result<(Vec<Doc>, Grouping, Option<Grouping>)> {
    let mut ingest = ingest.clone();
    // Pairs stay on one side of the detector's calibration split.
    ingest.keep_field(crate::corpus::PAIR_FIELD);
    by.prepare(&mut ingest);
    if let Some(a) = also {
        a.prepare(&mut ingest);
    }
    let mut stream = CorpusStream::open(inputs, &ingest)?;
    let mut docs = Vec::new();
    let mut origins = Vec::new();
    while let Some(batch) = stream.next_batch()? {
        docs.extend(batch);
        origins.extend_from_slice(stream.origins());
    }
    stream.finish()?;
    let groups = Grouping::new(by, &docs, &origins, inputs);
    let other = also.map(|a| Grouping::new(a, &docs, &origins, inputs));
    for g in std::iter::once(&groups).chain(&other) {
        if g.names == [crate::corpus::grouping::NO_VALUE] && g.by != "file" {
            tracing::warn!(
                "no document has the field '{}': all documents form one group",
                g.by
            );
        }
    }
    Ok((docs, groups, other))
}
