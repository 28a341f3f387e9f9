//! The drift stage in a report: its line, the tests' HTML and Markdown tables, the test,
//! projection and feature figures, glance with blocking tests' witnesses, and the statistics the
//! history keeps.

use std::fmt::Write as _;

use super::prelude::*;
use crate::commands::drift::DriftReport;

impl Section for DriftReport {
    fn verdict(&self) -> (StageStatus, String) {
        let d = self;
        (
            d.verdict.status().into(),
            // The run's verdict says BLOCKED/PASS already.
            d.verdict
                .line
                .trim_start_matches("BLOCKED: ")
                .trim_start_matches("PASS: ")
                .to_string(),
        )
    }

    fn html(&self, s: &mut String) {
        let d = self;
        let _ = writeln!(
            s,
            "<p>{} reference (real) vs {} candidate (synthetic) documents; features {}; {} columns; seed {}.</p>",
            d.reference.sampled,
            d.candidate.sampled,
            escape(&d.features.join(", ")),
            d.columns,
            d.seed
        );
        let _ = writeln!(s, "<table><tr><th>test</th><th>statistic</th><th>value</th><th>p</th><th>drifts when</th><th>gated</th><th>result</th></tr>");
        for o in overall_outcomes(d) {
            match &o.result {
                Some(r) => {
                    let _ = writeln!(
                        s,
                        "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        if o.blocks { " class=\"blocks\"" } else { "" },
                        escape(&o.test),
                        escape(&r.statistic_name),
                        number(r.statistic),
                        r.p_value.map(format_p).unwrap_or_default(),
                        escape(&rule(r)),
                        if o.gated { "yes" } else { "no" },
                        if o.blocks { "<b>blocks</b>" } else if r.drifted { "drifted" } else { "ok" }
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        "<tr><td>{}</td><td colspan=\"6\" class=\"error\">{}</td></tr>",
                        escape(&o.test),
                        escape(o.error.as_deref().unwrap_or("did not run"))
                    );
                }
            }
        }
        s.push_str("</table>\n");
        for note in &d.notes {
            let _ = writeln!(s, "<p>{}</p>", escape(note));
        }
        if let Some(audit) = &d.audit {
            if let Some(line) = audit.line() {
                let _ = writeln!(s, "<p class=\"warn\">{}</p>", escape(&line));
            }
            shortcut_table(s, &audit.shortcuts, false);
        }
    }

    fn markdown(&self, s: &mut String) {
        let d = self;
        let _ = writeln!(
            s,
            "\n**drift** ({} reference vs {} candidate documents)\n\n| test | statistic | drifts when | gated | drifted |\n|---|---|---|---|---|",
            d.reference.sampled, d.candidate.sampled
        );
        for o in overall_outcomes(d) {
            match &o.result {
                Some(r) => {
                    let _ = writeln!(
                        s,
                        "| {} | {} {}{} | {} | {} | {} |",
                        o.test,
                        r.statistic_name,
                        number(r.statistic),
                        r.p_value
                            .map(|p| format!(" (p {})", format_p(p)))
                            .unwrap_or_default(),
                        rule(r),
                        if o.gated { "yes" } else { "no" },
                        if o.blocks {
                            "**blocks**"
                        } else if r.drifted {
                            "yes"
                        } else {
                            "no"
                        }
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        "| {} | error: {} | | | |",
                        o.test,
                        cell(o.error.as_deref().unwrap_or(""))
                    );
                }
            }
        }
        if let Some(line) = d.audit.as_ref().and_then(|a| a.line()) {
            let _ = writeln!(s, "\nNote: {}", cell(&line));
        }
    }

    fn figures(&self, out: &mut Vec<NamedFigure>) {
        let d = self;
        {
            let figures = [
                ("drift-tests", DRIFT_TESTS_CAPTION, drift_tests(d)),
                (
                    "drift-projection",
                    PROJECTION_CAPTION,
                    d.projection.as_ref().map(projection),
                ),
                ("drift-features", FEATURES_CAPTION, top_features(d)),
            ];
            for (name, caption, figure) in figures {
                if let Some(figure) = figure {
                    out.push(NamedFigure {
                        stage: "drift",
                        name: name.into(),
                        caption,
                        figure,
                    });
                }
            }
        }
    }

    fn glance(&self, next: &mut Vec<NextStep>) -> String {
        let d = self;
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

    fn tracked(&self, out: &mut Vec<Tracked>) {
        let d = self;
        {
            for o in overall_outcomes(d) {
                let r = o.result.as_ref();
                out.push(Tracked {
                    key: format!("drift.{}", o.test),
                    value: r.map(|r| r.statistic),
                    limit: r.and_then(|r| {
                        (r.threshold_kind != ThresholdKind::PValueBelow).then_some(r.threshold)
                    }),
                    plotted: o.gated,
                });
            }
        }
    }
}
