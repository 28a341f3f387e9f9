//! Running the configured tests on one comparison, and the release gate over all of them.
//!
//! The gate holds the configured family-wise false-alarm rate α by splitting it over the gated
//! tests (Bonferroni): with g gated p-value tests and s gated statistic tests, each statistic
//! test's threshold is its null (1 − α/(g+s)) quantile (`driftprint calibrate` computes it, see
//! [`statistic_level`]) and the p-values (over every test and group) are Holm-adjusted at
//! α·g/(g+s). With the default gate (p-value tests only) that is plain Holm at α.

use crate::status::Status;
use serde::Serialize;

use std::sync::Arc;

use super::registry::TestInfo;
use super::DriftConfig;
use super::{Divergence, Sample, TestResult};
use crate::stats::adjust::holm;

/// Which matrix a test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum View {
    /// All requested feature families, standardised on the reference and weighted equally.
    Multivariate,
    /// Named per-document features as they are (stylometry), for per-feature tests.
    Univariate,
}

/// One test's outcome in one comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub test: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<TestResult>,
    /// Why the test could not run (too few documents, no texts...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub gated: bool,
    /// Holm-adjusted p-value across every gated p-value of the run (scaled by the p-value tests'
    /// share of α when statistic tests gate too), compared with α.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate_p: Option<f64>,
    /// This outcome blocks the release.
    pub blocks: bool,
    pub seconds: f64,
}

/// The tests of a run, as the config check built them.
pub struct Suite {
    tests: Vec<(TestInfo, Arc<dyn Divergence>)>,
    gate: Vec<String>,
}

impl Suite {
    pub fn new(drift: &DriftConfig) -> Suite {
        Suite {
            tests: drift
                .tests()
                .iter()
                .map(|t| (t.info, Arc::clone(&t.test)))
                .collect(),
            gate: drift.gate().to_vec(),
        }
    }

    pub fn tests(&self) -> impl Iterator<Item = &TestInfo> {
        self.tests.iter().map(|(info, _)| info)
    }

    /// Runs every test; `sample` gives the two sides for a view. A test that fails is recorded
    /// with its error and never stops the others.
    pub fn run<'a>(
        &self,
        sample: &dyn Fn(View) -> (Sample<'a>, Sample<'a>),
        seed: u64,
        progress: &dyn Fn(&str),
    ) -> Vec<Outcome> {
        self.tests
            .iter()
            .map(|(info, test)| {
                progress(info.name);
                let start = std::time::Instant::now();
                let (reference, candidate) = sample(info.view);
                let (result, error) = match test.compare(&reference, &candidate, seed) {
                    Ok(r) => (Some(r), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                Outcome {
                    test: info.name.to_string(),
                    result,
                    error,
                    gated: self.gate.iter().any(|g| g == info.name),
                    gate_p: None,
                    blocks: false,
                    seconds: start.elapsed().as_secs_f64(),
                }
            })
            .collect()
    }
}

/// The release decision over every outcome of every comparison (overall and per group).
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub blocked: bool,
    /// A gated test could not run: the verdict cannot be trusted (exit code 2).
    pub incomplete: bool,
    /// No test gates (`[drift] gate = []`, or none of the gated tests ran): drift reports but
    /// can never block, which the verdict says instead of a quiet pass.
    pub ungated: bool,
    /// One line for the top of a report.
    pub line: String,
}

impl Verdict {
    /// A gated test that could not run makes the verdict incomplete, whatever the others say.
    pub fn status(&self) -> Status {
        if self.incomplete {
            Status::Incomplete
        } else if self.blocked {
            Status::Blocked
        } else if self.ungated {
            Status::Warn
        } else {
            Status::Pass
        }
    }
}

/// The false-alarm level a statistic test's calibrated threshold is set at: its share of α when it
/// gates, α when it only reports.
pub fn statistic_level(drift: &DriftConfig, test: &str) -> f64 {
    let gate = drift.gate();
    if gate.iter().any(|g| g == test) {
        drift.alpha() / gate.len() as f64
    } else {
        drift.alpha()
    }
}

