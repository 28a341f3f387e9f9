//! `fingerprint train | eval | score | explain`: the LLM-text detector.

use std::process::ExitCode;

use super::corpus::model_flags;
use super::{emit, read_files, seed_flag};
use crate::cli::{
    DetectorArgs, FingerprintEvalArgs, FingerprintExplainArgs, FingerprintScoreArgs,
    FingerprintTrainArgs, ModelArgs,
};
use crate::commands::fingerprint::train::options_from_config;
use crate::commands::{self, resolve_config, resolve_inputs};
use crate::config::Overrides;
use crate::error::Error;
use crate::progress::bytes_bar;

/// The detector flags as `[fingerprint]` and `[features]` keys.
fn detector_flags(args: &DetectorArgs, models: &ModelArgs) -> Result<Overrides, Error> {
    let mut flags = Overrides::default();
    if let Some(spec) = &args.features {
        flags.set_list("fingerprint.features", "--features", spec);
    }
    model_flags(&mut flags, models);
    if let Some(n) = &args.normalize {
        flags.set("features.normalize", "--normalize", n.as_str());
    }
    if let Some(k) = &args.char_ngrams {
        flags.set("features.char_ngrams", "--char-ngrams", k.as_str());
    }
    let texts = [
        ("group_by", "--group-by", &args.group_by),
        ("balance_by", "--balance-by", &args.balance_by),
        ("learner", "--learner", &args.learner),
        ("threshold_rule", "--threshold-rule", &args.threshold_rule),
    ];
    for (key, flag, value) in texts {
        if let Some(v) = value {
            flags.set(&format!("fingerprint.{key}"), flag, v.as_str());
        }
    }
    let numbers = [
        ("c", "--c", args.c),
        ("tolerance", "--tolerance", args.tolerance),
        ("target_fpr", "--target-fpr", args.target_fpr),
        (
            "calibration_fraction",
            "--calibration-fraction",
            args.calibration_fraction,
        ),
    ];
    for (key, flag, value) in numbers {
        if let Some(v) = value {
            flags.set(&format!("fingerprint.{key}"), flag, v);
        }
    }
    if let Some(n) = args.lexicon_size {
        flags.set_count("fingerprint.lexicon_size", "--lexicon-size", n);
    }
    seed_flag(&mut flags, args.seed)?;
    Ok(flags)
}

/// The config with the detector flags laid over it.
fn detector_config(
    ingest: &crate::cli::IngestArgs,
    args: &DetectorArgs,
    models: &ModelArgs,
) -> Result<crate::config::Config, Error> {
    resolve_config(ingest, detector_flags(args, models)?)
}

/// The model to use: `--model`, else the config's `[fingerprint] model`, else the built-in
/// detector (None).
fn model_path(
    given: Option<&std::path::Path>,
    config: &crate::config::Config,
) -> Option<std::path::PathBuf> {
    given
        .map(std::path::Path::to_path_buf)
        .or_else(|| config.fingerprint.model.clone())
}

/// The detector at `path`, or the built-in one, with the name output shows for it.
fn load_detector(
    path: Option<std::path::PathBuf>,
    settings: &crate::features::FeatureSettings,
) -> Result<(crate::fingerprint::Detector, std::path::PathBuf), Error> {
    use crate::fingerprint::{built_in, Detector};
    Ok(match path {
        Some(p) => (Detector::load(&p, settings)?, p),
        None => (Detector::built_in(settings)?, built_in::NAME.into()),
    })
}

pub(super) fn train(args: &FingerprintTrainArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = detector_config(&args.ingest, &args.detector, &args.models)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    read_files(args.ingest.config.as_deref())
        .with("corpus", &inputs)
        .refuse_as_outputs(std::iter::once(&args.model).chain(&args.json))?;
    let options = options_from_config(&config);
    let fp = &config.fingerprint;
    let spinner = bytes_bar(0, "fingerprint", quiet);
    let report = commands::fingerprint::train::run(
        &inputs,
        &config.ingest,
        &options,
        &fp.group_by,
        fp.balance_by.as_ref(),
        &args.model,
        &|step| spinner.set_message(step.to_string()),
    )?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn eval(args: &FingerprintEvalArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::commands::fingerprint::eval::{EvalMode, Folds};
    let config = detector_config(&args.ingest, &args.detector, &args.models)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    // Cross-validation trains its own detectors.
    let model = model_path(args.model.as_deref(), &config).filter(|_| args.cv.is_none());
    read_files(args.ingest.config.as_deref())
        .with("corpus", &inputs)
        .with("model", &model)
        .refuse_as_outputs(&args.json)?;
    let options = options_from_config(&config);
    let fp = &config.fingerprint;
    let detector;
    let cv = |folds| EvalMode::CrossValidation {
        folds,
        options: &options,
        balance: fp.balance_by.clone(),
    };
    let mode = match args.cv.as_deref() {
        Some("random") => {
            if args.folds < 2 {
                return Err(Error::Usage("--folds must be at least 2".into()));
            }
            cv(Folds::Random(args.folds))
        }
        Some("generator") => cv(Folds::Generator),
        Some("family") => cv(Folds::Family),
        Some("source") => cv(Folds::Source),
        Some("domain") => cv(Folds::Domain),
        Some(other) => {
            return Err(Error::Usage(format!(
                "--cv: unknown kind '{other}' (source, family, domain, generator or random)"
            )))
        }
        None => {
            let path;
            (detector, path) = load_detector(model, &options.features)?;
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
        &fp.group_by,
        &args.by,
        &|step| spinner.set_message(step.to_string()),
    )?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn score(args: &FingerprintScoreArgs, quiet: bool) -> Result<ExitCode, Error> {
    let mut flags = Overrides::default();
    model_flags(&mut flags, &args.models);
    let config = resolve_config(&args.ingest, flags)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let given = model_path(args.model.as_deref(), &config).filter(|_| !args.zero_shot);
    read_files(args.ingest.config.as_deref())
        .with("corpus", &inputs)
        .with("model", &given)
        .with("--calibrate-on corpus", &args.calibrate_on)
        .refuse_as_outputs(args.output.iter().chain(&args.json))?;
    let settings = &config.features;
    if args.zero_shot {
        let summary = commands::fingerprint::zero_shot::run(
            &inputs,
            &config.ingest,
            settings,
            &args.calibrate_on,
            args.target_fpr,
            args.output.as_deref(),
        )?;
        emit(&summary, &summary.to_text(), args.json.as_deref())?;
        return Ok(ExitCode::SUCCESS);
    }
    let built_in = given.is_none();
    let (detector, path) = load_detector(given, settings)?;
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
    let summary = commands::fingerprint::score::ScoreSummary {
        built_in,
        ..summary
    };
    emit(&summary, &summary.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

pub(super) fn explain(args: &FingerprintExplainArgs) -> Result<ExitCode, Error> {
    let config = match &args.config {
        Some(p) => crate::config::Config::load(p)?,
        None => crate::config::Config::default(),
    };
    use crate::fingerprint::{built_in, detector::DetectorMeta, model_file};
    let model = model_path(args.model.as_deref(), &config);
    read_files(args.config.as_deref())
        .with("model", &model)
        .refuse_as_outputs(&args.json)?;
    let (path, (meta, _)): (_, (DetectorMeta, Vec<f32>)) = match model {
        Some(p) => (p.clone(), model_file::load(&p)?),
        None => {
            let name = std::path::PathBuf::from(built_in::NAME);
            let parsed = model_file::parse(built_in::BYTES, &name)?;
            (name, parsed)
        }
    };
    let report = commands::fingerprint::explain::run(path, &meta, args.top);
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
