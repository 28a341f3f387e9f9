//! reports/history.jsonl: one line per run — its verdict and every gated number — so a report
//! can plot each statistic over past runs and `compare` can find the run before a regression.

use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Report, Status};
use crate::error::{Error, InputError, Location, Result};

/// One run in the history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub run_id: String,
    pub created: String,
    pub status: Status,
    /// Where the run's reports are (relative to the history file's folder).
    pub dir: String,
    /// `stage.name` → the number the stage gates on (drift statistics, collapse slopes,
    /// policy measurements, the fingerprint's estimated share).
    pub values: std::collections::BTreeMap<String, f64>,
}

/// A number a run is followed by over time: its history key (`stage.name`), this run's value,
/// the limit it is held to, and whether the history figure plots it (the gated ones).
pub struct Tracked {
    pub key: String,
    pub value: Option<f64>,
    pub limit: Option<f64>,
    pub plotted: bool,
}

/// Every number of a report the history keeps, in stage order: drift statistics (plotted when
/// gated, against their threshold unless it is a p-value rule), the fingerprint's estimated
/// share, collapse slopes (kept, not plotted), policy measurements.
pub fn tracked(report: &Report) -> Vec<Tracked> {
    let mut out = Vec::new();
    for stage in &report.stages {
        if let Some(result) = &stage.result {
            result.section().tracked(&mut out);
        }
    }
    out
}

impl HistoryEntry {
    pub fn of(report: &Report, dir: &str) -> HistoryEntry {
        HistoryEntry {
            run_id: report.run_id.clone(),
            created: report.created.clone(),
            status: report.verdict.status,
            dir: dir.to_string(),
            values: tracked(report)
                .into_iter()
                .filter_map(|t| Some((t.key, t.value?)))
                .collect(),
        }
    }
}

/// Appends one line (a single write of a whole line, so concurrent runs never interleave
/// within a line).
pub fn append(path: &Path, entry: &HistoryEntry) -> Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::output(path, e))?;
    }
    let mut line = serde_json::to_string(entry).map_err(|e| Error::Data(e.to_string()))?;
    line.push('\n');
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()))
        .map_err(|e| Error::output(path, e))
}

/// Every run in the history, oldest first; a missing file is an empty history.
pub fn read(path: &Path) -> Result<Vec<HistoryEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(Error::Input(InputError::file(
                path,
                format!("cannot read: {e}"),
            )))
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                Error::Input(InputError::new(
                    path,
                    Location::Line(i as u64 + 1),
                    format!("not a history entry: {e}"),
                ))
            })
        })
        .collect()
}

/// Each run folder keeps its own history line, written before the folder is renamed into
/// place: a run that dies (or cannot write history.jsonl) after the rename loses no history.
pub const ENTRY_FILE: &str = "history-entry.json";

/// Appends the lines of complete run folders under `root` that `history` lacks (a run that
/// stopped between renaming its folder and appending its line), oldest first; returns their
/// run ids. A damaged history is left alone (its reader reports it).
pub fn reconcile(history: &Path, root: &Path) -> Result<Vec<String>> {
    let Ok(known) = read(history) else {
        return Ok(Vec::new());
    };
    let known: std::collections::HashSet<String> = known.into_iter().map(|e| e.run_id).collect();
    let Ok(entries) = std::fs::read_dir(root) else {
        return Ok(Vec::new());
    };
    let mut missing: Vec<HistoryEntry> = entries
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| std::fs::read_to_string(e.path().join(ENTRY_FILE)).ok())
        .filter_map(|text| serde_json::from_str::<HistoryEntry>(&text).ok())
        .filter(|entry| !known.contains(&entry.run_id))
        .collect();
    missing.sort_by(|a, b| a.run_id.cmp(&b.run_id));
    for entry in &missing {
        append(history, entry)?;
    }
    Ok(missing.into_iter().map(|e| e.run_id).collect())
}
