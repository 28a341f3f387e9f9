//! `driftprint policy check | lock | audit-sample`.

use std::path::{Path, PathBuf};

use super::read_corpus;
use crate::commands::fingerprint::score::flag_rate;
use crate::config::Config;
use crate::corpus::{CorpusStream, Doc, IngestOptions, Source};
use crate::error::{Error, Result};
use crate::fingerprint::built_in;
use crate::fingerprint::contamination::{ContaminationRules, Flagged};
use crate::fingerprint::Detector;
use crate::policy::ancestry::Ancestry;
use crate::policy::audit::{stratified_sample, write_sheet, Audit, RANDOM, SUSPECT};
use crate::policy::lock::EvalLock;
use crate::policy::train_tally::{TrainProbe, TrainTally};
use crate::policy::{check, EvalScreen, Manifest, PolicyConfig, PolicyReport};

/// A policy check with everything but the training set loaded: the settings with the flags
/// on top, the eval set, lock, audit, detector and ancestry, and the probe the training
/// documents are tallied with.
pub struct PolicyCheck {
    policy: PolicyConfig,
    eval: Vec<Doc>,
    lock: Option<EvalLock>,
    audit: Option<Audit>,
    detector: Detector,
    /// How the report names the detector.
    detector_name: String,
    trusted: Option<Flagged>,
    rules: ContaminationRules,
    ancestry: Option<Ancestry>,
    pub probe: TrainProbe,
}

impl PolicyCheck {
    /// The config's `[policy]` manifest and `[fingerprint] model` — the built-in detector when
    /// none is configured — (flags are laid over the config before it is checked).
    pub fn new(config: &Config) -> Result<Self> {
        let policy = config.policy.clone();
        let eval = read_corpus(
            manifest_files(&policy.eval, "eval")?,
            &config.ingest,
            &|_, _| {},
        )?
        .0;
        let lock = policy.lock.as_deref().map(EvalLock::load).transpose()?;
        let audit = policy.audit.as_deref().map(Audit::load).transpose()?;
        let (detector, detector_name) = match &config.fingerprint.model {
            Some(p) => (
                Detector::load(p, &config.features)?,
                format!("detector {}", p.display()),
            ),
            None => (
                Detector::built_in(&config.features)?,
                built_in::NAME.to_string(),
            ),
        };
        let contamination = &config.fingerprint.contamination;
        let trusted = match contamination.trusted_real.is_empty() {
            true => None,
            false => Some(flag_rate(
                &detector,
                &contamination.trusted_real,
                &config.ingest,
            )?),
        };
        let ancestry = policy.ancestry.as_deref().map(Ancestry::load).transpose()?;
        let audited = audit
            .iter()
            .flat_map(|a| a.random.keys().chain(a.suspects.keys()).cloned())
            .collect();
        let probe = TrainProbe::new(&eval, audited, policy.leakage_jaccard, config.seed);
        Ok(PolicyCheck {
            policy,
            eval,
            lock,
            audit,
            detector,
            detector_name,
            trusted,
            rules: contamination.rules,
            ancestry,
            probe,
        })
    }

    /// Every gate over the tallied training set.
    pub fn finish(&self, train: &TrainTally) -> Result<PolicyReport> {
        check(&Manifest {
            train,
            eval: &self.eval,
            config: &self.policy,
            lock: self.lock.as_ref(),
            audit: self.audit.as_ref(),
            screen: Some(EvalScreen {
                detector: &self.detector,
                name: self.detector_name.clone(),
                trusted: self.trusted,
                rules: self.rules,
            }),
            ancestry: self.ancestry.as_ref(),
        })
    }
}

pub fn run_check(config: &Config) -> Result<PolicyReport> {
    let check = PolicyCheck::new(config)?;
    // The training set streams past the probe.
    let mut tally = TrainTally::default();
    let mut stream = CorpusStream::open(
        manifest_files(&config.policy.train, "train")?,
        &config.ingest,
    )?;
    while let Some(batch) = stream.next_batch()? {
        tally.observe(&batch, &check.probe);
    }
    stream.finish()?;
    check.finish(&tally)
}

/// The `[policy]` corpus files, which must not be empty.
fn manifest_files<'a>(files: &'a [PathBuf], what: &str) -> Result<&'a [PathBuf]> {
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "no {what} corpus: pass --{what} FILE... or set [policy] {what} in the config"
        )));
    }
    Ok(files)
}
/// Locks the eval set; returns the number of documents.
pub fn run_lock(inputs: &[PathBuf], ingest: &IngestOptions, output: &Path) -> Result<usize> {
    // A lock covers id, text and label: provenance is not needed to lock.
    let mut ingest = ingest.clone();
    ingest.defaults.source.get_or_insert(Source::Real);
    let docs = read_corpus(inputs, &ingest, &|_, _| {})?.0;
    EvalLock::of(&docs).save(output)?;
    Ok(docs.len())
}

/// Writes the audit sheet: the random sample, then the suspects; returns both counts.
pub fn run_audit_sample(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    n: usize,
    suspects: usize,
    seed: u64,
    output: &Path,
) -> Result<(usize, usize)> {
    let docs = read_corpus(inputs, ingest, &|_, _| {})?.0;
    let synthetic: Vec<&Doc> = docs
        .iter()
        .filter(|d| d.lineage.source == Source::Synthetic)
        .collect();
    if synthetic.is_empty() {
        return Err(Error::Usage(
            "the training set has no synthetic documents to audit".into(),
        ));
    }
    let sample = stratified_sample(&synthetic, n, seed);
    let mut rows: Vec<(&Doc, &str)> = sample.iter().map(|d| (*d, RANDOM)).collect();
    if suspects > 0 {
        let in_sample: std::collections::HashSet<&str> =
            sample.iter().map(|d| d.id.as_str()).collect();
        let ranked = crate::policy::suspects::rank(&docs, seed)?;
        rows.extend(
            ranked
                .into_iter()
                .filter(|&i| !in_sample.contains(docs[i].id.as_str()))
                .take(suspects)
                .map(|i| (&docs[i], SUSPECT)),
        );
    }
    write_sheet(output, &rows)?;
    let random = sample.len();
    Ok((random, rows.len() - random))
}
