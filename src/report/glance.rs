//! The top of a report, read at a glance: per stage its status and the one number that decided
//! it, then what to do next — the blocking tests with their strongest witnesses and features,
//! the collapsing metrics, the failing gates with their evidence.

use serde::Serialize;

use super::{StageReport, StageStatus};

/// Witnesses, features and evidence items named per next step.
pub(crate) const NAMED: usize = 3;

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
            Some(result) => result.section().glance(&mut next),
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
