//! `policy check | lock | audit-sample`: the synthetic-data rules as gates.

use std::process::ExitCode;

use super::corpus::apply_feature_flags;
use super::emit;
use crate::cli::{PolicyAuditSampleArgs, PolicyCheckArgs, PolicyLockArgs};
use crate::commands::{self, resolve_config};
use crate::error::Error;

pub(super) fn check(args: &PolicyCheckArgs) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let mut features = config.features.clone();
    apply_feature_flags(&mut features, None, &args.models)?;
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
        &features,
    )?;
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::from(
        crate::status::Status::from(report.status).exit_code(),
    ))
}

pub(super) fn lock(args: &PolicyLockArgs) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest)?;
    let n = commands::policy::run_lock(&args.inputs, &config.ingest, &args.output)?;
    println!(
        "locked {n} eval documents (id, text, label) in {}",
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn audit_sample(args: &PolicyAuditSampleArgs) -> Result<ExitCode, Error> {
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
