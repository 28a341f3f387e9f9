//! Model-collapse tracking across retraining generations: diversity metrics per generation and
//! monotone-trend tests over them.

pub mod config;
pub mod diversity;
pub mod embedding;
pub mod generations;
pub mod simulate;
pub mod table;
pub mod tally;
pub mod trend;
pub mod vocabulary;
pub mod vocabulary_sketch;
pub mod vocabulary_tail;
