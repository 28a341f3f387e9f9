//! Geometry-based divergences (Fréchet, PRDC, improved precision/recall, Vendi) against the
//! reference vectors in tests/reference (02, 03, 04, 06), within each file's stated tolerances.

use crate::common::reference::*;

use driftprint::divergence::frechet::frechet_distance;
use driftprint::divergence::improved_pr::improved_precision_recall;
use driftprint::divergence::prdc::prdc;
use driftprint::divergence::vendi::{cosine_spectrum, vendi_from_spectrum};
use driftprint::stats::knn::kth_neighbour_radii;

fn name(case: &serde_json::Value) -> String {
    case["name"].as_str().unwrap_or("?").to_string()
}

#[test]
fn frechet_matches_reference() {
    let cases = cases("02_frechet.json");
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let (x, y) = (matrix(&case["inputs"]["X"]), matrix(&case["inputs"]["Y"]));
        let tol = tolerance(case, "fd");
        let e = &case["expected"];
        let got = frechet_distance(x.view(), y.view()).unwrap();
        let n = name(case);
        assert_close(got.distance, num(&e["fd"]), tol, &format!("{n}: fd"));
        assert_close(
            got.distance,
            num(&e["fd_eig_crosscheck"]),
            tol,
            &format!("{n}: fd_eig_crosscheck"),
        );
        assert_close(
            got.trace_reference,
            num(&e["trace_s1"]),
            tol,
            &format!("{n}: trace_s1"),
        );
        assert_close(
            got.trace_candidate,
            num(&e["trace_s2"]),
            tol,
            &format!("{n}: trace_s2"),
        );
        for (key, mean) in [("mu1", &got.mean_reference), ("mu2", &got.mean_candidate)] {
            let expected = vector(&e[key]);
            assert_eq!(mean.len(), expected.len(), "{n}: {key} length");
            for (j, (&g, &x)) in mean.iter().zip(&expected).enumerate() {
                assert_close(g, x, tol, &format!("{n}: {key}[{j}]"));
            }
        }
    }
}

#[test]
fn prdc_matches_reference() {
    let cases = cases("03_prdc.json");
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let real = matrix(&case["inputs"]["real"]);
        let fake = matrix(&case["inputs"]["fake"]);
        let k = case["params"]["nearest_k"].as_u64().unwrap() as usize;
        let tol = tolerance(case, "all");
        let e = &case["expected"];
        let got = prdc(real.view(), fake.view(), k).unwrap();
        let n = name(case);
        assert_close(
            got.precision,
            num(&e["precision"]),
            tol,
            &format!("{n}: precision"),
        );
        assert_close(got.recall, num(&e["recall"]), tol, &format!("{n}: recall"));
        assert_close(
            got.density,
            num(&e["density"]),
            tol,
            &format!("{n}: density"),
        );
        assert_close(
            got.coverage,
            num(&e["coverage"]),
            tol,
            &format!("{n}: coverage"),
        );
    }
}

#[test]
fn improved_precision_recall_matches_reference() {
    let cases = cases("04_improved_pr.json");
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let real = matrix(&case["inputs"]["real"]);
        let fake = matrix(&case["inputs"]["fake"]);
        let k = case["params"]["k"].as_u64().unwrap() as usize;
        let tol = tolerance(case, "all");
        let e = &case["expected"];
        let got = improved_precision_recall(real.view(), fake.view(), k).unwrap();
        let n = name(case);
        assert_close(
            got.precision,
            num(&e["precision"]),
            tol,
            &format!("{n}: precision"),
        );
        assert_close(got.recall, num(&e["recall"]), tol, &format!("{n}: recall"));
        for (key, x) in [
            ("radii_real_k3_first10", &real),
            ("radii_fake_k3_first10", &fake),
        ] {
            let radii = kth_neighbour_radii(x.view(), k).unwrap();
            let expected = vector(&e[key]);
            assert_eq!(expected.len(), 10, "{n}: {key}");
            for (i, (&g, &x)) in radii.iter().zip(&expected).enumerate() {
                assert_close(g, x, tol, &format!("{n}: {key}[{i}]"));
            }
        }
    }
}

#[test]
fn vendi_matches_reference() {
    let cases = cases("06_vendi.json");
    assert_eq!(cases.len(), 3);
    for case in &cases {
        let v = matrix(&case["inputs"]["vectors"]);
        let e = &case["expected"];
        let (low, high) = (tolerance(case, "q<1"), tolerance(case, "q>=1"));
        let n = name(case);
        let spectrum = cosine_spectrum(v.view()).unwrap();

        // Every q the file lists, plus its q = 1 cross-checks (score_X, dual).
        let mut checked = 0;
        for q in case["params"]["q_values"].as_array().unwrap() {
            // Keys are written as the list writes q: "q=1", "q=0.5", "q=inf".
            let key = format!("q={}", q.as_str().map_or(q.to_string(), str::to_string));
            let q = num(q);
            let tol = if q < 1.0 { low } else { high };
            assert_close(
                vendi_from_spectrum(&spectrum, q),
                num(&e[key.as_str()]),
                tol,
                &format!("{n}: {key}"),
            );
            checked += 1;
        }
        assert_eq!(checked, 5, "{n}: q values");
        // Without the n × n round-off eigenvalues (what the dual gives): the file's 1e-12 filter.
        let half = vendi_from_spectrum(&spectrum, 0.5);
        assert_close(
            half,
            num(&e["q=0.5_eigs_gt_1e-12"]),
            low,
            &format!("{n}: q=0.5 > 1e-12"),
        );
        let one = vendi_from_spectrum(&spectrum, 1.0);
        for key in [
            "score_X_default",
            "score_X_q2_QUIRK_ignores_q",
            "score_dual_q1",
        ] {
            assert_close(one, num(&e[key]), high, &format!("{n}: {key}"));
        }

        // The nonzero eigenvalues of K/n: ours (rank ≤ d) are the file's largest ones; the rest
        // of the file's are round-off.
        let mut expected = vector(&e["eigenvalues_K_over_n"]);
        expected.sort_by(|a, b| b.total_cmp(a));
        assert_eq!(spectrum.len(), v.ncols().min(v.nrows()), "{n}: rank");
        for (i, (&g, &x)) in spectrum.iter().zip(&expected).enumerate() {
            assert_close(g, x, high, &format!("{n}: eigenvalue {i}"));
        }
        assert!(
            expected[spectrum.len()..].iter().all(|l| l.abs() < 1e-12),
            "{n}: round-off tail"
        );
    }
}
