//! Gate 2: the eval set is version-locked. `policy lock` records a content hash per document
//! (id, text, label), the count and the schema; a check against the lock fails on any added,
//! removed or changed document and lists them — a silently edited eval set makes every
//! comparison across runs meaningless.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_128;

use super::{Gate, GateResult, GateStatus, Manifest};
use crate::corpus::side_file::{read_side_text, SideFile};
use crate::corpus::Doc;
use crate::error::{Error, InputError, Result};
use crate::output::write_atomic;

const FORMAT: &str = "driftprint-eval-lock";
const VERSION: u32 = 1;
/// What each document hash covers, in order.
const SCHEMA: [&str; 3] = ["id", "text", "label"];

/// The lock file's contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalLock {
    pub format: String,
    pub version: u32,
    pub schema: Vec<String>,
    pub hash: String,
    pub count: usize,
    /// Document id → XXH3-128 (hex) of id, text and label.
    pub documents: BTreeMap<String, String>,
}

fn document_hash(d: &Doc) -> String {
    let mut bytes = Vec::with_capacity(d.id.len() + d.text.len() + 16);
    for part in [
        d.id.as_str(),
        d.text.as_str(),
        d.lineage.label.as_deref().unwrap_or(""),
    ] {
        bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
        bytes.extend_from_slice(part.as_bytes());
    }
    format!("{:032x}", xxh3_128(&bytes))
}

impl EvalLock {
    pub fn of(docs: &[Doc]) -> EvalLock {
        EvalLock {
            format: FORMAT.into(),
            version: VERSION,
            schema: SCHEMA.iter().map(|s| s.to_string()).collect(),
            hash: "xxh3-128".into(),
            count: docs.len(),
            documents: docs
                .iter()
                .map(|d| (d.id.clone(), document_hash(d)))
                .collect(),
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| Error::Data(e.to_string()))?;
        text.push('\n');
        write_atomic(path, text.as_bytes())
    }

    pub fn load(path: &Path) -> Result<EvalLock> {
        let bad = |m: String| Error::Input(InputError::file(path, m));
        let text = read_side_text(path, SideFile::Lock)?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not an eval lock (invalid JSON: {e})")))?;
        if value["format"] != FORMAT {
            return Err(bad(format!(
                "not an eval lock: its format is {} (make one with `driftprint policy lock`)",
                value["format"]
            )));
        }
        if value["version"] != VERSION || value["schema"] != serde_json::json!(SCHEMA) {
            return Err(bad(format!(
                "lock of another version or schema (version {}, schema {}); this driftprint writes version {VERSION} over {SCHEMA:?}: re-lock the eval set",
                value["version"], value["schema"]
            )));
        }
        let lock: EvalLock =
            serde_json::from_value(value).map_err(|e| bad(format!("damaged lock: {e}")))?;
        if lock.count != lock.documents.len() {
            return Err(bad(format!(
                "damaged lock: count {} but {} documents",
                lock.count,
                lock.documents.len()
            )));
        }
        Ok(lock)
    }

    /// Documents added, removed and changed relative to the lock.
    pub fn diff(&self, docs: &[Doc]) -> LockDiff {
        let now = EvalLock::of(docs);
        let mut diff = LockDiff::default();
        for (id, hash) in &now.documents {
            match self.documents.get(id) {
                None => diff.added.push(id.clone()),
                Some(h) if h != hash => diff.changed.push(id.clone()),
                Some(_) => {}
            }
        }
        diff.removed = self
            .documents
            .keys()
            .filter(|id| !now.documents.contains_key(*id))
            .cloned()
            .collect();
        diff
    }
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct LockDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl LockDiff {
    /// Whether the documents are the locked ones.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

pub struct EvalIsLocked;

impl Gate for EvalIsLocked {
    fn check(&self, m: &Manifest) -> Result<GateResult> {
        const NAME: &str = "eval-locked";
        let Some(lock) = m.lock else {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Warn,
                "no --lock given: the eval set is not version-locked (make one with `driftprint policy lock`)",
            ));
        };
        let diff = lock.diff(m.eval);
        let total = diff.added.len() + diff.removed.len() + diff.changed.len();
        if total == 0 {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Pass,
                format!("all {} eval documents match the lock", m.eval.len()),
            )
            .measured(0.0, 0.0));
        }
        let evidence = diff
            .added
            .iter()
            .map(|id| format!("added: {id}"))
            .chain(diff.removed.iter().map(|id| format!("removed: {id}")))
            .chain(diff.changed.iter().map(|id| format!("changed: {id}")))
            .collect();
        Ok(GateResult::new(
            NAME,
            GateStatus::Fail,
            format!(
                "the eval set differs from its lock: {} added, {} removed, {} changed",
                diff.added.len(),
                diff.removed.len(),
                diff.changed.len()
            ),
        )
        .measured(total as f64, 0.0)
        .evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    fn doc(id: &str, text: &str, label: &str) -> Doc {
        let mut lineage = Lineage::new(Source::Real);
        lineage.label = Some(label.into());
        Doc {
            id: id.into(),
            text: text.into(),
            lineage,
        }
    }

    #[test]
    fn finds_added_removed_and_changed_documents_and_round_trips() {
        let docs = vec![
            doc("a", "one", "x"),
            doc("b", "two", "y"),
            doc("c", "three", "x"),
        ];
        let lock = EvalLock::of(&docs);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eval.lock");
        lock.save(&path).unwrap();
        assert_eq!(EvalLock::load(&path).unwrap(), lock);
        let now = vec![
            doc("a", "one", "x"),
            doc("b", "two", "relabelled"),
            doc("d", "four", "x"),
        ];
        let diff = lock.diff(&now);
        assert_eq!(diff.added, vec!["d"]);
        assert_eq!(diff.removed, vec!["c"]);
        assert_eq!(diff.changed, vec!["b"]);
        // Moving text between id and label changes the hash (lengths are hashed too).
        assert_ne!(
            document_hash(&doc("ab", "c", "")),
            document_hash(&doc("a", "bc", ""))
        );
    }

    #[test]
    fn other_files_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        std::fs::write(
            &path,
            r#"{"format": "driftprint-eval-lock", "version": 9, "schema": ["id"]}"#,
        )
        .unwrap();
        let e = EvalLock::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("x.lock") && e.contains("another version or schema"),
            "{e}"
        );
        std::fs::write(&path, "not json").unwrap();
        assert!(EvalLock::load(&path)
            .unwrap_err()
            .to_string()
            .contains("invalid JSON"));
    }
}
