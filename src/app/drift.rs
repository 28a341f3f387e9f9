//! `drift` and `calibrate`: the divergence suite and its thresholds.

use std::process::ExitCode;

use super::corpus::apply_feature_flags;
use super::emit;
use crate::cli::{CalibrateArgs, DriftArgs};
use crate::commands::{self, resolve_config, resolve_inputs};
use crate::error::Error;
use crate::output::write_atomic;
use crate::progress::bytes_bar;

/// Applies a comma-separated test list flag, checking every name.
fn test_list(flag: &str, spec: &str) -> Result<Vec<String>, Error> {
    let names: Vec<String> = spec
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    for name in &names {
        if crate::divergence::registry::find(name).is_none() {
            return Err(Error::Usage(format!(
                "{flag}: unknown test '{name}' (known: {})",
                crate::divergence::registry::names().join(", ")
            )));
        }
    }
    Ok(names)
}

pub(super) fn drift(args: &DriftArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::commands::drift::{DriftRequest, Sides};
    let mut config = resolve_config(&args.ingest)?;
    apply_feature_flags(&mut config.features, args.features.as_deref(), &args.models)?;
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
        crate::checks::check_dim(n, 1_000_000)
            .map_err(|m| Error::Usage(format!("--max-per-side: {m}")))?;
        config.drift.max_per_side = n;
    }
    if let Some(seed) = args.seed {
        config.set_seed(seed);
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
    Ok(ExitCode::from(report.verdict.status().exit_code()))
}

pub(super) fn calibrate(args: &CalibrateArgs, quiet: bool) -> Result<ExitCode, Error> {
    use crate::commands::drift::Sides;
    let mut config = resolve_config(&args.ingest)?;
    apply_feature_flags(&mut config.features, args.features.as_deref(), &args.models)?;
    if let Some(seed) = args.seed {
        config.set_seed(seed);
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
