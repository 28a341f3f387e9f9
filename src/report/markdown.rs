//! summary.md: the verdict and a few lines per stage, short enough for a CI comment or chat.

use std::fmt::Write as _;

use super::{Report, StageStatus, Status};

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
            StageStatus::Warn => "warn",
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
        if let Some(result) = &st.result {
            result.section().markdown(&mut s);
        }
    }
    s
}

/// The first few listed features of a shortcut audit, for one line.
pub(crate) fn shortcut_names(audit: &crate::features::shortcuts::ShortcutAudit) -> String {
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
