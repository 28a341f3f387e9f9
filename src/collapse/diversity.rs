//! Lexical diversity of a tokenised corpus, the quantities that fall as recursive training
//! collapses: distinct-n, type-token ratio, unigram entropy, hapax share, Zipf slope, gzip
//! compression ratio, self-BLEU, and the tail mass of a reference's rare tokens still produced.
//! Definitions follow the reference vectors (`tests/reference/14_diversity.json`): n-grams never
//! cross sentence (document) boundaries; self-BLEU is NLTK's `sentence_bleu` of each sentence
//! against all others, 4-gram uniform weights, smoothing method 1.

use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

/// Unique and total n-grams of order `n`, pooled over the sentences.
pub fn distinct_n(sentences: &[Vec<&str>], n: usize) -> (usize, usize) {
    let mut seen: std::collections::HashSet<&[&str]> = std::collections::HashSet::new();
    let mut total = 0;
    for s in sentences {
        for gram in s.windows(n) {
            total += 1;
            seen.insert(gram);
        }
    }
    (seen.len(), total)
}

/// Unique tokens / total tokens.
pub fn type_token_ratio(sentences: &[Vec<&str>]) -> f64 {
    let (unique, total) = distinct_n(sentences, 1);
    unique as f64 / total.max(1) as f64
}

fn unigram_counts<'a>(sentences: &[Vec<&'a str>]) -> HashMap<&'a str, u64> {
    let mut counts = HashMap::new();
    for s in sentences {
        for &t in s {
            *counts.entry(t).or_insert(0) += 1;
        }
    }
    counts
}

/// Shannon entropy (bits) of the pooled unigram distribution.
pub fn unigram_entropy_bits(sentences: &[Vec<&str>]) -> f64 {
    entropy_bits_of_counts(unigram_counts(sentences).into_values().collect())
}

/// Shannon entropy (bits) of the distribution with these counts.
pub fn entropy_bits_of_counts(mut values: Vec<u64>) -> f64 {
    let total: u64 = values.iter().sum();
    if total == 0 {
        return 0.0;
    }
    // A fixed summation order: the same corpus gives the same bits whatever the hash seed.
    values.sort_unstable();
    -values
        .iter()
        .map(|&c| {
            let p = c as f64 / total as f64;
            p * p.log2()
        })
        .sum::<f64>()
}

/// Share of word types that occur exactly once.
pub fn hapax_share(sentences: &[Vec<&str>]) -> f64 {
    hapax_share_of_counts(unigram_counts(sentences).into_values())
}

/// Share of types counted exactly once.
pub fn hapax_share_of_counts(counts: impl Iterator<Item = u64>) -> f64 {
    let (mut once, mut types) = (0usize, 0usize);
    for c in counts {
        once += usize::from(c == 1);
        types += 1;
    }
    once as f64 / types.max(1) as f64
}

/// Least-squares slope of log(frequency) on log(rank) over all word types (about −1 for
/// natural text; steeper when a few words take over).
pub fn zipf_slope(sentences: &[Vec<&str>]) -> f64 {
    zipf_slope_of_counts(unigram_counts(sentences).into_values().collect())
}

/// [`zipf_slope`] of the types with these counts.
pub fn zipf_slope_of_counts(mut freq: Vec<u64>) -> f64 {
    freq.sort_unstable_by(|a, b| b.cmp(a));
    if freq.len() < 2 {
        return f64::NAN;
    }
    let points: Vec<(f64, f64)> = freq
        .iter()
        .enumerate()
        .map(|(r, &f)| (((r + 1) as f64).ln(), (f as f64).ln()))
        .collect();
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    sxy / sxx
}

