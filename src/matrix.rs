//! Feature matrices: dense with named columns, and CSR sparse for hashed n-grams.

use ndarray::{Array2, Axis};

/// Dense features: one row per document id, one named column per feature.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    pub ids: Vec<String>,
    pub names: Vec<String>,
    pub values: Array2<f32>,
}

impl FeatureMatrix {
    /// Appends another block of rows with the same columns.
    pub fn append(&mut self, other: FeatureMatrix) {
        debug_assert_eq!(self.names, other.names);
        self.ids.extend(other.ids);
        if self.values.nrows() == 0 {
            self.values = other.values;
        } else {
            self.values
                .append(Axis(0), other.values.view())
                .expect("blocks of one feature set have the same width");
        }
    }

    /// The column's index by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// Compressed sparse rows: row `i` holds `indices[indptr[i]..indptr[i+1]]` (sorted, unique).
#[derive(Debug, Clone, PartialEq)]
pub struct SparseMatrix {
    pub ids: Vec<String>,
    pub dim: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseMatrix {
    pub fn new(dim: usize) -> Self {
        SparseMatrix {
            ids: Vec::new(),
            dim,
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
        }
    }

    pub fn nrows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Appends one row (indices sorted and unique).
    pub fn push_row(&mut self, id: String, indices: &[u32], values: &[f32]) {
        self.ids.push(id);
        self.indices.extend_from_slice(indices);
        self.values.extend_from_slice(values);
        self.indptr.push(self.indices.len());
    }

    /// Row `i` as (indices, values).
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }
}
