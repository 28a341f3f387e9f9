//! MAUVE (Pillutla et al. 2021): quantise both samples into shared k-means clusters and measure
//! the area under the divergence frontier of the two cluster histograms.
//!
//! The pipeline is mauve-text 0.4.0's `compute_mauve` on given features: rows L2-normalised,
//! PCA keeping 90% of the variance, k-means with max(2, round(min(n_p, n_q)/10)) clusters
//! (5 restarts, ≤ 500 iterations), label histograms, then the divergence curve
//! `(exp(−c·KL(q‖r_w)), exp(−c·KL(p‖r_w)))` over 25 mixtures `r_w = w·p + (1−w)·q` plus the two
//! ends, and its area by the trapezoid rule. p is the reference, q the candidate.
//!
//! Only the histogram stage can match mauve-text to the last digit ([`mauve_from_histograms`]):
//! its clusters come from faiss (random starts), ours from [`KMeans`] (k-means++ starts), so
//! end-to-end values agree only as two clusterings of the same data do. Either tool's MAUVE
//! moves with the clustering seed (by up to ~0.1 at 2,000 rows per side and 200 clusters);
//! averaged over seeds the two agree to ~0.01 (benches/mauve.rs, benches/peers/mauve_peer.sh).
//!
//! Witnesses: the clusters with the largest |q − p| mass gap, each with the documents nearest
//! its centroid from the side that has too many (score = q − p: positive where the candidate
//! over-represents a region, negative where it under-represents one).

use ndarray::{Array2, ArrayView2};

use crate::divergence::{Details, Divergence, Sample, Side, TestResult, ThresholdKind, Witness};
use crate::error::{Error, Result};
use crate::stats::kmeans::KMeans;
use crate::stats::pca::{Components, Pca};

/// Mixture weights on the divergence curve, as mauve-text's `divergence_curve_discretization_size`.
pub const CURVE_POINTS: usize = 25;
/// Clusters reported as witnesses (largest |q − p| mass first).
const WITNESS_CLUSTERS: usize = 3;
/// Documents listed per witness cluster (those nearest its centroid).
const WITNESS_DOCS: usize = 3;

/// MAUVE parameters, checked once by [`Mauve::new`]; `Default` gives mauve-text's defaults and
/// a provisional threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Mauve {
    /// k-means clusters; `None` is mauve-text's 'auto': max(2, round(min(n_p, n_q) / 10)).
    clusters: Option<usize>,
    /// The constant c in exp(−c·KL) (mauve-text's `mauve_scaling_factor`, default 5).
    scaling: f64,
    /// Share of the variance the PCA keeps before clustering (default 0.9).
    pca_variance: f64,
    /// k-means restarts; the lowest inertia is kept (default 5).
    restarts: usize,
    /// Lloyd iterations per restart at most (default 500).
    max_iter: usize,
    /// The candidate drifts when MAUVE falls below this (default 0.9, provisional).
    threshold: f64,
}

impl Default for Mauve {
    fn default() -> Self {
        Mauve {
            clusters: None,
            scaling: 5.0,
            pca_variance: 0.9,
            restarts: 5,
            max_iter: 500,
            threshold: 0.9,
        }
    }
}

/// The histogram stage's output: MAUVE and the frontier integral, plain and KT-smoothed.
#[derive(Debug, Clone, PartialEq)]
pub struct MauveCurve {
    /// Area under the divergence curve of the plain histograms.
    pub mauve: f64,
    /// The same with Krichevsky–Trofimov (+0.5) smoothed histograms (Pillutla et al. 2023).
    pub mauve_star: f64,
    /// mauve-text's `get_fronter_integral` of the plain histograms (0 = identical).
    pub frontier_integral: f64,
    /// The frontier integral of the smoothed histograms.
    pub frontier_integral_star: f64,
    /// Points (x, y) = (exp(−c·KL(q‖r_w)), exp(−c·KL(p‖r_w))): the end (1, 0), one per weight,
    /// then the end (0, 1).
    pub curve: Vec<[f64; 2]>,
    /// The curve of the smoothed histograms.
    pub curve_smoothed: Vec<[f64; 2]>,
}

