//! A sum of values in [0, 1] that does not depend on the order they are added in: each value is
//! rounded to a multiple of 2^-60 and summed exactly as an integer, so shards of a corpus summed
//! apart and merged give bit for bit the sum of one pass (a float sum differs in its last bits
//! with the order). The rounding (< 1e-18 per value) is far below any reported digit.

use serde::{Deserialize, Serialize};

const SCALE: f64 = (1u64 << 60) as f64;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitSum {
    /// The sum in units of 2^-60, as a decimal string in JSON (u128 is not a JSON number).
    #[serde(with = "decimal")]
    units: u128,
}

impl UnitSum {
    /// Adds `x`, clamped to [0, 1] (NaN adds nothing).
    pub fn add(&mut self, x: f64) {
        let x = if x.is_nan() { 0.0 } else { x.clamp(0.0, 1.0) };
        self.units += (x * SCALE).round() as u128;
    }

    pub fn merge(&mut self, other: UnitSum) {
        self.units += other.units;
    }

    /// Checks a sum read back from bytes: at most `count` values of at most 1 each.
    pub fn check(&self, count: u64) -> Result<(), String> {
        if self.units > u128::from(count) << 60 {
            return Err(format!(
                "is {}, more than its {count} values of at most 1 can sum to",
                self.value()
            ));
        }
        Ok(())
    }

    pub fn value(self) -> f64 {
        self.units as f64 / SCALE
    }
}

mod decimal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_of_adding_does_not_change_the_sum() {
        let values: Vec<f64> = (0..10_000)
            .map(|i| ((i * 7919) % 10_007) as f64 / 10_007.0)
            .collect();
        let mut forward = UnitSum::default();
        values.iter().for_each(|&v| forward.add(v));
        let (mut a, mut b) = (UnitSum::default(), UnitSum::default());
        values.iter().rev().take(3_333).for_each(|&v| a.add(v));
        values.iter().rev().skip(3_333).for_each(|&v| b.add(v));
        b.merge(a);
        assert_eq!(forward, b);
        let plain: f64 = values.iter().sum();
        assert!((forward.value() - plain).abs() < 1e-9);
        let saved: UnitSum = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
        assert_eq!(saved, forward);
    }
}
