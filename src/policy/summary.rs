//! The lineage summary (always printed, part of the report): how much of the data is synthetic
//! per split, class, generator and generation.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::train_tally::{value, Field, Share, TrainTally};
use crate::corpus::Doc;

#[derive(Debug, Clone, Serialize)]
pub struct GroupShare {
    pub group: String,
    pub documents: usize,
    pub synthetic: usize,
    pub synthetic_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LineageSummary {
    pub by_split: Vec<GroupShare>,
    pub by_class: Vec<GroupShare>,
    pub by_generator: Vec<GroupShare>,
    pub by_generation: Vec<GroupShare>,
}

/// Over the training tally and the eval documents; a document's split is its lineage's, else
/// the set it came in.
pub fn summarise(train: &TrainTally, eval: &[Doc]) -> LineageSummary {
    let shares = |field: Field| -> Vec<GroupShare> {
        let mut t: BTreeMap<String, Share> = BTreeMap::new();
        let role = |set: &str| match field {
            Field::Split => set.to_string(),
            _ => "(none)".to_string(),
        };
        for (v, share) in train.shares(field) {
            let key = v.clone().unwrap_or_else(|| role("train"));
            let e = t.entry(key).or_default();
            e.documents += share.documents;
            e.synthetic += share.synthetic;
        }
        for d in eval {
            let key = value(&d.lineage, field).unwrap_or_else(|| role("eval"));
            t.entry(key).or_default().add(&d.lineage);
        }
        t.into_iter()
            .map(|(group, s)| GroupShare {
                group,
                documents: s.documents as usize,
                synthetic: s.synthetic as usize,
                synthetic_share: s.synthetic as f64 / s.documents.max(1) as f64,
            })
            .collect()
    };
    LineageSummary {
        by_split: shares(Field::Split),
        by_class: shares(Field::Class),
        by_generator: shares(Field::Generator),
        by_generation: shares(Field::Generation),
    }
}

impl LineageSummary {
    pub fn to_text(&self) -> String {
        let mut s = String::from("lineage: synthetic share\n");
        for (title, rows) in [
            ("split", &self.by_split),
            ("class", &self.by_class),
            ("generator", &self.by_generator),
            ("generation", &self.by_generation),
        ] {
            if rows.len() == 1 && rows[0].group == "(none)" {
                continue;
            }
            let line: Vec<String> = rows
                .iter()
                .map(|r| {
                    format!(
                        "{} {:.0}% of {}",
                        r.group.trim(),
                        100.0 * r.synthetic_share,
                        r.documents
                    )
                })
                .collect();
            let _ = writeln!(s, "  by {title:<10} {}", line.join(" | "));
        }
        s
    }
}
