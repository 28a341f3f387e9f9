//! `driftprint features`: stream a corpus through the feature set into a matrix file.
//!
//! Two passes when a featurizer needs corpus statistics (IDF): the first counts, the second
//! transforms and writes. Memory stays bounded by the batch size whatever the corpus size.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::corpus::{CorpusStream, IngestOptions};
use crate::error::Result;
use crate::features::{FeatureSet, FeatureSettings};

#[derive(Debug, Clone, Serialize)]
pub struct FeaturesSummary {
    pub documents: u64,
    pub columns: usize,
    pub text_bytes: u64,
    pub seconds: f64,
    pub output: PathBuf,
    /// What the featurizers reported (e.g. documents cut at the embedding token limit).
    pub notes: Vec<String>,
}

/// Which pass is running (1 of 2: fitting, 2 of 2: writing), and bytes done / total.
pub type Progress<'a> = &'a dyn Fn(&str, u64, u64);

pub fn run(
    inputs: &[PathBuf],
    ingest: &IngestOptions,
    settings: &FeatureSettings,
    output: &Path,
    progress: Progress,
) -> Result<FeaturesSummary> {
    let start = Instant::now();
    let mut set = FeatureSet::new(settings)?;
    if set.needs_fit() {
        let mut stream = CorpusStream::open(inputs, ingest)?;
        while let Some(batch) = stream.next_batch()? {
            set.observe(&batch);
            let (done, total) = stream.progress();
            progress("fitting", done, total);
        }
        stream.finish()?;
    }

    let mut stream = CorpusStream::open(inputs, ingest)?;
    // Created only now: a bad input found while fitting leaves no output behind, and a failure
    // from here on drops the writer, which removes its temporary file.
    let mut writer = crate::output::matrix_writer(output, &set.columns())?;
    while let Some(batch) = stream.next_batch()? {
        writer.write_block(&set.transform(&batch)?)?;
        let (done, total) = stream.progress();
        progress("featurizing", done, total);
    }
    let stats = stream.finish()?;
    writer.finish()?;
    Ok(FeaturesSummary {
        documents: stats.documents,
        columns: set.columns().len(),
        text_bytes: stats.text_bytes,
        seconds: start.elapsed().as_secs_f64(),
        output: output.to_path_buf(),
        notes: set.reports(),
    })
}
