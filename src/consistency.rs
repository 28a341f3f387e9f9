//! Checks of a stage's state read back from bytes written elsewhere (a shard's state file, a
//! profile's bytes): before it is merged, every count in it must lie within what its pass
//! covered, every share within 0..=1, every setting (cap, seed) equal to this run's. A state
//! edited by hand or damaged is then a clear error, never a share of 1666.7 or a wrapped count.

use serde::{Deserialize, Serialize};

/// What one pass (or several merged) observed of the inputs: no count a stage keeps about
/// those documents can exceed these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Covered {
    pub documents: u64,
    pub text_bytes: u64,
}

/// A state that can check itself. `like` is the empty state of this run's settings (what the
/// stage's `start()` gives): caps and seeds must equal its own.
pub trait Consistent {
    fn check(&self, like: &Self, covered: Covered) -> Result<(), String>;
}

/// `value` of the field `name` is at most `bound` (of `what`).
pub fn at_most(name: &str, value: u64, bound: u64, what: &str) -> Result<(), String> {
    if value > bound {
        return Err(format!("{name} is {value}, more than {what} ({bound})"));
    }
    Ok(())
}

/// `value` of the field `name` is a finite number in 0..=1.
pub fn share(name: &str, value: f64) -> Result<(), String> {
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("{name} is {value}, not a share between 0 and 1"));
    }
    Ok(())
}

/// `value` of the field `name` is a finite number.
pub fn finite(name: &str, value: f64) -> Result<(), String> {
    if !value.is_finite() {
        return Err(format!("{name} is {value}, not a finite number"));
    }
    Ok(())
}

/// A setting of the state equals this run's.
pub fn same<T: PartialEq + std::fmt::Debug>(name: &str, value: &T, run: &T) -> Result<(), String> {
    if value != run {
        return Err(format!(
            "{name} is {value:?} but this run's is {run:?} (the state was made with other settings)"
        ));
    }
    Ok(())
}

/// Prefixes a field path to a check's message.
pub fn within<T>(path: &str, result: Result<T, String>) -> Result<T, String> {
    result.map_err(|e| format!("{path}.{e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_the_value_and_the_bound() {
        assert_eq!(
            at_most("flagged", 5, 3, "its documents").unwrap_err(),
            "flagged is 5, more than its documents (3)"
        );
        assert!(share("rate", f64::NAN).is_err());
        assert!(share("rate", 1.0).is_ok());
        assert!(finite("x", f64::INFINITY).is_err());
        assert_eq!(
            within("scores", at_most("flagged", 5, 3, "documents")).unwrap_err(),
            "scores.flagged is 5, more than documents (3)"
        );
        assert!(same("cap", &3, &4).unwrap_err().contains("other settings"));
    }
}
