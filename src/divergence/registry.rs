//! Every test by name: what it is, whether it runs and gates by default, and how to build it
//! from its `[drift.<name>]` parameter table. A new test is one file plus one entry here.

use super::c2st::C2st;
use super::frechet::Frechet;
use super::improved_pr::ImprovedPrecisionRecall;
use super::jensen_shannon::JensenShannon;
use super::mauve::Mauve;
use super::mmd::{Mmd, PERMUTATIONS};
use super::mmd_rff::{MmdRff, MAX_FEATURES};
use super::prdc::Prdc;
use super::psi::Psi;
use super::suite::View;
use super::univariate::Univariate;
use super::vendi::Vendi;
use super::wasserstein::SlicedWasserstein;
use super::Divergence;
use super::DriftConfig;
use crate::checks::whole_number_outside;
use std::ops::RangeInclusive;

/// Builds a test from its parameters, the drift settings and its threshold (α or statistic).
type Builder = fn(&mut Params, &DriftConfig, f64) -> Result<Box<dyn Divergence>, String>;

/// A registered test.
#[derive(Debug, Clone, Copy)]
pub struct TestInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// Runs when `[drift] tests` is not given.
    pub default_run: bool,
    /// Gates the release when `[drift] gate` is not given (only tests with p-values: they need
    /// no calibration to hold the false-alarm rate).
    pub default_gate: bool,
    pub has_p_value: bool,
    /// Which matrix the test reads.
    pub view: super::suite::View,
    /// Threshold on the statistic for tests without p-values, until `calibrate` sets one.
    pub default_threshold: Option<f64>,
    build: Builder,
}

/// A `[drift.<name>]` table being read: every key must be used by the test, else it is an error.
pub struct Params<'a> {
    table: &'a toml::Table,
    used: Vec<&'static str>,
}

impl Params<'_> {
    fn number(&mut self, key: &'static str) -> Result<Option<f64>, String> {
        self.used.push(key);
        match self.table.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(toml::Value::Float(x)) if x.is_finite() => Ok(Some(*x)),
            Some(other) => Err(format!("{key}: expected a number, found {other}")),
        }
    }

    /// A whole number in `range`, if given (the range the test's constructor checks, so the
    /// two agree).
    fn whole(
        &mut self,
        key: &'static str,
        range: RangeInclusive<usize>,
    ) -> Result<Option<usize>, String> {
        match self.number(key)? {
            None => Ok(None),
            Some(x) if x.fract() == 0.0 && x >= 0.0 && range.contains(&(x as usize)) => {
                Ok(Some(x as usize))
            }
            Some(x) => Err(whole_number_outside(key, &range, x)),
        }
    }

    /// A whole number in `min..=max`, or `default`.
    pub fn count(
        &mut self,
        key: &'static str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, String> {
        Ok(self.whole(key, min..=max)?.unwrap_or(default))
    }

    /// A number in the open interval (`min`, `max`), or `default`.
    pub fn real(
        &mut self,
        key: &'static str,
        default: f64,
        min: f64,
        max: f64,
    ) -> Result<f64, String> {
        match self.number(key)? {
            None => Ok(default),
            Some(x) if x > min && x < max => Ok(x),
            Some(x) => Err(format!(
                "{key}: must be above {min} and below {max}, not {x}"
            )),
        }
    }

    /// An optional positive number.
    pub fn optional_positive(&mut self, key: &'static str) -> Result<Option<f64>, String> {
        match self.number(key)? {
            Some(x) if x <= 0.0 => Err(format!("{key}: must be positive, not {x}")),
            other => Ok(other),
        }
    }

    fn finish(&self) -> Result<(), String> {
        match self.table.keys().find(|k| !self.used.contains(&k.as_str())) {
            Some(k) => Err(format!(
                "unknown key '{k}' (known: {})",
                self.used.join(", ")
            )),
            None => Ok(()),
        }
    }
}

fn c2st(p: &mut Params, _: &DriftConfig, alpha: f64) -> Result<Box<dyn Divergence>, String> {
    let d = C2st::default();
    Ok(Box::new(C2st {
        test_fraction: p.real("test_fraction", d.test_fraction, 0.0, 1.0)?,
        l2: p.real("l2", d.l2, 0.0, 1e9)?,
        max_iterations: p.count("max_iterations", d.max_iterations as usize, 1, 100_000)? as u64,
        alpha,
        top_features: d.top_features,
    }))
}

