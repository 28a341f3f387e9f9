//! Documents of an Arrow record batch handed over in memory (from Python: a pyarrow batch, a
//! Spark partition under `mapInArrow`): the same mapping as the rows of a Parquet or Arrow
//! file, errors naming `origin`, the row and the field.

use std::path::Path;

use arrow::array::RecordBatch;

use super::columnar::ColumnarBatch;
use super::schema::IngestOptions;
use super::stream::{Batch, IngestStats};
use super::Doc;
use crate::error::InputError;

/// The documents of `batch`, whose first row is row `first_row + 1` of `origin` (a name for
/// errors and for the ids of rows without one), and what was counted reading them. A row that
/// cannot be read is an error and nothing of the batch is returned.
pub fn read_record_batch(
    batch: &RecordBatch,
    origin: &str,
    first_row: u64,
    options: &IngestOptions,
) -> Result<(Vec<Doc>, IngestStats), InputError> {
    let mut out = Batch::default();
    let mut stats = IngestStats::default();
    ColumnarBatch::new(batch).read_rows(
        first_row,
        Path::new(origin),
        options,
        &mut out,
        &mut stats,
    )?;
    stats.documents = out.docs.len() as u64;
    Ok((out.docs, stats))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array, StringArray};
    use std::sync::Arc;

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    #[test]
    fn rows_map_to_documents_as_a_parquet_file_does() {
        let b = batch(vec![
            (
                "id",
                Arc::new(StringArray::from(vec!["a", "b", "c"])) as ArrayRef,
            ),
            (
                "text",
                Arc::new(StringArray::from(vec!["one", "  ", "three"])),
            ),
            (
                "source",
                Arc::new(StringArray::from(vec!["real", "real", "synthetic"])),
            ),
            ("generation", Arc::new(Int64Array::from(vec![0, 1, 2]))),
        ]);
        let (docs, stats) = read_record_batch(&b, "part-0", 0, &IngestOptions::default()).unwrap();
        let ids: Vec<&str> = docs.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["a", "c"]);
        assert_eq!((stats.documents, stats.skipped_empty), (2, 1));
        assert_eq!(docs[1].lineage.generation, Some(2));
    }

    #[test]
    fn a_bad_row_names_origin_row_and_field() {
        let b = batch(vec![
            (
                "id",
                Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef,
            ),
            ("text", Arc::new(StringArray::from(vec!["x", "y"]))),
            ("source", Arc::new(StringArray::from(vec!["real", "robot"]))),
        ]);
        let e = read_record_batch(&b, "part-3", 10, &IngestOptions::default()).unwrap_err();
        let message = e.to_string();
        assert!(
            message.contains("part-3") && message.contains("12"),
            "{message}"
        );
        assert!(message.contains("source"), "{message}");
        let b = batch(vec![(
            "body",
            Arc::new(StringArray::from(vec!["x"])) as ArrayRef,
        )]);
        let e = read_record_batch(&b, "part-0", 0, &IngestOptions::default()).unwrap_err();
        assert!(e.to_string().contains("text"), "{e}");
    }
}
