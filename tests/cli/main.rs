//! The `driftprint` binary end to end, one module per command family.
//! One test binary for all of them: each integration binary links candle and arrow.

#[path = "../common/mod.rs"]
mod common;

mod basics;
mod bounds;
mod browser;
mod collapse;
mod config_errors;
mod damaged_inputs;
mod drift;
mod encodings;
mod fingerprint;
mod flags;
mod help_text;
mod invoke;
mod merge_guard;
mod one_pass;
mod outputs;
mod policy;
mod readme;
mod report;
mod report_failures;
mod side_files;