fn mmd(p: &mut Params, _: &DriftConfig, alpha: f64) -> Result<Box<dyn Divergence>, String> {
    let d = Mmd::default();
    let permutations = p.whole("permutations", PERMUTATIONS)?;
    let bandwidth = p.number("bandwidth")?;
    let witnesses = p.count("witnesses", 10, 0, 1000)?;
    Ok(Box::new(
        Mmd::new(permutations.unwrap_or(d.permutations()), bandwidth, alpha)?
            .with_witnesses(witnesses),
    ))
}

fn mmd_rff(p: &mut Params, _: &DriftConfig, alpha: f64) -> Result<Box<dyn Divergence>, String> {
    let d = MmdRff::default();
    let permutations = p.whole("permutations", PERMUTATIONS)?;
    let bandwidth = p.number("bandwidth")?;
    let features = p.whole("features", 2..=MAX_FEATURES)?;
    Ok(Box::new(MmdRff::new(
        permutations.unwrap_or(d.permutations()),
        bandwidth,
        alpha,
        features.unwrap_or(d.features()),
    )?))
}

fn mauve(p: &mut Params, _: &DriftConfig, threshold: f64) -> Result<Box<dyn Divergence>, String> {
    let d = Mauve::default();
    // 0 is 'auto', as in mauve-text.
    let clusters = p.whole("clusters", 0..=100_000)?.filter(|&k| k != 0);
    let scaling = p.number("scaling")?.unwrap_or(d.scaling());
    let pca_variance = p.number("pca_variance")?.unwrap_or(d.pca_variance());
    let restarts = p.whole("restarts", 1..=100)?.unwrap_or(d.restarts());
    let max_iter = p.whole("max_iter", 1..=100_000)?.unwrap_or(d.max_iter());
    Ok(Box::new(Mauve::new(
        clusters,
        scaling,
        pca_variance,
        restarts,
        max_iter,
        threshold,
    )?))
}

fn frechet(_: &mut Params, _: &DriftConfig, threshold: f64) -> Result<Box<dyn Divergence>, String> {
    Ok(Box::new(Frechet { threshold }))
}

fn prdc(p: &mut Params, _: &DriftConfig, threshold: f64) -> Result<Box<dyn Divergence>, String> {
    let d = Prdc::default();
    Ok(Box::new(Prdc {
        k: p.count("k", d.k, 1, 100)?,
        threshold,
        witnesses: d.witnesses,
    }))
}

fn improved_pr(
    p: &mut Params,
    _: &DriftConfig,
    threshold: f64,
) -> Result<Box<dyn Divergence>, String> {
    let d = ImprovedPrecisionRecall::default();
    Ok(Box::new(ImprovedPrecisionRecall {
        k: p.count("k", d.k, 1, 100)?,
        threshold,
        witnesses: d.witnesses,
    }))
}

fn vendi(p: &mut Params, _: &DriftConfig, threshold: f64) -> Result<Box<dyn Divergence>, String> {
    Ok(Box::new(Vendi {
        q: p.real("q", 1.0, -1e-12, 1e6)?,
        threshold,
    }))
}

fn univariate(_: &mut Params, _: &DriftConfig, alpha: f64) -> Result<Box<dyn Divergence>, String> {
    Ok(Box::new(Univariate {
        alpha,
        ..Univariate::default()
    }))
}

fn psi(_: &mut Params, _: &DriftConfig, threshold: f64) -> Result<Box<dyn Divergence>, String> {
    Ok(Box::new(Psi { threshold }))
}

fn jensen_shannon(
    _: &mut Params,
    _: &DriftConfig,
    threshold: f64,
) -> Result<Box<dyn Divergence>, String> {
    Ok(Box::new(JensenShannon {
        threshold,
        ..JensenShannon::default()
    }))
}

fn sliced_wasserstein(
    p: &mut Params,
    _: &DriftConfig,
    threshold: f64,
) -> Result<Box<dyn Divergence>, String> {
    let d = SlicedWasserstein::default();
    Ok(Box::new(SlicedWasserstein {
        projections: p.count("projections", d.projections, 1, 10_000)?,
        threshold,
        ..d
    }))
}

/// A report-only-by-default test without a p-value, in the multivariate view.
fn statistic_test(
    name: &'static str,
    description: &'static str,
    default_threshold: Option<f64>,
    build: Builder,
) -> TestInfo {
    TestInfo {
        name,
        description,
        default_run: true,
        default_gate: false,
        has_p_value: false,
        view: View::Multivariate,
        default_threshold,
        build,
    }
}

