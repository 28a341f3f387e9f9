//! MAUVE's histogram stage against mauve-text 0.4.0 (tests/reference/05_mauve_hist.json).

use crate::common::reference::*;

use driftprint::divergence::mauve::{histogram, mauve_from_histograms, CURVE_POINTS};
use serde_json::Value;

/// The file states tolerances for `mauve` and `divergence_curve` only; the other scalars
/// (MAUVE*, frontier integrals) are computed the same way and are held to `mauve`'s.
fn tol(case: &Value, key: &str) -> (f64, f64) {
    if case["tolerance"].get(key).is_some() {
        tolerance(case, key)
    } else {
        tolerance(case, "mauve")
    }
}

fn counts(labels: &[f64], k: usize) -> Vec<u64> {
    let mut c = vec![0u64; k];
    for &l in labels {
        assert!(
            l >= 0.0 && l.fract() == 0.0 && (l as usize) < k,
            "label {l}"
        );
        c[l as usize] += 1;
    }
    c
}

#[test]
fn mauve_histogram() {
    let cases = cases("05_mauve_hist.json");
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let (inputs, params, expected) = (&case["inputs"], &case["params"], &case["expected"]);
        let k = params["num_clusters"].as_u64().unwrap() as usize;
        let scaling = num(&params["mauve_scaling_factor"]);
        let n_weights = params["divergence_curve_discretization_size"]
            .as_u64()
            .unwrap() as usize;
        assert_eq!(n_weights, CURVE_POINTS);

        let p_counts = counts(&vector(&inputs["p_labels"]), k);
        let q_counts = counts(&vector(&inputs["q_labels"]), k);
        // The label arrays and the histograms given as inputs agree with our normalisation.
        let hist_tol = tol(case, "mauve");
        for (got, key) in [
            (histogram(&p_counts, 0.0), "p_hist"),
            (histogram(&q_counts, 0.0), "q_hist"),
            (histogram(&p_counts, 0.5), "p_hist_smoothed"),
            (histogram(&q_counts, 0.5), "q_hist_smoothed"),
        ] {
            let want = vector(&inputs[key]);
            assert_eq!(got.len(), want.len(), "{name} {key}");
            for (i, (&g, &w)) in got.iter().zip(&want).enumerate() {
                assert_close(g, w, hist_tol, &format!("{name} {key}[{i}]"));
            }
        }

        let out = mauve_from_histograms(&p_counts, &q_counts, scaling, n_weights).unwrap();
        for (got, key) in [
            (out.mauve, "mauve"),
            (out.mauve_star, "mauve_star"),
            (out.frontier_integral, "frontier_integral"),
            (out.frontier_integral_star, "frontier_integral_star"),
        ] {
            assert_close(
                got,
                num(&expected[key]),
                tol(case, key),
                &format!("{name} {key}"),
            );
        }
        for (got, key) in [
            (&out.curve, "divergence_curve"),
            (&out.curve_smoothed, "divergence_curve_smoothed"),
        ] {
            let want = matrix(&expected[key]);
            assert_eq!(want.dim(), (got.len(), 2), "{name} {key} shape");
            for (i, point) in got.iter().enumerate() {
                for (j, &g) in point.iter().enumerate() {
                    let what = format!("{name} {key}[{i}][{j}]");
                    assert_close(g, want[[i, j]], tol(case, "divergence_curve"), &what);
                }
            }
        }
    }
}
