//! The policy stage in a report: its line, the gates' HTML table, the Markdown list of gates that
//! did not pass, glance with failing gates' evidence, and the measurements the history keeps.

use std::fmt::Write as _;

use super::prelude::*;
use crate::policy::PolicyReport;

impl Section for PolicyReport {
    fn verdict(&self) -> (StageStatus, String) {
        let p = self;
        (Status::from(p.status).into(), p.verdict_line())
    }

    fn html(&self, s: &mut String) {
        let p = self;
        let _ = writeln!(
            s,
            "<table><tr><th>gate</th><th>status</th><th>result</th></tr>"
        );
        for g in &p.gates {
            let _ = writeln!(
                s,
                "<tr{}><td>{}</td><td>{}</td><td>{}</td></tr>",
                if g.status == crate::policy::GateStatus::Fail {
                    " class=\"blocks\""
                } else {
                    ""
                },
                g.gate,
                g.status.label(),
                escape(&g.message)
            );
        }
        s.push_str("</table>\n");
    }

    fn markdown(&self, s: &mut String) {
        let p = self;
        let lines: Vec<String> = p
            .gates
            .iter()
            .filter(|g| g.status != crate::policy::GateStatus::Pass)
            .map(|g| format!("- {} {}: {}", g.status.label(), g.gate, cell(&g.message)))
            .collect();
        if !lines.is_empty() {
            let _ = writeln!(s, "\n**policy**\n\n{}", lines.join("\n"));
        }
    }

    fn glance(&self, next: &mut Vec<NextStep>) -> String {
        let p = self;
        let count = |s: GateStatus| p.gates.iter().filter(|g| g.status == s).count();
        for status in [GateStatus::Fail, GateStatus::Warn] {
            for g in p.gates.iter().filter(|g| g.status == status) {
                let mut text = format!("{} {}: {}", g.status.label(), g.gate, g.message);
                if !g.evidence.is_empty() {
                    let shown: Vec<&str> =
                        g.evidence.iter().take(NAMED).map(String::as_str).collect();
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

    fn tracked(&self, out: &mut Vec<Tracked>) {
        let p = self;
        {
            out.extend(
                p.gates
                    .iter()
                    .filter(|g| g.measured.is_some())
                    .map(|g| Tracked {
                        key: format!("policy.{}", g.gate),
                        value: g.measured,
                        limit: g.threshold,
                        plotted: true,
                    }),
            );
        }
    }
}
