//! `driftprint._driftprint`: the Rust core for Python. Batches arrive from pyarrow through the
//! Arrow C data interface (no copy); the work runs with the GIL released; errors become
//! `ValueError` (bad input, config or usage: the message names file/origin, row and field) or
//! `OSError` (an output that could not be written).

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use arrow::array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray};
use arrow::pyarrow::{FromPyArrow, ToPyArrow};
use driftprint::commands::fingerprint::score::scoring_ingest;
use driftprint::config::Config;
use driftprint::corpus::record_batch::read_record_batch;
use driftprint::corpus::{Doc, IngestOptions};
use driftprint::error::Error;
use driftprint::fingerprint::Detector;
use driftprint::report::profile::{ConfigSource, Profile};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

fn to_py(e: Error) -> PyErr {
    match e {
        Error::Output { .. } => PyOSError::new_err(e.to_string()),
        other => PyValueError::new_err(other.to_string()),
    }
}

/// The record batches of a pyarrow `RecordBatch` or `Table` (or anything exporting the Arrow
/// PyCapsule interface).
fn batches(data: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    if data.hasattr("to_batches")? {
        data.call_method0("to_batches")?
            .try_iter()?
            .map(|b| RecordBatch::from_pyarrow_bound(&b?))
            .collect()
    } else {
        Ok(vec![RecordBatch::from_pyarrow_bound(data)?])
    }
}

/// A report observed in pieces: `observe` batches, `merge` other profiles, carry it as
/// `to_bytes` / `Profile.from_bytes`, and `report` into a folder like `driftprint report`.
#[pyclass(name = "Profile", module = "driftprint")]
struct PyProfile {
    inner: Mutex<Profile>,
}

impl PyProfile {
    fn lock(&self) -> MutexGuard<'_, Profile> {
        // A panic mid-call poisons the lock; the profile is still whole (calls are atomic).
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[pymethods]
impl PyProfile {
    /// `config`: a driftprint.toml (None: the defaults); `stages`: the report stages to run
    /// (None: those the config asks for).
    #[new]
    #[pyo3(signature = (config=None, stages=None))]
    fn new(py: Python<'_>, config: Option<PathBuf>, stages: Option<Vec<String>>) -> PyResult<Self> {
        let profile = py
            .detach(|| {
                let source = ConfigSource::read(config.as_deref())?;
                Profile::new(source, stages.as_deref())
            })
            .map_err(to_py)?;
        Ok(PyProfile {
            inner: Mutex::new(profile),
        })
    }

    /// Observes a pyarrow RecordBatch or Table; `origin` names it in errors. Returns the number
    /// of documents observed (rows with empty text are skipped and not counted).
    #[pyo3(signature = (batch, origin="batch"))]
    fn observe(&self, py: Python<'_>, batch: &Bound<'_, PyAny>, origin: &str) -> PyResult<u64> {
        let batches = batches(batch)?;
        py.detach(|| {
            let mut profile = self.lock();
            let mut documents = 0;
            for b in &batches {
                documents += profile.observe(b, origin)?.documents;
            }
            Ok(documents)
        })
        .map_err(to_py)
    }

    /// Adds what `other` observed (other documents of the same corpus, same config). A profile
    /// sharing documents with this one (merged twice, or of overlapping partitions) is refused.
    fn merge(&self, py: Python<'_>, other: &PyProfile) -> PyResult<()> {
        if std::ptr::eq(self, other) {
            return Err(PyValueError::new_err(
                "a profile cannot be merged into itself",
            ));
        }
        py.detach(|| self.lock().merge(&other.lock()))
            .map_err(to_py)
    }

    /// The config and the stages' states (zstd-compressed), for `Profile.from_bytes`.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.lock().to_bytes()).map_err(to_py)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A profile from `to_bytes` (bytes or bytearray, as Spark hands binary columns over).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: std::borrow::Cow<'_, [u8]>) -> PyResult<Self> {
        let profile = py.detach(|| Profile::from_bytes(&data)).map_err(to_py)?;
        Ok(PyProfile {
            inner: Mutex::new(profile),
        })
    }

