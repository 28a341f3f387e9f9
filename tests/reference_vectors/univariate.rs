//! Reference vectors for the univariate and distribution-level tests: Jensen–Shannon (07), PSI
//! (08), KS with BH/Holm adjustment (09) and sliced Wasserstein (10). Every case, every
//! expected value, the file's own tolerances.

use crate::common::reference::*;

use driftprint::divergence::jensen_shannon::{js_divergence, token_counts};
use driftprint::stats::adjust::{benjamini_hochberg, holm};
use driftprint::stats::ks::{ks_2samp, KsMethod};
use driftprint::stats::psi::{decile_edges, psi};
use driftprint::stats::wasserstein::{sliced_wasserstein, wasserstein1};
use ndarray::Axis;
use serde_json::Value;

fn of_metric(file: &str, metric: &str) -> Vec<Value> {
    let all: Vec<Value> = cases(file)
        .into_iter()
        .filter(|c| c["metric"] == metric)
        .collect();
    assert!(!all.is_empty(), "{file}: no '{metric}' case");
    all
}

fn assert_all_close(got: &[f64], expected: &[f64], tol: (f64, f64), what: &str) {
    assert_eq!(got.len(), expected.len(), "{what}: length");
    for (i, (&g, &e)) in got.iter().zip(expected).enumerate() {
        assert_close(g, e, tol, &format!("{what}[{i}]"));
    }
}

fn tokens(corpus: &Value) -> Vec<String> {
    corpus
        .as_array()
        .expect("corpus")
        .iter()
        .flat_map(|s| s.as_array().expect("sentence").iter())
        .map(|t| t.as_str().expect("token").to_string())
        .collect()
}

#[test]
fn jensen_shannon_hist() {
    for case in of_metric("07_jensen_shannon.json", "jensen_shannon_hist") {
        let name = case["name"].as_str().unwrap();
        let tol = tolerance(&case, "all");
        let (p, q) = (vector(&case["inputs"]["p"]), vector(&case["inputs"]["q"]));
        let exp = &case["expected"];
        for (base, suffix) in [(Some(2.0), "base2"), (None, "nat")] {
            let js = js_divergence(&p, &q, base).unwrap();
            let div_key = format!("js_divergence_{suffix}");
            let dist_key = format!("js_distance_{suffix}");
            assert_close(js, num(&exp[&div_key]), tol, &format!("{name} {div_key}"));
            assert_close(
                js.sqrt(),
                num(&exp[&dist_key]),
                tol,
                &format!("{name} {dist_key}"),
            );
        }
    }
}

#[test]
fn jensen_shannon_tokens() {
    for case in of_metric("07_jensen_shannon.json", "jensen_shannon_tokens") {
        let name = case["name"].as_str().unwrap();
        let tol = tolerance(&case, "all");
        let counts = token_counts(
            tokens(&case["inputs"]["corpus_a"]),
            tokens(&case["inputs"]["corpus_b"]),
        );
        let exp = &case["expected"];
        let vocab: Vec<&str> = exp["vocab"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(counts.vocab, vocab, "{name} vocab");
        assert_eq!(counts.counts_a, vector(&exp["counts_a"]), "{name} counts_a");
        assert_eq!(counts.counts_b, vector(&exp["counts_b"]), "{name} counts_b");
        for (base, key) in [
            (Some(2.0), "js_divergence_base2"),
            (None, "js_divergence_nat"),
        ] {
            let js = js_divergence(&counts.counts_a, &counts.counts_b, base).unwrap();
            assert_close(js, num(&exp[key]), tol, &format!("{name} {key}"));
        }
    }
}

#[test]
fn psi_reference_deciles() {
    for case in of_metric("08_psi.json", "psi") {
        let name = case["name"].as_str().unwrap();
        // The file states one tolerance ("psi"); the breakdown it gives is held to it too.
        let tol = tolerance(&case, "psi");
        let reference = vector(&case["inputs"]["reference"]);
        let current = vector(&case["inputs"]["current"]);
        let mut sorted = reference.clone();
        sorted.sort_by(f64::total_cmp);
        let want_edges = vector(&case["inputs"]["interior_edges"]);
        assert_all_close(
            &decile_edges(&sorted),
            &want_edges,
            tol,
            &format!("{name} edges"),
        );

        let got = psi(&reference, &current).unwrap();
        let exp = &case["expected"];
        assert_eq!(got.expected.len(), num(&case["params"]["n_bins"]) as usize);
        assert_close(got.psi, num(&exp["psi"]), tol, &format!("{name} psi"));
        let breakdown = [
            (&got.expected, "expected_props"),
            (&got.actual, "actual_props"),
            (&got.terms, "terms"),
        ];
        for (values, key) in breakdown {
            assert_all_close(values, &vector(&exp[key]), tol, &format!("{name} {key}"));
        }
    }
}

/// A tolerance the case states, or `fallback`'s when it states none for `key` (the ties case
/// gives no "adjusted" entry: adjusted p-values are then held to their method's p-value
/// tolerance, from which they are computed).
fn tolerance_or(case: &Value, key: &str, fallback: &str) -> (f64, f64) {
    if case["tolerance"].get(key).is_some() {
        tolerance(case, key)
    } else {
        tolerance(case, fallback)
    }
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_bool().unwrap())
        .collect()
}