/// Everything one end-to-end MAUVE run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct MauveRun {
    /// Scores and curves of the cluster histograms.
    pub scores: MauveCurve,
    /// Cluster counts of the reference (p) rows.
    pub p_counts: Vec<u64>,
    /// Cluster counts of the candidate (q) rows.
    pub q_counts: Vec<u64>,
    /// Cluster of each reference row.
    pub p_labels: Vec<usize>,
    /// Cluster of each candidate row.
    pub q_labels: Vec<usize>,
    /// Squared distance of each row to its centroid, reference rows then candidate rows.
    pub distances: Vec<f32>,
    /// Principal components kept before clustering.
    pub pca_dims: usize,
    /// Whether the kept k-means run converged before `max_iter`.
    pub converged: bool,
}

impl Mauve {
    /// MAUVE with checked parameters (`clusters` `None` is 'auto'); the message names the bad one.
    pub fn new(
        clusters: Option<usize>,
        scaling: f64,
        pca_variance: f64,
        restarts: usize,
        max_iter: usize,
        threshold: f64,
    ) -> std::result::Result<Mauve, String> {
        if !(scaling.is_finite() && scaling > 0.0 && scaling < 1e6) {
            return Err(format!(
                "scaling: must be above 0 and below 1e6, not {scaling}"
            ));
        }
        if !(pca_variance > 0.0 && pca_variance <= 1.0) {
            return Err(format!(
                "pca_variance: must be in (0, 1], not {pca_variance}"
            ));
        }
        if !(1..=100).contains(&restarts) {
            return Err(format!("restarts: must be 1 to 100, not {restarts}"));
        }
        if !(1..=100_000).contains(&max_iter) {
            return Err(format!("max_iter: must be 1 to 100000, not {max_iter}"));
        }
        if let Some(k) = clusters.filter(|k| !(2..=100_000).contains(k)) {
            return Err(format!("clusters: must be 2 to 100000 (or auto), not {k}"));
        }
        if !(0.0..=1.0).contains(&threshold) {
            return Err(format!("threshold: must be in [0, 1], not {threshold}"));
        }
        Ok(Mauve {
            clusters,
            scaling,
            pca_variance,
            restarts,
            max_iter,
            threshold,
        })
    }

    pub fn scaling(&self) -> f64 {
        self.scaling
    }

    pub fn pca_variance(&self) -> f64 {
        self.pca_variance
    }

    pub fn restarts(&self) -> usize {
        self.restarts
    }

    pub fn max_iter(&self) -> usize {
        self.max_iter
    }

    /// Runs the whole pipeline on reference rows `p` and candidate rows `q`.
    pub fn score(&self, p: ArrayView2<f32>, q: ArrayView2<f32>, seed: u64) -> Result<MauveRun> {
        let (n_p, n_q) = (p.nrows(), q.nrows());
        if n_p == 0 || n_q == 0 {
            return Err(Error::Data(format!(
                "mauve needs rows on both sides, got {n_p} reference and {n_q} candidate"
            )));
        }
        if p.ncols() != q.ncols() || p.ncols() == 0 {
            return Err(Error::Data(format!(
                "mauve needs the same non-zero width on both sides, got {} and {}",
                p.ncols(),
                q.ncols()
            )));
        }
        let k = self.clusters.unwrap_or_else(|| auto_clusters(n_p, n_q));
        if k > n_p + n_q {
            return Err(Error::Data(format!(
                "mauve with {k} clusters needs at least {k} rows in all, got {}",
                n_p + n_q
            )));
        }
        let stacked = l2_rows(p, q)?;
        let pca = Pca::fit(
            stacked.view(),
            Components::ExplainedVariance(self.pca_variance),
        )?;
        // mauve-text clusters in float32 (faiss); so do we.
        let reduced = pca.transform(stacked.view())?.mapv(|v| v as f32);
        let clustering = KMeans {
            k,
            restarts: self.restarts,
            max_iter: self.max_iter,
        }
        .fit(reduced.view(), seed)?;
        let mut labels = clustering.labels;
        let q_labels = labels.split_off(n_p);
        let p_labels = labels;
        let p_counts = counts(&p_labels, k);
        let q_counts = counts(&q_labels, k);
        let scores = mauve_from_histograms(&p_counts, &q_counts, self.scaling, CURVE_POINTS)?;
        Ok(MauveRun {
            scores,
            p_counts,
            q_counts,
            p_labels,
            q_labels,
            distances: clustering.distances,
            pca_dims: pca.dims(),
            converged: clustering.converged,
        })
    }
}

