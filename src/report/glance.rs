//! The top of a report, read at a glance: per stage its status and the one number that decided
//! it, then what to do next — the blocking tests with their strongest witnesses and features,
//! the collapsing metrics, the failing gates with their evidence.

use serde::Serialize;

use super::{overall_outcomes, StageReport, StageResult, StageStatus};
use crate::divergence::{format_p, Side};
use crate::policy::GateStatus;

/// Witnesses, features and evidence items named per next step.
const NAMED: usize = 3;

/// One stage's line at the top of the report.
#[derive(Debug, Clone, Serialize)]
pub struct StageGlance {
    pub stage: &'static str,
    pub status: StageStatus,
    /// The number that decided the stage, in words ("c2st p = 3.2e-31 after Holm, α 0.05").
    pub decided_by: String,
}

/// What the report asks a person to look at first, most urgent first.
#[derive(Debug, Clone, Serialize)]
pub struct NextStep {
    pub stage: &'static str,
    pub text: String,
}

/// The glance lines of every stage and the next steps.
pub fn glance(stages: &[StageReport]) -> (Vec<StageGlance>, Vec<NextStep>) {
    let mut lines = Vec::new();
    let mut next = Vec::new();
    for st in stages {
        let decided_by = match &st.result {
            None => format!("could not run: {}", st.line),
            Some(StageResult::Drift(d)) => drift(d, &mut next),
            Some(StageResult::Fingerprint(f)) => fingerprint(f, &mut next),
            Some(StageResult::Collapse(c)) => collapse(c, &mut next),
            Some(StageResult::Policy(p)) => policy(p, &mut next),
        };
        if st.result.is_none() {
            next.push(NextStep {
                stage: st.stage,
                text: format!("fix what stopped the stage: {}", st.line),
            });
        }
        lines.push(StageGlance {
            stage: st.stage,
            status: st.status,
            decided_by,
        });
    }
    (lines, next)
}

fn drift(d: &crate::commands::drift::DriftReport, next: &mut Vec<NextStep>) -> String {
    // The gated test with the smallest Holm-adjusted p decided the stage, blocked or not.
    let strongest = overall_outcomes(d)
        .filter_map(|o| Some((o, o.gate_p?)))
        .filter(|(o, _)| o.gated)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    for o in overall_outcomes(d).filter(|o| o.blocks) {
        let Some(r) = &o.result else { continue };
        let mut text = format!("{} blocks ({})", o.test, r.details.summary);
        let witnesses: Vec<String> = r
            .details
            .witnesses
            .iter()
            .take(NAMED)
            .map(|w| {
                let side = match w.side {
                    Side::Reference => "real",
                    Side::Candidate => "synthetic",
                };
                format!("{} ({side})", w.id)
            })
            .collect();
        if !witnesses.is_empty() {
            text.push_str(&format!(
                "; documents that drive it: {}",
                witnesses.join(", ")
            ));
        }
        let mut features: Vec<_> = r.details.features.iter().collect();
        features.sort_by(|a, b| b.statistic.total_cmp(&a.statistic));
        let features: Vec<&str> = features
            .iter()
            .take(NAMED)
            .map(|f| f.feature.as_str())
            .collect();
        if !features.is_empty() {
            text.push_str(&format!("; features: {}", features.join(", ")));
        }
        next.push(NextStep {
            stage: "drift",
            text,
        });
    }
    match strongest {
        Some((o, p)) => format!("{} p = {} after Holm (α {})", o.test, format_p(p), d.alpha),
        None => "no gated test ran".into(),
    }
}

