//! Text features behind one [`Featurizer`] trait: stylometry, layout and typography (`format`),
//! hashed n-grams (sparse) and their random projection (dense), and sentence embeddings. Every
//! featurizer is deterministic and parallel over documents.

mod bert;
mod bert_cpu;
pub mod cache;
pub mod causal_lm;
pub mod embed;
pub mod encoder;
mod fast_math;
pub mod formatting;
pub mod gguf_tokenizer;
pub mod intrinsic_dimension;
pub mod lm;
pub mod minhash;
pub mod model_dir;
mod named;
pub mod ngrams;
pub mod normalize;
mod pipeline;
pub mod projection;
pub mod shortcuts;
pub mod standardize;
pub mod stylometry;
pub(crate) mod tokens;
pub mod vector_store;
pub mod vectors;

use ndarray::Array2;

use crate::corpus::Doc;
use crate::error::Result;

pub use embed::{EmbedConfig, Embedder};
pub use formatting::Formatting;
pub use lm::{LmConfig, LmScorer};
pub use ngrams::{HashedNgrams, NgramConfig};
pub use normalize::Normalization;
pub use pipeline::{FeatureKind, FeatureSet, FeatureSettings};
pub use projection::SparseProjection;
pub use stylometry::Stylometry;

/// Turns documents into rows of named dense features.
pub trait Featurizer: Send + Sync {
    /// Short name used in column prefixes and the CLI (`stylo`, `ngram`, `embed`).
    fn name(&self) -> &'static str;

    /// Names of the dense columns `transform` produces, in order.
    fn columns(&self) -> Vec<String>;

    /// Whether `observe` must see the corpus before `transform` (e.g. document frequencies).
    fn needs_fit(&self) -> bool {
        false
    }

    /// Learns corpus statistics from one batch; called on every batch before any `transform`.
    fn observe(&mut self, _docs: &[Doc]) {}

    /// One row per document, in the order given; never depends on the thread count.
    fn transform(&self, docs: &[Doc]) -> Result<Array2<f32>>;

    /// A line for the user about what the featurizer did (e.g. documents cut at a token limit).
    fn report(&self) -> Option<String> {
        None
    }
}
