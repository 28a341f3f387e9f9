//! `driftprint fingerprint explain`: the fingerprint lexicon stored in a model, for a person
//! investigating what the detector keys on.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::features::shortcuts::ShortcutAudit;
use crate::features::FeatureKind;
use crate::features::Normalization;
use crate::fingerprint::detector::{DetectorMeta, FamilyContribution};
use crate::fingerprint::lexicon::{Lexicon, LexiconEntry};

#[derive(Debug, Clone, Serialize)]
pub struct ExplainReport {
    pub model: PathBuf,
    pub training_documents: u64,
    pub training_hash: String,
    pub features: Vec<FeatureKind>,
    pub normalization: Normalization,
    pub contributions: Vec<FamilyContribution>,
    pub lexicon: Lexicon,
    /// Style, format and length features that separated the training classes on their own.
    pub shortcuts: ShortcutAudit,
}

pub fn run(model: PathBuf, meta: &DetectorMeta, top: usize) -> ExplainReport {
    let mut lexicon = meta.lexicon.clone();
    lexicon.toward_synthetic.truncate(top);
    lexicon.toward_real.truncate(top);
    lexicon.style.truncate(top);
    ExplainReport {
        model,
        training_documents: meta.training.documents,
        training_hash: meta.training.hash.clone(),
        features: meta.features.clone(),
        normalization: meta.normalization,
        contributions: meta.contributions.clone(),
        lexicon,
        shortcuts: meta.shortcuts.clone(),
    }
}

fn entry_line(s: &mut String, e: &LexiconEntry) {
    let names: Vec<String> = e
        .ngrams
        .iter()
        .map(|g| format!("\"{}\"", g.ngram))
        .collect();
    let _ = writeln!(
        s,
        "  {:+7.2}  in {:>5.1}% synthetic / {:>5.1}% real docs  {}",
        e.weight,
        100.0 * e.share_synthetic,
        100.0 * e.share_real,
        names.join(", ")
    );
    if let Some(snippet) = &e.snippet {
        let _ = writeln!(s, "           e.g. ...{}...", snippet.trim());
    }
}

impl ExplainReport {
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "fingerprint lexicon of {} (trained on {} documents, data hash {})",
            self.model.display(),
            self.training_documents,
            &self.training_hash[..16.min(self.training_hash.len())]
        );
        let features: Vec<&str> = self.features.iter().map(|k| k.name()).collect();
        let _ = writeln!(
            s,
            "features {} on {} text; n-grams are lower-cased with spaces folded; a hashed bucket can hold several n-grams, most frequent first\n",
            features.join(","),
            self.normalization.name()
        );
        if self.contributions.len() > 1 {
            let parts: Vec<String> = self
                .contributions
                .iter()
                .map(|c| {
                    format!(
                        "{} {:.2} ({:.0}%)",
                        c.family.name(),
                        c.spread,
                        100.0 * c.share
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "how much each family moves the score (SD of its part of the decision on held-out documents): {}\n",
                parts.join(", ")
            );
        }
        for (title, entries) in [
            (
                "toward SYNTHETIC (LLM text)",
                &self.lexicon.toward_synthetic,
            ),
            ("toward REAL (human text)", &self.lexicon.toward_real),
        ] {
            let _ = writeln!(s, "{title}: weight, documents containing it, n-grams");
            if entries.is_empty() {
                let _ = writeln!(s, "  (none: the model has no n-gram features)");
            }
            for e in entries {
                entry_line(&mut s, e);
            }
            let _ = writeln!(s);
        }
        if !self.lexicon.style.is_empty() {
            let _ = writeln!(
                s,
                "style, format and language-model features (weight per standard deviation; + = synthetic):\n  {:>7}  {:<36} {:>12} {:>12}",
                "weight", "feature", "mean real", "mean synth"
            );
            for e in &self.lexicon.style {
                let _ = writeln!(
                    s,
                    "  {:+7.2}  {:<36} {:>12.4} {:>12.4}",
                    e.weight, e.feature, e.mean_real, e.mean_synthetic
                );
            }
        }
        let audit = &self.shortcuts;
        if audit.shortcuts.is_empty() {
            let _ = writeln!(
                s,
                "shortcut audit: none of {} style/format/length features separated the training classes on its own{}",
                audit.features_checked,
                audit.scope()
            );
        } else {
            let _ = writeln!(s, "shortcut audit of the training data:");
            for line in audit.warning_lines(usize::MAX) {
                let _ = writeln!(s, "  {line}");
            }
        }
        s
    }
}