fn fingerprint(
    f: &crate::commands::fingerprint::score::ScoreSummary,
    next: &mut Vec<NextStep>,
) -> String {
    if !f.shortcuts.shortcuts.is_empty() {
        let names: Vec<&str> = f
            .shortcuts
            .shortcuts
            .iter()
            .take(NAMED)
            .map(|s| s.feature.as_str())
            .collect();
        next.push(NextStep {
            stage: "fingerprint",
            text: format!(
                "check the detector's training data: {} style/format/length feature(s) separate its classes on their own ({}), likely artefacts of how it was collected",
                f.shortcuts.shortcuts.len(),
                names.join(", ")
            ),
        });
    }
    match &f.synthetic_fraction {
        Some(e) => format!(
            "estimated synthetic share {:.1}% ({:.0}% interval {:.1}–{:.1}%) of {} documents",
            100.0 * e.estimate,
            100.0 * e.level,
            100.0 * e.low,
            100.0 * e.high,
            f.documents
        ),
        None => format!(
            "{} of {} documents flagged (the detector does not separate the classes: no share estimated)",
            f.flagged, f.documents
        ),
    }
}

fn collapse(c: &crate::commands::collapse::CollapseReport, next: &mut Vec<NextStep>) -> String {
    let metrics: Vec<_> = c.tracks.iter().flat_map(|t| &t.metrics).collect();
    let collapsing: Vec<_> = metrics.iter().filter(|m| m.collapsing).collect();
    for t in &c.tracks {
        let mut worst: Vec<_> = t.metrics.iter().filter(|m| m.collapsing).collect();
        worst.sort_by(|a, b| {
            let change = |m: &&crate::collapse::trend::MetricTrend| {
                m.relative_change_per_generation.unwrap_or(0.0).abs()
            };
            change(b).total_cmp(&change(a))
        });
        if worst.is_empty() {
            continue;
        }
        let named: Vec<String> = worst
            .iter()
            .take(NAMED)
            .map(|m| {
                let when = match m.generations_to_threshold {
                    Some(g) if g <= 0.0 => "past its alarm level".to_string(),
                    Some(g) => format!("alarm level in {g:.1} generations"),
                    None => "moving away from its alarm level".to_string(),
                };
                format!(
                    "{} {:+.1}%/generation, {when}",
                    m.metric,
                    100.0 * m.relative_change_per_generation.unwrap_or(0.0)
                )
            })
            .collect();
        next.push(NextStep {
            stage: "collapse",
            text: format!(
                "track {}: {} metric(s) losing diversity ({}); mix fresh real data into each generation (`driftprint simulate --real-fraction` shows how much helps)",
                t.track,
                worst.len(),
                named.join("; ")
            ),
        });
    }
    let smallest = metrics
        .iter()
        .filter_map(|m| m.p_adjusted)
        .fold(f64::INFINITY, f64::min);
    match (collapsing.len(), smallest.is_finite()) {
        (0, true) => format!(
            "no metric declining significantly (smallest Holm p {}, α {})",
            format_p(smallest),
            c.alpha
        ),
        (0, false) => "no metric with a collapse direction".into(),
        (n, _) => format!(
            "{n} of {} metrics collapsing (smallest Holm p {}, α {})",
            metrics.len(),
            format_p(smallest),
            c.alpha
        ),
    }
}

fn policy(p: &crate::policy::PolicyReport, next: &mut Vec<NextStep>) -> String {
    let count = |s: GateStatus| p.gates.iter().filter(|g| g.status == s).count();
    for status in [GateStatus::Fail, GateStatus::Warn] {
        for g in p.gates.iter().filter(|g| g.status == status) {
            let mut text = format!("{} {}: {}", g.status.label(), g.gate, g.message);
            if !g.evidence.is_empty() {
                let shown: Vec<&str> = g.evidence.iter().take(NAMED).map(String::as_str).collect();
                text.push_str(&format!(
                    " — evidence: {}{}",
                    shown.join("; "),
                    if g.evidence.len() > NAMED {
                        format!(" (+{} more)", g.evidence.len() - NAMED)
                    } else {
                        String::new()
                    }
                ));
            }
            next.push(NextStep {
                stage: "policy",
                text,
            });
        }
    }
    format!(
        "{} of {} gates failed, {} warned",
        count(GateStatus::Fail),
        p.gates.len(),
        count(GateStatus::Warn)
    )
}
