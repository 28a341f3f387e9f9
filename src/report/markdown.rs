//! summary.md: the verdict and a few lines per stage, short enough for a CI comment or chat.

use std::fmt::Write as _;

use super::{number, overall_outcomes, rule, Report, StageResult, StageStatus, Status};
use crate::divergence::format_p;

/// Text made inert in Markdown (summary.md is posted as a CI job summary or comment, and much
/// of it comes from user data: generator names, ids, labels, file names): HTML and the Markdown
/// syntax that could open a link, a heading, code or emphasis escaped, table pipes escaped,
/// line breaks folded and other control characters shown as `\u{..}` escapes.
pub fn cell(s: &str) -> String {
    super::html::escape_with(s, |c, out| match c {
        '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
            out.push('\\');
            out.push(c);
            true
        }
        '\n' | '\r' | '\t' => {
            out.push(' ');
            true
        }
        _ => false,
    })
}

pub fn render(report: &Report) -> String {
    let mut s = String::new();
    let icon = match report.verdict.status {
        Status::Pass => "✅",
        Status::Warn => "🟡",
        Status::Blocked => "⛔",
        Status::Incomplete => "⚠️",
    };
    let _ = writeln!(s, "### {icon} {}\n", cell(&report.verdict.line));
    let _ = writeln!(
        s,
        "driftprint run `{}` ({}){}\n",
        report.run_id,
        report.created,
        report
            .config
            .as_deref()
            .map(|c| format!(", config {}", cell(c)))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "| stage | status | decided by | time |\n|---|---|---|---|"
    );
    for (st, glance) in report.stages.iter().zip(&report.glance) {
        let status = match st.status {
            StageStatus::Pass => "pass",
            StageStatus::Blocked => "**blocked**",
            StageStatus::Error => "**error**",
        };
        let _ = writeln!(
            s,
            "| {} | {status} | {} | {:.1} s |",
            st.stage,
            cell(&glance.decided_by),
            st.seconds
        );
    }
    if !report.next_steps.is_empty() {
        let _ = writeln!(s, "\n**What to do next**\n");
        for (k, n) in report.next_steps.iter().enumerate() {
            let _ = writeln!(s, "{}. **{}**: {}", k + 1, n.stage, cell(&n.text));
        }
    }
    for st in &report.stages {
        match &st.result {
            Some(StageResult::Drift(d)) => {
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
            Some(StageResult::Collapse(c)) => {
                let mut alarmed: Vec<String> = c
                    .tracks
                    .iter()
                    .flat_map(|t| t.metrics.iter().map(move |m| (t, m)))
                    .filter(|(_, m)| m.collapsing)
                    .map(|(t, m)| {
                        format!(
                            "- {} / {}: {}",
                            cell(&t.track),
                            cell(&m.metric),
                            m.relative_change_per_generation
                                .map(|r| format!("{:+.1}% per generation", 100.0 * r))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                alarmed.extend(
                    c.tracks
                        .iter()
                        .flat_map(|t| t.document_metrics.iter().map(move |m| (t, m)))
                        .filter(|(_, m)| m.collapsing)
                        .map(|(t, m)| {
                            format!(
                                "- {} / {}: per-document trend",
                                cell(&t.track),
                                cell(&m.metric)
                            )
                        }),
                );
                if !alarmed.is_empty() {
                    let _ = writeln!(s, "\n**collapse**\n\n{}", alarmed.join("\n"));
                }
            }
            Some(StageResult::Fingerprint(f)) if !f.shortcuts.shortcuts.is_empty() => {
                let _ = writeln!(
                    s,
                    "\n**fingerprint**: in the detector's training data {} style/format/length features separate the classes on their own (likely artefacts): {}",
                    f.shortcuts.shortcuts.len(),
                    cell(&shortcut_names(&f.shortcuts))
                );
            }
            Some(StageResult::Policy(p)) => {
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
            _ => {}
        }
    }
    s
}

/// The first few listed features of a shortcut audit, for one line.
fn shortcut_names(audit: &crate::features::shortcuts::ShortcutAudit) -> String {
    let names: Vec<&str> = audit
        .shortcuts
        .iter()
        .take(5)
        .map(|x| x.feature.as_str())
        .collect();
    let more = audit.shortcuts.len().saturating_sub(names.len());
    format!(
        "{}{}",
        names.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_cannot_inject_markup_or_break_a_table() {
        // The payloads of a generator name, an id and a label in a summary posted to CI.
        assert_eq!(
            cell("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            cell("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(cell("# heading\n| a | b |"), "\\# heading \\| a \\| b \\|");
        assert_eq!(cell("`code` *em* _u_"), "\\`code\\` \\*em\\* \\_u\\_");
        assert_eq!(
            cell("bell\u{7}esc\u{1b}]0;title"),
            "bell\\u{7}esc\\u{1b}\\]0;title"
        );
    }
}
