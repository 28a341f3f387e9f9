//! Reference vectors for the exact MMD² test (tests/reference/01_mmd.json): fixed-σ and
//! median-σ unbiased MMD², the bandwidth, every per-permutation statistic and the exact
//! permutation p-value.

use crate::common::reference::*;

use driftprint::divergence::mmd::{Mmd, MmdOutcome};
use serde_json::Value;

/// Runs the test on a case's X, Y and explicit permutations with the given bandwidth.
fn run(case: &Value, bandwidth: Option<f64>) -> MmdOutcome {
    let x = matrix(&case["inputs"]["X"]);
    let y = matrix(&case["inputs"]["Y"]);
    let perms: Vec<Vec<usize>> = case["inputs"]["permutations"]
        .as_array()
        .expect("permutations")
        .iter()
        .map(|p| vector(p).into_iter().map(|i| i as usize).collect())
        .collect();
    let mmd = Mmd::new(500, bandwidth, 0.05).unwrap();
    mmd.test_with_permutations(x.view(), y.view(), &perms, 0)
        .unwrap()
}

#[test]
fn mmd2_unbiased_rbf() {
    let cases = cases("01_mmd.json");
    assert_eq!(cases.len(), 3);
    for case in &cases {
        assert_eq!(case["metric"], "mmd2_unbiased_rbf");
        let name = case["name"].as_str().unwrap();
        let fixed_sigma = num(&case["params"]["sigma_fixed"]);
        for (variant, bandwidth) in [("fixed", Some(fixed_sigma)), ("median", None)] {
            let want = &case["expected"][variant];
            let what = |k: &str| format!("{name}/{variant}: {k}");
            let out = run(case, bandwidth);
            assert_close(
                out.sigma,
                num(&want["sigma"]),
                tolerance(case, "sigma"),
                &what("sigma"),
            );
            assert_close(
                out.mmd2,
                num(&want["mmd2_unbiased"]),
                tolerance(case, "mmd2"),
                &what("mmd2"),
            );
            let stats = vector(&want["perm_stats"]);
            assert_eq!(
                out.permutation_stats.len(),
                stats.len(),
                "{}",
                what("perms")
            );
            for (p, (&got, &exp)) in out.permutation_stats.iter().zip(&stats).enumerate() {
                assert_close(
                    got,
                    exp,
                    tolerance(case, "mmd2"),
                    &what(&format!("perm {p}")),
                );
            }
            assert_eq!(
                out.count_ge as f64,
                num(&want["perm_count_ge"]),
                "{}",
                what("count")
            );
            assert_close(
                out.p_value,
                num(&want["perm_pvalue"]),
                tolerance(case, "perm_pvalue"),
                &what("p-value"),
            );
        }
    }
}
