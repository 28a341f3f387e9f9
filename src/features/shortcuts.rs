//! The shortcut audit: every named dense feature (stylometry, format, length) checked on its own
//! for whether it separates two sides — human from LLM text for the detector, reference from
//! candidate for drift — overall and within each group (source file, domain...).
//!
//! One feature that separates the classes almost perfectly within a source is more often a
//! collection artefact (a newline convention, a length limit, a chat template) than the
//! writer's fingerprint; one whose direction reverses between sources is not a property of LLM
//! text at all. A pooled check alone misses both: a feature can separate within each of two
//! sources in opposite directions and look useless pooled. Listed features are "likely
//! artefacts": the user decides, the audit makes sure they know.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::corpus::grouping::Grouping;
use crate::stats::roc::auroc;

/// A group is judged only with at least this many documents of each class.
pub const MIN_PER_CLASS: usize = 20;
/// AUROC at or above this (or at or below 1 − this) within a group: separates on its own.
pub const SEPARATES: f64 = 0.9;
/// A direction reversal: AUROC at or above this in one group and at or below 1 − this in another.
pub const REVERSES: f64 = 0.7;

/// What kind of property a feature measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureFamily {
    /// Layout and typography (the `format` family).
    Format,
    /// Text length (characters, words, sentences).
    Length,
    /// Any other stylometric feature.
    Style,
}

impl FeatureFamily {
    /// The family of a prefixed feature name (`format_lines`, `stylo_chars`, ...).
    pub fn of(name: &str) -> FeatureFamily {
        if name.starts_with("format_") {
            FeatureFamily::Format
        } else if matches!(name, "stylo_chars" | "stylo_words" | "stylo_sentences") {
            FeatureFamily::Length
        } else {
            FeatureFamily::Style
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FeatureFamily::Format => "format",
            FeatureFamily::Length => "length",
            FeatureFamily::Style => "style",
        }
    }
}

/// A feature's AUROC within one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupAuroc {
    pub group: String,
    pub n_negative: u64,
    pub n_positive: u64,
    pub auroc: f64,
}

/// One feature listed as a likely artefact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shortcut {
    pub feature: String,
    pub family: FeatureFamily,
    /// Whether the model (or test) uses it; a listed feature outside it is a warning about
    /// the data, one inside it a warning about the model.
    pub in_use: bool,
    /// Over all documents.
    pub auroc: Option<f64>,
    /// Within each group with enough documents of both classes.
    pub by_group: Vec<GroupAuroc>,
    /// Why it is listed, in words.
    pub reasons: Vec<String>,
}

impl Shortcut {
    /// How far from chance it gets in its strongest group (0 to 0.5).
    pub fn strength(&self) -> f64 {
        self.by_group
            .iter()
            .map(|g| (g.auroc - 0.5).abs())
            .chain(self.auroc.map(|a| (a - 0.5).abs()))
            .fold(0.0, f64::max)
    }

    /// "format_lines (format): all 0.77; fastdetectgpt_main.jsonl 0.96, outfox_valid.jsonl 0.90"
    pub fn summary(&self) -> String {
        // One group holding every document says what "all" says.
        let only_all = matches!(&self.by_group[..], [g] if Some(g.auroc) == self.auroc);
        let groups: Vec<String> = self
            .by_group
            .iter()
            .filter(|_| !only_all)
            .map(|g| format!("{} {:.2}", g.group, g.auroc))
            .collect();
        format!(
            "{} ({}{}): all {}{}{}",
            self.feature,
            self.family.name(),
            if self.in_use { ", in the model" } else { "" },
            self.auroc.map_or("n/a".into(), |a| format!("{a:.2}")),
            if groups.is_empty() { "" } else { "; " },
            groups.join(", ")
        )
    }
}

/// The audit's result: what was checked and what looks like an artefact, strongest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShortcutAudit {
    /// What the groups are ("file", "domain", ...).
    pub group_by: String,
    /// Groups with enough documents of both classes to be judged.
    pub groups_judged: Vec<String>,
    pub features_checked: usize,
    pub shortcuts: Vec<Shortcut>,
}