impl Divergence for Mauve {
    fn name(&self) -> &'static str {
        "mauve"
    }

    fn compare(&self, reference: &Sample, candidate: &Sample, seed: u64) -> Result<TestResult> {
        let run = self.score(reference.values, candidate.values, seed)?;
        let s = &run.scores;
        let k = run.p_counts.len();
        let (p_hist, q_hist) = (histogram(&run.p_counts, 0.0), histogram(&run.q_counts, 0.0));
        let gaps: Vec<f64> = q_hist.iter().zip(&p_hist).map(|(q, p)| q - p).collect();
        let mut order: Vec<usize> = (0..k).filter(|&c| gaps[c] != 0.0).collect();
        order.sort_by(|&a, &b| gaps[b].abs().total_cmp(&gaps[a].abs()).then(a.cmp(&b)));
        order.truncate(WITNESS_CLUSTERS);

        let n_p = run.p_labels.len();
        let mut witnesses = Vec::new();
        for &c in &order {
            // The over-represented side's most typical documents of the cluster.
            let (side, ids, labels, offset) = if gaps[c] > 0.0 {
                (Side::Candidate, candidate.ids, &run.q_labels, n_p)
            } else {
                (Side::Reference, reference.ids, &run.p_labels, 0)
            };
            let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == c).collect();
            rows.sort_by(|&a, &b| {
                run.distances[offset + a]
                    .total_cmp(&run.distances[offset + b])
                    .then(a.cmp(&b))
            });
            witnesses.extend(rows.into_iter().take(WITNESS_DOCS).map(|row| Witness {
                side,
                row,
                id: ids.get(row).cloned().unwrap_or_else(|| row.to_string()),
                score: gaps[c],
            }));
        }

        let verdict = if s.mauve < self.threshold {
            format!("below {}: the candidate drifts", self.threshold)
        } else {
            format!("at or above {}: the candidate matches", self.threshold)
        };
        let gap = order.first().map_or(String::new(), |&c| {
            format!(
                "; largest gap: cluster {c} holds {:.1}% of the candidate vs {:.1}% of the reference (witnesses below)",
                100.0 * q_hist[c],
                100.0 * p_hist[c]
            )
        });
        let summary = format!(
            "MAUVE = {:.3} (MAUVE* {:.3}, {k} clusters in {} PCA dims): {verdict}{gap}",
            s.mauve, s.mauve_star, run.pca_dims
        );
        let values = [
            ("mauve", s.mauve),
            ("mauve_star", s.mauve_star),
            ("frontier_integral", s.frontier_integral),
            ("frontier_integral_star", s.frontier_integral_star),
            ("clusters", k as f64),
            ("pca_dims", run.pca_dims as f64),
        ]
        .into_iter()
        .map(|(name, v)| (name.to_string(), v))
        .collect();
        Ok(TestResult::decide(
            self.name(),
            "MAUVE",
            s.mauve,
            None,
            self.threshold,
            ThresholdKind::StatisticBelow,
            Details {
                summary,
                values,
                features: Vec::new(),
                witnesses,
            },
        ))
    }
}