    /// Writes a run folder under `out_dir` (report.html, report.json, summary.md, plots, a
    /// history line) and returns report.json as a dict, with the folder as `run_dir`.
    fn report<'py>(&self, py: Python<'py>, out_dir: PathBuf) -> PyResult<Bound<'py, PyDict>> {
        let written = py
            .detach(|| self.lock().report(&out_dir, &|_| {}))
            .map_err(to_py)?;
        let json = serde_json::to_string(&written.report)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        let dict = py
            .import("json")?
            .call_method1("loads", (json,))?
            .cast_into::<PyDict>()?;
        dict.set_item("run_dir", written.dir.display().to_string())?;
        Ok(dict)
    }

    /// Rows observed so far (merged profiles' included).
    #[getter]
    fn rows(&self) -> u64 {
        self.lock().rows()
    }

    #[getter]
    fn stages(&self) -> Vec<String> {
        self.lock().stages().iter().map(|s| s.to_string()).collect()
    }
}

/// A trained fingerprint detector scoring batches, for `mapInArrow` / `map_batches`.
#[pyclass(name = "Detector", module = "driftprint", frozen)]
struct PyDetector {
    detector: Arc<Detector>,
    ingest: IngestOptions,
}

#[pymethods]
impl PyDetector {
    /// The model at `path`; `config` maps input fields and places the models of embedding
    /// features, as for `driftprint fingerprint score --config`.
    #[staticmethod]
    #[pyo3(signature = (path, config=None))]
    fn load(py: Python<'_>, path: PathBuf, config: Option<PathBuf>) -> PyResult<Self> {
        py.detach(|| {
            let config = match &config {
                Some(p) => Config::load(p)?,
                None => Config::default(),
            };
            let detector = Detector::load(&path, &config.features)?;
            Ok(PyDetector {
                detector: Arc::new(detector),
                ingest: scoring_ingest(&config.ingest),
            })
        })
        .map_err(to_py)
    }

    /// Scores every row of a pyarrow RecordBatch or Table: a pyarrow Table of `id`,
    /// `probability`, `synthetic` (at the model's threshold) and `decision` (the margin), as
    /// `driftprint fingerprint score -o` writes them.
    #[pyo3(signature = (batch, origin="batch"))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
        origin: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let batches = batches(batch)?;
        let scored = py
            .detach(|| -> Result<Vec<RecordBatch>, Error> {
                let mut out = Vec::new();
                let mut first_row = 0;
                for b in &batches {
                    let (docs, _) = read_record_batch(b, origin, first_row, &self.ingest)?;
                    first_row += b.num_rows() as u64;
                    out.push(self.scores(&docs)?);
                }
                if out.is_empty() {
                    out.push(self.scores(&[])?);
                }
                Ok(out)
            })
            .map_err(to_py)?;
        let list = scored
            .iter()
            .map(|b| b.to_pyarrow(py))
            .collect::<PyResult<Vec<_>>>()?;
        py.import("pyarrow")?
            .getattr("Table")?
            .call_method1("from_batches", (list,))
    }
}

impl PyDetector {
    /// The scores of `docs` as the columns `fingerprint score -o` writes.
    fn scores(&self, docs: &[Doc]) -> Result<RecordBatch, Error> {
        let scores = if docs.is_empty() {
            Vec::new()
        } else {
            self.detector.score(docs)?
        };
        let columns: Vec<(&str, ArrayRef)> = vec![
            (
                "id",
                Arc::new(StringArray::from_iter_values(docs.iter().map(|d| &d.id))),
            ),
            (
                "probability",
                Arc::new(Float64Array::from_iter_values(
                    scores.iter().map(|s| s.probability),
                )),
            ),
            (
                "synthetic",
                Arc::new(BooleanArray::from_iter(
                    scores.iter().map(|s| Some(self.detector.flags(s))),
                )),
            ),
            (
                "decision",
                Arc::new(Float64Array::from_iter_values(
                    scores.iter().map(|s| s.decision),
                )),
            ),
        ];
        RecordBatch::try_from_iter(columns).map_err(|e| Error::Data(e.to_string()))
    }
}

/// Sets the number of threads the work of this process runs on (default: every core), before
/// any work; False when it was set already (the first setting holds). A Spark task calls it
/// with its `spark.task.cpus`, so that tasks running side by side do not each take every core.
#[pyfunction]
fn set_threads(n: usize) -> bool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(n.max(1))
        .build_global()
        .is_ok()
}

#[pymodule]
fn _driftprint(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(set_threads, m)?)?;
    m.add_class::<PyProfile>()?;
    m.add_class::<PyDetector>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
