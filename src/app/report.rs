//! `report` and `compare`: the nightly report and what changed between two runs.

use std::io::Write;
use std::process::ExitCode;

use super::{display_paths, emit, read_files};
use crate::cli::{CompareArgs, ReportArgs};
use crate::error::Error;
use crate::output::terminal::terminal_safe;
use crate::output::AtomicFile;
use crate::progress::bytes_bar;

pub(super) fn report(args: &ReportArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::report::run::{self, Documents};
    if !args.inputs.is_empty() && !args.merge_states.is_empty() {
        // The merged run would read none of them, yet record them as its inputs.
        return Err(Error::Usage(
            "--inputs cannot be used with --merge-states: a merged report's documents are the \
             ones each state was saved from (give --inputs to each `report --save-state` run)"
                .into(),
        ));
    }
    let mut config = crate::config::Config::load(&args.config)?;
    if !args.inputs.is_empty() {
        // A policy manifest that trains on the inputs trains on the ones given instead.
        if config.policy.train == config.inputs {
            config.policy.train = args.inputs.clone();
        }
        config.inputs = args.inputs.clone();
    }
    let stages = match &args.stages {
        Some(spec) => {
            run::parse_stages(spec).map_err(|m| Error::Usage(format!("--stages: {m}")))?
        }
        None => run::default_stages(&config),
    };
    // The run's own folder is new; the history it appends to and a saved state are not.
    let history = args.out.join("history.jsonl");
    let outputs: Vec<&std::path::Path> = match &args.save_state {
        Some(state) => vec![state],
        None => vec![&args.out, &history],
    };
    report_inputs(&config, &args.config)
        .with("--merge-states", &args.merge_states)
        .refuse_as_outputs(outputs)?;
    let spinner = bytes_bar(0, "report", quiet);
    let progress = |step: &str| spinner.set_message(step.to_string());
    if let Some(path) = &args.save_state {
        run::save_state(&config, &stages, path, &progress)?;
        spinner.finish_and_clear();
        println!(
            "wrote the states of {} to {}",
            stages.join(", "),
            terminal_safe(&path.display().to_string())
        );
        return Ok(ExitCode::SUCCESS);
    }
    let documents = match args.merge_states.is_empty() {
        true => Documents::Read,
        false => Documents::Merged(args.merge_states.clone()),
    };
    let written = run::run(
        &config,
        Some(&args.config),
        &stages,
        documents,
        &args.out,
        &progress,
    )?;
    spinner.finish_and_clear();
    let report = &written.report;
    println!("{}", terminal_safe(&report.verdict.line));
    for stage in &report.stages {
        println!(
            "  {:<12} {:?} ({:.1} s): {}",
            stage.stage,
            stage.status,
            stage.seconds,
            terminal_safe(&stage.line)
        );
    }
    println!("wrote {}", display_paths(&written.files));
    Ok(ExitCode::from(report.verdict.status.exit_code()))
}

/// Every file a report may read: the config, its corpora and its side files.
fn report_inputs(
    config: &crate::config::Config,
    config_path: &std::path::Path,
) -> crate::output::InputFiles {
    let (fp, policy, collapse) = (&config.fingerprint, &config.policy, &config.collapse);
    read_files(Some(config_path))
        .with("[ingest] inputs corpus", &config.inputs)
        .with("[fingerprint] model", &fp.model)
        .with("[fingerprint] train corpus", &fp.train)
        .with(
            "[fingerprint] trusted_real corpus",
            &fp.contamination.trusted_real,
        )
        .with("[collapse] inputs corpus", &collapse.inputs)
        .with("[collapse] reference corpus", &collapse.reference)
        .with("[policy] train corpus", &policy.train)
        .with("[policy] eval corpus", &policy.eval)
        .with("[policy] lock", &policy.lock)
        .with("[policy] audit", &policy.audit)
        .with("[policy] ancestry", &policy.ancestry)
}

pub(super) fn compare(args: &CompareArgs) -> Result<ExitCode, Error> {
    use crate::report::compare;
    let a = compare::locate(&args.a, &args.out)?;
    let b = compare::locate(&args.b, &args.out)?;
    let beside_b = b
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join("compare.html");
    let html_path = args.output.clone().unwrap_or_else(|| beside_b.clone());
    crate::output::InputFiles::new()
        .with("report", [&a, &b])
        .refuse_as_outputs(std::iter::once(&html_path).chain(&args.json))?;
    let comparison = compare::compare(&a, &b)?;
    // Where the HTML goes is settled before anything is printed, so a run never prints its
    // comparison and then fails.
    let mut html = match &args.output {
        Some(path) => AtomicFile::create(path)?,
        None => AtomicFile::create(&beside_b).or_else(|e| {
            let here = std::path::Path::new("compare.html");
            tracing::warn!(
                "{e}; writing {} in the current folder instead (choose with -o)",
                here.display()
            );
            AtomicFile::create(here)
        })?,
    };
    emit(&comparison, &comparison.to_text(), args.json.as_deref())?;
    html.write_all(crate::report::html::render_compare(&comparison).as_bytes())
        .map_err(|e| Error::output(html.path(), e))?;
    let html_path = html.path().to_path_buf();
    html.commit()?;
    if args.json.as_deref() != Some(std::path::Path::new("-")) {
        println!("wrote {}", terminal_safe(&html_path.display().to_string()));
    }
    Ok(ExitCode::SUCCESS)
}
