//! The plumbing shared by the featurizers of named per-document statistics (stylometry,
//! format): each is one `describe(text, emit)` walk that calls `emit(name, value)` column by
//! column, so names and values cannot drift apart.

use ndarray::Array2;

/// A walk over a text's statistics in column order.
pub(crate) type Describe = fn(&str, &mut dyn FnMut(&str, f64));

/// The column names: the walk over an empty text.
pub(crate) fn columns(describe: Describe) -> Vec<String> {
    let mut names = Vec::new();
    describe("", &mut |name, _| names.push(name.to_string()));
    names
}

/// The values for one text (a non-finite value becomes 0).
pub(crate) fn values(describe: Describe, text: &str) -> Vec<f32> {
    let mut values = Vec::with_capacity(128);
    describe(text, &mut |_, v| {
        values.push(if v.is_finite() { v as f32 } else { 0.0 })
    });
    values
}

/// Rows of `width` values as a matrix.
pub(crate) fn matrix(rows: Vec<Vec<f32>>, width: usize) -> Array2<f32> {
    let mut out = Array2::zeros((rows.len(), width));
    for (mut row, values) in out.rows_mut().into_iter().zip(rows) {
        row.assign(&ndarray::ArrayView1::from(&values[..]));
    }
    out
}
