//! A chosen set of featurizers run side by side: `--features stylo,ngram`.

use std::str::FromStr;

use ndarray::{concatenate, Array2, Axis};
use serde::{Deserialize, Serialize};

use super::embed::{EmbedConfig, Embedder};
use super::formatting::Formatting;
use super::lm::{LmConfig, LmScorer};
use super::ngrams::{HashedNgrams, NgramConfig};
use super::normalize::Normalization;
use super::stylometry::Stylometry;
use super::Featurizer;
use crate::corpus::Doc;
use crate::error::Result;
use crate::matrix::FeatureMatrix;

/// The feature families a user can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureKind {
    /// Named stylometric statistics of the normalised text.
    Stylo,
    /// Layout and typography of the raw text (lines, lists, markdown, curly quotes...).
    Format,
    /// Hashed n-gram TF-IDF, randomly projected to a dense vector.
    Ngram,
    /// Sentence embeddings (MiniLM by default).
    Embed,
    /// How predictable the text is to a small language model (SmolLM2-135M).
    Lm,
}

impl FromStr for FeatureKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "stylo" | "stylometry" => Ok(FeatureKind::Stylo),
            "format" | "formatting" | "layout" => Ok(FeatureKind::Format),
            "ngram" | "ngrams" => Ok(FeatureKind::Ngram),
            "embed" | "embedding" | "embeddings" => Ok(FeatureKind::Embed),
            "lm" => Ok(FeatureKind::Lm),
            other => Err(format!(
                "unknown feature set '{other}' (available: stylo, format, ngram, embed, lm)"
            )),
        }
    }
}

impl FeatureKind {
    /// Parses a comma-separated list such as `stylo,ngram` (order kept, repeats dropped).
    pub fn parse_list(spec: &str) -> Result<Vec<FeatureKind>, String> {
        let mut kinds = Vec::new();
        for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let kind = FeatureKind::from_str(part)?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        if kinds.is_empty() {
            return Err("no feature set named (available: stylo, format, ngram, embed, lm)".into());
        }
        Ok(kinds)
    }
}

impl FeatureKind {
    pub fn name(self) -> &'static str {
        match self {
            FeatureKind::Stylo => "stylo",
            FeatureKind::Format => "format",
            FeatureKind::Ngram => "ngram",
            FeatureKind::Embed => "embed",
            FeatureKind::Lm => "lm",
        }
    }
}

/// What to compute and with which settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSettings {
    pub kinds: Vec<FeatureKind>,
    /// What stylometry, n-grams and embeddings see (format always reads the raw text).
    pub normalization: Normalization,
    pub ngram: NgramConfig,
    pub embed: EmbedConfig,
    pub lm: LmConfig,
}

impl Default for FeatureSettings {
    /// Drift's default: style, layout and content, so a change of layout is drift too (the
    /// shortcut audit says when it is the only one).
    fn default() -> Self {
        FeatureSettings {
            kinds: vec![FeatureKind::Stylo, FeatureKind::Format, FeatureKind::Ngram],
            normalization: Normalization::default(),
            ngram: NgramConfig::default(),
            embed: EmbedConfig::default(),
            lm: LmConfig::default(),
        }
    }
}

/// Several featurizers whose columns are concatenated, each prefixed with its name.
pub struct FeatureSet {
    featurizers: Vec<Box<dyn Featurizer>>,
}

impl FeatureSet {
    /// Builds the featurizers; fails when one cannot start (e.g. no sentence-encoder model).
    pub fn new(settings: &FeatureSettings) -> Result<Self> {
        let featurizers = settings
            .kinds
            .iter()
            .map(|kind| -> Result<Box<dyn Featurizer>> {
                Ok(match kind {
                    FeatureKind::Stylo => Box::new(Stylometry {
                        normalization: settings.normalization,
                    }),
                    FeatureKind::Format => Box::new(Formatting),
                    FeatureKind::Ngram => Box::new(HashedNgrams::new(
                        settings.ngram.clone(),
                        settings.normalization,
                    )),
                    FeatureKind::Embed => Box::new(
                        Embedder::new(&settings.embed)?.normalizing(settings.normalization),
                    ),
                    FeatureKind::Lm => {
                        Box::new(LmScorer::new(&settings.lm, settings.normalization)?)
                    }
                })
            })
            .collect::<Result<_>>()?;
        Ok(FeatureSet { featurizers })
    }

    pub fn needs_fit(&self) -> bool {
        self.featurizers.iter().any(|f| f.needs_fit())
    }

    pub fn observe(&mut self, docs: &[Doc]) {
        for f in self.featurizers.iter_mut().filter(|f| f.needs_fit()) {
            f.observe(docs);
        }
    }

    pub fn columns(&self) -> Vec<String> {
        self.featurizers
            .iter()
            .flat_map(|f| {
                f.columns()
                    .into_iter()
                    .map(move |c| format!("{}_{c}", f.name()))
            })
            .collect()
    }

    pub fn transform(&self, docs: &[Doc]) -> Result<FeatureMatrix> {
        let blocks: Vec<Array2<f32>> = self
            .featurizers
            .iter()
            .map(|f| f.transform(docs))
            .collect::<Result<_>>()?;
        let views: Vec<_> = blocks.iter().map(|b| b.view()).collect();
        let values =
            concatenate(Axis(1), &views).expect("every featurizer returns one row per document");
        Ok(FeatureMatrix {
            ids: docs.iter().map(|d| d.id.clone()).collect(),
            names: self.columns(),
            values,
        })
    }

    /// What the featurizers have to tell the user (one line each).
    pub fn reports(&self) -> Vec<String> {
        self.featurizers.iter().filter_map(|f| f.report()).collect()
    }

    /// Fits on and transforms an in-memory corpus.
    pub fn fit_transform(&mut self, docs: &[Doc]) -> Result<FeatureMatrix> {
        if self.needs_fit() {
            self.observe(docs);
        }
        self.transform(docs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_feature_lists() {
        assert_eq!(
            FeatureKind::parse_list("stylo, ngram,stylo").unwrap(),
            vec![FeatureKind::Stylo, FeatureKind::Ngram]
        );
        assert!(FeatureKind::parse_list("stylo,embedz")
            .unwrap_err()
            .contains("embedz"));
        assert!(FeatureKind::parse_list("").is_err());
    }
}
