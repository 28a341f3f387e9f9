//! The CLI's glue: each subcommand's flags over the config into its command's options, progress
//! bars, printing, and the exit code (0 pass, 1 a gate failed, 2 bad input or usage). One file
//! per command family; the work itself is in [`crate::commands`].

mod collapse;
mod corpus;
mod drift;
mod fingerprint;
mod policy;
mod report;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::{Cli, Command, FingerprintCommand, PolicyCommand};
use crate::error::Error;
use crate::output::terminal::terminal_safe;
use crate::output::write_atomic;

/// Bad input or usage: the exit code of an incomplete verdict (every outcome's code is
/// [`crate::status::Status::exit_code`]).
pub const EXIT_BAD_INPUT: u8 = crate::status::Status::Incomplete.exit_code();

/// Runs the parsed command line; the exit code to end with.
pub fn run(cli: &Cli) -> ExitCode {
    let outcome = match &cli.command {
        Command::Inspect(args) => corpus::inspect(args, cli.quiet),
        Command::Features(args) => corpus::features(args, cli.quiet),
        Command::Drift(args) => drift::drift(args, cli.quiet),
        Command::Calibrate(args) => drift::calibrate(args, cli.quiet),
        Command::Collapse(args) => collapse::collapse(args, cli.quiet),
        Command::Simulate(args) => collapse::simulate(args, cli.quiet),
        Command::Fingerprint(FingerprintCommand::Train(args)) => {
            fingerprint::train(args, cli.quiet)
        }
        Command::Fingerprint(FingerprintCommand::Eval(args)) => fingerprint::eval(args, cli.quiet),
        Command::Fingerprint(FingerprintCommand::Score(args)) => {
            fingerprint::score(args, cli.quiet)
        }
        Command::Fingerprint(FingerprintCommand::Explain(args)) => fingerprint::explain(args),
        Command::Report(args) => report::report(args, cli.quiet),
        Command::Compare(args) => report::compare(args),
        Command::Policy(PolicyCommand::Check(args)) => policy::check(args),
        Command::Policy(PolicyCommand::Lock(args)) => policy::lock(args),
        Command::Policy(PolicyCommand::AuditSample(args)) => policy::audit_sample(args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", terminal_safe(&e.to_string()));
            // Every library error is about the user's input, flags, config or output path.
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// The inputs every command has: its config file (if any). Each command adds its corpora and
/// side files, and refuses an output that is one of them.
fn read_files(config: Option<&std::path::Path>) -> crate::output::InputFiles {
    crate::output::InputFiles::new().with("config", config)
}

/// `--seed` as the config's `seed`.
fn seed_flag(flags: &mut crate::config::Overrides, seed: Option<u64>) -> Result<(), Error> {
    if let Some(seed) = seed {
        flags
            .set_seed("--seed", seed)
            .map_err(|m| crate::error::ConfigError::new("command line", "--seed", m))?;
    }
    Ok(())
}

/// Paths for a "wrote ..." line.
fn display_paths(paths: &[std::path::PathBuf]) -> String {
    let joined = paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    terminal_safe(&joined).into_owned()
}

/// Prints the table, or the JSON on stdout with `--json -`; with `--json FILE` also writes the
/// JSON there (atomically).
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
            print!("{}", terminal_safe(text));
        }
        None => print!("{}", terminal_safe(text)),
    }
    let _ = std::io::stdout().flush();
    Ok(())
}
