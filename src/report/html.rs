//! report.html: one self-contained page — no scripts, no network, plots inline as SVG — with
//! the verdict and its reason at the top, then a section per stage.

use std::fmt::Write as _;

use super::{number, Report, StageReport, StageStatus, Status};
use crate::fingerprint::lexicon_usage::{quoted, LexiconUse};

const STYLE: &str = "
body{font-family:'DejaVu Sans',system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1340px;margin:0 auto;padding:0 24px 48px}
header.verdict{padding:20px 24px;color:#fff}
header.pass{background:#1a7f37}header.warn{background:#9a6700}header.blocked{background:#b42318}header.incomplete{background:#9a6700}
header h1{margin:0;font-size:28px;letter-spacing:.02em}
header p{margin:6px 0 0;font-size:15px}
p.meta{opacity:.85;font-size:13px}
nav{margin:16px 0;font-size:14px}nav a{margin-right:14px;color:#0550ae;text-decoration:none}
section{background:#fff;border:1px solid #e1e4e8;border-radius:6px;margin:18px 0;padding:8px 20px 16px}
h2{font-size:20px;margin:12px 0 6px}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;color:#fff;vertical-align:middle;margin-left:8px}
.badge.pass{background:#1a7f37}.badge.warn{background:#9a6700}.badge.blocked{background:#b42318}.badge.error{background:#9a6700}
table{border-collapse:collapse;font-size:13px;margin:10px 0}
th,td{border-bottom:1px solid #e1e4e8;padding:5px 10px;text-align:left}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.blocks td{background:#fdecea}
figure{margin:12px 0;overflow-x:auto}figure svg{max-width:100%;height:auto}
figcaption{font-size:13px;color:#57606a;margin-top:4px;max-width:900px}
.error{color:#9a6700;font-weight:bold}
h3{font-size:16px;margin:14px 0 6px}ol.next{font-size:14px;line-height:1.5;padding-left:22px}
#glance td{vertical-align:top}
.warn{color:#9a6700}
p.note{color:#57606a;font-size:13px;max-width:900px}
.badge.warn,.badge.error{color:#fff;font-weight:normal}
";

/// Text made safe for HTML element content and attribute values; control characters (a
/// document's ESC or BEL) are shown as `\u{..}` escapes.
pub fn escape(s: &str) -> String {
    escape_with(s, |c, out| match c {
        '"' => {
            out.push_str("&quot;");
            true
        }
        _ => false,
    })
}

/// `s` with `&`, `<`, `>` as entities and control characters but line feed and tab as
/// `\u{..}` escapes; `extra` handles a character first (true: it wrote it).
pub(crate) fn escape_with(s: &str, extra: impl Fn(char, &mut String) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if extra(c, &mut out) {
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

fn status_class(s: StageStatus) -> &'static str {
    match s {
        StageStatus::Pass => "pass",
        StageStatus::Warn => "warn",
        StageStatus::Blocked => "blocked",
        StageStatus::Error => "error",
    }
}

fn stage_body(s: &mut String, stage: &StageReport) {
    match &stage.result {
        None => {
            let _ = writeln!(
                s,
                "<p class=\"error\">could not run: {}</p>",
                escape(&stage.line)
            );
        }
        Some(result) => result.section().html(s),
    }
}

/// Lexicon entries shown in the fingerprint section.
const MARKERS_SHOWN: usize = 10;

/// The detector's strongest markers of LLM text (lexicon order) and how common they are here.
pub(crate) fn lexicon_table(s: &mut String, lexicon: &[LexiconUse]) {
    let markers: Vec<&LexiconUse> = lexicon
        .iter()
        .filter(|u| u.toward == "synthetic")
        .take(MARKERS_SHOWN)
        .collect();
    if markers.is_empty() {
        return;
    }
    let _ = writeln!(s, "<p>The detector's strongest markers of LLM text, and how common they are here:</p><table><tr><th>n-grams</th><th>weight</th><th>in synthetic training documents</th><th>in these documents</th></tr>");
    for u in markers {
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td class=\"num\">{:+.3}</td><td class=\"num\">{:.1}%</td><td class=\"num\">{:.1}%</td></tr>",
            escape(&quoted(&u.ngrams)),
            u.weight,
            100.0 * u.training_share,
            100.0 * u.share
        );
    }
    s.push_str("</table>\n");
}

/// Likely artefacts listed by a shortcut audit.
const SHORTCUTS_SHOWN: usize = 10;

/// The shortcut audit's likely artefacts: features that separate the classes on their own;
/// `detector`: whether the audit is of a detector's training data (it says which features the
/// model uses).
pub(crate) fn shortcut_table(
    s: &mut String,
    audit: &crate::features::shortcuts::ShortcutAudit,
    detector: bool,
) {
    if audit.shortcuts.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "<p class=\"warn\">Likely artefacts: {} of {} style, format and length features separate the two sides on their own{}. A single feature this decisive is more often a trace of how the data was collected than of who wrote it.</p><table><tr><th>feature</th><th>kind</th>{}<th>AUROC, all</th><th>AUROC by group</th><th>why listed</th></tr>",
        audit.shortcuts.len(),
        audit.features_checked,
        escape(&audit.scope()),
        if detector { "<th>in the model</th>" } else { "" }
    );
    for x in audit.shortcuts.iter().take(SHORTCUTS_SHOWN) {
        let groups: Vec<String> = x
            .by_group
            .iter()
            .map(|g| format!("{} {:.2}", g.group, g.auroc))
            .collect();
        let _ = writeln!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td>{}<td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            escape(&x.feature),
            x.family.name(),
            match (detector, x.in_use) {
                (false, _) => "",
                (true, true) => "<td>yes</td>",
                (true, false) => "<td>no</td>",
            },
            x.auroc.map_or("—".into(), |a| format!("{a:.2}")),
            escape(&groups.join(", ")),
            escape(&x.reasons.join("; "))
        );
    }
    s.push_str("</table>\n");
}

/// A figure of the page: its section, file stem, how to read it, and the SVG.
pub struct InlineFigure {
    pub stage: &'static str,
    pub name: String,
    pub caption: &'static str,
    pub svg: String,
}

/// An SVG document inline in the page (its XML declaration dropped), named for the checks,
/// with its caption under it.
fn push_figure(s: &mut String, figure: &InlineFigure) {
    let _ = writeln!(
        s,
        "<figure aria-label=\"{0}\" data-plot=\"{0}\">{1}<figcaption>{2}</figcaption></figure>",
        escape(&figure.name),
        figure
            .svg
            .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .trim(),
        code_spans(&escape(figure.caption))
    );
}

/// `text` with `backticked` spans set as code.
fn code_spans(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        match i % 2 {
            1 => {
                let _ = write!(out, "<code>{part}</code>");
            }
            _ => out.push_str(part),
        }
    }
    out
}

/// The top of the page: one line per stage (status, the number that decided it), then what to
/// do next.
fn glance_block(s: &mut String, report: &Report) {
    s.push_str("<section id=\"glance\"><h2>At a glance</h2><table><tr><th>stage</th><th>status</th><th>decided by</th></tr>\n");
    for g in &report.glance {
        let _ = writeln!(
            s,
            "<tr><td><a href=\"#{0}\">{0}</a></td><td><span class=\"badge {1}\">{1}</span></td><td>{2}</td></tr>",
            g.stage,
            status_class(g.status),
            escape(&g.decided_by)
        );
    }
    s.push_str("</table>\n");
    if !report.next_steps.is_empty() {
        s.push_str("<h3>What to do next</h3><ol class=\"next\">\n");
        for n in &report.next_steps {
            let _ = writeln!(
                s,
                "<li><b>{}</b>: {}</li>",
                n.stage,
                code_spans(&escape(&n.text))
            );
        }
        s.push_str("</ol>\n");
    }
    s.push_str("</section>\n");
}

/// The page; `figures` in section order.
pub fn render(report: &Report, figures: &[InlineFigure]) -> String {
    let class = match report.verdict.status {
        Status::Pass => "pass",
        Status::Warn => "warn",
        Status::Blocked => "blocked",
        Status::Incomplete => "incomplete",
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>driftprint {}: {}</title><style>{STYLE}</style></head><body>\n",
        report.verdict.status.label(),
        escape(&report.run_id)
    );
    let reason = report
        .verdict
        .line
        .split_once(": ")
        .map_or(report.verdict.line.as_str(), |(_, r)| r);
    let _ = writeln!(
        s,
        "<header class=\"verdict {class}\"><h1>{}</h1><p>{}</p><p class=\"meta\">driftprint run {} · {} · config {}</p></header>\n<main>",
        report.verdict.status.label(),
        escape(reason),
        escape(&report.run_id),
        escape(&report.created),
        escape(report.config.as_deref().unwrap_or("(none)"))
    );
    glance_block(&mut s, report);
    s.push_str("<nav>");
    for st in &report.stages {
        let _ = write!(
            s,
            "<a href=\"#{0}\">{0} <span class=\"badge {1}\">{1}</span></a>",
            st.stage,
            status_class(st.status)
        );
    }
    s.push_str("</nav>\n");
    for st in &report.stages {
        let _ = writeln!(
            s,
            "<section id=\"{0}\"><h2>{0}<span class=\"badge {1}\">{1}</span></h2><p>{2} <small>({3:.1} s)</small></p>",
            st.stage,
            status_class(st.status),
            escape(&st.line),
            st.seconds
        );
        stage_body(&mut s, st);
        for figure in figures.iter().filter(|f| f.stage == st.stage) {
            push_figure(&mut s, figure);
        }
        s.push_str("</section>\n");
    }
    let past: Vec<&InlineFigure> = figures.iter().filter(|f| f.stage == "history").collect();
    if !past.is_empty() {
        s.push_str("<section id=\"history\"><h2>Over past runs</h2>");
        for figure in past {
            push_figure(&mut s, figure);
        }
        s.push_str("</section>\n");
    }
    s.push_str("</main></body></html>\n");
    s
}

/// compare.html: the same style, tables of what changed between two runs.
pub fn render_compare(c: &super::compare::RunComparison) -> String {
    use super::compare::{share, show};
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>driftprint compare {} to {}</title><style>{STYLE}</style></head><body>\n",
        escape(&c.a),
        escape(&c.b)
    );
    let blocked = c.verdict_b.starts_with("BLOCKED");
    let _ = writeln!(
        s,
        "<header class=\"verdict {}\"><h1>{} &rarr; {}</h1><p>before: {}</p><p>after: {}</p></header>\n<main>",
        if blocked { "blocked" } else { "pass" },
        escape(&c.a),
        escape(&c.b),
        escape(&c.verdict_a),
        escape(&c.verdict_b)
    );
    s.push_str("<section><h2>Drift tests</h2><table><tr><th>test</th><th>statistic</th><th>before</th><th>after</th><th>change</th><th>blocks</th></tr>\n");
    for t in &c.tests {
        let change = t
            .relative_change()
            .map(|r| format!("{:+.1}%", 100.0 * r))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            if t.b_blocks && !t.a_blocks { " class=\"blocks\"" } else { "" },
            escape(&t.test),
            escape(&t.statistic),
            show(t.a),
            show(t.b),
            change,
            match t.blocking() {
                "now blocks" => "<b>now blocks</b>",
                other => other,
            }
        );
    }
    s.push_str("</table></section>\n");
    if !c.features.is_empty() {
        s.push_str("<section><h2>Features that moved most</h2><table><tr><th>test</th><th>feature</th><th>before</th><th>after</th></tr>\n");
        for f in c.features.iter().take(20) {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&f.test),
                escape(&f.feature),
                number(f.a),
                number(f.b)
            );
        }
        s.push_str("</table></section>\n");
    }
    if !c.lexicon.is_empty() {
        s.push_str("<section><h2>Detector lexicon entries that moved</h2><p>Share of the scored documents containing each entry.</p><table><tr><th>toward</th><th>n-grams</th><th>before</th><th>after</th></tr>\n");
        for m in c.lexicon.iter().take(20) {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(&m.toward),
                escape(&quoted(&m.ngrams)),
                share(m.a),
                share(m.b)
            );
        }
        s.push_str("</table></section>\n");
    }
    if !c.witnesses.is_empty() {
        let _ = writeln!(s, "<section><h2>Strongest witnesses in {}</h2><table><tr><th>test</th><th>side</th><th>score</th><th>document</th></tr>", escape(&c.b));
        for w in c.witnesses.iter().take(20) {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{:.3}</td><td>{}</td></tr>",
                escape(&w.test),
                escape(&w.side),
                w.score,
                escape(&w.id)
            );
        }
        s.push_str("</table></section>\n");
    }
    if !c.other.is_empty() {
        s.push_str("<section><h2>Other changes</h2><table><tr><th>what</th><th>before</th><th>after</th></tr>\n");
        for o in &c.other {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&o.what),
                escape(&o.a),
                escape(&o.b)
            );
        }
        s.push_str("</table></section>\n");
    }
    s.push_str("</main></body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1b}[2Jb\u{7}"), "a\\u{1b}[2Jb\\u{7}");
    }
}
