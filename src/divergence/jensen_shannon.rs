//! Jensen–Shannon divergence between the token unigram distributions of two corpora: which
//! words the synthetic corpus over- or under-uses. Needs the texts (`Sample::texts`).
//!
//! Tokenisation: lower-case, then split on every character that is not alphanumeric (Unicode
//! `char::is_alphanumeric`), dropping empty pieces — "Don't stop!" gives `don`, `t`, `stop`.
//! The divergence is in bits (base 2), so it lies in [0, 1]; each token's share of it (its
//! term of the sum) is non-negative, which makes the top tokens an explanation of the number.

use std::collections::BTreeMap;

use super::{Details, Divergence, FeatureScore, Sample, TestResult, ThresholdKind};
use crate::error::{Error, Result};

/// JS divergence of token distributions against a threshold.
#[derive(Debug, Clone)]
pub struct JensenShannon {
    /// Drift when the divergence (bits) exceeds this (default 0.1, to be calibrated: small
    /// corpora inflate it — 20 short sentences per side from one source already give ≈ 0.1).
    pub threshold: f64,
    /// How many tokens to report, largest contribution first (default 10).
    pub top_tokens: usize,
}

impl Default for JensenShannon {
    fn default() -> Self {
        JensenShannon {
            threshold: 0.1,
            top_tokens: 10,
        }
    }
}

/// Lower-cased alphanumeric runs of `text`.
pub fn tokenize(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(str::to_lowercase)
}

/// Token counts of two corpora over their sorted union vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenCounts {
    /// Every token seen on either side, sorted (byte order, i.e. Unicode code-point order).
    pub vocab: Vec<String>,
    pub counts_a: Vec<f64>,
    pub counts_b: Vec<f64>,
}

/// Counts the tokens of two corpora (tokens taken as given, case-sensitive).
pub fn token_counts<A, B>(a: A, b: B) -> TokenCounts
where
    A: IntoIterator,
    A::Item: AsRef<str>,
    B: IntoIterator,
    B::Item: AsRef<str>,
{
    let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for t in a {
        counts.entry(t.as_ref().to_owned()).or_default().0 += 1;
    }
    for t in b {
        counts.entry(t.as_ref().to_owned()).or_default().1 += 1;
    }
    let mut out = TokenCounts {
        vocab: Vec::with_capacity(counts.len()),
        counts_a: Vec::with_capacity(counts.len()),
        counts_b: Vec::with_capacity(counts.len()),
    };
    for (token, (ca, cb)) in counts {
        out.vocab.push(token);
        out.counts_a.push(ca as f64);
        out.counts_b.push(cb as f64);
    }
    out
}

/// x·ln(x/y) with 0·ln(0/y) = 0 (`scipy.special.rel_entr`).
fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

/// Each bin's term of the JS divergence of the histograms `p` and `q` (normalised to sum 1
/// first); the terms are non-negative and sum to the divergence. `base` None means nats.
pub fn js_terms(p: &[f64], q: &[f64], base: Option<f64>) -> Result<Vec<f64>> {
    if p.len() != q.len() || p.is_empty() {
        return Err(Error::Data(format!(
            "JS divergence needs two non-empty histograms of one length (got {} and {})",
            p.len(),
            q.len()
        )));
    }
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    let valid = |h: &[f64], s: f64| s > 0.0 && s.is_finite() && h.iter().all(|&v| v >= 0.0);
    if !valid(p, sp) || !valid(q, sq) {
        return Err(Error::Data(
            "JS divergence needs finite non-negative histograms with a positive total".into(),
        ));
    }
    let scale = base.map_or(1.0, f64::ln);
    Ok(p.iter()
        .zip(q)
        .map(|(&a, &b)| {
            let (a, b) = (a / sp, b / sq);
            let m = (a + b) / 2.0;
            (rel_entr(a, m) + rel_entr(b, m)) / 2.0 / scale
        })
        .collect())
}

/// JS divergence of the histograms `p` and `q` (`scipy.spatial.distance.jensenshannon(p, q,
/// base)**2`); the distance is its square root.
pub fn js_divergence(p: &[f64], q: &[f64], base: Option<f64>) -> Result<f64> {
    Ok(js_terms(p, q, base)?.iter().sum())
}

