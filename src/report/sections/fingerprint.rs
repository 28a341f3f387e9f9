//! The fingerprint stage in a report: its line, the scores table with lexicon and shortcuts, the
//! score histogram figure, glance and the estimated synthetic share the history keeps.

use std::fmt::Write as _;

use super::prelude::*;
use crate::commands::fingerprint::score::ScoreSummary;

impl Section for ScoreSummary {
    fn verdict(&self) -> (StageStatus, String) {
        let s = self;
        (
            StageStatus::Pass,
            match &s.synthetic_fraction {
                Some(f) => format!(
                    "estimated synthetic share {:.1}% ({:.0}% CI {:.1}%–{:.1}%) of {} documents",
                    100.0 * f.estimate,
                    100.0 * f.level,
                    100.0 * f.low,
                    100.0 * f.high,
                    s.documents
                ),
                None => format!(
                    "{} of {} documents flagged (the detector cannot estimate a share)",
                    s.flagged, s.documents
                ),
            },
        )
    }

    fn html(&self, s: &mut String) {
        let f = self;
        let _ = writeln!(
            s,
            "<table><tr><th>documents</th><th>flagged</th><th>mean probability</th><th>detector TPR</th><th>detector FPR</th><th>AUROC here</th></tr><tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td></tr></table>",
            f.documents,
            f.flagged,
            f.mean_probability,
            f.detector_tpr,
            f.detector_fpr,
            f.distribution
                .auroc
                .map_or("— (one label)".into(), |a| format!("{a:.3}"))
        );
        lexicon_table(s, &f.lexicon);
        shortcut_table(s, &f.shortcuts, true);
    }

    fn markdown(&self, s: &mut String) {
        let f = self;
        if !f.shortcuts.shortcuts.is_empty() {
            let _ = writeln!(
                s,
                "\n**fingerprint**: in the detector's training data {} style/format/length features separate the classes on their own (likely artefacts): {}",
                f.shortcuts.shortcuts.len(),
                cell(&shortcut_names(&f.shortcuts))
            );
        }
    }

    fn figures(&self, out: &mut Vec<NamedFigure>) {
        let f = self;
        out.push(NamedFigure {
            stage: "fingerprint",
            name: "fingerprint-scores".into(),
            caption: SCORES_CAPTION,
            figure: fingerprint_scores(f),
        });
    }

    fn glance(&self, next: &mut Vec<NextStep>) -> String {
        let f = self;
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

    fn tracked(&self, out: &mut Vec<Tracked>) {
        let s = self;
        out.push(Tracked {
            key: "fingerprint.synthetic_share".into(),
            value: s.synthetic_fraction.as_ref().map(|f| f.estimate),
            limit: None,
            plotted: true,
        });
    }
}
