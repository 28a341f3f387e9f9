//! Groups of documents for leave-one-group-out evaluation, the shortcut audit and balanced
//! training: by the input file each document came from (the default: a file is usually one
//! source, with its own collection quirks) or by the value of any field.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use super::schema::IngestOptions;
use super::Doc;

/// What documents are grouped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// The input file.
    File,
    /// A lineage field or any other input field.
    Field(String),
    /// Every combination of the parts' values (`file+domain`: each domain of each file).
    Joint(Vec<GroupBy>),
}

impl FromStr for GroupBy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "" => Err("empty field name (use `file` or a field of the input)".into()),
            "file" => Ok(GroupBy::File),
            joint if joint.contains('+') => joint
                .split('+')
                .map(|part| match part.trim() {
                    "" => Err(format!("'{joint}': empty part (write e.g. file+domain)")),
                    p => p.parse(),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(GroupBy::Joint),
            field => Ok(GroupBy::Field(field.to_string())),
        }
    }
}

impl GroupBy {
    /// `none` (no grouping), `file` or a field name.
    pub fn parse_optional(s: &str) -> Result<Option<GroupBy>, String> {
        match s.trim() {
            "none" => Ok(None),
            other => other.parse().map(Some),
        }
    }

    pub fn name(&self) -> String {
        match self {
            GroupBy::File => "file".into(),
            GroupBy::Field(f) => f.clone(),
            GroupBy::Joint(parts) => parts
                .iter()
                .map(GroupBy::name)
                .collect::<Vec<_>>()
                .join("+"),
        }
    }

    /// Makes the reader keep the fields that are not part of the schema.
    pub fn prepare(&self, ingest: &mut IngestOptions) {
        match self {
            GroupBy::File => {}
            GroupBy::Field(f) => ingest.keep_field(f),
            GroupBy::Joint(parts) => parts.iter().for_each(|p| p.prepare(ingest)),
        }
    }

    /// Each document's label under this grouping.
    fn labels(&self, docs: &[Doc], origins: &[u32], inputs: &[PathBuf]) -> Vec<String> {
        match self {
            GroupBy::File => {
                let names = file_labels(inputs);
                origins.iter().map(|&o| names[o as usize].clone()).collect()
            }
            GroupBy::Field(field) => docs
                .iter()
                .map(|d| d.lineage.field(field).unwrap_or_else(|| NO_VALUE.into()))
                .collect(),
            GroupBy::Joint(parts) => {
                let each: Vec<Vec<String>> = parts
                    .iter()
                    .map(|p| p.labels(docs, origins, inputs))
                    .collect();
                (0..docs.len())
                    .map(|i| {
                        each.iter()
                            .map(|l| l[i].as_str())
                            .collect::<Vec<_>>()
                            .join(" / ")
                    })
                    .collect()
            }
        }
    }
}

/// Label of documents without the field.
pub const NO_VALUE: &str = "(none)";

/// Each document's group, by index into `names` (sorted).
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    /// What the groups are ("file" or a field name).
    pub by: String,
    pub names: Vec<String>,
    pub of: Vec<usize>,
}

impl Grouping {
    /// Groups `docs` (read from `inputs`; `origins[i]` is the input of document i).
    pub fn new(by: &GroupBy, docs: &[Doc], origins: &[u32], inputs: &[PathBuf]) -> Grouping {
        Grouping::from_labels(&by.name(), &by.labels(docs, origins, inputs))
    }

    /// Groups from one label per document.
    pub fn from_labels(by: &str, labels: &[String]) -> Grouping {
        let mut index: BTreeMap<&str, usize> = labels.iter().map(|l| (l.as_str(), 0)).collect();
        for (k, v) in index.values_mut().enumerate() {
            *v = k;
        }
        Grouping {
            by: by.to_string(),
            names: index.keys().map(|k| k.to_string()).collect(),
            of: labels.iter().map(|l| index[l.as_str()]).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The documents of group `g`, in order.
    pub fn members(&self, g: usize) -> Vec<usize> {
        (0..self.of.len()).filter(|&i| self.of[i] == g).collect()
    }

    /// The grouping of documents `rows` (group names kept, so indices still match).
    pub fn select(&self, rows: &[usize]) -> Grouping {
        Grouping {
            by: self.by.clone(),
            names: self.names.clone(),
            of: rows.iter().map(|&i| self.of[i]).collect(),
        }
    }
}

/// A short, distinct label per input: its file name, or its whole path where two inputs share
/// a file name.
pub fn file_labels(inputs: &[PathBuf]) -> Vec<String> {
    let short: Vec<String> = inputs
        .iter()
        .map(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string())
        })
        .collect();
    short
        .iter()
        .zip(inputs)
        .map(|(s, p)| {
            if short.iter().filter(|o| *o == s).count() > 1 {
                p.display().to_string()
            } else {
                s.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    fn doc(domain: Option<&str>) -> Doc {
        let mut lineage = Lineage::new(Source::Real);
        lineage.domain = domain.map(str::to_string);
        Doc {
            id: "x".into(),
            text: "t".into(),
            lineage,
        }
    }

    #[test]
    fn groups_by_file_name_or_field() {
        let docs = vec![doc(Some("news")), doc(None), doc(Some("essay"))];
        let inputs = vec![PathBuf::from("a/one.jsonl"), PathBuf::from("b/two.jsonl")];
        let by_file = Grouping::new(&GroupBy::File, &docs, &[0, 1, 1], &inputs);
        assert_eq!(by_file.names, ["one.jsonl", "two.jsonl"]);
        assert_eq!(by_file.of, [0, 1, 1]);
        assert_eq!(by_file.members(1), [1, 2]);
        let by_domain = Grouping::new(&"domain".parse().unwrap(), &docs, &[0, 0, 0], &inputs);
        assert_eq!(by_domain.names, ["(none)", "essay", "news"]);
        assert_eq!(by_domain.of, [2, 0, 1]);
        assert_eq!(by_domain.select(&[2, 0]).of, [1, 2]);
    }

    #[test]
    fn a_joint_grouping_is_every_combination_of_its_parts() {
        let docs = vec![doc(Some("news")), doc(None), doc(Some("news"))];
        let inputs = vec![PathBuf::from("one.jsonl"), PathBuf::from("two.jsonl")];
        let by: GroupBy = "file + domain".parse().unwrap();
        assert_eq!(by.name(), "file+domain");
        let g = Grouping::new(&by, &docs, &[0, 0, 1], &inputs);
        assert_eq!(
            g.names,
            ["one.jsonl / (none)", "one.jsonl / news", "two.jsonl / news"]
        );
        assert_eq!(g.of, [1, 0, 2]);
        assert!("file+".parse::<GroupBy>().is_err());
        let mut ingest = IngestOptions::default();
        "file+writer_group"
            .parse::<GroupBy>()
            .unwrap()
            .prepare(&mut ingest);
        assert_eq!(ingest.keep_fields, ["writer_group"]);
    }

    #[test]
    fn files_with_one_name_in_two_folders_keep_their_paths() {
        let inputs = vec![PathBuf::from("a/x.jsonl"), PathBuf::from("b/x.jsonl")];
        let labels = file_labels(&inputs);
        assert_eq!(labels, ["a/x.jsonl", "b/x.jsonl"]);
        assert!("".parse::<GroupBy>().is_err());
        assert_eq!("file".parse::<GroupBy>().unwrap(), GroupBy::File);
    }
}
