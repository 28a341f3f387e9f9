//! `driftprint fingerprint train|eval|score|explain`: the detector of LLM-generated text, from
//! the command line.

pub mod eval;
pub mod explain;
pub mod score;
pub mod train;

use std::path::PathBuf;

use crate::corpus::{CorpusStream, Doc, IngestOptions, IngestStats};
use crate::error::Result;

/// Reads every document of `inputs` into memory (training and evaluation need them all).
pub(crate) fn read_corpus(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<(Vec<Doc>, IngestStats)> {
    let mut stream = CorpusStream::open(inputs, ingest)?;
    let mut docs = Vec::new();
    while let Some(batch) = stream.next_batch()? {
        docs.extend(batch);
        let (done, total) = stream.progress();
        progress(done, total);
    }
    let stats = stream.finish()?;
    Ok((docs, stats))
}

/// "12.3%", or "n/a" when a rate is undefined.
pub(crate) fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// "0.981", or "n/a".
pub(crate) fn decimal(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.3}"))
}
