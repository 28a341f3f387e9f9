//! Synthetic-data policy gates: the rules teams train by, checked over a training manifest
//! (train and eval corpora with lineage, plus optional lock, audit, detector and ancestry).
//! Every gate returns the same [`GateResult`] shape; one rule per file.

pub mod ancestry;
pub mod audit;
pub mod config;
pub mod eval_real;
pub mod generator_diversity;
pub mod leakage;
pub mod lock;
pub mod mix;
pub mod recursion;
pub mod summary;
pub mod suspects;
pub mod train_tally;

use crate::status::Status;
use serde::Serialize;

use crate::corpus::Doc;
use crate::error::Result;
use crate::fingerprint::detector::Detector;

pub use config::PolicyConfig;

/// A gate's outcome; `Fail` blocks the release (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateStatus {
    Pass,
    Warn,
    Fail,
}

/// A failed gate blocks the release; a warning passes it with a note.
impl From<GateStatus> for Status {
    fn from(gate: GateStatus) -> Status {
        match gate {
            GateStatus::Pass => Status::Pass,
            GateStatus::Warn => Status::Warn,
            GateStatus::Fail => Status::Blocked,
        }
    }
}

impl GateStatus {
    /// Fail when there is evidence against a rule that allows none, pass otherwise.
    pub fn from_evidence(evidence: &[String]) -> GateStatus {
        if evidence.is_empty() {
            GateStatus::Pass
        } else {
            GateStatus::Fail
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GateStatus::Pass => "PASS",
            GateStatus::Warn => "WARN",
            GateStatus::Fail => "FAIL",
        }
    }
}

/// One gate's verdict: what was measured against which threshold, and the documents (or
/// pairs, chains, groups) that caused it.
#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    pub gate: &'static str,
    pub status: GateStatus,
    /// One line a person reads first.
    pub message: String,
    /// The measured value (a share, a count, an upper bound...), when there is one.
    pub measured: Option<f64>,
    pub threshold: Option<f64>,
    /// What caused a warning or failure: document ids, pairs, chains.
    pub evidence: Vec<String>,
}

impl GateResult {
    pub fn new(gate: &'static str, status: GateStatus, message: impl Into<String>) -> GateResult {
        GateResult {
            gate,
            status,
            message: message.into(),
            measured: None,
            threshold: None,
            evidence: Vec::new(),
        }
    }

    pub fn measured(mut self, value: f64, threshold: f64) -> GateResult {
        self.measured = Some(value);
        self.threshold = Some(threshold);
        self
    }

    pub fn evidence(mut self, evidence: Vec<String>) -> GateResult {
        self.evidence = evidence;
        self
    }
}

/// Everything the gates look at.
pub struct Manifest<'a> {
    /// What the gates need of the training set (see [`train_tally`]).
    pub train: &'a train_tally::TrainTally,
    pub eval: &'a [Doc],
    pub config: &'a PolicyConfig,
    pub lock: Option<&'a lock::EvalLock>,
    pub audit: Option<&'a audit::Audit>,
    /// The detector that looks for unlabelled LLM text in the eval set.
    pub screen: Option<EvalScreen<'a>>,
    pub ancestry: Option<&'a ancestry::Ancestry>,
}

/// A detector screening the eval set for LLM text, how reports name it, and how its estimate
/// is judged.
pub struct EvalScreen<'a> {
    pub detector: &'a Detector,
    pub name: String,
    /// The flags of human text the user trusts, if any: the false-positive rates (else the
    /// detector's own).
    pub trusted: Option<crate::fingerprint::contamination::Flagged>,
    pub rules: crate::fingerprint::contamination::ContaminationRules,
}

/// One rule.
pub trait Gate {
    fn check(&self, manifest: &Manifest) -> Result<GateResult>;
}

/// The gates in the order the report lists them.
pub fn gates() -> Vec<Box<dyn Gate>> {
    vec![
        Box::new(eval_real::EvalIsReal),
        Box::new(lock::EvalIsLocked),
        Box::new(mix::MixRatio),
        Box::new(generator_diversity::GeneratorDiversity),
        Box::new(recursion::NoRecursiveGeneration),
        Box::new(audit::ExpertAudit),
        Box::new(leakage::NoLeakage),
    ]
}

/// Every gate's result and the lineage summary.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyReport {
    pub status: GateStatus,
    pub gates: Vec<GateResult>,
    pub lineage: summary::LineageSummary,
}

pub fn check(manifest: &Manifest) -> Result<PolicyReport> {
    let results: Vec<GateResult> = gates()
        .iter()
        .map(|g| g.check(manifest))
        .collect::<Result<_>>()?;
    Ok(PolicyReport {
        status: results
            .iter()
            .map(|r| r.status)
            .max()
            .unwrap_or(GateStatus::Pass),
        gates: results,
        lineage: summary::summarise(manifest.train, manifest.eval),
    })
}

impl PolicyReport {
    /// Verdict line first, then one line per gate with its first pieces of evidence, then the
    /// lineage summary.
    /// The one-line verdict: which gates failed, or how many warned.
    pub fn verdict_line(&self) -> String {
        let failed: Vec<&str> = self
            .gates
            .iter()
            .filter(|g| g.status == GateStatus::Fail)
            .map(|g| g.gate)
            .collect();
        let warned = self
            .gates
            .iter()
            .filter(|g| g.status == GateStatus::Warn)
            .count();
        match self.status {
            GateStatus::Fail => format!(
                "FAIL: {} policy gate(s) failed: {} (release blocked)",
                failed.len(),
                failed.join(", ")
            ),
            GateStatus::Warn => format!("PASS with {warned} warning(s)"),
            GateStatus::Pass => format!("PASS: all {} policy gates pass", self.gates.len()),
        }
    }

    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = self.verdict_line();
        s.push('\n');
        const SHOWN: usize = 10;
        for g in &self.gates {
            let _ = writeln!(s, "  {} {:<20} {}", g.status.label(), g.gate, g.message);
            if g.status != GateStatus::Pass {
                for e in g.evidence.iter().take(SHOWN) {
                    let _ = writeln!(s, "       - {e}");
                }
                if g.evidence.len() > SHOWN {
                    let _ = writeln!(
                        s,
                        "       ... and {} more (all in --json)",
                        g.evidence.len() - SHOWN
                    );
                }
            }
        }
        s.push('\n');
        s.push_str(&self.lineage.to_text());
        s
    }
}
