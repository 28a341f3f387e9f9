//! What the gates need of the training set, gathered while it streams past: counts per source,
//! class, generator, prompt and temperature, the lineage's derived-from edges, which audited ids
//! occur, and the training documents that duplicate an eval document (exactly, or nearly: the
//! eval set's MinHash index is built first, from the small version-locked eval set). Tallies of
//! shards of a training set merge into the tally of the whole, whatever the order.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::leakage::{normalised_hash, EvalIndex};
use crate::consistency::{at_most, same, share, Consistent, Covered};
use crate::corpus::{Doc, Lineage, Source};

/// How many example ids a count keeps (the smallest, so any split gives the same ones).
const EXAMPLES: usize = 3;

/// A count with its first few example ids.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counted {
    pub documents: u64,
    pub examples: Vec<String>,
}

impl Counted {
    fn add(&mut self, id: &str) {
        self.documents += 1;
        if self.examples.len() < EXAMPLES || self.examples.last().is_some_and(|l| id < l.as_str()) {
            if let Err(at) = self.examples.binary_search_by(|e| e.as_str().cmp(id)) {
                self.examples.insert(at, id.to_string());
                self.examples.truncate(EXAMPLES);
            }
        }
    }

    fn merge(&mut self, other: Counted) {
        self.documents += other.documents;
        self.examples.extend(other.examples);
        self.examples.sort();
        self.examples.dedup();
        self.examples.truncate(EXAMPLES);
    }
}

/// Documents and synthetic documents of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub documents: u64,
    pub synthetic: u64,
}

impl Share {
    pub fn add(&mut self, lineage: &Lineage) {
        self.documents += 1;
        self.synthetic += u64::from(lineage.source == Source::Synthetic);
    }

    fn merge(&mut self, other: Share) {
        self.documents += other.documents;
        self.synthetic += other.synthetic;
    }
}

/// A training document that duplicates an eval document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Duplicate {
    pub train: String,
    /// The eval document's position in the eval set.
    pub eval: usize,
    /// MinHash Jaccard estimate (near-duplicates); 1 for an exact duplicate.
    pub jaccard: f64,
}

/// The lineage groups the summary and the gates count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Field {
    Split,
    Class,
    Generator,
    Prompt,
    Temperature,
    Generation,
}

/// A lineage field's value as the summary and the gates name it (None: not set).
pub fn value(lineage: &Lineage, field: Field) -> Option<String> {
    match field {
        Field::Split => lineage.split.map(|s| s.as_str().to_string()),
        Field::Class => lineage.label.clone(),
        Field::Generator => lineage.generator.clone(),
        Field::Prompt => lineage.prompt_id.clone(),
        Field::Temperature => lineage.temperature.map(|t| format!("{t}")),
        Field::Generation => lineage.generation.map(|g| format!("{g:>4}")),
    }
}

