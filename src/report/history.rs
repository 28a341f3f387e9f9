//! reports/history.jsonl: one line per run — its verdict and every gated number — so a report
//! can plot each statistic over past runs and `compare` can find the run before a regression.

use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Report, Status};
use crate::corpus::side_file::{read_side_file, SideFile};
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
/// within a line). A last line cut short (a run killed mid-append, a full disk) is left as it
/// is, and this line starts on a fresh line: appended onto the fragment it could not be read.
pub fn append(path: &Path, entry: &HistoryEntry) -> Result<()> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::output(path, e))?;
    }
    let mut line = serde_json::to_string(entry).map_err(|e| Error::Data(e.to_string()))?;
    line.push('\n');
    std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .and_then(|mut f| {
            if !ends_a_line(&mut f)? {
                line.insert(0, '\n');
            }
            f.write_all(line.as_bytes())
        })
        .map_err(|e| Error::output(path, e))
}

/// Whether the file is empty or ends with a newline (appends go to the end whatever the read
/// position, so reading the last byte moves nothing).
fn ends_a_line(file: &mut std::fs::File) -> std::io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// The runs of a history file, oldest first, and the lines that are not a run.
pub struct History {
    pub entries: Vec<HistoryEntry>,
    /// Each unreadable line (cut short, edited by hand), with its file and line number.
    pub skipped: Vec<InputError>,
}

/// At most this many skipped lines are warned about one by one; the rest in one line.
const WARNED_LINES: usize = 3;

/// Every run in the history, oldest first; a missing file is an empty history. A line that
/// is not a run is skipped with a warning naming it: one damaged line costs that run's point
/// of the history plot, never the whole history.
pub fn read(path: &Path) -> Result<Vec<HistoryEntry>> {
    let history = read_lines(path)?;
    for skipped in history.skipped.iter().take(WARNED_LINES) {
        tracing::warn!("{skipped}; skipped");
    }
    if history.skipped.len() > WARNED_LINES {
        tracing::warn!(
            "{} more lines of {} are not history entries; skipped",
            history.skipped.len() - WARNED_LINES,
            path.display()
        );
    }
    Ok(history.entries)
}

/// The history file's runs and unreadable lines, without a word (the caller decides whether
/// to warn); an error only when the file cannot be read at all.
pub fn read_lines(path: &Path) -> Result<History> {
    let mut history = History {
        entries: Vec::new(),
        skipped: Vec::new(),
    };
    if !path.exists() {
        return Ok(history);
    }
    let text = read_side_file(path, SideFile::History)?;
    // Line by line as bytes: a line cut inside a multi-byte character costs that line only.
    for (i, line) in text.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(line) {
            Ok(entry) => history.entries.push(entry),
            Err(e) => history.skipped.push(InputError::new(
                path,
                Location::Line(i as u64 + 1),
                format!("not a history entry: {e}"),
            )),
        }
    }
    Ok(history)
}

/// Each run folder keeps its own history line, written before the folder is renamed into
/// place: a run that dies (or cannot write history.jsonl) after the rename loses no history.
pub const ENTRY_FILE: &str = "history-entry.json";

/// Appends the lines of complete run folders under `root` that `history` lacks (a run that
/// stopped between renaming its folder and appending its line), oldest first; returns their
/// run ids. Unreadable lines are left alone (the history's reader warns about them): a run
/// whose line was cut short gets a whole one. A history that cannot be read is left alone.
pub fn reconcile(history: &Path, root: &Path) -> Result<Vec<String>> {
    let Ok(known) = read_lines(history) else {
        return Ok(Vec::new());
    };
    let known: std::collections::HashSet<String> =
        known.entries.into_iter().map(|e| e.run_id).collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(run_id: &str) -> HistoryEntry {
        HistoryEntry {
            run_id: run_id.into(),
            created: "2026-01-01T00:00:00Z".into(),
            status: Status::Pass,
            dir: run_id.into(),
            values: [("drift.mmd".to_string(), 0.25)].into_iter().collect(),
        }
    }

    /// A run killed mid-append leaves a fragment without its newline: the next run's line
    /// starts on a fresh line, and reading skips the fragment alone, naming its line.
    #[test]
    fn a_line_cut_short_costs_that_line_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        append(&path, &entry("first")).unwrap();
        let whole = serde_json::to_string(&entry("cut")).unwrap();
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(&whole.as_bytes()[..whole.len() / 2])
            .unwrap();
        drop(file);
        append(&path, &entry("after")).unwrap();
        append(&path, &entry("later")).unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 4, "{text}");
        assert!(text.ends_with('\n'));
        let history = read_lines(&path).unwrap();
        let ids: Vec<&str> = history.entries.iter().map(|e| e.run_id.as_str()).collect();
        assert_eq!(ids, ["first", "after", "later"]);
        assert_eq!(history.skipped.len(), 1);
        let skipped = history.skipped[0].to_string();
        assert!(
            skipped.contains("history.jsonl: line 2: not a history entry"),
            "{skipped}"
        );
        assert_eq!(read(&path).unwrap().len(), 3);
    }

    /// A line cut inside a multi-byte character, and a line that is not JSON at all, are
    /// skipped like any other; a missing file is an empty history.
    #[test]
    fn unreadable_lines_are_skipped_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        assert!(read(&path).unwrap().is_empty());
        let mut bytes = serde_json::to_vec(&entry("a")).unwrap();
        bytes.extend_from_slice(b"\n{\"run_id\": \"caf\xc3\n\nnot json\r\n");
        bytes.extend_from_slice(&serde_json::to_vec(&entry("b")).unwrap());
        bytes.extend_from_slice(b"\r\n");
        std::fs::write(&path, &bytes).unwrap();
        let history = read_lines(&path).unwrap();
        let ids: Vec<&str> = history.entries.iter().map(|e| e.run_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        let lines: Vec<Location> = history.skipped.iter().map(|e| e.location.clone()).collect();
        assert_eq!(lines, [Location::Line(2), Location::Line(4)]);
    }

    /// A run whose line was cut short gets a whole one back from its folder.
    #[test]
    fn reconcile_restores_a_run_whose_line_was_cut() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("history.jsonl");
        let run = root.path().join("run1");
        std::fs::create_dir(&run).unwrap();
        let line = serde_json::to_string(&entry("run1")).unwrap();
        std::fs::write(run.join(ENTRY_FILE), &line).unwrap();
        std::fs::write(&path, &line[..10]).unwrap();
        assert_eq!(reconcile(&path, root.path()).unwrap(), ["run1"]);
        let history = read_lines(&path).unwrap();
        assert_eq!(history.entries, [entry("run1")]);
        assert_eq!(history.skipped.len(), 1);
    }
}
