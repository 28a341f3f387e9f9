//! AUROC and TPR at 1% FPR against scikit-learn (tests/reference/16_auroc.json).

use crate::common::reference::*;
use driftprint::stats::roc::{auroc, tpr_at_fpr};

#[test]
fn auroc_and_tpr_at_fpr_match_scikit_learn() {
    for case in cases("16_auroc.json") {
        let name = case["name"].as_str().unwrap().to_string();
        let scores = vector(&case["inputs"]["scores"]);
        let labels: Vec<bool> = vector(&case["inputs"]["labels"])
            .iter()
            .map(|&l| l == 1.0)
            .collect();
        let expected = &case["expected"];
        let got = auroc(&scores, &labels).unwrap();
        assert_close(
            got,
            num(&expected["auroc"]),
            tolerance(&case, "auroc"),
            &format!("{name}: auroc"),
        );
        let point = tpr_at_fpr(&scores, &labels, num(&case["params"]["max_fpr"]));
        assert_eq!(
            point.tpr,
            num(&expected["tpr_at_fpr_0.01"]),
            "{name}: tpr at 1% fpr"
        );
        assert_eq!(
            point.threshold,
            num(&expected["threshold"]),
            "{name}: threshold"
        );
    }
}