const FIELDS: [Field; 6] = [
    Field::Split,
    Field::Class,
    Field::Generator,
    Field::Prompt,
    Field::Temperature,
    Field::Generation,
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainTally {
    pub all: Share,
    /// Per field, per value (None: unset), all documents.
    #[serde(with = "as_pairs")]
    pub by: BTreeMap<Field, BTreeMap<Option<String>, Share>>,
    /// Synthetic documents per generator, with examples.
    pub synthetic_by_generator: BTreeMap<String, Counted>,
    /// generator → parent_model edges named by the documents.
    pub derived_from: BTreeSet<(String, String)>,
    /// Audited ids that occur in the training set.
    pub audited_present: BTreeSet<String>,
    /// Training documents whose text equals an eval document's up to case and whitespace.
    pub exact: Vec<Duplicate>,
    /// Synthetic training documents near a real eval document.
    pub near: Vec<Duplicate>,
}

/// What the training documents are checked against: the eval set's text hashes and MinHash
/// index of its real documents, and the audited ids.
pub struct TrainProbe {
    near: EvalIndex,
    eval_by_text: FxHashMap<u128, usize>,
    audited: BTreeSet<String>,
}

impl TrainProbe {
    /// `threshold`: the leakage gate's Jaccard; `seed`: the run's (MinHash permutations).
    pub fn new(eval: &[Doc], audited: BTreeSet<String>, threshold: f64, seed: u64) -> TrainProbe {
        let real: Vec<Option<&str>> = eval
            .iter()
            .map(|d| (d.lineage.source == Source::Real).then_some(d.text.as_str()))
            .collect();
        TrainProbe {
            near: EvalIndex::new(&real, threshold, seed),
            eval_by_text: eval
                .iter()
                .enumerate()
                .map(|(i, d)| (normalised_hash(&d.text), i))
                .collect(),
            audited,
        }
    }
}

impl Consistent for TrainTally {
    /// Its counts within what its pass read: synthetic within documents in every group, each
    /// field's groups adding up to all documents, duplicates' Jaccard a share.
    fn check(&self, _like: &Self, covered: Covered) -> Result<(), String> {
        let all = self.all;
        at_most(
            "all.documents",
            all.documents,
            covered.documents,
            "the documents its pass read",
        )?;
        at_most(
            "all.synthetic",
            all.synthetic,
            all.documents,
            "all.documents",
        )?;
        for (field, values) in &self.by {
            let mut documents = 0u64;
            for (value, s) in values {
                let name = format!("by.{field:?}[{value:?}]");
                at_most(
                    &format!("{name}.synthetic"),
                    s.synthetic,
                    s.documents,
                    "its documents",
                )?;
                documents = documents.saturating_add(s.documents);
            }
            same(
                &format!("by.{field:?} documents"),
                &documents,
                &all.documents,
            )?;
        }
        for (g, c) in &self.synthetic_by_generator {
            let name = format!("synthetic_by_generator[{g:?}]");
            at_most(&name, c.documents, all.synthetic, "all.synthetic")?;
        }
        at_most(
            "exact",
            self.exact.len() as u64,
            all.documents,
            "all.documents",
        )?;
        [&self.exact, &self.near]
            .into_iter()
            .flatten()
            .try_for_each(|d| share("duplicate jaccard", d.jaccard))
    }
}

impl TrainTally {
    /// The tally of a whole training set in memory.
    pub fn of(docs: &[Doc], probe: &TrainProbe) -> TrainTally {
        let mut tally = TrainTally::default();
        tally.observe(docs, probe);
        tally
    }

    pub fn observe(&mut self, docs: &[Doc], probe: &TrainProbe) {
        // The costly part (hashing and MinHash) in parallel; the counting in order.
        // Per document: the eval document it equals, and the real eval documents it is near.
        type Found = (Option<usize>, Vec<(usize, f64)>);
        let found: Vec<Found> = docs
            .par_iter()
            .map(|d| {
                let exact = probe.eval_by_text.get(&normalised_hash(&d.text)).copied();
                let near = match d.lineage.source {
                    Source::Synthetic => probe.near.near(&d.text),
                    _ => Vec::new(),
                };
                (exact, near)
            })
            .collect();
        for (d, (exact, near)) in docs.iter().zip(found) {
            let l = &d.lineage;
            self.all.add(l);
            for field in FIELDS {
                self.by
                    .entry(field)
                    .or_default()
                    .entry(value(l, field))
                    .or_default()
                    .add(l);
            }
            if l.source == Source::Synthetic {
                if let Some(g) = &l.generator {
                    self.synthetic_by_generator
                        .entry(g.clone())
                        .or_default()
                        .add(&d.id);
                }
            }
            if let (Some(g), Some(p)) = (&l.generator, &l.parent_model) {
                self.derived_from.insert((g.clone(), p.clone()));
            }
            if probe.audited.contains(&d.id) {
                self.audited_present.insert(d.id.clone());
            }
            if let Some(e) = exact {
                self.exact.push(Duplicate {
                    train: d.id.clone(),
                    eval: e,
                    jaccard: 1.0,
                });
            }
            self.near
                .extend(near.into_iter().map(|(e, jaccard)| Duplicate {
                    train: d.id.clone(),
                    eval: e,
                    jaccard,
                }));
        }
        self.sort();
    }

    pub fn merge(&mut self, other: TrainTally) {
        self.all.merge(other.all);
        for (field, values) in other.by {
            let mine = self.by.entry(field).or_default();
            for (v, share) in values {
                mine.entry(v).or_default().merge(share);
            }
        }
        for (g, counted) in other.synthetic_by_generator {
            self.synthetic_by_generator
                .entry(g)
                .or_default()
                .merge(counted);
        }
        self.derived_from.extend(other.derived_from);
        self.audited_present.extend(other.audited_present);
        self.exact.extend(other.exact);
        self.near.extend(other.near);
        self.sort();
    }

    /// Duplicates in one order whatever the order of the documents: nearest first.
    fn sort(&mut self) {
        for list in [&mut self.exact, &mut self.near] {
            list.sort_by(|a, b| {
                b.jaccard
                    .total_cmp(&a.jaccard)
                    .then_with(|| (&a.train, a.eval).cmp(&(&b.train, b.eval)))
            });
        }
    }

    /// Per value of a field (None: unset), the documents and synthetic documents.
    pub fn shares(&self, field: Field) -> impl Iterator<Item = (&Option<String>, &Share)> {
        self.by.get(&field).into_iter().flatten()
    }

    /// Per value of a field, the synthetic documents (and how many synthetic documents have
    /// none).
    pub fn synthetic_by(&self, field: Field) -> (BTreeMap<String, usize>, usize) {
        let mut counts = BTreeMap::new();
        let mut missing = 0;
        for (v, share) in self.shares(field).filter(|(_, s)| s.synthetic > 0) {
            match v {
                Some(v) => {
                    counts.insert(v.clone(), share.synthetic as usize);
                }
                None => missing += share.synthetic as usize,
            }
        }
        (counts, missing)
    }
}

/// The per-field counts as lists of (value, share) pairs: JSON object keys must be strings, and
/// an unset value is not the empty string.
mod as_pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{Field, Share};

    type ByField = BTreeMap<Field, BTreeMap<Option<String>, Share>>;
    type Pairs = BTreeMap<Field, Vec<(Option<String>, Share)>>;

    pub fn serialize<S: Serializer>(by: &ByField, s: S) -> Result<S::Ok, S::Error> {
        let pairs: Pairs = by
            .iter()
            .map(|(f, values)| (*f, values.iter().map(|(v, n)| (v.clone(), *n)).collect()))
            .collect();
        pairs.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ByField, D::Error> {
        Ok(Pairs::deserialize(d)?
            .into_iter()
            .map(|(f, values)| (f, values.into_iter().collect()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str, text: &str, source: Source, generator: Option<&str>) -> Doc {
        Doc {
            id: id.into(),
            text: text.into(),
            lineage: Lineage {
                generator: generator.map(String::from),
                parent_model: generator.map(|_| "base".to_string()),
                label: Some(format!("class{}", id.len() % 2)),
                ..Lineage::new(source)
            },
        }
    }

    /// Any split into shards, tallied apart and merged in any order, gives the tally of one
    /// pass: the same counts, examples and duplicates.
    #[test]
    fn shards_merge_into_the_tally_of_the_whole() {
        let eval_text: String = (0..80).map(|i| format!("e{} ", i % 37)).collect();
        let mut words: Vec<String> = eval_text.split_whitespace().map(String::from).collect();
        words[40] = "edited".into();
        let eval = vec![doc("eval0", &eval_text, Source::Real, None)];
        let probe = TrainProbe::new(&eval, ["t7".to_string(), "t9".to_string()].into(), 0.8, 1);
        let docs: Vec<Doc> = (0..40)
            .map(|i| {
                let text = match i {
                    5 => words.join(" "),
                    11 => eval_text.to_uppercase(),
                    _ => format!("document {i} says something of its own number {i}"),
                };
                let source = if i % 3 == 0 {
                    Source::Real
                } else {
                    Source::Synthetic
                };
                let generator = ["gpt", "llama"][i % 2];
                doc(&format!("t{i}"), &text, source, Some(generator))
            })
            .collect();
        let whole = serde_json::to_value(TrainTally::of(&docs, &probe)).unwrap();
        let saved: TrainTally = serde_json::from_value(whole.clone()).unwrap();
        assert_eq!(serde_json::to_value(saved).unwrap(), whole);
        for shards in [2, 3, 8] {
            let mut parts: Vec<TrainTally> = (0..shards)
                .map(|s| TrainTally::of(&docs[s * 40 / shards..(s + 1) * 40 / shards], &probe))
                .collect();
            parts.reverse();
            let mut merged = TrainTally::default();
            parts.into_iter().for_each(|p| merged.merge(p));
            assert_eq!(
                serde_json::to_value(merged).unwrap(),
                whole,
                "{shards} shards"
            );
        }
        let tally = TrainTally::of(&docs, &probe);
        assert_eq!(tally.all.documents, 40);
        assert_eq!(tally.exact.len(), 1);
        assert_eq!(tally.exact[0].train, "t11");
        // Near: the paraphrase, and the upper-cased copy (shingles are case-folded), nearest first.
        let near: Vec<&str> = tally.near.iter().map(|d| d.train.as_str()).collect();
        assert_eq!(near, ["t11", "t5"]);
        assert_eq!(tally.audited_present.len(), 2);
        assert_eq!(
            tally.synthetic_by_generator["gpt"].examples,
            ["t10", "t14", "t16"]
        );
    }
}
