//! `inspect` and `features`: what is in a corpus, and its feature matrix; plus the feature
//! flags every featurizing command shares.

use std::process::ExitCode;

use super::{emit, read_files, seed_flag};
use crate::cli::{FeaturesArgs, InspectArgs, ModelArgs};
use crate::commands::{self, resolve_config, resolve_inputs};
use crate::config::Overrides;
use crate::error::Error;
use crate::progress::bytes_bar;

pub(super) fn inspect(args: &InspectArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest, Overrides::default())?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    read_files(args.ingest.config.as_deref())
        .with("corpus", &inputs)
        .refuse_as_outputs(&args.json)?;
    let bar = bytes_bar(0, "reading", quiet);
    let report = commands::inspect::run(&inputs, &config, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn features(args: &FeaturesArgs, quiet: bool) -> Result<ExitCode, Error> {
    let mut flags = feature_flags(args.features.as_deref(), &args.models);
    if let Some(d) = args.ngram_dim {
        flags.set_count("features.ngram_dim", "--ngram-dim", d);
    }
    if let Some(d) = args.projection_dim {
        flags.set_count("features.projection_dim", "--projection-dim", d);
    }
    seed_flag(&mut flags, args.seed)?;
    let config = resolve_config(&args.ingest, flags)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    read_files(args.ingest.config.as_deref())
        .with("corpus", &inputs)
        .refuse_as_outputs(crate::output::matrix_files(&args.output))?;
    let settings = &config.features;
    let bar = bytes_bar(0, "reading", quiet);
    let summary = commands::features::run(
        &inputs,
        &config.ingest,
        settings,
        &args.output,
        &|pass, done, total| {
            bar.set_message(pass.to_string());
            bar.set_length(total);
            bar.set_position(done);
        },
    )?;
    bar.finish_and_clear();
    if quiet {
        return Ok(ExitCode::SUCCESS);
    }
    for note in &summary.notes {
        eprintln!("{}", crate::output::terminal::terminal_safe(note));
    }
    eprintln!(
        "wrote {} documents x {} features to {} ({:.1} MB of text in {:.2} s, {:.1} MB/s)",
        summary.documents,
        summary.columns,
        summary.output.display(),
        summary.text_bytes as f64 / 1e6,
        summary.seconds,
        summary.text_bytes as f64 / 1e6 / summary.seconds.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}

/// `--model-dir`, `--max-tokens`, ... as `[features.embed]` and `[features.lm]` keys.
pub(super) fn model_flags(flags: &mut Overrides, args: &ModelArgs) {
    let embed = "features.embed";
    if let Some(dir) = &args.model_dir {
        flags.set_path(&format!("{embed}.model_dir"), "--model-dir", dir);
    }
    if let Some(t) = args.max_tokens {
        flags.set_count(&format!("{embed}.max_tokens"), "--max-tokens", t);
    }
    if let Some(b) = args.embed_batch {
        flags.set_count(&format!("{embed}.batch_size"), "--embed-batch", b);
    }
    if args.embed_chunks {
        flags.set(&format!("{embed}.chunked"), "--embed-chunks", true);
    }
    if let Some(dir) = &args.embed_cache {
        flags.set_path(&format!("{embed}.cache_dir"), "--embed-cache", dir);
        flags.set(&format!("{embed}.cache"), "--embed-cache", true);
    }
    if args.no_embed_cache {
        flags.set(&format!("{embed}.cache"), "--no-embed-cache", false);
    }
    let lm = "features.lm";
    if let Some(dir) = &args.lm_dir {
        flags.set_path(&format!("{lm}.model_dir"), "--lm-dir", dir);
    }
    if let Some(t) = args.lm_max_tokens {
        flags.set_count(&format!("{lm}.max_tokens"), "--lm-max-tokens", t);
    }
    if let Some(b) = args.lm_batch {
        flags.set_count(&format!("{lm}.batch_size"), "--lm-batch", b);
    }
    if args.no_lm_cache {
        flags.set(&format!("{lm}.cache"), "--no-lm-cache", false);
    }
}

/// `--features` as the feature families of `[features] sets` and the model flags.
pub(super) fn feature_flags(features: Option<&str>, args: &ModelArgs) -> Overrides {
    let mut flags = Overrides::default();
    if let Some(spec) = features {
        flags.set_list("features.sets", "--features", spec);
    }
    model_flags(&mut flags, args);
    flags
}
