//! The lineage summary (always printed, part of the report): how much of the data is synthetic
//! per split, class, generator and generation.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::corpus::{Doc, Source};

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

fn shares<'a>(docs: impl Iterator<Item = (&'a Doc, String)>) -> Vec<GroupShare> {
    let mut t: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (d, key) in docs {
        let e = t.entry(key).or_default();
        e.0 += 1;
        e.1 += usize::from(d.lineage.source == Source::Synthetic);
    }
    t.into_iter()
        .map(|(group, (documents, synthetic))| GroupShare {
            group,
            documents,
            synthetic,
            synthetic_share: synthetic as f64 / documents.max(1) as f64,
        })
        .collect()
}

/// Over the training and eval documents; a document's split is its lineage's, else the file
/// it came in.
pub fn summarise(train: &[Doc], eval: &[Doc]) -> LineageSummary {
    let all = || {
        train
            .iter()
            .map(|d| (d, "train"))
            .chain(eval.iter().map(|d| (d, "eval")))
    };
    let none = || "(none)".to_string();
    LineageSummary {
        by_split: shares(all().map(|(d, role)| {
            (
                d,
                d.lineage
                    .split
                    .map_or(role.to_string(), |s| s.as_str().to_string()),
            )
        })),
        by_class: shares(all().map(|(d, _)| (d, d.lineage.label.clone().unwrap_or_else(none)))),
        by_generator: shares(
            all().map(|(d, _)| (d, d.lineage.generator.clone().unwrap_or_else(none))),
        ),
        by_generation: shares(all().map(|(d, _)| {
            (
                d,
                d.lineage
                    .generation
                    .map_or_else(none, |g| format!("{g:>4}")),
            )
        })),
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
