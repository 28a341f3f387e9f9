//! The `driftprint` binary: parse flags, set up logging and threads, run the subcommand
//! ([`driftprint::app`]) and end with its exit code (0 pass, 1 a gate failed, 2 bad input or
//! usage).

use std::process::ExitCode;

use clap::Parser;
use driftprint::app::{self, EXIT_BAD_INPUT};
use driftprint::cli::Cli;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::EnvFilter;

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
    app::run(&cli)
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
    // Messages quote user data (file names, ids, generator names): their control characters
    // are shown escaped, never obeyed by the terminal.
    let fields = tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let text = format!("{value:?}");
        let text = driftprint::output::terminal::terminal_safe(&text);
        if field.name() == "message" {
            write!(w, "{text}")
        } else {
            write!(w, "{field}={text}")
        }
    })
    .delimited(" ");
    // Colour only on a terminal: CI logs and files must not collect escape codes.
    tracing_subscriber::fmt()
        .fmt_fields(fields)
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
}
