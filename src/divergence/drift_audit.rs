//! The shortcut audit applied to drift: the features that drift most (KS D among those the
//! univariate test flags after Benjamini–Hochberg), each checked on its own for how well it
//! tells the two sides apart overall and within each group, and named by kind. When every one
//! of them is a layout or length feature, the drift may come from how the two sides were
//! exported or cut rather than from what they say, and the report says so.

use serde::Serialize;

use super::suite::Outcome;
use crate::corpus::grouping::Grouping;
use crate::features::shortcuts::{FeatureFamily, ShortcutAudit};
use crate::matrix::FeatureMatrix;
use crate::stats::roc::auroc;

/// Drifting features audited.
pub const TOP_FEATURES: usize = 10;

/// One of the features that drift most.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftingFeature {
    pub feature: String,
    pub family: FeatureFamily,
    /// KS D between the sides.
    pub ks: f64,
    /// How well the feature alone tells candidate from reference (0.5: not at all).
    pub auroc: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftAudit {
    pub features: Vec<DriftingFeature>,
    /// "layout", "length" or "layout and length" when every drifting feature is of that kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only: Option<String>,
    /// Those of them that separate the sides on their own or reverse between groups.
    pub shortcuts: ShortcutAudit,
}

impl DriftAudit {
    /// Audits the univariate test's drifting features; None when it did not run or nothing
    /// drifted. `groups` label the reference rows, then the candidate rows.
    pub fn of(
        outcomes: &[Outcome],
        reference: &FeatureMatrix,
        candidate: &FeatureMatrix,
        groups: &Grouping,
    ) -> Option<DriftAudit> {
        let result = outcomes
            .iter()
            .find(|o| o.test == "univariate")?
            .result
            .as_ref()?;
        let mut drifting: Vec<(&str, f64)> = result
            .details
            .features
            .iter()
            .filter(|f| f.drifted)
            .map(|f| (f.feature.as_str(), f.statistic))
            .collect();
        drifting.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        drifting.truncate(TOP_FEATURES);
        if drifting.is_empty() {
            return None;
        }
        let positive: Vec<bool> = std::iter::repeat_n(false, reference.ids.len())
            .chain(std::iter::repeat_n(true, candidate.ids.len()))
            .collect();
        let mut columns = Vec::new();
        let mut features = Vec::new();
        for &(name, ks) in &drifting {
            let Some(j) = reference.names.iter().position(|n| n == name) else {
                continue;
            };
            let values: Vec<f64> = reference
                .values
                .column(j)
                .iter()
                .chain(candidate.values.column(j).iter())
                .map(|&v| v as f64)
                .collect();
            features.push(DriftingFeature {
                feature: name.to_string(),
                family: FeatureFamily::of(name),
                ks,
                auroc: auroc(&values, &positive),
            });
            // `in_use` is about a detector's features; every column here is drift's.
            columns.push((name.to_string(), values, false));
        }
        let kinds: std::collections::BTreeSet<&str> = features
            .iter()
            .map(|f| match f.family {
                FeatureFamily::Format => "layout",
                FeatureFamily::Length => "length",
                FeatureFamily::Style => "style",
            })
            .collect();
        let only = (!kinds.contains("style"))
            .then(|| kinds.iter().copied().collect::<Vec<_>>().join(" and "));
        Some(DriftAudit {
            shortcuts: ShortcutAudit::run(columns, &positive, groups),
            features,
            only,
        })
    }

    /// The line for the terminal and the report, when there is something to say.
    pub fn line(&self) -> Option<String> {
        let names: Vec<&str> = self.features.iter().map(|f| f.feature.as_str()).collect();
        match &self.only {
            Some(kind) => Some(format!(
                "the style features that drift most are all {kind} features ({}): the drift may come from how the two sides were exported, formatted or cut rather than from their content — compare their formatting and length limits before trusting it",
                names.join(", ")
            )),
            None if !self.shortcuts.shortcuts.is_empty() => Some(format!(
                "{} drifting feature(s) tell the two sides apart on their own (AUROC ≥ 0.9 or ≤ 0.1): {}",
                self.shortcuts.shortcuts.len(),
                self.shortcuts
                    .shortcuts
                    .iter()
                    .map(|s| s.summary())
                    .collect::<Vec<_>>()
                    .join("; ")
            )),
            None => None,
        }
    }
}
