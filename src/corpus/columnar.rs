//! Row access to Arrow record batches, shared by the Parquet and Arrow IPC readers.

use std::borrow::Cow;
use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};

use super::raw::{RawRecord, RawValue};
use super::schema::{DocBuilder, IngestOptions};
use super::stream::{Batch, IngestStats};
use crate::error::{InputError, Location};

/// One column, normalised to the few physical types our schema fields read.
enum Column {
    Utf8(ArrayRef),
    LargeUtf8(ArrayRef),
    Utf8View(ArrayRef),
    Int(ArrayRef),
    Float(ArrayRef),
    Bool(ArrayRef),
    Other(ArrayRef, &'static str),
}

fn normalise(array: &ArrayRef) -> Column {
    use DataType::*;
    let cast = |to: &DataType| arrow::compute::cast(array, to).ok();
    match array.data_type() {
        Utf8 => Column::Utf8(array.clone()),
        LargeUtf8 => Column::LargeUtf8(array.clone()),
        Utf8View => Column::Utf8View(array.clone()),
        Dictionary(_, value) if matches!(value.as_ref(), Utf8 | LargeUtf8 | Utf8View) => {
            cast(&Utf8)
                .map(Column::Utf8)
                .unwrap_or(Column::Other(array.clone(), "dictionary"))
        }
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 => cast(&Int64)
            .map(Column::Int)
            .unwrap_or(Column::Other(array.clone(), "integer")),
        UInt64 | Float16 | Float32 | Float64 => cast(&Float64)
            .map(Column::Float)
            .unwrap_or(Column::Other(array.clone(), "number")),
        Boolean => Column::Bool(array.clone()),
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => {
            Column::Other(array.clone(), "binary")
        }
        List(_) | LargeList(_) | FixedSizeList(..) | ListView(_) | LargeListView(_) => {
            Column::Other(array.clone(), "list")
        }
        Struct(_) | Map(..) => Column::Other(array.clone(), "struct"),
        _ => Column::Other(array.clone(), "unsupported type"),
    }
}

/// A record batch viewed row by row.
pub(crate) struct ColumnarBatch {
    names: Vec<String>,
    columns: Vec<Column>,
}

impl ColumnarBatch {
    pub fn new(batch: &RecordBatch) -> Self {
        let schema = batch.schema();
        ColumnarBatch {
            names: schema.fields().iter().map(|f| f.name().clone()).collect(),
            columns: batch.columns().iter().map(normalise).collect(),
        }
    }

    pub fn num_rows(&self) -> usize {
        self.columns
            .first()
            .map(|c| column_array(c).len())
            .unwrap_or(0)
    }

    /// Maps rows `0..num_rows` to documents; `first_row` is the 0-based file row of row 0.
    pub fn read_rows(
        &self,
        first_row: u64,
        path: &Path,
        options: &IngestOptions,
        out: &mut Batch,
        stats: &mut IngestStats,
    ) -> Result<(), InputError> {
        let file = super::jsonl::file_name(path);
        let builder = DocBuilder { options, path };
        for row in 0..self.num_rows() {
            let row_no = first_row + row as u64 + 1;
            let location = Location::Row(row_no);
            let record = ColumnarRow { batch: self, row };
            let outcome = builder.build(&record, &location, || format!("{file}:{row_no}"))?;
            out.accept(outcome, location, path, stats);
        }
        Ok(())
    }
}

fn column_array(column: &Column) -> &ArrayRef {
    match column {
        Column::Utf8(a)
        | Column::LargeUtf8(a)
        | Column::Utf8View(a)
        | Column::Int(a)
        | Column::Float(a)
        | Column::Bool(a)
        | Column::Other(a, _) => a,
    }
}

struct ColumnarRow<'a> {
    batch: &'a ColumnarBatch,
    row: usize,
}

impl RawRecord for ColumnarRow<'_> {
    fn get(&self, field: &str) -> RawValue<'_> {
        let Some(i) = self.batch.names.iter().position(|n| n == field) else {
            return RawValue::Missing;
        };
        let column = &self.batch.columns[i];
        let row = self.row;
        if column_array(column).is_null(row) {
            return RawValue::Null;
        }
        match column {
            Column::Utf8(a) => RawValue::Str(Cow::Borrowed(a.as_string::<i32>().value(row))),
            Column::LargeUtf8(a) => RawValue::Str(Cow::Borrowed(a.as_string::<i64>().value(row))),
            Column::Utf8View(a) => RawValue::Str(Cow::Borrowed(a.as_string_view().value(row))),
            Column::Int(a) => RawValue::Int(a.as_primitive::<Int64Type>().value(row)),
            Column::Float(a) => RawValue::Float(a.as_primitive::<Float64Type>().value(row)),
            Column::Bool(a) => RawValue::Bool(a.as_boolean().value(row)),
            Column::Other(_, t) => RawValue::Other(t),
        }
    }

    fn field_names(&self) -> Vec<String> {
        self.batch.names.clone()
    }
}
