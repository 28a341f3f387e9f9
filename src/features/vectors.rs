//! Precomputed vectors (users' own embeddings) as a [`FeatureMatrix`]: `.npy` (float32/float64,
//! with our `.columns.json` sidecar when present), or Parquet/CSV files of numeric columns and/or
//! one fixed-size-list column, with an optional `id` column.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};
use ndarray::Array2;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{InputError, Location, Result};
use crate::matrix::FeatureMatrix;

/// Whether a path holds precomputed vectors rather than a corpus: `.npy` always; Parquet/CSV
/// when they have no text column (`text_field`).
pub fn looks_like_vectors(path: &Path, text_field: &str) -> bool {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".npy") {
        return true;
    }
    if name.ends_with(".parquet") || name.ends_with(".pq") {
        return File::open(path)
            .ok()
            .and_then(|f| ParquetRecordBatchReaderBuilder::try_new(f).ok())
            .is_some_and(|b| b.schema().field_with_name(text_field).is_err());
    }
    if name.ends_with(".csv") {
        let mut reader = match csv::Reader::from_path(path) {
            Ok(r) => r,
            Err(_) => return false,
        };
        return reader
            .headers()
            .is_ok_and(|h| !h.iter().any(|c| c.trim() == text_field));
    }
    false
}

/// Reads a vectors file, format by extension.
pub fn read_vectors(path: &Path) -> Result<FeatureMatrix> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let matrix = if name.ends_with(".npy") {
        read_npy(path)?
    } else if name.ends_with(".parquet") || name.ends_with(".pq") {
        read_parquet(path)?
    } else if name.ends_with(".csv") {
        read_csv(path)?
    } else {
        return Err(InputError::file(path, "vectors must be .npy, .parquet or .csv").into());
    };
    if matrix.values.nrows() == 0 || matrix.values.ncols() == 0 {
        return Err(
            InputError::file(path, "no vectors in the file (0 rows or 0 numeric columns)").into(),
        );
    }
    if let Some((i, j)) = matrix
        .values
        .indexed_iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(ij, _)| ij)
    {
        return Err(InputError::new(
            path,
            Location::Row(i as u64 + 1),
            format!("non-finite value in column {}", matrix.names[j]),
        )
        .with_field(matrix.names[j].clone())
        .into());
    }
    Ok(matrix)
}

fn row_ids(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("row{i}")).collect()
}

fn read_npy(path: &Path) -> Result<FeatureMatrix> {
    let bad = |m: String| InputError::file(path, m);
    let mut bytes = Vec::new();
    BufReader::new(File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("not a .npy file (no NUMPY magic)".into()).into());
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => return Err(bad(format!("unsupported .npy version {v}")).into()),
    };
    let header = bytes
        .get(start..start + header_len)
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .ok_or_else(|| bad("truncated .npy header".into()))?;
    let descr = header_value(&header, "descr")
        .ok_or_else(|| bad("no 'descr' in the .npy header".into()))?;
    if header_value(&header, "fortran_order").is_some_and(|v| v.starts_with("True")) {
        return Err(bad(
            "Fortran-order arrays are not supported; save with np.ascontiguousarray".into(),
        )
        .into());
    }
    let shape = header_value(&header, "shape")
        .ok_or_else(|| bad("no 'shape' in the .npy header".into()))?;
    let dims: Vec<usize> = shape
        .trim_start_matches('(')
        .split(')')
        .next()
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad(format!("cannot read the shape {shape}")))?;
    let (n, d) = match dims[..] {
        [n, d] => (n, d),
        [n] => (n, 1),
        _ => return Err(bad(format!("expected a 2-D array, found shape {shape}")).into()),
    };
    let data = &bytes[start + header_len..];
    let width = match descr {
        "<f4" => 4,
        "<f8" => 8,
        other => {
            return Err(bad(format!(
                "dtype {other} is not supported (use float32 '<f4' or float64 '<f8')"
            ))
            .into())
        }
    };
    let needed = n
        .checked_mul(d)
        .and_then(|x| x.checked_mul(width))
        .ok_or_else(|| bad("shape too large".into()))?;
    if data.len() < needed {
        return Err(bad(format!(
            "truncated: the header says {n}x{d} but the data holds {} bytes",
            data.len()
        ))
        .into());
    }
    let values: Vec<f32> = if width == 4 {
        data[..needed]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    } else {
        data[..needed]
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
            .collect()
    };
    let values = Array2::from_shape_vec((n, d), values).map_err(|e| bad(e.to_string()))?;
    let (mut ids, mut names) = (
        row_ids(n),
        (0..d).map(|j| format!("dim_{j}")).collect::<Vec<_>>(),
    );
    // Our own `features -o x.npy` writes ids and names beside the matrix.
    let sidecar = path.with_extension("columns.json");
    if let Ok(text) = std::fs::read_to_string(&sidecar) {
        let meta: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| InputError::file(&sidecar, format!("invalid JSON: {e}")))?;
        let strings = |key: &str| -> Option<Vec<String>> {
            meta[key].as_array().map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
        };
        if let (Some(i), Some(c)) = (strings("ids"), strings("columns")) {
            if i.len() != n || c.len() != d {
                return Err(InputError::file(
                    &sidecar,
                    format!(
                        "lists {} ids and {} columns for a {n}x{d} matrix",
                        i.len(),
                        c.len()
                    ),
                )
                .into());
            }
            (ids, names) = (i, c);
        }
    }
    Ok(FeatureMatrix { ids, names, values })
}