impl Divergence for JensenShannon {
    fn name(&self) -> &'static str {
        "jensen_shannon"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, _seed: u64) -> Result<TestResult> {
        let (Some(ref_texts), Some(cand_texts)) = (reference.texts, candidate.texts) else {
            return Err(Error::Data(
                "jensen_shannon compares token distributions and needs the texts of both \
                 corpora; it cannot run on feature matrices alone"
                    .into(),
            ));
        };
        let counts = token_counts(
            ref_texts.iter().flat_map(|t| tokenize(t)),
            cand_texts.iter().flat_map(|t| tokenize(t)),
        );
        let (n_ref, n_cand): (f64, f64) =
            (counts.counts_a.iter().sum(), counts.counts_b.iter().sum());
        if n_ref == 0.0 || n_cand == 0.0 {
            let side = if n_ref == 0.0 {
                "reference"
            } else {
                "candidate"
            };
            return Err(Error::Data(format!(
                "jensen_shannon: the {side} texts contain no tokens"
            )));
        }
        let terms = js_terms(&counts.counts_a, &counts.counts_b, Some(2.0))?;
        let js: f64 = terms.iter().sum();
        let mut order: Vec<usize> = (0..terms.len()).collect();
        order.sort_by(|&a, &b| terms[b].total_cmp(&terms[a]));
        order.truncate(self.top_tokens);

        let share = |c: &[f64], n: f64, i: usize| c[i] / n;
        let mut details = Details::default();
        let values = &mut details.values;
        values.insert("vocabulary".into(), counts.vocab.len() as f64);
        values.insert("tokens_reference".into(), n_ref);
        values.insert("tokens_candidate".into(), n_cand);
        let (mut over, mut under) = (Vec::new(), Vec::new());
        for &i in &order {
            let token = &counts.vocab[i];
            let (r, c) = (
                share(&counts.counts_a, n_ref, i),
                share(&counts.counts_b, n_cand, i),
            );
            values.insert(format!("reference_share:{token}"), r);
            values.insert(format!("candidate_share:{token}"), c);
            if c > r {
                over.push(format!("'{token}'"));
            } else {
                under.push(format!("'{token}'"));
            }
            details.features.push(FeatureScore {
                feature: token.clone(),
                statistic: terms[i],
                p_value: None,
                adjusted_p: None,
                drifted: false,
            });
        }
        let list = |v: &[String]| {
            if v.is_empty() {
                "none of the top tokens".to_string()
            } else {
                v.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
            }
        };
        details.summary = format!(
            "JS divergence = {js:.4} bits between token distributions ({} distinct tokens): \
             the candidate over-uses {}; under-uses {}",
            counts.vocab.len(),
            list(&over),
            list(&under)
        );
        Ok(TestResult::decide(
            self.name(),
            "JS divergence (bits)",
            js,
            None,
            self.threshold,
            ThresholdKind::StatisticAbove,
            details,
        ))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    #[test]
    fn tokenize_lowercases_and_splits_on_non_alphanumerics() {
        let t: Vec<String> = tokenize("Don't STOP—naïve café, 42x!").collect();
        assert_eq!(t, ["don", "t", "stop", "naïve", "café", "42x"]);
    }

    #[test]
    fn disjoint_histograms_give_one_bit_and_identical_give_zero() {
        assert!((js_divergence(&[1.0, 0.0], &[0.0, 3.0], Some(2.0)).unwrap() - 1.0).abs() < 1e-15);
        let ln2 = js_divergence(&[1.0, 0.0], &[0.0, 3.0], None).unwrap();
        assert!((ln2 - std::f64::consts::LN_2).abs() < 1e-15);
        assert_eq!(
            js_divergence(&[2.0, 6.0], &[1.0, 3.0], Some(2.0)).unwrap(),
            0.0
        );
        assert!(js_divergence(&[1.0], &[1.0, 2.0], None).is_err());
        assert!(js_divergence(&[0.0, 0.0], &[1.0, 2.0], None).is_err());
    }

    #[test]
    fn compare_needs_texts_and_names_the_overused_token() {
        let ids: Vec<String> = vec!["a".into(), "b".into()];
        let names: Vec<String> = vec![];
        let m = Array2::<f32>::zeros((2, 0));
        let plain = Sample::new(m.view(), &ids, &names);
        let err = JensenShannon::default()
            .compare(&plain, &plain, 0)
            .unwrap_err();
        assert!(err.to_string().contains("needs the texts"), "{err}");

        let real = vec!["the cat sat".to_string(), "the dog ran".to_string()];
        let synth = vec!["Delve the cat".to_string(), "delve, the dog!".to_string()];
        let r = Sample::new(m.view(), &ids, &names).with_texts(&real);
        let c = Sample::new(m.view(), &ids, &names).with_texts(&synth);
        let result = JensenShannon::default().compare(&r, &c, 0).unwrap();
        // Shares over (cat, delve, dog, ran, sat, the): real 1,0,1,1,1,2 /6; synth 1,2,1,0,0,2 /6.
        let want = js_divergence(
            &[1.0, 0.0, 1.0, 1.0, 1.0, 2.0],
            &[1.0, 2.0, 1.0, 0.0, 0.0, 2.0],
            Some(2.0),
        )
        .unwrap();
        assert!((result.statistic - want).abs() < 1e-15);
        assert_eq!(result.details.features[0].feature, "delve");
        assert_eq!(result.details.values["candidate_share:delve"], 2.0 / 6.0);
        assert!(result.drifted);
        assert!(result.details.summary.contains("over-uses 'delve'"));
        let total: f64 = result.details.features.iter().map(|f| f.statistic).sum();
        assert!((total - want).abs() < 1e-15);
    }
}