/// Text bytes, gzip (level 9) bytes and their ratio for the sentences joined as the reference
/// does (tokens by spaces, sentences by newlines). Higher = more repetitive.
pub fn gzip_ratio(sentences: &[Vec<&str>]) -> (usize, usize, f64) {
    let text = sentences
        .iter()
        .map(|s| s.join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
    // Writing to a Vec cannot fail.
    let compressed = encoder
        .write_all(text.as_bytes())
        .and_then(|_| encoder.finish())
        .unwrap_or_default();
    let ratio = text.len() as f64 / compressed.len().max(1) as f64;
    (text.len(), compressed.len(), ratio)
}

/// Smoothing method 1's epsilon (NLTK): added to a zero n-gram match count.
const BLEU_EPSILON: f64 = 0.1;
const BLEU_ORDER: usize = 4;

/// Per sentence, BLEU against all the other sentences as references (NLTK's `sentence_bleu`,
/// weights ¼ each for 1–4-grams, smoothing method 1), and their mean.
pub fn self_bleu(sentences: &[Vec<&str>]) -> (Vec<f64>, f64) {
    let n = sentences.len();
    // For each n-gram: its two largest counts over sentences and which sentence has the
    // largest, so the maximum over "every sentence but this one" is O(1).
    type Top = (u32, usize, u32);
    let counts: Vec<Vec<HashMap<&[&str], u32>>> = sentences
        .iter()
        .map(|s| {
            (1..=BLEU_ORDER)
                .map(|k| {
                    let mut m = HashMap::new();
                    for g in s.windows(k) {
                        *m.entry(g).or_insert(0) += 1;
                    }
                    m
                })
                .collect()
        })
        .collect();
    let mut top: Vec<HashMap<&[&str], Top>> = vec![HashMap::new(); BLEU_ORDER];
    for (i, per_order) in counts.iter().enumerate() {
        for (k, m) in per_order.iter().enumerate() {
            for (&g, &c) in m {
                let e = top[k].entry(g).or_insert((0, usize::MAX, 0));
                if c > e.0 {
                    *e = (c, i, e.0);
                } else if c > e.2 {
                    e.2 = c;
                }
            }
        }
    }
    let lengths: Vec<usize> = sentences.iter().map(Vec::len).collect();
    let scores: Vec<f64> = (0..n)
        .map(|i| {
            let hyp_len = lengths[i];
            let mut log_sum = 0.0;
            for k in 0..BLEU_ORDER {
                let total: u32 = counts[i][k].values().sum();
                let clipped: u32 = counts[i][k]
                    .iter()
                    .map(|(g, &c)| {
                        let (first, holder, second) = top[k][g];
                        c.min(if holder == i { second } else { first })
                    })
                    .sum();
                if k == 0 && clipped == 0 {
                    return 0.0;
                }
                let denominator = total.max(1) as f64;
                let p = if clipped == 0 {
                    BLEU_EPSILON / denominator
                } else {
                    clipped as f64 / denominator
                };
                log_sum += p.ln() / BLEU_ORDER as f64;
            }
            // Closest reference length, the shorter on a tie.
            let closest = (0..n)
                .filter(|&j| j != i)
                .map(|j| lengths[j])
                .min_by_key(|&r| (r.abs_diff(hyp_len), r))
                .unwrap_or(0);
            let brevity = if hyp_len == 0 {
                0.0
            } else if hyp_len > closest {
                1.0
            } else {
                (1.0 - closest as f64 / hyp_len as f64).exp()
            };
            brevity * log_sum.exp()
        })
        .collect();
    let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
    (scores, mean)
}

/// The rare part of a reference vocabulary: the tokens outside the most frequent ones that
/// together cover `head_mass` of the reference's tokens.
#[derive(Debug, Clone, Serialize)]
pub struct Tail {
    pub tokens: std::collections::HashSet<String>,
    /// Their share of the reference's tokens.
    pub reference_mass: f64,
}

pub fn reference_tail(sentences: &[Vec<&str>], head_mass: f64) -> Tail {
    Tail::of_counts(unigram_counts(sentences).into_iter(), head_mass)
}

impl Tail {
    /// The tail of the vocabulary with these token counts.
    pub fn of_counts<'a>(counts: impl Iterator<Item = (&'a str, u64)>, head_mass: f64) -> Tail {
        let mut ranked: Vec<(&str, u64)> = counts.collect();
        let total: u64 = ranked.iter().map(|r| r.1).sum();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut covered = 0u64;
        let mut tokens = std::collections::HashSet::new();
        let mut tail = 0u64;
        for (t, c) in ranked {
            if (covered as f64) < head_mass * total as f64 {
                covered += c;
            } else {
                tokens.insert(t.to_string());
                tail += c;
            }
        }
        Tail {
            tokens,
            reference_mass: tail as f64 / total.max(1) as f64,
        }
    }
}

/// Share of the reference's tail mass a corpus still produces: its own share of tail tokens
/// over the reference's (1 = as much rare vocabulary as the reference, 0 = none).
pub fn tail_mass(sentences: &[Vec<&str>], tail: &Tail) -> f64 {
    tail_mass_of_counts(unigram_counts(sentences).into_iter(), tail)
}

/// [`tail_mass`] of a corpus with these token counts.
pub fn tail_mass_of_counts<'a>(counts: impl Iterator<Item = (&'a str, u64)>, tail: &Tail) -> f64 {
    let (mut hits, mut total) = (0u64, 0u64);
    for (t, c) in counts {
        total += c;
        if tail.tokens.contains(t) {
            hits += c;
        }
    }
    if total == 0 || tail.reference_mass == 0.0 {
        return f64::NAN;
    }
    (hits as f64 / total as f64) / tail.reference_mass
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(texts: &[&'static str]) -> Vec<Vec<&'static str>> {
        texts.iter().map(|t| t.split(' ').collect()).collect()
    }

    #[test]
    fn zipf_hapax_and_tail_behave() {
        let natural = corpus(&["a a a a b b c d", "a a b e f"]);
        assert!((hapax_share(&natural) - 4.0 / 6.0).abs() < 1e-12);
        assert!(zipf_slope(&natural) < 0.0);
        let tail = reference_tail(&natural, 0.6);
        assert!(tail.tokens.contains("f") && !tail.tokens.contains("a"));
        assert!((tail_mass(&natural, &tail) - 1.0).abs() < 1e-12);
        let collapsed = corpus(&["a a a a a b", "a a b a"]);
        assert_eq!(tail_mass(&collapsed, &tail), 0.0);
    }
}
