//! `fingerprint train | eval | score | explain`: the LLM-text detector.

use std::process::ExitCode;

use super::corpus::apply_feature_flags;
use super::emit;
use crate::cli::{
    DetectorArgs, FingerprintEvalArgs, FingerprintExplainArgs, FingerprintScoreArgs,
    FingerprintTrainArgs, ModelArgs,
};
use crate::commands::{self, resolve_config, resolve_inputs};
use crate::corpus::grouping::GroupBy;
use crate::error::Error;
use crate::progress::bytes_bar;

/// The groups the detector is audited (and cross-validated) within, and balanced by: the
/// config's `[fingerprint]`, then the flags.
struct Groups {
    by: GroupBy,
    balance: Option<GroupBy>,
}

fn groups(config: &crate::config::Config, args: &DetectorArgs) -> Result<Groups, Error> {
    let usage = |flag: &str, m: String| Error::Usage(format!("{flag}: {m}"));
    Ok(Groups {
        by: match &args.group_by {
            Some(g) => g.parse().map_err(|m| usage("--group-by", m))?,
            None => config.fingerprint.group_by.clone(),
        },
        balance: match &args.balance_by {
            Some(g) => GroupBy::parse_optional(g).map_err(|m| usage("--balance-by", m))?,
            None => config.fingerprint.balance_by.clone(),
        },
    })
}

/// The detector's training options: the config's `[fingerprint]` and `[features]` (n-gram
/// width, normalisation, embedding settings), then the flags.
fn train_options(
    config: &crate::config::Config,
    args: &DetectorArgs,
    models: &ModelArgs,
) -> Result<crate::fingerprint::TrainOptions, Error> {
    use crate::checks::{check_open_unit, check_positive};
    let usage = |flag: &str, m: String| Error::Usage(format!("{flag}: {m}"));
    let mut options = commands::fingerprint::train::options_from_config(config);
    let features = &mut options.features;
    apply_feature_flags(features, args.features.as_deref(), models)?;
    if let Some(n) = &args.normalize {
        features.normalization = n.parse().map_err(|m| usage("--normalize", m))?;
    }
    if let Some(k) = &args.char_ngrams {
        features.ngram.chars = k.parse().map_err(|m| usage("--char-ngrams", m))?;
    }
    if let Some(l) = &args.learner {
        options.learner = l.parse().map_err(|m| usage("--learner", m))?;
    }
    if let Some(c) = args.c {
        options.c = check_positive(c).map_err(|m| usage("--c", m))?;
    }
    if let Some(t) = args.tolerance {
        options.tolerance = check_positive(t).map_err(|m| usage("--tolerance", m))?;
    }
    if let Some(v) = args.target_fpr {
        options.target_fpr = check_open_unit(v).map_err(|m| usage("--target-fpr", m))?;
    }
    if let Some(r) = &args.threshold_rule {
        options.threshold_rule = r.parse().map_err(|m| usage("--threshold-rule", m))?;
    }
    if let Some(v) = args.calibration_fraction {
        options.calibration_fraction =
            check_open_unit(v).map_err(|m| usage("--calibration-fraction", m))?;
    }
    if let Some(n) = args.lexicon_size {
        crate::checks::check_dim(n, 10_000).map_err(|m| usage("--lexicon-size", m))?;
        options.lexicon_size = n;
    }
    if let Some(seed) = args.seed {
        options.seed = seed;
        options.features.ngram.seed = seed;
    }
    Ok(options)
}

/// `--model`, else the config's `[fingerprint] model`.
fn model_path(
    given: Option<&std::path::Path>,
    config: &crate::config::Config,
) -> Result<std::path::PathBuf, Error> {
    given
        .map(std::path::Path::to_path_buf)
        .or_else(|| config.fingerprint.model.clone())
        .ok_or_else(|| {
            Error::Usage(
                "no model given: pass --model FILE (or set [fingerprint] model in --config)".into(),
            )
        })
}

pub(super) fn train(args: &FingerprintTrainArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let options = train_options(&config, &args.detector, &args.models)?;
    let groups = groups(&config, &args.detector)?;
    let spinner = bytes_bar(0, "fingerprint", quiet);
    let report = commands::fingerprint::train::run(
        &inputs,
        &config.ingest,
        &options,
        &groups.by,
        groups.balance.as_ref(),
        &args.model,
        &|step| spinner.set_message(step.to_string()),
    )?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn eval(args: &FingerprintEvalArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::commands::fingerprint::eval::{EvalMode, Folds};
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let options = train_options(&config, &args.detector, &args.models)?;
    let groups = groups(&config, &args.detector)?;
    let detector;
    let cv = |folds| EvalMode::CrossValidation {
        folds,
        options: &options,
        balance: groups.balance.clone(),
    };
    let mode = match args.cv.as_deref() {
        Some("random") => {
            if args.folds < 2 {
                return Err(Error::Usage("--folds must be at least 2".into()));
            }
            cv(Folds::Random(args.folds))
        }
        Some("generator") => cv(Folds::Generator),
        Some("source") => cv(Folds::Source),
        Some("domain") => cv(Folds::Domain),
        Some(other) => {
            return Err(Error::Usage(format!(
                "--cv: unknown kind '{other}' (source, domain, generator or random)"
            )))
        }
        None => {
            let path = model_path(args.model.as_deref(), &config)?;
            detector = crate::fingerprint::Detector::load(&path, &options.features)?;
            EvalMode::Model {
                path,
                detector: &detector,
            }
        }
    };
    let spinner = bytes_bar(0, "fingerprint", quiet);
    let report = commands::fingerprint::eval::run(
        &inputs,
        &config.ingest,
        &mode,
        &groups.by,
        &args.by,
        &|step| spinner.set_message(step.to_string()),
    )?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn score(args: &FingerprintScoreArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let mut settings = config.features.clone();
    apply_feature_flags(&mut settings, None, &args.models)?;
    if args.zero_shot {
        let summary = commands::fingerprint::zero_shot::run(
            &inputs,
            &config.ingest,
            &settings,
            &args.calibrate_on,
            args.target_fpr,
            args.output.as_deref(),
        )?;
        emit(&summary, &summary.to_text(), args.json.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }
    let path = model_path(args.model.as_deref(), &config)?;
    let detector = crate::fingerprint::Detector::load(&path, &settings)?;
    let bar = bytes_bar(0, "scoring", quiet);
    let summary = commands::fingerprint::score::run(
        &inputs,
        &config.ingest,
        &path,
        detector,
        args.output.as_deref(),
        args.confidence,
        &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    )?;
    bar.finish_and_clear();
    emit(&summary, &summary.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn explain(args: &FingerprintExplainArgs) -> Result<ExitCode, Error> {
    let config = match &args.config {
        Some(p) => crate::config::Config::load(p)?,
        None => crate::config::Config::default(),
    };
    let path = model_path(args.model.as_deref(), &config)?;
    let (meta, _): (crate::fingerprint::detector::DetectorMeta, Vec<f32>) =
        crate::fingerprint::model_file::load(&path)?;
    let report = commands::fingerprint::explain::run(path, &meta, args.top);
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