impl ShortcutAudit {
    /// Audits `columns` (name, one value per document, whether in use) against `positive`
    /// (synthetic, or candidate) within `groups`.
    pub fn run(
        columns: Vec<(String, Vec<f64>, bool)>,
        positive: &[bool],
        groups: &Grouping,
    ) -> ShortcutAudit {
        let count =
            |rows: &[usize], want: bool| rows.iter().filter(|&&i| positive[i] == want).count();
        let judged: Vec<(usize, Vec<usize>)> = (0..groups.len())
            .map(|g| (g, groups.members(g)))
            .filter(|(_, rows)| {
                count(rows, true) >= MIN_PER_CLASS && count(rows, false) >= MIN_PER_CLASS
            })
            .collect();
        let features_checked = columns.len();
        let mut shortcuts: Vec<Shortcut> = columns
            .into_par_iter()
            .filter_map(|(name, values, in_use)| {
                let by_group: Vec<GroupAuroc> = judged
                    .iter()
                    .filter_map(|(g, rows)| {
                        let v: Vec<f64> = rows.iter().map(|&i| values[i]).collect();
                        let p: Vec<bool> = rows.iter().map(|&i| positive[i]).collect();
                        auroc(&v, &p).map(|a| GroupAuroc {
                            group: groups.names[*g].clone(),
                            n_negative: count(rows, false) as u64,
                            n_positive: count(rows, true) as u64,
                            auroc: a,
                        })
                    })
                    .collect();
                let pooled = auroc(&values, positive);
                let reasons = reasons(&by_group, pooled);
                (!reasons.is_empty()).then(|| Shortcut {
                    family: FeatureFamily::of(&name),
                    feature: name,
                    in_use,
                    auroc: pooled,
                    by_group,
                    reasons,
                })
            })
            .collect();
        shortcuts.sort_by(|a, b| {
            b.strength()
                .total_cmp(&a.strength())
                .then_with(|| a.feature.cmp(&b.feature))
        });
        ShortcutAudit {
            group_by: groups.by.clone(),
            groups_judged: judged
                .iter()
                .map(|(g, _)| groups.names[*g].clone())
                .collect(),
            features_checked,
            shortcuts,
        }
    }

    /// Where the audit looked: "within a file group, or reverse direction between file
    /// groups", or "" when it had one group to judge.
    pub fn scope(&self) -> String {
        match self.groups_judged.len() {
            0 | 1 => String::new(),
            _ => format!(
                " within a {0} group, or reverse direction between {0} groups",
                self.group_by
            ),
        }
    }

    /// The warning lines for a terminal: a header and up to `limit` features.
    pub fn warning_lines(&self, limit: usize) -> Vec<String> {
        if self.shortcuts.is_empty() {
            return Vec::new();
        }
        let mut lines = vec![format!(
            "{} of {} style/format/length features separate the classes on their own{} (likely artefacts of how the data was collected, not of who wrote it):",
            self.shortcuts.len(),
            self.features_checked,
            self.scope()
        )];
        for s in self.shortcuts.iter().take(limit) {
            lines.push(format!("  {} — {}", s.summary(), s.reasons.join("; ")));
        }
        if self.shortcuts.len() > limit {
            lines.push(format!(
                "  ... and {} more (see --json)",
                self.shortcuts.len() - limit
            ));
        }
        lines
    }
}

