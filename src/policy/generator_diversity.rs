//! Gate 4: synthetic documents come from enough distinct generators, prompts and temperatures.
//! Fewer than the configured minimum fails; one generator producing more than
//! `max_generator_share`, a normalised entropy under `min_generator_entropy`, or lineage that
//! does not record prompts or temperatures warns. A single generator's quirks become the
//! model's quirks.

use std::collections::BTreeMap;

use super::train_tally::Field;
use super::{Gate, GateResult, GateStatus, Manifest};
use crate::error::Result;

pub struct GeneratorDiversity;

/// Shannon entropy of the counts divided by its maximum, ln(k); 1 for a single value counted
/// as perfectly even is meaningless, so one value gives 0.
pub fn normalised_entropy(counts: &[usize]) -> f64 {
    let total: usize = counts.iter().sum();
    if counts.len() < 2 || total == 0 {
        return 0.0;
    }
    let h: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total as f64;
            -p * p.ln()
        })
        .sum();
    h / (counts.len() as f64).ln()
}

impl Gate for GeneratorDiversity {
    fn check(&self, m: &Manifest) -> Result<GateResult> {
        const NAME: &str = "generator-diversity";
        if m.train.all.synthetic == 0 {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Pass,
                "no synthetic training documents",
            ));
        }
        let (generators, no_generator) = m.train.synthetic_by(Field::Generator);
        let (prompts, no_prompt) = m.train.synthetic_by(Field::Prompt);
        let (temperatures, no_temperature) = m.train.synthetic_by(Field::Temperature);
        let config = m.config;
        let mut status = GateStatus::Pass;
        let mut evidence = Vec::new();
        let mut note = |s: GateStatus, line: String| {
            status = status.max(s);
            evidence.push(line);
        };
        for (what, t, missing, min) in [
            (
                "generators",
                &generators,
                no_generator,
                config.min_generators,
            ),
            ("prompts", &prompts, no_prompt, config.min_prompts),
            (
                "temperatures",
                &temperatures,
                no_temperature,
                config.min_temperatures,
            ),
        ] {
            if t.is_empty() {
                note(
                    GateStatus::Warn,
                    format!("{what}: not recorded in the lineage of any synthetic document"),
                );
                continue;
            }
            if missing > 0 {
                note(
                    GateStatus::Warn,
                    format!("{what}: {missing} synthetic document(s) do not record one"),
                );
            }
            if t.len() < min {
                note(
                    GateStatus::Fail,
                    format!("{what}: {} distinct, at least {min} required", t.len()),
                );
            }
        }
        let counts: Vec<usize> = generators.values().copied().collect();
        let entropy = normalised_entropy(&counts);
        let total: usize = counts.iter().sum();
        if let Some((name, &top)) = generators.iter().max_by_key(|(_, &c)| c) {
            let share = top as f64 / total.max(1) as f64;
            if share > config.max_generator_share {
                note(
                    GateStatus::Warn,
                    format!(
                        "generator '{name}' produced {:.0}% of the synthetic documents (limit {:.0}%)",
                        100.0 * share,
                        100.0 * config.max_generator_share
                    ),
                );
            }
        }
        if generators.len() >= 2 && entropy < config.min_generator_entropy {
            note(
                GateStatus::Warn,
                format!(
                    "generator shares are uneven: normalised entropy {entropy:.2} (least {:.2})",
                    config.min_generator_entropy
                ),
            );
        }
        let listing = |t: &BTreeMap<String, usize>| {
            t.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Ok(GateResult::new(
            NAME,
            status,
            format!(
                "{} generator(s) [{}], {} prompt(s), {} temperature(s); generator entropy {entropy:.2}",
                generators.len(),
                listing(&generators),
                prompts.len(),
                temperatures.len()
            ),
        )
        .measured(generators.len() as f64, config.min_generators as f64)
        .evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_is_one_when_even_and_low_when_dominated() {
        assert!((normalised_entropy(&[5, 5, 5]) - 1.0).abs() < 1e-12);
        assert!(normalised_entropy(&[98, 1, 1]) < 0.2);
        assert_eq!(normalised_entropy(&[7]), 0.0);
    }
}