#[test]
fn ks_2samp_multitest() {
    for case in of_metric("09_ks_multitest.json", "ks_2samp_multitest") {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&case["inputs"]["X"]);
        let y = matrix(&case["inputs"]["Y"]);
        let alpha = num(&case["params"]["alpha"]);
        let tol_stat = tolerance(&case, "statistic");
        for (method, label) in [(KsMethod::Exact, "exact"), (KsMethod::Asymp, "asymp")] {
            let p_key = format!("pvalue_{label}");
            let tol_p = tolerance(&case, &p_key);
            let tol_adj = tolerance_or(&case, "adjusted", &p_key);
            let exp = &case["expected"][label];
            let results: Vec<_> = x
                .axis_iter(Axis(1))
                .zip(y.axis_iter(Axis(1)))
                .map(|(a, b)| ks_2samp(&a.to_vec(), &b.to_vec(), method).unwrap())
                .collect();
            assert!(results.iter().all(|r| r.method == method), "{name} {label}");
            let what = |k: &str| format!("{name} {label} {k}");
            let stats: Vec<f64> = results.iter().map(|r| r.statistic).collect();
            let pvals: Vec<f64> = results.iter().map(|r| r.p_value).collect();
            assert_all_close(
                &stats,
                &vector(&exp["statistic"]),
                tol_stat,
                &what("statistic"),
            );
            assert_all_close(&pvals, &vector(&exp["pvalue"]), tol_p, &what("pvalue"));
            if let Some(loc) = exp.get("statistic_location") {
                let got: Vec<f64> = results.iter().map(|r| r.location).collect();
                assert_eq!(got, vector(loc), "{}", what("statistic_location"));
            }
            if let Some(sign) = exp.get("statistic_sign") {
                let got: Vec<f64> = results.iter().map(|r| f64::from(r.sign)).collect();
                assert_eq!(got, vector(sign), "{}", what("statistic_sign"));
            }
            for (adjusted, key) in [
                (benjamini_hochberg(&pvals, alpha), "bh"),
                (holm(&pvals, alpha), "holm"),
            ] {
                let adj_key = format!("{key}_adjusted");
                assert_all_close(
                    &adjusted.adjusted,
                    &vector(&exp[&adj_key]),
                    tol_adj,
                    &what(&adj_key),
                );
                let reject_key = format!("{key}_reject");
                if let Some(flags) = exp.get(&reject_key) {
                    assert_eq!(adjusted.reject, bools(flags), "{}", what(&reject_key));
                }
            }
        }
    }
}

#[test]
fn sliced_wasserstein_given_projections() {
    for case in of_metric("10_sliced_wasserstein.json", "sliced_wasserstein") {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&case["inputs"]["X"]);
        let y = matrix(&case["inputs"]["Y"]);
        let projections = matrix(&case["inputs"]["projections"]);
        let p = num(&case["params"]["p"]);
        let exp = &case["expected"];

        let sw = sliced_wasserstein(x.view(), y.view(), projections.view(), p).unwrap();
        assert_close(
            sw,
            num(&exp["sw2"]),
            tolerance(&case, "sw2"),
            &format!("{name} sw2"),
        );

        let tol_w1 = tolerance(&case, "wasserstein1");
        let per_feature: Vec<f64> = x
            .axis_iter(Axis(1))
            .zip(y.axis_iter(Axis(1)))
            .map(|(a, b)| wasserstein1(&a.to_vec(), &b.to_vec()).unwrap())
            .collect();
        let want = vector(&exp["wasserstein1_per_feature"]);
        assert_all_close(
            &per_feature,
            &want,
            tol_w1,
            &format!("{name} W1 per feature"),
        );

        let (px, py) = (x.dot(&projections), y.dot(&projections));
        let per_projection: Vec<f64> = px
            .axis_iter(Axis(1))
            .zip(py.axis_iter(Axis(1)))
            .map(|(a, b)| wasserstein1(&a.to_vec(), &b.to_vec()).unwrap())
            .collect();
        let want = vector(&exp["w1_per_projection_crosscheck"]);
        assert_all_close(
            &per_projection,
            &want,
            tol_w1,
            &format!("{name} W1 per projection"),
        );
    }
}