/// Applies the gate in place (sets `gate_p` and `blocks`) and returns the verdict.
/// `runs` pairs each comparison's outcomes with its group label (None: overall).
pub fn gate(runs: &mut [(Option<String>, &mut Vec<Outcome>)], alpha: f64) -> Verdict {
    let mut p_slots = Vec::new();
    for (r, (_, outcomes)) in runs.iter().enumerate() {
        for (i, o) in outcomes.iter().enumerate() {
            if let (true, Some(p)) = (o.gated, o.result.as_ref().and_then(|r| r.p_value)) {
                p_slots.push((r, i, p));
            }
        }
    }
    // Bonferroni split of α between the p-value family and the calibrated statistic tests.
    let gated_tests = |with_p: bool| {
        let mut names: Vec<&str> = runs
            .iter()
            .flat_map(|(_, o)| o.iter())
            .filter(|o| o.gated)
            .filter_map(|o| o.result.as_ref().map(|r| (o, r)))
            .filter(|(_, r)| r.p_value.is_some() == with_p && !r.threshold.is_nan())
            .map(|(o, _)| o.test.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    };
    // Holm at α·g/(g+s) is Holm at α on p-values scaled by (g+s)/g, so `gate_p` compares with α.
    let (g, s) = (gated_tests(true), gated_tests(false));
    let share = if g == 0 {
        1.0
    } else {
        (g + s) as f64 / g as f64
    };
    let adjusted = holm(&p_slots.iter().map(|s| s.2).collect::<Vec<_>>(), alpha).adjusted;
    for ((r, i, _), adj) in p_slots.iter().zip(adjusted) {
        let o = &mut runs[*r].1[*i];
        let p = (adj * share).min(1.0);
        o.gate_p = Some(p);
        o.blocks = p < alpha;
    }
    let mut reasons = Vec::new();
    let mut uncalibrated = Vec::new();
    let mut failed = Vec::new();
    for (group, outcomes) in runs.iter_mut() {
        let group = group.clone();
        let label = |test: &str| match &group {
            Some(g) => format!("{test}[{g}]"),
            None => test.to_string(),
        };
        for o in outcomes.iter_mut().filter(|o| o.gated) {
            match &o.result {
                None => failed.push(label(&o.test)),
                Some(r) if r.p_value.is_none() => {
                    if r.threshold.is_nan() {
                        uncalibrated.push(label(&o.test));
                    } else {
                        o.blocks = r.drifted;
                    }
                }
                Some(_) => {}
            }
            if o.blocks {
                let r = o.result.as_ref().map(|r| match o.gate_p {
                    Some(p) => {
                        format!("{} (p = {} after Holm)", label(&o.test), super::format_p(p))
                    }
                    None => format!(
                        "{} ({} = {:.4} vs threshold {:.4})",
                        label(&o.test),
                        r.statistic_name,
                        r.statistic,
                        r.threshold
                    ),
                });
                reasons.extend(r);
            }
        }
    }
    let gated = runs
        .iter()
        .flat_map(|(_, o)| o.iter())
        .filter(|o| o.gated)
        .count();
    let blocked = !reasons.is_empty();
    // The first word matches the exit code: a gated test that could not run makes the verdict
    // incomplete (exit 2) whatever the others found.
    let mut line = match (failed.is_empty(), blocked) {
        (false, true) => format!(
            "INCOMPLETE: could not run: {}; drift in {}",
            failed.join(", "),
            reasons.join(", ")
        ),
        (false, false) => format!(
            "INCOMPLETE: could not run: {}; no other gated test drifted (family-wise α = {alpha})",
            failed.join(", ")
        ),
        (true, true) => format!("BLOCKED: drift in {}", reasons.join(", ")),
        (true, false) if gated == 0 => "WARN: no test gates the release (report only): [drift] gate is empty or names no test that runs".to_string(),
        (true, false) => {
            format!("PASS: no gated test drifted ({gated} gated, family-wise α = {alpha})")
        }
    };
    if !uncalibrated.is_empty() {
        line.push_str(&format!(
            "; not gating until calibrated: {}",
            uncalibrated.join(", ")
        ));
    }
    Verdict {
        blocked,
        incomplete: !failed.is_empty(),
        ungated: gated == 0,
        line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::divergence::{Details, ThresholdKind};

    fn outcome(test: &str, p: Option<f64>, statistic: f64, threshold: f64) -> Outcome {
        let kind = match p {
            Some(_) => ThresholdKind::PValueBelow,
            None => ThresholdKind::StatisticAbove,
        };
        let t = if p.is_some() { 0.05 } else { threshold };
        Outcome {
            test: test.into(),
            result: Some(TestResult::decide(
                test,
                "s",
                statistic,
                p,
                t,
                kind,
                Details::default(),
            )),
            error: None,
            gated: true,
            gate_p: None,
            blocks: false,
            seconds: 0.0,
        }
    }

    #[test]
    fn holm_over_p_values_alone_uses_the_whole_alpha() {
        // Holm at 0.05 over (0.02, 0.03): 0.02·2 = 0.04 < 0.05 blocks, 0.03·1 → 0.04 also.
        let mut o = vec![
            outcome("a", Some(0.02), 0.0, 0.0),
            outcome("b", Some(0.03), 0.0, 0.0),
        ];
        let v = gate(&mut [(None, &mut o)], 0.05);
        assert!(v.blocked);
        assert!((o[0].gate_p.unwrap() - 0.04).abs() < 1e-12);
    }

    #[test]
    fn a_gated_statistic_test_takes_its_share_of_alpha_from_the_p_values() {
        // Two p-value tests and one calibrated statistic test: the p-values get 2/3 of α, so
        // Holm-adjusted 0.04 becomes 0.06 and no longer blocks; the statistic under its
        // threshold does not block either.
        let mut o = vec![
            outcome("a", Some(0.02), 0.0, 0.0),
            outcome("b", Some(0.03), 0.0, 0.0),
            outcome("mauve_like", None, 1.0, 2.0),
        ];
        let v = gate(&mut [(None, &mut o)], 0.05);
        assert!(!v.blocked, "{}", v.line);
        assert!((o[0].gate_p.unwrap() - 0.06).abs() < 1e-12);
        // An uncalibrated statistic test gates nothing and takes no share.
        let mut o = vec![
            outcome("a", Some(0.02), 0.0, 0.0),
            outcome("b", Some(0.03), 0.0, 0.0),
            outcome("frechet_like", None, 1.0, f64::NAN),
        ];
        assert!(gate(&mut [(None, &mut o)], 0.05).blocked);
    }

    #[test]
    fn a_gated_test_that_could_not_run_makes_the_headline_incomplete() {
        let failed = |mut o: Outcome| {
            o.result = None;
            o.error = Some("too few documents".into());
            o
        };
        // Nothing else drifted: not PASS, since exit code 2 says incomplete.
        let mut o = vec![
            outcome("a", Some(0.5), 0.0, 0.0),
            failed(outcome("c2st", Some(0.5), 0.0, 0.0)),
        ];
        let v = gate(&mut [(None, &mut o)], 0.05);
        assert!(v.incomplete && !v.blocked);
        assert!(
            v.line.starts_with("INCOMPLETE: could not run: c2st"),
            "{}",
            v.line
        );
        // Another test drifted: still incomplete first, the drift after it.
        let mut o = vec![
            outcome("a", Some(0.001), 0.0, 0.0),
            failed(outcome("c2st", Some(0.5), 0.0, 0.0)),
        ];
        let v = gate(&mut [(None, &mut o)], 0.05);
        assert!(v.incomplete && v.blocked);
        assert!(
            v.line
                .starts_with("INCOMPLETE: could not run: c2st; drift in a"),
            "{}",
            v.line
        );
    }

    #[test]
    fn statistic_thresholds_are_set_at_their_share_of_alpha() {
        let text = "[drift]\ngate = [\"mmd\", \"c2st\", \"univariate\", \"mauve\"]\n";
        let drift = crate::config::Config::parse(text, std::path::Path::new("c.toml"))
            .unwrap()
            .drift;
        assert!((statistic_level(&drift, "mauve") - 0.0125).abs() < 1e-12);
        assert!((statistic_level(&drift, "frechet") - 0.05).abs() < 1e-12);
    }
}