/// Why a feature with these per-group AUROCs is listed (empty: it is not).
fn reasons(by_group: &[GroupAuroc], pooled: Option<f64>) -> Vec<String> {
    let mut out = Vec::new();
    let strong = |a: f64| a >= SEPARATES || a <= 1.0 - SEPARATES;
    let within: Vec<String> = by_group
        .iter()
        .filter(|g| strong(g.auroc))
        .map(|g| format!("{} {:.2}", g.group, g.auroc))
        .collect();
    if !within.is_empty() {
        out.push(format!("separates within {}", within.join(", ")));
    } else if by_group.len() < 2 {
        // Nothing to compare groups with: the pooled figure is all there is.
        if let Some(a) = pooled.filter(|&a| strong(a)) {
            out.push(format!("separates overall ({a:.2})"));
        }
    }
    let high = by_group
        .iter()
        .filter(|g| g.auroc >= REVERSES)
        .max_by(|a, b| a.auroc.total_cmp(&b.auroc));
    let low = by_group
        .iter()
        .filter(|g| g.auroc <= 1.0 - REVERSES)
        .min_by(|a, b| a.auroc.total_cmp(&b.auroc));
    if let (Some(h), Some(l)) = (high, low) {
        out.push(format!(
            "reverses direction: {:.2} in {}, {:.2} in {}",
            h.auroc, h.group, l.auroc, l.group
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grouping(labels: &[&str]) -> Grouping {
        let labels: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        Grouping::from_labels("file", &labels)
    }

    #[test]
    fn names_a_feature_that_separates_within_a_source_and_one_that_reverses() {
        // Two sources of 40 + 40 documents. `planted` is 1 for every synthetic document of
        // source a only; `flips` is high for synthetic in a and for human in b; `noise` is not.
        let n = 160;
        let positive: Vec<bool> = (0..n).map(|i| i % 2 == 1).collect();
        let source: Vec<&str> = (0..n).map(|i| if i < 80 { "a" } else { "b" }).collect();
        let planted: Vec<f64> = (0..n)
            .map(|i| f64::from(u8::from(positive[i] && i < 80)))
            .collect();
        let flips: Vec<f64> = (0..n)
            .map(|i| {
                if (i < 80) == positive[i] {
                    0.8 + (i % 7) as f64 * 0.01
                } else {
                    0.2 + (i % 5) as f64 * 0.01
                }
            })
            .collect();
        let noise: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64).collect();
        let audit = ShortcutAudit::run(
            vec![
                ("format_ends_with_newline".into(), planted, false),
                ("stylo_fw_the".into(), flips, true),
                ("stylo_noise".into(), noise, true),
            ],
            &positive,
            &grouping(&source),
        );
        assert_eq!(audit.features_checked, 3);
        assert_eq!(audit.groups_judged, ["a", "b"]);
        let names: Vec<&str> = audit.shortcuts.iter().map(|s| s.feature.as_str()).collect();
        // Both separate perfectly within a source (strength 0.5): ties go by name.
        assert_eq!(names, ["format_ends_with_newline", "stylo_fw_the"]);
        let flips = &audit.shortcuts[1];
        assert!(
            flips
                .reasons
                .iter()
                .any(|r| r.starts_with("reverses direction")),
            "{:?}",
            flips.reasons
        );
        assert!(
            (flips.auroc.unwrap() - 0.5).abs() < 0.1,
            "pooled, the reversal looks like chance"
        );
        let planted = &audit.shortcuts[0];
        assert_eq!(planted.family, FeatureFamily::Format);
        assert!(
            planted.reasons[0].contains("separates within a 1.00"),
            "{:?}",
            planted.reasons
        );
        assert!(audit.warning_lines(5)[0].starts_with("2 of 3"));
    }

    #[test]
    fn small_groups_are_not_judged_and_one_group_falls_back_to_the_pooled_figure() {
        let positive: Vec<bool> = (0..60).map(|i| i % 2 == 1).collect();
        let values: Vec<f64> = positive.iter().map(|&p| f64::from(u8::from(p))).collect();
        let one = ShortcutAudit::run(
            vec![("stylo_chars".into(), values.clone(), true)],
            &positive,
            &grouping(&["x"; 60]),
        );
        assert_eq!(one.shortcuts[0].reasons, ["separates within x 1.00"]);
        let mut labels = vec!["big"; 50];
        labels.extend(["small"; 10]);
        let two = ShortcutAudit::run(
            vec![("stylo_chars".into(), values, true)],
            &positive,
            &grouping(&labels),
        );
        assert_eq!(two.groups_judged, ["big"]);
        assert_eq!(two.shortcuts[0].family, FeatureFamily::Length);
    }
}
