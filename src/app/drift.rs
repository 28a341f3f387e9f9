//! `drift` and `calibrate`: the divergence suite and its thresholds.

use std::process::ExitCode;

use super::corpus::feature_flags;
use super::{emit, read_files, seed_flag};
use crate::cli::{CalibrateArgs, DriftArgs};
use crate::commands::{self, resolve_config, resolve_inputs};
use crate::corpus::side_file::{read_side_text, SideFile};
use crate::error::Error;
use crate::output::write_atomic;
use crate::progress::bytes_bar;

pub(super) fn drift(args: &DriftArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::commands::drift::{DriftRequest, Sides};
    let mut flags = feature_flags(args.features.as_deref(), &args.models);
    if let Some(spec) = &args.tests {
        flags.set_list("drift.tests", "--tests", spec);
    }
    if let Some(spec) = &args.gate {
        flags.set_list("drift.gate", "--gate", spec);
    }
    if let Some(n) = args.max_per_side {
        flags.set_count("drift.max_per_side", "--max-per-side", n);
    }
    seed_flag(&mut flags, args.seed)?;
    let config = resolve_config(&args.ingest, flags)?;
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
    read_files(args.ingest.config.as_deref())
        .with("corpus", sides_corpora(&sides))
        .refuse_as_outputs(&args.json)?;
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
    Ok(ExitCode::from(report.verdict.status().exit_code()))
}

pub(super) fn calibrate(args: &CalibrateArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::commands::drift::Sides;
    let mut flags = feature_flags(args.features.as_deref(), &args.models);
    seed_flag(&mut flags, args.seed)?;
    let config = resolve_config(&args.ingest, flags)?;
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
    read_files(args.ingest.config.as_deref())
        .with("corpus", sides_corpora(&sides))
        .refuse_as_outputs([&args.output])?;
    let spinner = bytes_bar(0, "calibrate", quiet);
    let calibration = commands::calibrate::run(&sides, args.n, args.splits, &config, &|step| {
        spinner.set_message(step.to_string())
    })?;
    spinner.finish_and_clear();
    let base = match &args.ingest.config {
        Some(path) => Some(read_side_text(path, SideFile::Config)?),
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

/// The files of both sides: corpora, or vectors (a `.npy` with its `.columns.json`).
fn sides_corpora(sides: &crate::commands::drift::Sides) -> Vec<std::path::PathBuf> {
    use crate::commands::drift::Sides;
    let files = match sides {
        Sides::Separate {
            reference,
            candidate,
        } => [reference.as_slice(), candidate].concat(),
        Sides::SplitBy { inputs, .. } => inputs.clone(),
    };
    files
        .iter()
        .flat_map(|p| crate::output::matrix_files(p))
        .collect()
}
