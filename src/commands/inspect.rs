//! `driftprint inspect`: what is in a corpus, streamed so any size fits in memory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::config::Config;
use crate::corpus::{CorpusStream, Doc, IngestStats, Source};
use crate::error::Result;

/// Real and synthetic document counts for one value of a lineage field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SourceCounts {
    pub real: u64,
    pub synthetic: u64,
}

impl SourceCounts {
    fn add(&mut self, source: Source) {
        match source {
            Source::Real => self.real += 1,
            Source::Synthetic => self.synthetic += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.real + self.synthetic
    }

    pub fn synthetic_share(&self) -> f64 {
        if self.total() == 0 {
            0.0
        } else {
            self.synthetic as f64 / self.total() as f64
        }
    }
}

/// Length percentiles (nearest rank).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub min: u64,
    pub p5: u64,
    pub p25: u64,
    pub median: u64,
    pub p75: u64,
    pub p95: u64,
    pub max: u64,
    pub mean: f64,
}

impl Percentiles {
    pub fn of(values: &mut [u64]) -> Percentiles {
        if values.is_empty() {
            return Percentiles::default();
        }
        values.sort_unstable();
        let at =
            |q: f64| values[((q * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1];
        Percentiles {
            min: values[0],
            p5: at(0.05),
            p25: at(0.25),
            median: at(0.5),
            p75: at(0.75),
            p95: at(0.95),
            max: values[values.len() - 1],
            mean: values.iter().sum::<u64>() as f64 / values.len() as f64,
        }
    }
}

/// Everything `inspect` reports; also its JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    pub inputs: Vec<String>,
    pub documents: u64,
    pub totals: SourceCounts,
    pub synthetic_share: f64,
    pub by_generator: BTreeMap<String, SourceCounts>,
    pub by_generation: BTreeMap<String, SourceCounts>,
    pub by_split: BTreeMap<String, SourceCounts>,
    pub by_domain: BTreeMap<String, SourceCounts>,
    pub by_label: BTreeMap<String, SourceCounts>,
    pub by_attack: BTreeMap<String, SourceCounts>,
    pub length_chars: Percentiles,
    pub length_words: Percentiles,
    /// Documents whose exact text already appeared earlier in the corpus.
    pub duplicate_texts: u64,
    /// Of those, duplicates whose earlier copy has the other source (real text labelled synthetic or vice versa).
    pub duplicate_texts_across_sources: u64,
    pub ingest: IngestStats,
}

const UNSET: &str = "(none)";

#[derive(Default)]
struct Tally {
    totals: SourceCounts,
    by_generator: BTreeMap<String, SourceCounts>,
    by_generation: BTreeMap<String, SourceCounts>,
    by_split: BTreeMap<String, SourceCounts>,
    by_domain: BTreeMap<String, SourceCounts>,
    by_label: BTreeMap<String, SourceCounts>,
    by_attack: BTreeMap<String, SourceCounts>,
    chars: Vec<u64>,
    words: Vec<u64>,
    first_source_of_text: FxHashMap<u128, Source>,
    duplicates: u64,
    cross_source_duplicates: u64,
}

fn bump(map: &mut BTreeMap<String, SourceCounts>, key: Option<&str>, source: Source) {
    map.entry(key.unwrap_or(UNSET).to_string())
        .or_default()
        .add(source);
}

impl Tally {
    fn add(&mut self, doc: &Doc) {
        let l = &doc.lineage;
        self.totals.add(l.source);
        bump(&mut self.by_generator, l.generator.as_deref(), l.source);
        bump(
            &mut self.by_generation,
            l.generation.map(|g| g.to_string()).as_deref(),
            l.source,
        );
        bump(&mut self.by_split, l.split.map(|s| s.as_str()), l.source);
        bump(&mut self.by_domain, l.domain.as_deref(), l.source);
        bump(&mut self.by_label, l.label.as_deref(), l.source);
        bump(&mut self.by_attack, l.attack.as_deref(), l.source);
        self.chars.push(doc.text.chars().count() as u64);
        self.words.push(doc.text.split_whitespace().count() as u64);
        let key = xxhash_rust::xxh3::xxh3_128(doc.text.as_bytes());
        match self.first_source_of_text.get(&key) {
            Some(first) => {
                self.duplicates += 1;
                self.cross_source_duplicates += u64::from(*first != l.source);
            }
            None => {
                self.first_source_of_text.insert(key, l.source);
            }
        }
    }
}

/// Streams the corpus once and summarises it.
pub fn run(
    inputs: &[PathBuf],
    config: &Config,
    on_progress: &dyn Fn(u64, u64),
) -> Result<InspectReport> {
    let mut stream = CorpusStream::open(inputs, &config.ingest)?;
    let mut tally = Tally::default();
    while let Some(batch) = stream.next_batch()? {
        batch.iter().for_each(|d| tally.add(d));
        let (done, total) = stream.progress();
        on_progress(done, total);
    }
    let ingest = stream.finish()?;
    Ok(InspectReport {
        inputs: inputs.iter().map(|p| p.display().to_string()).collect(),
        documents: ingest.documents,
        synthetic_share: tally.totals.synthetic_share(),
        totals: tally.totals,
        by_generator: tally.by_generator,
        by_generation: tally.by_generation,
        by_split: tally.by_split,
        by_domain: tally.by_domain,
        by_label: tally.by_label,
        by_attack: tally.by_attack,
        length_chars: Percentiles::of(&mut tally.chars),
        length_words: Percentiles::of(&mut tally.words),
        duplicate_texts: tally.duplicates,
        duplicate_texts_across_sources: tally.cross_source_duplicates,
        ingest,
    })
}

impl InspectReport {
    /// The human-readable summary printed to the terminal.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} documents: {} real, {} synthetic ({:.1}% synthetic)",
            self.documents,
            self.totals.real,
            self.totals.synthetic,
            100.0 * self.synthetic_share
        );
        let _ = writeln!(s, "inputs: {}", self.inputs.join(", "));
        for (title, map) in [
            ("generator", &self.by_generator),
            ("generation", &self.by_generation),
            ("split", &self.by_split),
            ("domain", &self.by_domain),
            ("label", &self.by_label),
            ("attack", &self.by_attack),
        ] {
            if map.len() == 1 && map.contains_key(UNSET) {
                let _ = writeln!(s, "\nby {title}: not recorded");
                continue;
            }
            let width = map
                .keys()
                .map(|k| k.chars().count())
                .max()
                .unwrap_or(0)
                .max(title.len());
            let _ = writeln!(
                s,
                "\n{title:<width$}  {:>8}  {:>8}  {:>8}  {:>7}",
                "real", "synth", "total", "synth%"
            );
            for (key, c) in map {
                let _ = writeln!(
                    s,
                    "{key:<width$}  {:>8}  {:>8}  {:>8}  {:>6.1}%",
                    c.real,
                    c.synthetic,
                    c.total(),
                    100.0 * c.synthetic_share()
                );
            }
        }
        let _ = writeln!(
            s,
            "\nlength     {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>9}",
            "min", "p5", "p25", "median", "p75", "p95", "max", "mean"
        );
        for (name, p) in [("chars", &self.length_chars), ("words", &self.length_words)] {
            let _ = writeln!(
                s,
                "{name:<10} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>9.1}",
                p.min, p.p5, p.p25, p.median, p.p75, p.p95, p.max, p.mean
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "empty texts skipped: {}{}",
            self.ingest.skipped_empty,
            if self.ingest.skipped_examples.is_empty() {
                String::new()
            } else {
                format!(" (e.g. {})", self.ingest.skipped_examples.join("; "))
            }
        );
        let _ = writeln!(
            s,
            "duplicate texts: {} ({} with the other source)",
            self.duplicate_texts, self.duplicate_texts_across_sources
        );
        if self.ingest.generated_ids > 0 {
            let _ = writeln!(
                s,
                "documents without an id field (named <file>:<line>): {}",
                self.ingest.generated_ids
            );
        }
        if self.ingest.truncated > 0 {
            let _ = writeln!(
                s,
                "documents cut to the limit of {} (--truncate-long-docs): {} (e.g. {})",
                crate::corpus::byte_size::format_bytes(self.ingest.max_doc_bytes),
                self.ingest.truncated,
                self.ingest.truncated_examples.join("; ")
            );
        }
        if self.ingest.utf8_replacements > 0 {
            let _ = writeln!(
                s,
                "invalid UTF-8 sequences replaced: {}",
                self.ingest.utf8_replacements
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<u64> = (1..=100).rev().collect();
        let p = Percentiles::of(&mut v);
        assert_eq!(
            (p.min, p.p5, p.p25, p.median, p.p75, p.p95, p.max),
            (1, 5, 25, 50, 75, 95, 100)
        );
        assert_eq!(p.mean, 50.5);
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
    }
}
