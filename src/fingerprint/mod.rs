//! The LLM fingerprint detector: a sparse linear model over hashed n-grams and stylometry that
//! tells LLM-generated from human text, and the evaluation around it.

pub mod cv;
pub mod design;
pub mod fraction;
pub mod learner;
pub mod model_file;
