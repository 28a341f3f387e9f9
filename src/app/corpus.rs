//! `inspect` and `features`: what is in a corpus, and its feature matrix; plus the feature
//! flags every featurizing command shares.

use std::process::ExitCode;

use super::emit;
use crate::cli::{FeaturesArgs, InspectArgs, ModelArgs};
use crate::commands::{self, resolve_config, resolve_inputs};
use crate::error::Error;
use crate::features::{FeatureKind, FeatureSettings};
use crate::progress::bytes_bar;

pub(super) fn inspect(args: &InspectArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
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
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let mut settings: FeatureSettings = config.features.clone();
    apply_feature_flags(&mut settings, args.features.as_deref(), &args.models)?;
    let usage = |flag: &str, m: String| Error::Usage(format!("{flag}: {m}"));
    if let Some(d) = args.ngram_dim {
        crate::checks::check_dim(d, crate::features::ngrams::MAX_DIM)
            .map_err(|m| usage("--ngram-dim", m))?;
        settings.ngram.dim = d;
    }
    if let Some(d) = args.projection_dim {
        crate::checks::check_dim(d, crate::features::projection::MAX_OUTPUT_DIM)
            .map_err(|m| usage("--projection-dim", m))?;
        settings.ngram.projection_dim = d;
    }
    if let Some(seed) = args.seed {
        settings.ngram.seed = seed;
    }
    let bar = bytes_bar(0, "reading", quiet);
    let summary = commands::features::run(
        &inputs,
        &config.ingest,
        &settings,
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

/// `--features` and `--model-dir`, `--max-tokens`, ... over the config's `[features]`.
pub(super) fn apply_feature_flags(
    settings: &mut FeatureSettings,
    features: Option<&str>,
    args: &ModelArgs,
) -> Result<(), Error> {
    let usage = |flag: &str, m: String| Error::Usage(format!("{flag}: {m}"));
    if let Some(spec) = features {
        settings.kinds = FeatureKind::parse_list(spec).map_err(|m| usage("--features", m))?;
    }
    let embed = &mut settings.embed;
    if let Some(dir) = &args.model_dir {
        embed.model_dir = Some(dir.clone());
    }
    if let Some(t) = args.max_tokens {
        embed.max_tokens =
            crate::config::check_max_tokens(t).map_err(|m| usage("--max-tokens", m))?;
    }
    if let Some(b) = args.embed_batch {
        embed.batch_size =
            crate::config::check_embed_batch(b).map_err(|m| usage("--embed-batch", m))?;
    }
    embed.chunked |= args.embed_chunks;
    if let Some(dir) = &args.embed_cache {
        embed.cache_dir = Some(dir.clone());
        embed.cache = true;
    }
    if args.no_embed_cache {
        embed.cache = false;
    }
    let lm = &mut settings.lm;
    if let Some(dir) = &args.lm_dir {
        lm.model_dir = Some(dir.clone());
    }
    if let Some(t) = args.lm_max_tokens {
        lm.max_tokens =
            crate::config::check_lm_max_tokens(t).map_err(|m| usage("--lm-max-tokens", m))?;
    }
    if let Some(b) = args.lm_batch {
        lm.batch_size = crate::config::check_embed_batch(b).map_err(|m| usage("--lm-batch", m))?;
    }
    if args.no_lm_cache {
        lm.cache = false;
    }
    Ok(())
}
