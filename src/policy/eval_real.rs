//! Gate 1: the eval set is real. No eval document may be labelled synthetic, and the estimated
//! share of unlabelled LLM text in it must stay under `eval_max_synthetic` — unlabelled LLM
//! text in an eval set inflates every score it gives. The estimate is the fingerprint stage's
//! contamination estimator: the flagged share corrected for the detector's error rates, gated
//! on its interval (a lower bound above the limit fails; an interval too wide to tell warns).

use super::{Gate, GateResult, GateStatus, Manifest};
use crate::corpus::Source;
use crate::error::Result;
use crate::fingerprint::contamination::{
    flags, point_rates, stored_rates, ContaminationRules, Flagged, RateOrigin, ScopeEstimate,
    POINTS,
};
use crate::status::Status;

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
        let Some(screen) = &m.screen else {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Pass,
                format!(
                    "all {} eval documents are labelled real (no detector to look for unlabelled LLM text)",
                    m.eval.len()
                ),
            ));
        };
        let detector = screen.detector;
        let scored = detector.score(m.eval)?;
        let mut counts = Flagged::default();
        let each: Vec<[bool; POINTS]> = scored.iter().map(|s| flags(detector, s)).collect();
        each.iter().for_each(|f| counts.add(*f));
        let rates = point_rates(
            &stored_rates(detector),
            None,
            screen.trusted.map(|t| (t, RateOrigin::TrustedReal)),
        );
        let rules = ContaminationRules {
            max_share: m.config.eval_max_synthetic,
            ..screen.rules
        };
        let e = ScopeEstimate::judge("eval set".into(), counts, &rates, &rules);
        let rates = e.rates;
        // The documents flagged where the estimate read the detector.
        let flagged: Vec<String> = m
            .eval
            .iter()
            .zip(&scored)
            .zip(&each)
            .filter(|(_, f)| f[e.point_index])
            .map(|((d, s), _)| format!("{} (p synthetic {:.2})", d.id, s.probability))
            .collect();
        let status = match e.status {
            Status::Blocked => GateStatus::Fail,
            Status::Pass => GateStatus::Pass,
            _ => GateStatus::Warn,
        };
        let shown = match &e.estimate {
            Some(f) => format!(
                "{:.1}% (95% CI {:.1}%–{:.1}%)",
                100.0 * f.estimate,
                100.0 * f.low,
                100.0 * f.high
            ),
            None => "not estimable".into(),
        };
        let message = format!(
            "estimated LLM share of the eval set {shown}, {} of {} flagged by the {} at {} (TPR from {}, FPR from {}): {}",
            e.flagged,
            counts.documents,
            screen.name,
            e.point,
            rates.tpr.origin.describe(),
            rates.fpr.origin.describe(),
            e.reason
        );
        let result = GateResult::new(NAME, status, message).evidence(match status {
            GateStatus::Pass => Vec::new(),
            _ => flagged,
        });
        Ok(match &e.estimate {
            Some(f) => result.measured(f.estimate, rules.max_share),
            None => result,
        })
    }
}
