//! The `driftprint` binary: parse flags, run the subcommand, map the outcome to an exit code
//! (0 pass, 1 a gate failed, 2 bad input or usage).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use driftprint::cli::{
    CalibrateArgs, Cli, CollapseArgs, Command, CompareArgs, DetectorArgs, DriftArgs, EmbedArgs,
    FeaturesArgs, FingerprintCommand, FingerprintEvalArgs, FingerprintExplainArgs,
    FingerprintScoreArgs, FingerprintTrainArgs, InspectArgs, PolicyAuditSampleArgs,
    PolicyCheckArgs, PolicyCommand, PolicyLockArgs, ReportArgs, SimulateArgs,
};
use driftprint::commands::{self, resolve_config, resolve_inputs};
use driftprint::error::Error;
use driftprint::features::{FeatureKind, FeatureSettings};
use driftprint::output::write_atomic;
use driftprint::progress::bytes_bar;
use tracing_subscriber::EnvFilter;

const EXIT_BLOCKED: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    // Output piped into `head` and the like: end quietly when the reader goes away (Rust
    // ignores SIGPIPE, so println! would panic on the closed pipe).
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of a signal before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    driftprint::progress::set_quiet(cli.quiet);
    driftprint::corpus::quiet_decoder_panics();
    if let Some(n) = cli.threads {
        if n == 0 {
            eprintln!("error: --threads must be at least 1");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
        {
            eprintln!("error: cannot start {n} threads: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    }
    let outcome = match &cli.command {
        Command::Inspect(args) => inspect(args, cli.quiet),
        Command::Features(args) => features(args, cli.quiet),
        Command::Drift(args) => drift(args, cli.quiet),
        Command::Calibrate(args) => calibrate(args, cli.quiet),
        Command::Collapse(args) => collapse(args, cli.quiet),
        Command::Simulate(args) => simulate(args, cli.quiet),
        Command::Fingerprint(FingerprintCommand::Train(args)) => fingerprint_train(args, cli.quiet),
        Command::Fingerprint(FingerprintCommand::Eval(args)) => fingerprint_eval(args, cli.quiet),
        Command::Fingerprint(FingerprintCommand::Score(args)) => fingerprint_score(args, cli.quiet),
        Command::Fingerprint(FingerprintCommand::Explain(args)) => fingerprint_explain(args),
        Command::Report(args) => report(args, cli.quiet),
        Command::Compare(args) => compare(args),
        Command::Policy(PolicyCommand::Check(args)) => policy_check(args),
        Command::Policy(PolicyCommand::Lock(args)) => policy_lock(args),
        Command::Policy(PolicyCommand::AuditSample(args)) => policy_audit_sample(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            // Every library error is about the user's input, flags, config or output path.
            let _: &Error = &e;
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("driftprint={level},warn")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}

fn inspect(args: &InspectArgs, quiet: bool) -> Result<ExitCode, Error> {
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

fn features(args: &FeaturesArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let mut settings: FeatureSettings = config.features.clone();
    apply_feature_flags(&mut settings, args.features.as_deref(), &args.embed)?;
    let usage = |flag: &str, m: String| Error::Usage(format!("{flag}: {m}"));
    if let Some(d) = args.ngram_dim {
        driftprint::config::check_dim(d, driftprint::features::ngrams::MAX_DIM)
            .map_err(|m| usage("--ngram-dim", m))?;
        settings.ngram.dim = d;
    }
    if let Some(d) = args.projection_dim {
        driftprint::config::check_dim(d, driftprint::features::projection::MAX_OUTPUT_DIM)
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
        eprintln!("{note}");
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
fn apply_feature_flags(
    settings: &mut FeatureSettings,
    features: Option<&str>,
    args: &EmbedArgs,
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
            driftprint::config::check_max_tokens(t).map_err(|m| usage("--max-tokens", m))?;
    }
    if let Some(b) = args.embed_batch {
        embed.batch_size =
            driftprint::config::check_embed_batch(b).map_err(|m| usage("--embed-batch", m))?;
    }
    embed.chunked |= args.embed_chunks;
    if let Some(dir) = &args.embed_cache {
        embed.cache_dir = Some(dir.clone());
        embed.cache = true;
    }
    if args.no_embed_cache {
        embed.cache = false;
    }
    Ok(())
}

/// Applies a comma-separated test list flag, checking every name.
fn test_list(flag: &str, spec: &str) -> Result<Vec<String>, Error> {
    let names: Vec<String> = spec
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    for name in &names {
        if driftprint::divergence::registry::find(name).is_none() {
            return Err(Error::Usage(format!(
                "{flag}: unknown test '{name}' (known: {})",
                driftprint::divergence::registry::names().join(", ")
            )));
        }
    }
    Ok(names)
}

fn drift(args: &DriftArgs, quiet: bool) -> Result<ExitCode, Error> {
    use driftprint::commands::drift::{DriftRequest, Sides};
    let mut config = resolve_config(&args.ingest)?;
    apply_feature_flags(&mut config.features, args.features.as_deref(), &args.embed)?;
    if let Some(spec) = &args.tests {
        config.drift.tests = test_list("--tests", spec)?;
    }
    if let Some(spec) = &args.gate {
        config.drift.gate = test_list("--gate", spec)?;
        for name in config.drift.gate.clone() {
            if !config.drift.tests.contains(&name) {
                config.drift.tests.push(name);
            }
        }
    }
    if let Some(n) = args.max_per_side {
        driftprint::config::check_dim(n, 1_000_000)
            .map_err(|m| Error::Usage(format!("--max-per-side: {m}")))?;
        config.drift.max_per_side = n;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
        config.features.ngram.seed = seed;
    }
    let sides = match (args.reference.is_empty(), args.candidate.is_empty()) {
        (false, false) => Sides::Separate {
            reference: args.reference.clone(),
            candidate: args.candidate.clone(),
        },
        (true, true) => Sides::SplitBy {
            inputs: resolve_inputs(&args.inputs, &config)?,
            field: args.split_by.clone().unwrap_or_else(|| "source".into()),
            reference_value: args
                .reference_value
                .clone()
                .unwrap_or_else(|| "real".into()),
            candidate_value: args
                .candidate_value
                .clone()
                .unwrap_or_else(|| "synthetic".into()),
        },
        _ => {
            return Err(Error::Usage(
                "give both --reference and --candidate, or one corpus to split with --split-by"
                    .into(),
            ))
        }
    };
    let request = DriftRequest {
        sides,
        by: args.by.clone(),
    };
    let spinner = bytes_bar(0, "drift", quiet);
    let report = commands::drift::run(&request, &config, &|step| {
        spinner.set_message(step.to_string())
    })?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(if report.verdict.incomplete {
        ExitCode::from(EXIT_BAD_INPUT)
    } else if report.verdict.blocked {
        ExitCode::from(EXIT_BLOCKED)
    } else {
        ExitCode::SUCCESS
    })
}

fn calibrate(args: &CalibrateArgs, quiet: bool) -> Result<ExitCode, Error> {
    use driftprint::commands::drift::Sides;
    let mut config = resolve_config(&args.ingest)?;
    apply_feature_flags(&mut config.features, args.features.as_deref(), &args.embed)?;
    if let Some(seed) = args.seed {
        config.seed = seed;
        config.features.ngram.seed = seed;
    }
    if args.splits == 0 || args.n == Some(0) {
        return Err(Error::Usage("--splits and --n must be at least 1".into()));
    }
    let sides = if args.reference.is_empty() {
        Sides::SplitBy {
            inputs: resolve_inputs(&args.inputs, &config)?,
            field: args.split_by.clone().unwrap_or_else(|| "source".into()),
            reference_value: args
                .reference_value
                .clone()
                .unwrap_or_else(|| "real".into()),
            candidate_value: String::new(),
        }
    } else {
        Sides::Separate {
            reference: args.reference.clone(),
            candidate: Vec::new(),
        }
    };
    let spinner = bytes_bar(0, "calibrate", quiet);
    let calibration = commands::calibrate::run(&sides, args.n, args.splits, &config, &|step| {
        spinner.set_message(step.to_string())
    })?;
    spinner.finish_and_clear();
    let base = match &args.ingest.config {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| Error::output(path, e))?),
        None => None,
    };
    let inputs = match &sides {
        Sides::Separate { reference, .. }
        | Sides::SplitBy {
            inputs: reference, ..
        } => reference
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let resolved = match &sides {
        Sides::Separate { reference, .. }
        | Sides::SplitBy {
            inputs: reference, ..
        } => reference.clone(),
    };
    write_atomic(
        &args.output,
        calibration
            .to_toml(base.as_deref(), &inputs, &resolved)?
            .as_bytes(),
    )?;
    print!("{}", calibration.to_text());
    println!("wrote {}", args.output.display());
    Ok(ExitCode::SUCCESS)
}

fn collapse(args: &CollapseArgs, quiet: bool) -> Result<ExitCode, Error> {
    use driftprint::commands::collapse::GenerationInput;
    use driftprint::config::{check_open_unit, check_self_bleu_sample};
    let config = resolve_config(&args.ingest)?;
    let settings = &config.collapse;
    let alpha = match args.alpha {
        Some(a) => check_open_unit(a).map_err(|m| Error::Usage(format!("--alpha {m}")))?,
        None => settings.alpha,
    };
    // Flags over the config's [collapse.thresholds].
    let mut thresholds = settings.thresholds.clone();
    for spec in &args.threshold {
        let parsed = spec
            .split_once('=')
            .and_then(|(k, v)| Some((k.trim().to_string(), v.trim().parse::<f64>().ok()?)));
        let (name, value) = parsed
            .ok_or_else(|| Error::Usage(format!("--threshold: '{spec}' is not NAME=NUMBER")))?;
        thresholds.insert(name, value);
    }
    let metrics: Option<Vec<String>> = args.metrics.as_ref().map(|m| {
        m.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    });
    let report = match &args.metrics_table {
        Some(table) => commands::collapse::run_table(
            table,
            args.by.as_deref(),
            metrics.as_deref(),
            alpha,
            &thresholds,
        )?,
        None => {
            let input = if args.generations.is_empty() {
                GenerationInput::Field(resolve_inputs(&args.inputs, &config)?)
            } else {
                GenerationInput::Files(args.generations.clone())
            };
            let self_bleu_sample = match args.self_bleu_sample {
                Some(n) => check_self_bleu_sample(n)
                    .map_err(|m| Error::Usage(format!("--self-bleu-sample {m}")))?,
                None => settings.self_bleu_sample,
            };
            let options = driftprint::collapse::generations::MeasureOptions {
                self_bleu_sample,
                seed: args.seed.unwrap_or(config.seed),
            };
            let mut features = config.features.clone();
            apply_feature_flags(&mut features, None, &args.embed_args)?;
            let with_embed = args.embed || settings.embed;
            let embed = with_embed.then_some(&features.embed);
            let reference = if args.reference.is_empty() {
                &settings.reference
            } else {
                &args.reference
            };
            let spinner = bytes_bar(0, "collapse", quiet);
            spinner.set_message(if with_embed {
                "measuring and embedding generations"
            } else {
                "measuring generations"
            });
            let report = commands::collapse::run_corpus(
                &input,
                reference,
                &config.ingest,
                alpha,
                &thresholds,
                &options,
                embed,
            )?;
            spinner.finish_and_clear();
            report
        }
    };
    emit(&report, &report.to_text(), args.json.as_deref())?;
    if let Some(stem) = &args.plot {
        let written = commands::collapse::plot(&report, stem)?;
        if !quiet {
            eprintln!("plots: {}", display_paths(&written));
        }
    }
    Ok(if report.alarm {
        ExitCode::from(EXIT_BLOCKED)
    } else {
        ExitCode::SUCCESS
    })
}

fn simulate(args: &SimulateArgs, quiet: bool) -> Result<ExitCode, Error> {
    if let Some(f) = args
        .real_fraction
        .iter()
        .find(|f| !(0.0..=1.0).contains(*f))
    {
        return Err(Error::Usage(format!(
            "--real-fraction must be between 0 and 1, not {f}"
        )));
    }
    if args.generations == 0 || args.generations > 1000 {
        return Err(Error::Usage(
            "--generations must be between 1 and 1000".into(),
        ));
    }
    let mut config = resolve_config(&args.ingest)?;
    let self_bleu_sample = match args.self_bleu_sample {
        Some(n) => driftprint::config::check_self_bleu_sample(n)
            .map_err(|m| Error::Usage(format!("--self-bleu-sample {m}")))?,
        None => config.collapse.self_bleu_sample,
    };
    // The corpus is real by definition: no provenance field needed.
    config
        .ingest
        .defaults
        .source
        .get_or_insert(driftprint::corpus::Source::Real);
    let (docs, _) = commands::read_corpus(&args.inputs, &config.ingest, &|_, _| {})?;
    let seed = args.seed.unwrap_or(config.seed);
    let spinner = bytes_bar(0, "simulate", quiet);
    spinner.set_message("training and sampling generations");
    let report = commands::simulate::run(
        &docs,
        &args.real_fraction,
        args.generations,
        seed,
        &args.output,
        &driftprint::collapse::generations::MeasureOptions {
            self_bleu_sample,
            seed,
        },
    )?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    if let Some(stem) = &args.plot {
        let written = commands::simulate::plot(&report, stem)?;
        if !quiet {
            eprintln!("plots: {}", display_paths(&written));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The detector's training options: the config's `[fingerprint]` and `[features]` (n-gram
/// width, embedding settings), then the flags.
fn train_options(
    config: &driftprint::config::Config,
    args: &DetectorArgs,
    embed: &EmbedArgs,
) -> Result<driftprint::fingerprint::TrainOptions, Error> {
    use driftprint::config::{check_open_unit, check_positive};
    let usage = |flag: &str, m: String| Error::Usage(format!("{flag}: {m}"));
    let fp = &config.fingerprint;
    let mut features = config.features.clone();
    features.kinds = fp.features.clone();
    apply_feature_flags(&mut features, args.features.as_deref(), embed)?;
    let mut options = driftprint::fingerprint::TrainOptions {
        features,
        learner: fp.learner,
        c: fp.c,
        tolerance: fp.tolerance,
        seed: config.seed,
        target_fpr: fp.target_fpr,
        calibration_fraction: fp.calibration_fraction,
        lexicon_size: fp.lexicon_size,
    };
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
    if let Some(v) = args.calibration_fraction {
        options.calibration_fraction =
            check_open_unit(v).map_err(|m| usage("--calibration-fraction", m))?;
    }
    if let Some(n) = args.lexicon_size {
        driftprint::config::check_dim(n, 10_000).map_err(|m| usage("--lexicon-size", m))?;
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
    config: &driftprint::config::Config,
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

fn fingerprint_train(args: &FingerprintTrainArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let options = train_options(&config, &args.detector, &args.embed)?;
    let spinner = bytes_bar(0, "fingerprint", quiet);
    let report = commands::fingerprint::train::run(
        &inputs,
        &config.ingest,
        &options,
        &args.model,
        &|step| spinner.set_message(step.to_string()),
    )?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn fingerprint_eval(args: &FingerprintEvalArgs, quiet: bool) -> Result<ExitCode, Error> {
    use driftprint::commands::fingerprint::eval::EvalMode;
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let options = train_options(&config, &args.detector, &args.embed)?;
    let detector;
    let mode = match args.cv.as_deref() {
        Some("random") => {
            if args.folds < 2 {
                return Err(Error::Usage("--folds must be at least 2".into()));
            }
            EvalMode::RandomFolds {
                folds: args.folds,
                options: &options,
            }
        }
        Some("generator") => EvalMode::GeneratorHeldOut { options: &options },
        Some(other) => {
            return Err(Error::Usage(format!(
                "--cv: unknown kind '{other}' (random or generator)"
            )))
        }
        None => {
            let path = model_path(args.model.as_deref(), &config)?;
            detector = driftprint::fingerprint::Detector::load(&path, &options.features.embed)?;
            EvalMode::Model {
                path,
                detector: &detector,
            }
        }
    };
    let spinner = bytes_bar(0, "fingerprint", quiet);
    let report =
        commands::fingerprint::eval::run(&inputs, &config.ingest, &mode, &args.by, &|step| {
            spinner.set_message(step.to_string())
        })?;
    spinner.finish_and_clear();
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn fingerprint_score(args: &FingerprintScoreArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let path = model_path(args.model.as_deref(), &config)?;
    let mut settings = config.features.clone();
    apply_feature_flags(&mut settings, None, &args.embed)?;
    let detector = driftprint::fingerprint::Detector::load(&path, &settings.embed)?;
    let bar = bytes_bar(0, "scoring", quiet);
    let summary = commands::fingerprint::score::run(
        &inputs,
        &config.ingest,
        &path,
        &detector,
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

fn fingerprint_explain(args: &FingerprintExplainArgs) -> Result<ExitCode, Error> {
    let config = match &args.config {
        Some(p) => driftprint::config::Config::load(p)?,
        None => driftprint::config::Config::default(),
    };
    let path = model_path(args.model.as_deref(), &config)?;
    let (meta, _): (driftprint::fingerprint::detector::DetectorMeta, Vec<f32>) =
        driftprint::fingerprint::model_file::load(&path)?;
    let report = commands::fingerprint::explain::run(path, &meta, args.top);
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

fn report(args: &ReportArgs, quiet: bool) -> Result<ExitCode, Error> {
    use driftprint::report::RunStatus;
    let config = driftprint::config::Config::load(&args.config)?;
    let stages = match &args.stages {
        Some(spec) => commands::report::parse_stages(spec)
            .map_err(|m| Error::Usage(format!("--stages: {m}")))?,
        None => commands::report::default_stages(&config),
    };
    let spinner = bytes_bar(0, "report", quiet);
    let written =
        commands::report::run(&config, Some(&args.config), &stages, &args.out, &|step| {
            spinner.set_message(step.to_string())
        })?;
    spinner.finish_and_clear();
    let report = &written.report;
    println!("{}", report.verdict.line);
    for stage in &report.stages {
        println!(
            "  {:<12} {:?} ({:.1} s): {}",
            stage.stage, stage.status, stage.seconds, stage.line
        );
    }
    println!("wrote {}", display_paths(&written.files));
    Ok(match report.verdict.status {
        RunStatus::Pass => ExitCode::SUCCESS,
        RunStatus::Blocked => ExitCode::from(EXIT_BLOCKED),
        RunStatus::Incomplete => ExitCode::from(EXIT_BAD_INPUT),
    })
}

fn compare(args: &CompareArgs) -> Result<ExitCode, Error> {
    use commands::compare;
    let a = compare::locate(&args.a, &args.out)?;
    let b = compare::locate(&args.b, &args.out)?;
    let comparison = compare::compare(&a, &b)?;
    emit(&comparison, &comparison.to_text(), args.json.as_deref())?;
    let html = args.output.clone().unwrap_or_else(|| {
        b.parent()
            .unwrap_or(std::path::Path::new("."))
            .join("compare.html")
    });
    write_atomic(
        &html,
        driftprint::report::html::render_compare(&comparison).as_bytes(),
    )?;
    if args.json.as_deref() != Some(std::path::Path::new("-")) {
        println!("wrote {}", html.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn policy_check(args: &PolicyCheckArgs) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let mut features = config.features.clone();
    apply_feature_flags(&mut features, None, &args.embed)?;
    let report = commands::policy::run_check(
        &commands::policy::CheckInputs {
            train: &args.train,
            eval: &args.eval,
            lock: args.lock.as_deref(),
            audit: args.audit.as_deref(),
            fingerprint: args.fingerprint.as_deref(),
            ancestry: args.ancestry.as_deref(),
            model: args.model.as_deref(),
            phase: args.phase,
        },
        &config,
        &features.embed,
    )?;
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(match report.status {
        driftprint::policy::Status::Fail => ExitCode::from(EXIT_BLOCKED),
        _ => ExitCode::SUCCESS,
    })
}

fn policy_lock(args: &PolicyLockArgs) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let n = commands::policy::run_lock(&args.inputs, &config.ingest, &args.output)?;
    println!(
        "locked {n} eval documents (id, text, label) in {}",
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn policy_audit_sample(args: &PolicyAuditSampleArgs) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    if args.n == 0 {
        return Err(Error::Usage("--n must be at least 1".into()));
    }
    let (random, suspects) = commands::policy::run_audit_sample(
        &args.train,
        &config.ingest,
        args.n,
        args.suspects,
        args.seed.unwrap_or(config.seed),
        &args.output,
    )?;
    println!(
        "wrote {random} random and {suspects} suspect documents to {}: fill `verdict` with correct or wrong, then pass it to `policy check --audit`",
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the table, or the JSON on stdout with `--json -`; with `--json FILE` also writes the
/// JSON there (atomically).
fn display_paths(paths: &[std::path::PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn emit(
    report: &impl serde::Serialize,
    text: &str,
    json: Option<&std::path::Path>,
) -> Result<(), Error> {
    let rendered = || serde_json::to_string_pretty(report).map_err(|e| Error::Usage(e.to_string()));
    match json {
        Some(path) if path.as_os_str() == "-" => println!("{}", rendered()?),
        Some(path) => {
            write_atomic(path, rendered()?.as_bytes())?;
            print!("{text}");
        }
        None => print!("{text}"),
    }
    let _ = std::io::stdout().flush();
    Ok(())
}
