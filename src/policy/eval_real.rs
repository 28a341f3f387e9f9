//! Gate 1: the eval set is real. No eval document may be labelled synthetic; with a detector,
//! the estimated synthetic share of the eval set (Rogan–Gladen, 95% interval) must stay under
//! `eval_max_synthetic` — unlabelled LLM text in an eval set inflates every score it gives.

use super::{Gate, GateResult, GateStatus, Manifest};
use crate::corpus::Source;
use crate::error::Result;
use crate::fingerprint::fraction::synthetic_fraction;

pub struct EvalIsReal;

impl Gate for EvalIsReal {
    fn check(&self, m: &Manifest) -> Result<GateResult> {
        const NAME: &str = "eval-is-real";
        let labelled: Vec<String> = m
            .eval
            .iter()
            .filter(|d| d.lineage.source == Source::Synthetic)
            .map(|d| d.id.clone())
            .collect();
        if !labelled.is_empty() {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Fail,
                format!(
                    "{} of {} eval documents are labelled synthetic",
                    labelled.len(),
                    m.eval.len()
                ),
            )
            .measured(labelled.len() as f64 / m.eval.len().max(1) as f64, 0.0)
            .evidence(labelled));
        }
        let Some(detector) = m.detector else {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Pass,
                format!(
                    "all {} eval documents are labelled real (no --fingerprint model to look for unlabelled synthetic text)",
                    m.eval.len()
                ),
            ));
        };
        let scored = detector.score(m.eval)?;
        let flagged: Vec<String> = m
            .eval
            .iter()
            .zip(&scored)
            .filter(|(_, s)| detector.flags(s))
            .map(|(d, s)| format!("{} (p synthetic {:.2})", d.id, s.probability))
            .collect();
        let t = &detector.meta.threshold;
        let limit = m.config.eval_max_synthetic;
        let z = crate::stats::normal::quantile(0.975);
        let Some(est) = synthetic_fraction(
            flagged.len() as u64,
            m.eval.len() as u64,
            t.tpr,
            t.fpr,
            z,
            0.95,
        ) else {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Warn,
                "the detector cannot estimate a synthetic share (its TPR is not above its FPR, or the eval set is empty)",
            ));
        };
        let (status, verdict) = if est.estimate > limit {
            (GateStatus::Fail, "over")
        } else if est.high > limit {
            (GateStatus::Warn, "under, but its interval reaches over,")
        } else {
            (GateStatus::Pass, "under")
        };
        Ok(GateResult::new(
            NAME,
            status,
            format!(
                "estimated synthetic share of the eval set {:.1}% (95% CI {:.1}%–{:.1}%; {} of {} flagged) is {verdict} the limit {:.1}%",
                100.0 * est.estimate,
                100.0 * est.low,
                100.0 * est.high,
                flagged.len(),
                m.eval.len(),
                100.0 * limit
            ),
        )
        .measured(est.estimate, limit)
        .evidence(if status == GateStatus::Pass { Vec::new() } else { flagged }))
    }
}