/// mauve-text's 'auto' cluster count: max(2, round(min(n_p, n_q) / 10)), halves to even as
/// Python's `round`.
pub fn auto_clusters(n_p: usize, n_q: usize) -> usize {
    let k = (n_p.min(n_q) as f64 / 10.0).round_ties_even() as usize;
    k.max(2)
}

/// MAUVE, MAUVE*, the frontier integrals and the curves of two cluster-count histograms,
/// exactly as mauve-text's `compute_mauve` after `cluster_feats` (`n_weights` = 25 there).
pub fn mauve_from_histograms(
    p_counts: &[u64],
    q_counts: &[u64],
    scaling: f64,
    n_weights: usize,
) -> Result<MauveCurve> {
    if p_counts.len() != q_counts.len() || p_counts.is_empty() {
        return Err(Error::Data(format!(
            "mauve histograms need the same non-zero number of bins, got {} and {}",
            p_counts.len(),
            q_counts.len()
        )));
    }
    if p_counts.iter().all(|&c| c == 0) || q_counts.iter().all(|&c| c == 0) {
        return Err(Error::Data("mauve histograms must not be all zero".into()));
    }
    if !(scaling.is_finite() && scaling > 0.0) {
        return Err(Error::Usage(format!(
            "mauve: scaling must be positive, got {scaling}"
        )));
    }
    let weights = linspace(1e-6, 1.0 - 1e-6, n_weights);
    let (p, q) = (histogram(p_counts, 0.0), histogram(q_counts, 0.0));
    let (ps, qs) = (histogram(p_counts, 0.5), histogram(q_counts, 0.5));
    let curve = divergence_curve(&p, &q, &weights, scaling);
    let curve_smoothed = divergence_curve(&ps, &qs, &weights, scaling);
    Ok(MauveCurve {
        mauve: area(&curve),
        mauve_star: area(&curve_smoothed),
        frontier_integral: frontier_integral(&p, &q),
        frontier_integral_star: frontier_integral(&ps, &qs),
        curve,
        curve_smoothed,
    })
}

/// `(counts + pseudo) / Σ(counts + pseudo)`: pseudo = 0 plain, 0.5 Krichevsky–Trofimov.
pub fn histogram(counts: &[u64], pseudo: f64) -> Vec<f64> {
    let total: f64 = counts.iter().map(|&c| c as f64 + pseudo).sum();
    counts
        .iter()
        .map(|&c| (c as f64 + pseudo) / total)
        .collect()
}

/// mauve-text's curve: (1, 0), then (exp(−c·KL(q‖r_w)), exp(−c·KL(p‖r_w))) per weight w
/// (ascending) with r_w = w·p + (1 − w)·q, then (0, 1).
pub fn divergence_curve(p: &[f64], q: &[f64], weights: &[f64], scaling: f64) -> Vec<[f64; 2]> {
    let mut sorted = weights.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut points = vec![[0.0, f64::INFINITY]];
    for w in sorted {
        let r: Vec<f64> = p
            .iter()
            .zip(q)
            .map(|(&pi, &qi)| w * pi + (1.0 - w) * qi)
            .collect();
        points.push([kl(q, &r), kl(p, &r)]);
    }
    points.push([f64::INFINITY, 0.0]);
    for point in &mut points {
        for v in point.iter_mut() {
            *v = (-scaling * *v).exp();
        }
    }
    points
}

/// KL(a‖b) in nats over the bins where both are non-zero; ∞ when a has mass where b has none.
fn kl(a: &[f64], b: &[f64]) -> f64 {
    if a.iter().zip(b).any(|(&x, &y)| x != 0.0 && y == 0.0) {
        return f64::INFINITY;
    }
    a.iter()
        .zip(b)
        .filter(|(&x, &y)| x != 0.0 && y != 0.0)
        .map(|(&x, &y)| x * (x / y).ln())
        .sum()
}

