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
use crate::config::Config;
use crate::corpus::grouping::{GroupBy, Grouping};
use crate::corpus::{CorpusStream, Doc, Format, IngestOptions, IngestStats};
use crate::error::{ConfigError, Error, Result};

fn flag_err(flag: &str, message: String) -> Error {
    Error::Config(ConfigError::new("command line", flag, message))
}

/// The config file (if any) with the command-line flags applied on top.
pub fn resolve_config(args: &IngestArgs) -> Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let ingest = &mut config.ingest;
    if let Some(f) = &args.format {
        ingest.format = Some(f.parse::<Format>().map_err(|m| flag_err("--format", m))?);
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
            ingest
                .fields
                .remap(field, input)
                .map_err(|m| flag_err(&flag, m))?;
        }
    }
    if let Some(spec) = &args.source_values {
        ingest
            .source_values
            .extend_from_spec(spec)
            .map_err(|m| flag_err("--source-values", m))?;
    }
    for spec in &args.lineage {
        ingest
            .defaults
            .apply_spec(spec)
            .map_err(|m| flag_err("--lineage", m))?;
    }
    ingest.lossy_utf8 |= args.lossy_utf8;
    if let Some(b) = args.batch_size {
        crate::checks::check_dim(b, 1_000_000).map_err(|m| flag_err("--batch-size", m))?;
        ingest.batch_size = b;
    }
    if let Some(size) = &args.max_doc_bytes {
        ingest.max_doc_bytes = crate::corpus::byte_size::parse_byte_size(size)
            .map_err(|m| flag_err("--max-doc-bytes", m))?;
    }
    ingest.truncate_long_docs |= args.truncate_long_docs;
    Ok(config)
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
