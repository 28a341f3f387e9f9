//! The `driftprint` binary: parse flags, run the subcommand, map the outcome to an exit code
//! (0 pass, 1 a gate failed, 2 bad input or usage).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use driftprint::cli::{Cli, Command, FeaturesArgs, InspectArgs};
use driftprint::commands::{self, resolve_config, resolve_inputs};
use driftprint::error::Error;
use driftprint::features::{FeatureKind, FeatureSettings};
use driftprint::output::write_atomic;
use driftprint::progress::bytes_bar;
use tracing_subscriber::EnvFilter;

const EXIT_BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
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
    let json = serde_json::to_string_pretty(&report).map_err(|e| Error::Usage(e.to_string()))?;
    match args.json.as_deref() {
        Some(path) if path.as_os_str() == "-" => println!("{json}"),
        Some(path) => {
            write_atomic(path, json.as_bytes())?;
            print!("{}", report.to_text());
        }
        None => print!("{}", report.to_text()),
    }
    let _ = std::io::stdout().flush();
    Ok(ExitCode::SUCCESS)
}

fn features(args: &FeaturesArgs, quiet: bool) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let inputs = resolve_inputs(&args.inputs, &config)?;
    let mut settings: FeatureSettings = config.features.clone();
    let usage = |flag: &str, m: String| Error::Usage(format!("{flag}: {m}"));
    if let Some(spec) = &args.features {
        settings.kinds = FeatureKind::parse_list(spec).map_err(|m| usage("--features", m))?;
    }
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
