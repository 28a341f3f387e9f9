//! How each stage's result shows in a report, one file per stage: its line and status, its
//! HTML and Markdown sections, its figures, its glance line with next steps, and the numbers
//! the history keeps. The report's writers go through [`Section`] and never match on stages.

mod collapse;
mod drift;
mod fingerprint;
mod policy;

use super::figures::NamedFigure;
use super::glance::NextStep;
use super::history::Tracked;
use super::{StageResult, StageStatus};

/// A stage's result as the report shows it.
pub trait Section {
    /// The stage's status and its one line (the run's verdict names the stage's status).
    fn verdict(&self) -> (StageStatus, String);
    /// Its part of report.html, under the stage's heading.
    fn html(&self, s: &mut String);
    /// Its lines in summary.md (nothing when there is nothing to act on).
    fn markdown(&self, _s: &mut String) {}
    /// Its figures, in the order they are shown.
    fn figures(&self, _out: &mut Vec<NamedFigure>) {}
    /// The number that decided the stage, in words; pushes what to look at first.
    fn glance(&self, next: &mut Vec<NextStep>) -> String;
    /// The numbers the run history follows.
    fn tracked(&self, out: &mut Vec<Tracked>);
}

impl StageResult {
    pub fn section(&self) -> &dyn Section {
        match self {
            StageResult::Drift(d) => d.as_ref(),
            StageResult::Fingerprint(f) => f.as_ref(),
            StageResult::Collapse(c) => c.as_ref(),
            StageResult::Policy(p) => p.as_ref(),
        }
    }
}

/// What the section files share.
mod prelude {
    pub(super) use super::super::figures::*;
    pub(super) use super::super::glance::{NextStep, NAMED};
    pub(super) use super::super::history::Tracked;
    pub(super) use super::super::html::{escape, lexicon_table, shortcut_table};
    pub(super) use super::super::markdown::{cell, shortcut_names};
    pub(super) use super::super::{number, overall_outcomes, rule, StageStatus, Status};
    pub(super) use super::Section;
    pub(super) use crate::divergence::{format_p, Side, ThresholdKind};
    pub(super) use crate::policy::GateStatus;
}
