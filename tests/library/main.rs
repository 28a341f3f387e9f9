//! The library through its public API: readers, format round trips, the embedding and language-model feature sets, and the module graph.
//! One test binary for all of them: each integration binary links candle and arrow.

#[path = "../common/mod.rs"]
mod common;

mod architecture;
mod contamination;
mod embed;
mod ingest_columnar_txt;
mod ingest_jsonl_csv;
mod lm;
mod roundtrip;
