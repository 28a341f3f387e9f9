//! Gate 3: the mix-in ratio. The real share of the training set must reach what the rollout
//! phase requires (0 prototype: any; 1 ≥ 50%; 2 ≥ 80%; 3 ≥ 95%), or without a phase the
//! production rule (≥ 10% real); past the prototype never 100% synthetic. Checked per class
//! too: minority-class augmentation is where a class quietly becomes all synthetic.

use super::train_tally::{Field, Share};
use super::{Gate, GateResult, GateStatus, Manifest};
use crate::error::Result;

pub struct MixRatio;

/// Real and total documents.
fn counts(share: &Share) -> (usize, usize) {
    let all = share.documents as usize;
    (all - share.synthetic as usize, all)
}

impl Gate for MixRatio {
    fn check(&self, m: &Manifest) -> Result<GateResult> {
        const NAME: &str = "mix-ratio";
        let need = m.config.min_real();
        let rule = match m.config.phase {
            Some(0) => "phase 0 (prototype): any mix".to_string(),
            Some(p) => format!("phase {p}: >= {:.0}% real", 100.0 * need),
            None => format!("production rule: >= {:.0}% real", 100.0 * need),
        };
        let (real, all) = counts(&m.train.all);
        if all == 0 {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Fail,
                "the training set is empty",
            ));
        }
        let share = real as f64 / all as f64;
        let past_prototype = m.config.phase != Some(0);
        let too_low = |real: usize, all: usize| {
            let s = real as f64 / all as f64;
            s < need || (past_prototype && real == 0)
        };
        let mut evidence = Vec::new();
        if too_low(real, all) {
            evidence.push(format!(
                "overall: {:.1}% real ({real} of {all})",
                100.0 * share
            ));
        }
        if m.config.per_class {
            for (label, share) in m.train.shares(Field::Class) {
                let Some(label) = label else { continue };
                let (r, a) = counts(share);
                if too_low(r, a) {
                    evidence.push(format!(
                        "class '{label}': {:.1}% real ({r} of {a})",
                        100.0 * r as f64 / a as f64
                    ));
                }
            }
        }
        let status = GateStatus::from_evidence(&evidence);
        Ok(GateResult::new(
            NAME,
            status,
            format!(
                "{:.1}% of {all} training documents are real ({rule}){}",
                100.0 * share,
                if status == GateStatus::Fail {
                    format!("; {} group(s) below", evidence.len())
                } else {
                    String::new()
                }
            ),
        )
        .measured(share, need)
        .evidence(evidence))
    }
}
