//! Group-balanced sample weights (`--balance-by FIELD`): within each class, every group carries
//! the same total weight, and the two classes carry half each. A group that is small in the
//! training data (non-native writers' essays among news and stories, say) then counts as much
//! as a large one, so the decision boundary is not drawn around the majority's style alone.

use crate::corpus::grouping::Grouping;

/// One weight per row: (n / 2) / (groups of its class · documents of its group and class).
pub fn balanced_weights(synthetic: &[bool], groups: &Grouping) -> Vec<f64> {
    let n = synthetic.len() as f64;
    let mut cell = vec![[0usize; 2]; groups.len()];
    for (&g, &s) in groups.of.iter().zip(synthetic) {
        cell[g][usize::from(s)] += 1;
    }
    let groups_of = |class: usize| cell.iter().filter(|c| c[class] > 0).count().max(1) as f64;
    let per_class = [groups_of(0), groups_of(1)];
    groups
        .of
        .iter()
        .zip(synthetic)
        .map(|(&g, &s)| {
            let class = usize::from(s);
            (n / 2.0) / (per_class[class] * cell[g][class] as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_group_of_a_class_weighs_the_same_and_classes_weigh_half_each() {
        // Human: 6 in "big", 2 in "small"; synthetic: 4 in "big" only.
        let labels: Vec<String> = ["big"; 6]
            .iter()
            .chain(&["small"; 2])
            .chain(&["big"; 4])
            .map(|s| s.to_string())
            .collect();
        let synthetic: Vec<bool> = (0..12).map(|i| i >= 8).collect();
        let groups = Grouping::from_labels("writer", &labels);
        let w = balanced_weights(&synthetic, &groups);
        let sum = |rows: std::ops::Range<usize>| rows.map(|i| w[i]).sum::<f64>();
        assert!(
            (sum(0..6) - sum(6..8)).abs() < 1e-12,
            "human groups weigh the same"
        );
        assert!((sum(0..8) - 6.0).abs() < 1e-12, "each class sums to n / 2");
        assert!((sum(8..12) - 6.0).abs() < 1e-12);
        assert!(w[6] > w[0], "a member of the small group weighs more");
    }
}