/// MAUVE from a curve: the mean of the trapezoid areas under y(x) (points sorted by x) and
/// under x(y) (sorted by y), as `compute_mauve` with `sklearn.metrics.auc`.
///
/// Ties: mauve-text sorts with numpy's unstable `argsort`, so when points share an x (or y)
/// its area depends on the sort's internals; that happens only when p = q exactly (then every
/// KL is 0 and mauve-text can return 0.75 for identical histograms). Ties here are ordered
/// by the other coordinate, descending, which measures the upper envelope: identical
/// histograms score 1. Without ties the result is mauve-text's.
pub fn area(curve: &[[f64; 2]]) -> f64 {
    let trapezoid = |a: usize, b: usize| {
        let mut idx: Vec<usize> = (0..curve.len()).collect();
        idx.sort_by(|&i, &j| {
            curve[i][a]
                .total_cmp(&curve[j][a])
                .then(curve[j][b].total_cmp(&curve[i][b]))
        });
        idx.windows(2)
            .map(|w| {
                let (u, v) = (curve[w[0]], curve[w[1]]);
                (v[a] - u[a]) * (u[b] + v[b]) / 2.0
            })
            .sum::<f64>()
    };
    0.5 * (trapezoid(0, 1) + trapezoid(1, 0))
}

/// mauve-text's `get_fronter_integral(p, q)` (scaling factor 2).
pub fn frontier_integral(p: &[f64], q: &[f64]) -> f64 {
    let mut total = 0.0;
    for (&p1, &q1) in p.iter().zip(q) {
        if p1 == 0.0 && q1 == 0.0 {
        } else if p1 == 0.0 {
            total += q1 / 4.0;
        } else if q1 == 0.0 {
            total += p1 / 4.0;
        } else if (p1 - q1).abs() > 1e-8 {
            let t1 = p1 + q1;
            let t2 = p1 * q1 * (p1.ln() - q1.ln()) / (p1 - q1);
            total += 0.25 * t1 - 0.5 * t2;
        }
    }
    total * 2.0
}

/// numpy's `linspace(start, stop, num)`: `start + i·step`, the last point exactly `stop`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    if let Some(last) = v.last_mut() {
        *last = stop;
    }
    v
}

/// Cluster label counts over `k` bins.
fn counts(labels: &[usize], k: usize) -> Vec<u64> {
    let mut c = vec![0u64; k];
    for &l in labels {
        c[l] += 1;
    }
    c
}

