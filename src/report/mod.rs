//! What the user reads: the report model (one serializable value built from what the stages
//! return), its JSON/Markdown writers, the run history, and the figures.

pub mod compare;
pub mod figures;
pub mod glance;
pub mod history;
pub mod html;
pub mod markdown;
pub mod profile;
pub mod run;
pub mod sections;
pub mod time;

use serde::Serialize;

use crate::commands::drift::DriftReport;
pub use crate::stages::StageResult;
pub use crate::status::Status;

/// Name and version of report.json's schema (docs/report-schema.md).
pub const SCHEMA: &str = "driftprint-report";
pub const SCHEMA_VERSION: u32 = 1;

/// The outcomes of a drift run's overall comparison (not its `--by` groups).
pub fn overall_outcomes(
    d: &DriftReport,
) -> impl Iterator<Item = &crate::divergence::suite::Outcome> {
    d.comparisons
        .iter()
        .filter(|c| c.group.is_none())
        .flat_map(|c| &c.outcomes)
}

pub use crate::output::number;

/// The rule a test is held to, as a person reads it ("p < 0.05", "> 0.2000"; "not
/// calibrated" for a statistic test without a threshold yet).
pub fn rule(r: &crate::divergence::TestResult) -> String {
    use crate::divergence::ThresholdKind::*;
    if !r.threshold.is_finite() {
        return "not calibrated".into();
    }
    match r.threshold_kind {
        PValueBelow => format!("p < {}", r.threshold),
        StatisticAbove => format!("> {:.4}", r.threshold),
        StatisticBelow => format!("< {:.4}", r.threshold),
    }
}

/// One stage's own outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StageStatus {
    Pass,
    /// Ran and passes, with something a person should look at (the line says what).
    Warn,
    /// Ran, and found what blocks the release.
    Blocked,
    /// Could not run (bad input, missing model...): the error is in `line`.
    Error,
}

impl From<Status> for StageStatus {
    fn from(status: Status) -> StageStatus {
        match status {
            Status::Pass => StageStatus::Pass,
            Status::Warn => StageStatus::Warn,
            Status::Blocked => StageStatus::Blocked,
            Status::Incomplete => StageStatus::Error,
        }
    }
}

impl StageStatus {
    /// The stage's part of the run's [`Status`].
    pub fn status(self) -> Status {
        match self {
            StageStatus::Pass => Status::Pass,
            StageStatus::Warn => Status::Warn,
            StageStatus::Blocked => Status::Blocked,
            StageStatus::Error => Status::Incomplete,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StageReport {
    /// drift | fingerprint | collapse | policy
    pub stage: &'static str,
    pub status: StageStatus,
    /// One line: the stage's verdict, or its error.
    pub line: String,
    pub seconds: f64,
    /// The stage's full result (absent when it failed to run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<StageResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub status: Status,
    /// PASS, or BLOCKED / INCOMPLETE with the reason, in one line.
    pub line: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub schema_version: u32,
    pub run_id: String,
    /// UTC, RFC 3339.
    pub created: String,
    pub config: Option<String>,
    pub verdict: Verdict,
    /// Per stage its status and the number that decided it (the top of report.html).
    pub glance: Vec<glance::StageGlance>,
    /// What to look at first: blocking tests, collapsing metrics, failing gates.
    pub next_steps: Vec<glance::NextStep>,
    pub stages: Vec<StageReport>,
}

impl StageReport {
    /// A stage that could not run.
    pub fn error(stage: &'static str, message: String, seconds: f64) -> StageReport {
        StageReport {
            stage,
            status: StageStatus::Error,
            line: message,
            seconds,
            result: None,
        }
    }

    /// A stage's result with its status and one line.
    pub fn from_result(stage: &'static str, result: StageResult, seconds: f64) -> StageReport {
        let (status, line) = result.section().verdict();
        StageReport {
            stage,
            status,
            line,
            seconds,
            result: Some(result),
        }
    }
}

impl Report {
    /// Assembles the verdict from the stages: any error makes the run incomplete, else any
    /// blocking stage blocks it.
    pub fn new(
        run_id: String,
        created: String,
        config: Option<String>,
        stages: Vec<StageReport>,
    ) -> Report {
        let failing = |s: StageStatus| -> Vec<String> {
            stages
                .iter()
                .filter(|st| st.status == s)
                .map(|st| format!("{}: {}", st.stage, st.line))
                .collect()
        };
        let status = stages
            .iter()
            .map(|s| s.status.status())
            .max()
            .unwrap_or_default();
        let verdict = if status == Status::Incomplete {
            Verdict {
                status,
                line: format!("INCOMPLETE: {}", failing(StageStatus::Error).join("; ")),
            }
        } else if status == Status::Blocked {
            Verdict {
                status,
                line: format!("BLOCKED: {}", failing(StageStatus::Blocked).join("; ")),
            }
        } else {
            let warned = failing(StageStatus::Warn);
            Verdict {
                status,
                line: format!(
                    "PASS: {} stage(s) ran, nothing blocks the release ({}){}",
                    stages.len(),
                    stages
                        .iter()
                        .map(|s| s.stage)
                        .collect::<Vec<_>>()
                        .join(", "),
                    match warned.is_empty() {
                        true => String::new(),
                        false => format!("; warnings: {}", warned.join("; ")),
                    }
                ),
            }
        };
        let (glance, next_steps) = glance::glance(&stages);
        Report {
            schema: SCHEMA,
            schema_version: SCHEMA_VERSION,
            run_id,
            created,
            config,
            verdict,
            glance,
            next_steps,
            stages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn tiny_statistics_stay_readable() {
        assert_eq!(number(0.28434), "0.2843");
        assert_eq!(number(0.0), "0.0000");
        assert_eq!(number(7.09e-101), "7.09e-101");
        assert_eq!(number(-2.5e-4), "-2.50e-4");
    }
}