/// The value of `'key':` in a .npy header dict: a quoted string (without quotes), a tuple
/// (with parentheses) or a bare word.
fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    let at = header.find(&format!("'{key}'"))?;
    let rest = header[at + key.len() + 2..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let end = match rest.chars().next()? {
        q @ ('\'' | '"') => return rest[1..].find(q).map(|e| &rest[1..1 + e]),
        '(' => rest.find(')')? + 1,
        _ => rest.find([',', '}']).unwrap_or(rest.len()),
    };
    Some(&rest[..end])
}

/// A column name and its values.
type NamedColumn = (String, Vec<f64>);

/// Numeric columns of one batch as f64 column vectors (lists expanded), plus string ids.
fn batch_columns(
    batch: &RecordBatch,
    path: &Path,
) -> Result<(Vec<NamedColumn>, Option<Vec<String>>)> {
    let schema = batch.schema();
    let mut columns = Vec::new();
    let mut ids = None;
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        let name = field.name();
        match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View if name == "id" => {
                let cast = arrow::compute::cast(array, &DataType::Utf8)
                    .map_err(|e| InputError::file(path, e.to_string()))?;
                ids = Some(
                    cast.as_string::<i32>()
                        .iter()
                        .map(|s| s.unwrap_or_default().to_string())
                        .collect(),
                );
            }
            DataType::FixedSizeList(_, _) | DataType::List(_) | DataType::LargeList(_) => {
                columns.extend(expand_list(name, array, path)?);
            }
            t if t.is_numeric() => {
                let cast = arrow::compute::cast(array, &DataType::Float64)
                    .map_err(|e| InputError::file(path, e.to_string()))?;
                let values = cast.as_primitive::<Float64Type>();
                columns.push((
                    name.clone(),
                    (0..values.len())
                        .map(|i| {
                            if values.is_null(i) {
                                f64::NAN
                            } else {
                                values.value(i)
                            }
                        })
                        .collect(),
                ));
            }
            _ => tracing::debug!("{}: ignoring non-numeric column {name}", path.display()),
        }
    }
    Ok((columns, ids))
}

/// A list column of equal-length numeric lists becomes `name_0 .. name_{k-1}`.
fn expand_list(name: &str, array: &ArrayRef, path: &Path) -> Result<Vec<NamedColumn>> {
    let bad = |row: usize, m: String| {
        InputError::new(path, Location::Row(row as u64 + 1), m).with_field(name.to_string())
    };
    let rows: Vec<ArrayRef> = match array.data_type() {
        DataType::FixedSizeList(_, _) => {
            let l = array.as_fixed_size_list();
            (0..l.len()).map(|i| l.value(i)).collect()
        }
        DataType::List(_) => {
            let l = array.as_list::<i32>();
            (0..l.len()).map(|i| l.value(i)).collect()
        }
        _ => {
            let l = array.as_list::<i64>();
            (0..l.len()).map(|i| l.value(i)).collect()
        }
    };
    let width = rows.first().map_or(0, |r| r.len());
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(rows.len()); width];
    for (i, row) in rows.iter().enumerate() {
        if row.len() != width {
            return Err(bad(
                i,
                format!(
                    "vector of length {} where the first row has {width}",
                    row.len()
                ),
            )
            .into());
        }
        let cast = arrow::compute::cast(row, &DataType::Float64)
            .map_err(|e| bad(i, format!("not numeric: {e}")))?;
        for (j, v) in cast
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .enumerate()
        {
            columns[j].push(*v);
        }
    }
    Ok(columns
        .into_iter()
        .enumerate()
        .map(|(j, c)| (format!("{name}_{j}"), c))
        .collect())
}

