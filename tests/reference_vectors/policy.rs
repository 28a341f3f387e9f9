//! Reference vectors for the policy gates: Wilson intervals (13, statsmodels) and MinHash
//! Jaccard estimates (15, exact shingle-set Jaccard and datasketch's estimate).

use crate::common::reference::*;

use driftprint::stats::wilson::wilson_interval;

#[test]
fn wilson_intervals_match_statsmodels() {
    for case in cases("13_wilson.json") {
        let name = case["name"].as_str().unwrap();
        let alpha = num(&case["params"]["alpha"]);
        let pairs = case["inputs"]["pairs"].as_array().unwrap();
        let expected = case["expected"]["intervals"].as_array().unwrap();
        assert_eq!(pairs.len(), expected.len());
        for e in expected {
            let (k, n) = (e["k"].as_u64().unwrap(), e["n"].as_u64().unwrap());
            let (lo, hi) = wilson_interval(k, n, alpha).unwrap();
            let tol = tolerance(&case, "all");
            assert_close(lo, num(&e["lower"]), tol, &format!("{name} {k}/{n} lower"));
            assert_close(hi, num(&e["upper"]), tol, &format!("{name} {k}/{n} upper"));
        }
    }
}

#[test]
fn minhash_estimates_match_the_exact_jaccard() {
    use driftprint::features::minhash::{estimated_jaccard, exact_jaccard, MinHasher};
    let hasher = MinHasher::new(128, 5, 1);
    for case in cases("15_minhash.json") {
        let name = case["name"].as_str().unwrap();
        let (a, b) = (
            case["inputs"]["text_a"].as_str().unwrap(),
            case["inputs"]["text_b"].as_str().unwrap(),
        );
        let exp = &case["expected"];
        let (sa, sb) = (hasher.shingle_hashes(a), hasher.shingle_hashes(b));
        assert_eq!(
            sa.len() as u64,
            exp["n_shingles_a"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            sb.len() as u64,
            exp["n_shingles_b"].as_u64().unwrap(),
            "{name}"
        );
        let exact = exact_jaccard(&sa, &sb);
        assert_close(
            exact,
            num(&exp["exact_jaccard"]),
            tolerance(&case, "exact_jaccard"),
            &format!("{name} exact"),
        );
        let estimate =
            estimated_jaccard(&hasher.signature(a).unwrap(), &hasher.signature(b).unwrap());
        let allowed = num(&case["tolerance"]["estimate_vs_exact_abs"]);
        assert!(
            (estimate - exact).abs() <= allowed,
            "{name}: estimate {estimate}, exact {exact} (datasketch {})",
            exp["datasketch_estimate"]
        );
        if exact == 1.0 {
            assert_eq!(estimate, 1.0, "{name}: identical sets");
        }
    }
}