/// Rows of `p` then `q`, each scaled to unit L2 norm (all-zero rows stay zero, as scikit-learn's
/// `normalize`), in f64.
fn l2_rows(p: ArrayView2<f32>, q: ArrayView2<f32>) -> Result<Array2<f64>> {
    let d = p.ncols();
    let mut out = Array2::zeros((p.nrows() + q.nrows(), d));
    for (mut dst, src) in out
        .rows_mut()
        .into_iter()
        .zip(p.rows().into_iter().chain(q.rows()))
    {
        let mut norm = 0.0;
        for (o, &v) in dst.iter_mut().zip(src) {
            if !v.is_finite() {
                return Err(Error::Data("mauve input has non-finite values".into()));
            }
            *o = f64::from(v);
            norm += *o * *o;
        }
        let norm = norm.sqrt();
        if norm > 0.0 {
            dst.mapv_inplace(|v| v / norm);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use rand::Rng;
    use rand_distr::StandardNormal;

    use super::*;
    use crate::stats::rng::seeded;

    /// `n` rows of N(shift, I) in `d` dims.
    fn normal(n: usize, d: usize, shift: f32, seed: u64) -> Array2<f32> {
        let mut rng = seeded(seed, 7);
        Array2::from_shape_simple_fn((n, d), || shift + rng.sample::<f32, _>(StandardNormal))
    }

    fn names(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    #[test]
    fn same_distribution_scores_high_and_a_shift_scores_low() {
        let mauve = Mauve::default();
        let p = normal(1000, 64, 0.0, 1);
        let same = mauve
            .score(p.view(), normal(1000, 64, 0.0, 2).view(), 3)
            .unwrap();
        let mild = mauve
            .score(p.view(), normal(1000, 64, 0.1, 2).view(), 3)
            .unwrap();
        let strong = mauve
            .score(p.view(), normal(1000, 64, 0.5, 2).view(), 3)
            .unwrap();
        assert_eq!(same.p_counts.len(), 100);
        assert_eq!(same.p_counts.iter().sum::<u64>(), 1000);
        assert!(same.converged);
        let (s, m, x) = (same.scores.mauve, mild.scores.mauve, strong.scores.mauve);
        assert!(s > 0.9, "same distribution: {s}");
        assert!(x < 0.5, "strong shift: {x}");
        assert!(s > m && m > x, "ordering: {s} {m} {x}");
        // 90% of the variance of 64 isotropic (then L2-normalised) dims needs most of them.
        assert!((50..64).contains(&same.pca_dims), "{}", same.pca_dims);
    }

    #[test]
    fn compare_is_deterministic_across_threads_and_names_the_planted_cluster() {
        // The candidate is the reference's distribution plus 150 rows in a far-off region.
        let d = 16;
        let reference = normal(600, d, 0.0, 4);
        let mut candidate = normal(600, d, 0.0, 5);
        let planted = normal(150, d, 0.0, 6).mapv(|v| 0.05 * v) + 3.0;
        candidate.slice_mut(ndarray::s![450.., ..]).assign(&planted);
        let (ref_ids, cand_ids, cols) = (names("r", 600), names("c", 600), names("f", d));
        let r = Sample::new(reference.view(), &ref_ids, &cols);
        let c = Sample::new(candidate.view(), &cand_ids, &cols);
        let mauve = Mauve::default();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| mauve.compare(&r, &c, 11).unwrap())
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one.test, "mauve");
        assert!(one.drifted, "{}", one.details.summary);
        assert!(one.statistic < 0.9);
        assert_eq!(one.details.values["mauve"], one.statistic);
        assert_eq!(one.details.values["clusters"], 60.0);
        assert!(one.details.summary.starts_with("MAUVE = "));
        // The planted rows sit in the clusters with the largest candidate surplus.
        let top = &one.details.witnesses[0];
        assert_eq!(top.side, Side::Candidate);
        assert!(top.row >= 450, "{top:?}");
        assert_eq!(top.id, format!("c{}", top.row));
        assert!(top.score > 0.0);
        assert!(one.details.witnesses.len() <= WITNESS_CLUSTERS * WITNESS_DOCS);
    }

    #[test]
    fn auto_clusters_follows_python_round() {
        assert_eq!(auto_clusters(2000, 2000), 200);
        assert_eq!(auto_clusters(25, 100), 2); // round(2.5) = 2
        assert_eq!(auto_clusters(35, 100), 4); // round(3.5) = 4
        assert_eq!(auto_clusters(3, 3), 2);
        assert_eq!(auto_clusters(104, 1000), 10);
    }

    #[test]
    fn linspace_matches_numpy() {
        // numpy.linspace(1e-6, 1 - 1e-6, 25)[1] and [-1].
        let w = linspace(1e-6, 1.0 - 1e-6, 25);
        assert_eq!(w.len(), 25);
        assert_eq!(w[0], 1e-6);
        assert_eq!(w[1], 0.041667583333333334);
        assert_eq!(w[24], 0.999999);
    }

    #[test]
    fn identical_histograms_score_one_and_disjoint_score_zero() {
        let same = mauve_from_histograms(&[3, 5, 2], &[3, 5, 2], 5.0, 25).unwrap();
        assert!((same.mauve - 1.0).abs() < 1e-9, "{}", same.mauve);
        assert_eq!(same.frontier_integral, 0.0);
        // Every KL exactly 0: tied x (and y) values, where mauve-text's unstable sort gives
        // 0.75 for these two; the upper envelope gives 1.
        for h in [[1, 0], [5, 5]] {
            let tied = mauve_from_histograms(&h, &h, 5.0, 25).unwrap();
            assert!((tied.mauve - 1.0).abs() < 1e-12, "{h:?}: {}", tied.mauve);
            assert!((tied.mauve_star - 1.0).abs() < 1e-12, "{h:?}");
        }
        let apart = mauve_from_histograms(&[4, 0], &[0, 4], 5.0, 25).unwrap();
        // Disjoint supports: the curve is ((1 − w)^5, w^5); mauve-text gives these values.
        assert!((apart.mauve - 0.0040720962619612555).abs() < 1e-15);
        assert_eq!(apart.frontier_integral, 1.0);
        assert_eq!(apart.curve.len(), 27);
        assert_eq!(apart.curve[0], [1.0, 0.0]);
        assert_eq!(apart.curve[26], [0.0, 1.0]);
    }

    #[test]
    fn frontier_integral_of_known_pair() {
        // Bins (0.5, 0.5) vs (1, 0): bin 1 contributes 0.5/4; bin 0 contributes
        // 0.25·1.5 − 0.5·(0.5·ln 0.5 / −0.5) = 0.375 − 0.5·ln 2.
        let fi = frontier_integral(&[0.5, 0.5], &[1.0, 0.0]);
        let expected = 2.0 * (0.125 + 0.375 - 0.5 * 2f64.ln());
        assert!((fi - expected).abs() < 1e-15);
    }

    #[test]
    fn degenerate_inputs_give_finite_answers() {
        // Identical constant rows: one occupied cluster on both sides, MAUVE 1.
        let x = Array2::<f32>::ones((30, 4));
        let run = Mauve::default().score(x.view(), x.view(), 0).unwrap();
        assert!(
            (run.scores.mauve - 1.0).abs() < 1e-9,
            "{}",
            run.scores.mauve
        );
        // One row per side is enough for the 2 'auto' clusters.
        let (a, b) = (normal(1, 3, 0.0, 1), normal(1, 3, 0.0, 2));
        let run = Mauve::default().score(a.view(), b.view(), 0).unwrap();
        assert_eq!(run.p_counts.iter().sum::<u64>(), 1);
        assert!(run.scores.mauve.is_finite());
    }

    #[test]
    fn rejects_bad_histograms_and_parameters() {
        assert!(matches!(
            mauve_from_histograms(&[1, 2], &[1], 5.0, 25),
            Err(Error::Data(_))
        ));
        assert!(matches!(
            mauve_from_histograms(&[0, 0], &[1, 1], 5.0, 25),
            Err(Error::Data(_))
        ));
        let x = Array2::<f32>::ones((30, 4));
        let bad = Mauve::new(None, 5.0, 0.0, 5, 500, 0.9).unwrap_err();
        assert!(bad.starts_with("pca_variance"), "{bad}");
        let empty = Array2::<f32>::zeros((0, 4));
        assert!(matches!(
            Mauve::default().score(empty.view(), x.view(), 0),
            Err(Error::Data(_))
        ));
        let narrow = Array2::<f32>::ones((30, 3));
        assert!(matches!(
            Mauve::default().score(narrow.view(), x.view(), 0),
            Err(Error::Data(_))
        ));
        let mut nan = x.clone();
        nan[[4, 2]] = f32::NAN;
        assert!(matches!(
            Mauve::default().score(nan.view(), x.view(), 0),
            Err(Error::Data(_))
        ));
        let many = Mauve::new(Some(61), 5.0, 0.9, 5, 500, 0.9).unwrap();
        assert!(matches!(
            many.score(x.view(), x.view(), 0),
            Err(Error::Data(_))
        ));
    }
}