/// All tests, in report order.
pub fn all() -> Vec<TestInfo> {
    vec![
        TestInfo {
            name: "mmd",
            description: "MMD² (RBF kernel, median-heuristic bandwidth) with a permutation test",
            default_run: true,
            default_gate: true,
            has_p_value: true,
            view: View::Multivariate,
            default_threshold: None,
            build: mmd,
        },
        TestInfo {
            name: "mmd_rff",
            description: "random-Fourier-feature MMD² for corpora far beyond the subsample cap",
            default_run: false,
            default_gate: false,
            has_p_value: true,
            view: View::Multivariate,
            default_threshold: None,
            build: mmd_rff,
        },
        TestInfo {
            name: "c2st",
            description: "classifier two-sample test: cross-validated logistic regression AUROC",
            default_run: true,
            default_gate: true,
            has_p_value: true,
            view: View::Multivariate,
            default_threshold: None,
            build: c2st,
        },
        statistic_test(
            "mauve",
            "MAUVE: area under the divergence frontier of k-means histograms (low = far apart)",
            Some(0.9),
            mauve,
        ),
        statistic_test(
            "frechet",
            "Fréchet distance between Gaussian fits (uncalibrated until `calibrate`)",
            None,
            frechet,
        ),
        statistic_test(
            "prdc",
            "PRDC (k=5): coverage below threshold = synthetic misses regions of real data",
            Some(0.9),
            prdc,
        ),
        statistic_test(
            "improved_pr",
            "improved precision/recall (k=3): recall",
            None,
            improved_pr,
        ),
        statistic_test(
            "vendi",
            "Vendi score ratio candidate/reference: below threshold = lost diversity",
            Some(0.8),
            vendi,
        ),
        TestInfo {
            name: "univariate",
            description: "per-feature KS with Benjamini-Hochberg across features, PSI per feature",
            default_run: true,
            default_gate: true,
            has_p_value: true,
            view: View::Univariate,
            default_threshold: None,
            build: univariate,
        },
        TestInfo {
            view: View::Univariate,
            ..statistic_test(
                "psi",
                "largest per-feature PSI on reference-decile bins (> 0.2: major shift)",
                Some(0.2),
                psi,
            )
        },
        statistic_test(
            "jensen_shannon",
            "Jensen-Shannon divergence (bits) of token unigram distributions",
            None,
            jensen_shannon,
        ),
        statistic_test(
            "sliced_wasserstein",
            "sliced Wasserstein-2 over 128 seeded directions",
            None,
            sliced_wasserstein,
        ),
    ]
}

pub fn find(name: &str) -> Option<TestInfo> {
    all().into_iter().find(|t| t.name == name)
}

pub fn names() -> Vec<&'static str> {
    all().iter().map(|t| t.name).collect()
}

/// The threshold a test decides with: α for p-value tests, else the calibrated or default
/// statistic threshold.
pub fn threshold(info: &TestInfo, drift: &DriftConfig) -> f64 {
    if info.has_p_value {
        drift.alpha()
    } else {
        drift
            .thresholds()
            .get(info.name)
            .copied()
            .or(info.default_threshold)
            .unwrap_or(f64::NAN)
    }
}

/// Builds a test from its parameter table.
pub fn build(
    name: &str,
    table: &toml::Table,
    drift: &DriftConfig,
) -> Result<Box<dyn Divergence>, String> {
    let info = find(name)
        .ok_or_else(|| format!("unknown test '{name}' (known: {})", names().join(", ")))?;
    let mut params = Params {
        table,
        used: Vec::new(),
    };
    let test = (info.build)(&mut params, drift, threshold(&info, drift))?;
    params.finish()?;
    Ok(test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_checked_and_unknown_keys_rejected() {
        let drift = DriftConfig::default();
        let table: toml::Table = toml::from_str("test_fraction = 0.3\nl2 = 0.5").unwrap();
        assert_eq!(build("c2st", &table, &drift).unwrap().name(), "c2st");
        let table: toml::Table = toml::from_str("test_fraction = 1.0").unwrap();
        assert!(build("c2st", &table, &drift)
            .err()
            .unwrap()
            .contains("test_fraction"));
        let table: toml::Table = toml::from_str("fold = 3").unwrap();
        assert!(build("c2st", &table, &drift)
            .err()
            .unwrap()
            .contains("unknown key 'fold'"));
        assert!(build("nope", &toml::Table::new(), &drift).is_err());
    }
}
