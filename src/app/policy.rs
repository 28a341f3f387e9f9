//! `policy check | lock | audit-sample`: the synthetic-data rules as gates.

use std::process::ExitCode;

use super::corpus::model_flags;
use super::{emit, read_files, seed_flag};
use crate::cli::{PolicyAuditSampleArgs, PolicyCheckArgs, PolicyLockArgs};
use crate::commands::{self, resolve_config};
use crate::config::Overrides;
use crate::error::Error;

pub(super) fn check(args: &PolicyCheckArgs) -> Result<ExitCode, Error> {
    let mut flags = Overrides::default();
    model_flags(&mut flags, &args.models);
    for (key, flag, paths) in [
        ("policy.train", "--train", &args.train),
        ("policy.eval", "--eval", &args.eval),
    ] {
        if !paths.is_empty() {
            flags.set_paths(key, flag, paths);
        }
    }
    for (key, flag, path) in [
        ("policy.lock", "--lock", &args.lock),
        ("policy.audit", "--audit", &args.audit),
        ("policy.ancestry", "--ancestry", &args.ancestry),
        ("fingerprint.model", "--fingerprint", &args.fingerprint),
    ] {
        if let Some(path) = path {
            flags.set_path(key, flag, path);
        }
    }
    if let Some(model) = &args.model {
        flags.set("policy.model", "--model", model.as_str());
    }
    if let Some(phase) = args.phase {
        flags.set("policy.phase", "--phase", phase);
    }
    let config = resolve_config(&args.ingest, flags)?;
    let policy = &config.policy;
    read_files(args.ingest.config.as_deref())
        .with("[policy] train corpus", &policy.train)
        .with("[policy] eval corpus", &policy.eval)
        .with("[policy] lock", &policy.lock)
        .with("[policy] audit", &policy.audit)
        .with("[policy] ancestry", &policy.ancestry)
        .with("[fingerprint] model", &config.fingerprint.model)
        .with(
            "[fingerprint] trusted_real corpus",
            &config.fingerprint.contamination.trusted_real,
        )
        .refuse_as_outputs(&args.json)?;
    let report = commands::policy::run_check(&config)?;
    emit(&report, &report.to_text(), args.json.as_deref())?;
    Ok(ExitCode::from(
        crate::status::Status::from(report.status).exit_code(),
    ))
}

pub(super) fn lock(args: &PolicyLockArgs) -> Result<ExitCode, Error> {
    let config = resolve_config(&args.ingest, Overrides::default())?;
    read_files(args.ingest.config.as_deref())
        .with("corpus", &args.inputs)
        .refuse_as_outputs([&args.output])?;
    let n = commands::policy::run_lock(&args.inputs, &config.ingest, &args.output)?;
    println!(
        "locked {n} eval documents (id, text, label) in {}",
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub(super) fn audit_sample(args: &PolicyAuditSampleArgs) -> Result<ExitCode, Error> {
    let mut flags = Overrides::default();
    seed_flag(&mut flags, args.seed)?;
    let config = resolve_config(&args.ingest, flags)?;
    if args.n == 0 {
        return Err(Error::Usage("--n must be at least 1".into()));
    }
    read_files(args.ingest.config.as_deref())
        .with("--train corpus", &args.train)
        .refuse_as_outputs([&args.output])?;
    let (random, suspects) = commands::policy::run_audit_sample(
        &args.train,
        &config.ingest,
        args.n,
        args.suspects,
        config.seed,
        &args.output,
    )?;
    println!(
        "wrote {random} random and {suspects} suspect documents to {}: fill `verdict` with correct or wrong, then pass it to `policy check --audit`",
        args.output.display()
    );
    Ok(ExitCode::SUCCESS)
}
