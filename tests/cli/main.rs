//! The `driftprint` binary end to end, one module per command family.
//! One test binary for all of them: each integration binary links candle and arrow.

#[path = "../common/mod.rs"]
mod common;

mod basics;
mod browser;
mod collapse;
mod drift;
mod fingerprint;
mod flags;
mod one_pass;
mod policy;
mod readme;
mod report;
