//! The one outcome every command and the report end in, and the exit code it means.

use serde::{Deserialize, Serialize};

/// How a run ended, worst last: the worst of several outcomes is their maximum.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nothing found that blocks the release.
    #[default]
    Pass,
    /// Passes, with something a person should look at (a policy recommendation).
    Warn,
    /// A gate or threshold failed: the release is blocked.
    Blocked,
    /// Something needed for the verdict could not run or be read: the verdict is missing.
    Incomplete,
}

impl Status {
    /// 0 for pass and warn, 1 when the release is blocked, 2 when the verdict is incomplete
    /// (bad input or usage exits 2 too).
    pub const fn exit_code(self) -> u8 {
        match self {
            Status::Pass | Status::Warn => 0,
            Status::Blocked => 1,
            Status::Incomplete => 2,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Warn => "WARN",
            Status::Blocked => "BLOCKED",
            Status::Incomplete => "INCOMPLETE",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_outcome_decides_and_maps_to_its_exit_code() {
        let all = [
            Status::Warn,
            Status::Incomplete,
            Status::Pass,
            Status::Blocked,
        ];
        assert_eq!(all.iter().max(), Some(&Status::Incomplete));
        assert_eq!(all[..1].iter().max(), Some(&Status::Warn));
        let codes: Vec<u8> = all.iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes, [0, 2, 0, 1]);
        assert_eq!(
            serde_json::to_string(&Status::Blocked).unwrap(),
            "\"blocked\""
        );
    }
}
