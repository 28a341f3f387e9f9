//! Writing a corpus back out in our own schema (JSONL or Parquet), e.g. for conversions,
//! simulated generations and test fixtures.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;

use super::AtomicFile;
use crate::corpus::Doc;
use crate::error::{Error, Result};

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::output(path, std::io::Error::other(e.to_string()))
}

/// One JSON object per document: id, text, source and the lineage fields that are set.
pub fn write_corpus_jsonl(docs: &[Doc], path: &Path) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    for doc in docs {
        serde_json::to_writer(&mut file, doc).map_err(|e| io_err(path, e))?;
        file.write_all(b"\n").map_err(|e| Error::output(path, e))?;
    }
    file.commit()
}

/// A Parquet file with one column per schema field (nullable where the field is optional).
pub fn write_corpus_parquet(docs: &[Doc], path: &Path) -> Result<()> {
    let text_col = |f: &dyn Fn(&Doc) -> Option<&str>| -> ArrayRef {
        Arc::new(docs.iter().map(f).collect::<StringArray>())
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", text_col(&|d| Some(&d.id))),
        ("text", text_col(&|d| Some(&d.text))),
        ("source", text_col(&|d| Some(d.lineage.source.as_str()))),
        ("generator", text_col(&|d| d.lineage.generator.as_deref())),
        ("prompt_id", text_col(&|d| d.lineage.prompt_id.as_deref())),
        (
            "temperature",
            Arc::new(
                docs.iter()
                    .map(|d| d.lineage.temperature)
                    .collect::<Float64Array>(),
            ),
        ),
        (
            "generation",
            Arc::new(
                docs.iter()
                    .map(|d| d.lineage.generation)
                    .collect::<UInt32Array>(),
            ),
        ),
        (
            "parent_model",
            text_col(&|d| d.lineage.parent_model.as_deref()),
        ),
        ("split", text_col(&|d| d.lineage.split.map(|s| s.as_str()))),
        ("label", text_col(&|d| d.lineage.label.as_deref())),
        ("domain", text_col(&|d| d.lineage.domain.as_deref())),
        ("attack", text_col(&|d| d.lineage.attack.as_deref())),
    ];
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| {
            Field::new(
                *name,
                array.data_type().clone(),
                !matches!(*name, "id" | "text" | "source"),
            )
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    debug_assert!(schema
        .fields()
        .iter()
        .all(|f| f.data_type() != &DataType::Null));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| io_err(path, e))?;
    let mut writer = ArrowWriter::try_new(AtomicFile::create(path)?, schema, None)
        .map_err(|e| io_err(path, e))?;
    writer.write(&batch).map_err(|e| io_err(path, e))?;
    writer.into_inner().map_err(|e| io_err(path, e))?.commit()
}
