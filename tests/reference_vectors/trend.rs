//! Reference vectors for the collapse trend tests: Mann–Kendall and Theil–Sen (11, against
//! pymannkendall and scipy.stats.theilslopes) and Jonckheere–Terpstra (12). Every case, every
//! expected value, the file's own tolerances.

use crate::common::reference::*;

use driftprint::stats::jonckheere::jonckheere;
use driftprint::stats::trend::{mann_kendall, theil_sen};

#[test]
fn mann_kendall_and_theil_sen() {
    for case in cases("11_mann_kendall.json") {
        let name = case["name"].as_str().unwrap();
        let x = vector(&case["inputs"]["x"]);
        let exp = &case["expected"];
        let mk = mann_kendall(&x);
        assert_close(
            mk.s,
            num(&exp["s"]),
            tolerance(&case, "s"),
            &format!("{name} s"),
        );
        assert_close(
            mk.var_s,
            num(&exp["var_s"]),
            tolerance(&case, "var_s"),
            &format!("{name} var_s"),
        );
        assert_close(
            mk.z,
            num(&exp["z"]),
            tolerance(&case, "z"),
            &format!("{name} z"),
        );
        assert_close(
            mk.p_normal,
            num(&exp["p"]),
            tolerance(&case, "p"),
            &format!("{name} p"),
        );
        assert_close(
            mk.tau,
            num(&exp["Tau"]),
            tolerance(&case, "z"),
            &format!("{name} Tau"),
        );
        // pymannkendall's decision at alpha 0.05 uses the normal approximation.
        let decided = mk.p_normal < num(&case["params"]["alpha"]);
        assert_eq!(decided, exp["h"].as_bool().unwrap(), "{name} h");
        let ts = theil_sen(&x, 0.95);
        let tol = tolerance(&case, "slope");
        for (got, key) in [
            (ts.slope, "theil_slope"),
            (ts.intercept, "theil_intercept"),
            (ts.low, "theil_low_slope"),
            (ts.high, "theil_high_slope"),
            (ts.slope, "mk_sen_slope"),
            (ts.intercept, "mk_intercept"),
        ] {
            assert_close(got, num(&exp[key]), tol, &format!("{name} {key}"));
        }
    }
}

#[test]
fn jonckheere_terpstra() {
    for case in cases("12_jonckheere.json") {
        let name = case["name"].as_str().unwrap();
        let groups: Vec<Vec<f64>> = case["inputs"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(vector)
            .collect();
        let exp = &case["expected"];
        let jt = jonckheere(&groups);
        assert_close(
            jt.j,
            num(&exp["J"]),
            tolerance(&case, "J"),
            &format!("{name} J"),
        );
        let z_tol = tolerance(&case, "z");
        assert_close(jt.mean, num(&exp["mean"]), z_tol, &format!("{name} mean"));
        assert_close(
            jt.variance,
            num(&exp["var_tie_corrected"]),
            z_tol,
            &format!("{name} variance"),
        );
        assert_close(jt.z, num(&exp["z"]), z_tol, &format!("{name} z"));
        let p_tol = tolerance(&case, "p");
        for (got, key) in [
            (jt.p_increasing, "p_increasing"),
            (jt.p_decreasing, "p_decreasing"),
            (jt.p_two_sided, "p_two_sided"),
        ] {
            assert_close(got, num(&exp[key]), p_tol, &format!("{name} {key}"));
        }
    }
}
