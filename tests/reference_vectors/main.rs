//! The metrics against the Python reference implementations' test vectors (tests/reference/*.json).
//! One test binary for all of them: each integration binary links candle and arrow.

#[path = "../common/mod.rs"]
mod common;

mod diversity;
mod geometry;
mod mauve;
mod mmd;
mod policy;
mod roc;
mod trend;
mod univariate;