fn assemble(
    path: &Path,
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
    ids: Option<Vec<String>>,
) -> Result<FeatureMatrix> {
    let n = columns.first().map_or(0, Vec::len);
    let mut values = Array2::<f32>::zeros((n, columns.len()));
    for (j, column) in columns.iter().enumerate() {
        for (i, v) in column.iter().enumerate() {
            values[(i, j)] = *v as f32;
        }
    }
    let ids = ids.unwrap_or_else(|| row_ids(n));
    if ids.len() != n {
        return Err(
            InputError::file(path, "the id column and the vectors have different lengths").into(),
        );
    }
    Ok(FeatureMatrix { ids, names, values })
}

fn read_parquet(path: &Path) -> Result<FeatureMatrix> {
    let file = File::open(path).map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| InputError::file(path, format!("not a readable Parquet file: {e}")))?;
    let (mut names, mut columns, mut ids): (Vec<String>, Vec<Vec<f64>>, Option<Vec<String>>) =
        (Vec::new(), Vec::new(), None);
    for batch in reader {
        let batch = batch
            .map_err(|e| InputError::file(path, format!("cannot decode Parquet data: {e}")))?;
        let (batch_cols, batch_ids) = batch_columns(&batch, path)?;
        if names.is_empty() {
            names = batch_cols.iter().map(|(n, _)| n.clone()).collect();
            columns = vec![Vec::new(); names.len()];
        }
        if batch_cols.len() != columns.len() {
            return Err(
                InputError::file(path, "list columns change length between row groups").into(),
            );
        }
        for (column, (_, values)) in columns.iter_mut().zip(batch_cols) {
            column.extend(values);
        }
        if let Some(b) = batch_ids {
            ids.get_or_insert_with(Vec::new).extend(b);
        }
    }
    assemble(path, names, columns, ids)
}

fn read_csv(path: &Path) -> Result<FeatureMatrix> {
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| InputError::file(path, format!("cannot open: {e}")))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| {
            InputError::new(
                path,
                Location::Line(1),
                format!("cannot read the header row: {e}"),
            )
        })?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let id_col = headers.iter().position(|h| h == "id");
    let names: Vec<String> = headers
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != id_col)
        .map(|(_, h)| h.clone())
        .collect();
    let mut columns = vec![Vec::new(); names.len()];
    let mut ids = id_col.map(|_| Vec::new());
    for record in reader.records() {
        let record = record.map_err(|e| {
            InputError::new(
                path,
                Location::Line(e.position().map_or(0, |p| p.line())),
                format!("malformed CSV: {e}"),
            )
        })?;
        let line = record.position().map_or(0, |p| p.line());
        let mut k = 0;
        for (i, cell) in record.iter().enumerate() {
            if Some(i) == id_col {
                if let Some(ids) = ids.as_mut() {
                    ids.push(cell.to_string());
                }
                continue;
            }
            let v: f64 = cell.trim().parse().map_err(|_| {
                InputError::new(
                    path,
                    Location::Line(line),
                    format!("'{cell}' is not a number"),
                )
                .with_field(headers.get(i).cloned().unwrap_or_default())
            })?;
            if let Some(c) = columns.get_mut(k) {
                c.push(v);
            }
            k += 1;
        }
    }
    assemble(path, names, columns, ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::matrix_writer;

    #[test]
    fn npy_parquet_and_csv_written_by_features_read_back_identically() {
        let dir = tempfile::tempdir().unwrap();
        let m = FeatureMatrix {
            ids: vec!["a".into(), "b".into()],
            names: vec!["x".into(), "y".into(), "z".into()],
            values: Array2::from_shape_vec((2, 3), vec![1.0, 2.5, -3.0, 0.0, 1e-3, 7.0]).unwrap(),
        };
        for ext in ["npy", "parquet", "csv"] {
            let path = dir.path().join(format!("m.{ext}"));
            let mut w = matrix_writer(&path, &m.names).unwrap();
            w.write_block(&m).unwrap();
            w.finish().unwrap();
            assert!(looks_like_vectors(&path, "text"), "{ext}");
            assert_eq!(read_vectors(&path).unwrap(), m, "{ext}");
        }
    }

    #[test]
    fn bad_vectors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.csv");
        std::fs::write(&path, "id,a,b\nr1,1,2\nr2,3,oops\n").unwrap();
        let e = read_vectors(&path).unwrap_err().to_string();
        assert!(
            e.contains("v.csv: line 3: field 'b'") && e.contains("'oops'"),
            "{e}"
        );
        let path = dir.path().join("v.npy");
        std::fs::write(&path, b"\x93NUMPY\x01\x00\x10\x00{'descr': '<i8'}").unwrap();
        let e = read_vectors(&path).unwrap_err().to_string();
        assert!(e.contains("v.npy"), "{e}");
    }
}
