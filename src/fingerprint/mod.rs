//! The LLM fingerprint detector: a sparse linear model over hashed n-grams, stylometry and
//! (optionally) sentence embeddings that tells LLM-generated from human text, its calibration,
//! evaluation, lexicon and the synthetic-fraction estimate built on it.

pub mod balance;
pub mod built_in;
pub mod calibration;
pub mod config;
pub mod contamination;
pub mod cv;
pub mod design;
pub mod detector;
pub mod distribution;
pub mod evaluation;
pub mod fraction;
pub mod generator_family;
pub mod learner;
pub mod lexicon;
pub mod lexicon_usage;
pub mod model_file;
pub mod strength;

pub use detector::{Detector, Labelled, TrainOptions};
