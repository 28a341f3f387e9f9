//! Which model is derived from which: an ancestry file plus the lineage's (generator,
//! parent_model) pairs. The file is TOML:
//!
//! ```toml
//! [derived_from]
//! "support-bot-v3" = "support-bot-v2"          # fine-tuned from
//! "support-bot-v2" = ["llama-3-8b-instruct"]   # one or several parents
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

use serde::Deserialize;

use crate::corpus::side_file::{read_side_text, SideFile};
use crate::corpus::Doc;
use crate::error::{Error, InputError, Result};

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Ancestry {
    /// model → the models it was derived from.
    parents: BTreeMap<String, BTreeSet<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAncestry {
    derived_from: BTreeMap<String, OneOrMany>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Ancestry {
    pub fn load(path: &Path) -> Result<Ancestry> {
        let bad = |m: String| Error::Input(InputError::file(path, m));
        let text = read_side_text(path, SideFile::Ancestry)?;
        let raw: RawAncestry = toml::from_str(&text).map_err(|e| {
            bad(format!(
                "not an ancestry file ({}); expected a [derived_from] table of \"model\" = \"parent\" or [\"parents\"]",
                e.message()
            ))
        })?;
        let mut a = Ancestry::default();
        for (model, parents) in raw.derived_from {
            let parents = match parents {
                OneOrMany::One(p) => vec![p],
                OneOrMany::Many(v) => v,
            };
            for p in parents {
                a.add(&model, &p);
            }
        }
        Ok(a)
    }

    pub fn add(&mut self, model: &str, parent: &str) {
        if model != parent {
            self.parents
                .entry(model.to_string())
                .or_default()
                .insert(parent.to_string());
        }
    }

    /// Adds each synthetic document's generator → parent_model edge.
    pub fn with_lineage(mut self, docs: &[Doc]) -> Ancestry {
        for d in docs {
            if let (Some(g), Some(p)) = (&d.lineage.generator, &d.lineage.parent_model) {
                self.add(g, p);
            }
        }
        self
    }

    /// The chain `from → … → to` following derived-from edges, if `to` is an ancestor of
    /// `from` (breadth-first: the shortest chain; cycles are harmless).
    pub fn chain(&self, from: &str, to: &str) -> Option<Vec<String>> {
        let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(m) = queue.pop_front() {
            if m == to && m != from {
                let mut chain = vec![to.to_string()];
                let mut at = to;
                while let Some(&p) = previous.get(at) {
                    chain.push(p.to_string());
                    at = p;
                }
                chain.reverse();
                return Some(chain);
            }
            for p in self.parents.get(m).into_iter().flatten() {
                if seen.insert(p.as_str()) {
                    previous.insert(p.as_str(), m);
                    queue.push_back(p.as_str());
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_follow_parents_and_survive_cycles() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("models.toml");
        std::fs::write(
            &path,
            "[derived_from]\n\"v3\" = \"v2\"\n\"v2\" = [\"base\", \"v3\"]\n",
        )
        .unwrap();
        let a = Ancestry::load(&path).unwrap();
        assert_eq!(a.chain("v3", "base").unwrap(), vec!["v3", "v2", "base"]);
        assert!(a.chain("base", "v3").is_none());
        assert!(a.chain("v3", "other").is_none());
        std::fs::write(&path, "models = 3\n").unwrap();
        let e = Ancestry::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("models.toml") && e.contains("[derived_from]"),
            "{e}"
        );
    }
}
