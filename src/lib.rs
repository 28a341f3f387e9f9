//! driftprint: measures when synthetic (LLM-generated) training data hurts a model.
//!
//! Corpora come in through [`corpus`], become feature matrices through [`features`], and the
//! subcommands in [`commands`] tie them together for the CLI.

pub mod app;
pub mod checks;
pub mod cli;
pub mod collapse;
pub mod commands;
pub mod config;
pub mod consistency;
pub mod corpus;
pub mod divergence;
pub mod error;
pub mod features;
pub mod fingerprint;
pub mod matrix;
pub mod output;
pub mod policy;
pub mod progress;
pub mod report;
pub mod stages;
pub mod stats;
pub mod status;

pub use error::{Error, Result};
