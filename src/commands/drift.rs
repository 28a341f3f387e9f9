//! `driftprint drift`: reference (real) vs candidate (synthetic) through the divergence suite,
//! overall and per group, with one release verdict.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::consistency::{at_most, same, within, Consistent, Covered};
use crate::corpus::grouping::Grouping;
use crate::corpus::sample::BottomK;
use crate::corpus::{CorpusStream, Doc, Lineage};
use crate::divergence::drift_audit::DriftAudit;
use crate::divergence::pca_view::{pca_2d, Projection};
use crate::divergence::suite::{gate, Outcome, Suite, Verdict, View};
use crate::divergence::{format_p, Sample, ThresholdKind};
use crate::error::{Error, Result};
use crate::features::standardize::Standardizer;
use crate::features::vectors::{looks_like_vectors, read_vectors};
use crate::features::FeatureSet;
use crate::matrix::FeatureMatrix;

/// Where the two sides come from.
#[derive(Debug, Clone)]
pub enum Sides {
    /// Separate inputs for reference and candidate (corpora or vector files).
    Separate {
        reference: Vec<PathBuf>,
        candidate: Vec<PathBuf>,
    },
    /// One corpus split by a lineage field: documents with `reference_value` vs `candidate_value`.
    SplitBy {
        inputs: Vec<PathBuf>,
        field: String,
        reference_value: String,
        candidate_value: String,
    },
}

/// Everything the command needs besides the config.
#[derive(Debug, Clone)]
pub struct DriftRequest {
    pub sides: Sides,
    /// Also run the suite per value of this lineage field.
    pub by: Option<String>,
}

/// One side as used: how many documents there were and how many were sampled.
#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    pub inputs: Vec<String>,
    pub documents: u64,
    pub sampled: usize,
}

/// One comparison: overall (group None) or one group of `--by`.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub n_reference: usize,
    pub n_candidate: usize,
    pub outcomes: Vec<Outcome>,
}

/// The whole result of `drift`, also its JSON output (schema version 1).
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    pub schema_version: u32,
    pub verdict: Verdict,
    pub seed: u64,
    pub alpha: f64,
    pub features: Vec<String>,
    pub columns: usize,
    pub reference: SideInfo,
    pub candidate: SideInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub comparisons: Vec<Comparison>,
    /// Both sides of the overall comparison on their first two principal axes (for the plot).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub projection: Option<Projection>,
    /// What the featurizers reported (e.g. documents cut at the embedding token limit).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The shortcut audit of the features that drift most (overall comparison).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit: Option<DriftAudit>,
}

/// The two sides as matrices, in both views, with texts when they came from corpora.
pub struct Prepared {
    pub reference: Views,
    pub candidate: Views,
    pub columns: usize,
    pub feature_names: Vec<String>,
}

pub struct Views {
    pub multivariate: FeatureMatrix,
    pub univariate: FeatureMatrix,
    pub texts: Option<Vec<String>>,
}

impl Views {
    pub(crate) fn sample(&self, view: View) -> Sample<'_> {
        let m = match view {
            View::Multivariate => &self.multivariate,
            View::Univariate => &self.univariate,
        };
        let s = Sample::new(m.values.view(), &m.ids, &m.names);
        match &self.texts {
            Some(t) => s.with_texts(t),
            None => s,
        }
    }
}

/// Sampled documents per side, overall and per group.
struct Sampled {
    reference: Vec<Doc>,
    candidate: Vec<Doc>,
    reference_seen: u64,
    candidate_seen: u64,
    groups: BTreeMap<String, (Vec<Doc>, Vec<Doc>)>,
}

fn check_field(field: &str, flag: &str) -> Result<()> {
    if Lineage::is_field(field) {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{flag} {field}: not a lineage field (use one of source, generator, prompt_id, temperature, generation, parent_model, split, label, domain)"
        )))
    }
}

/// Documents per side: `[drift] max_per_side`, cut to `[features.lm] max_documents` when the
/// language model is among the features (it is ~1,000× slower than the rest).
fn lm_cap(config: &Config) -> usize {
    let cap = config.drift.max_per_side;
    match config
        .features
        .kinds
        .contains(&crate::features::FeatureKind::Lm)
    {
        true => cap.min(config.features.lm.max_documents),
        false => cap,
    }
}

/// The documents drift tests: a seeded bottom-k sample per side (and per group of `by`), kept
/// while the corpora stream past. Mergeable: the samples of shards of a corpus merge into the
/// sample of the whole.
#[derive(Serialize, Deserialize)]
pub struct DriftSample {
    by: Option<String>,
    cap: usize,
    seed: u64,
    reference: BottomK,
    candidate: BottomK,
    groups: BTreeMap<String, (BottomK, BottomK)>,
}

impl DriftSample {
    pub fn new(config: &Config, by: Option<String>) -> DriftSample {
        let cap = lm_cap(config);
        DriftSample {
            by,
            cap,
            seed: config.seed,
            reference: BottomK::new(cap, config.seed, 1),
            candidate: BottomK::new(cap, config.seed, 2),
            groups: BTreeMap::new(),
        }
    }

    /// The empty samples (reference, candidate) of the group `key`: their streams are named by
    /// the group, not by when it first appeared, so the sample is the same however the corpus
    /// is split or ordered.
    fn empty_group(&self, key: &str) -> (BottomK, BottomK) {
        let stream = 1000 + 2 * (xxhash_rust::xxh3::xxh3_64(key.as_bytes()) >> 2);
        (
            BottomK::new(self.cap, self.seed, stream),
            BottomK::new(self.cap, self.seed, stream + 1),
        )
    }

    /// Offers a document to its side's sample (and its group's); copied only when kept.
    pub fn offer(&mut self, doc: &Doc, is_reference: bool) {
        if let Some(field) = &self.by {
            let key = doc
                .lineage
                .field(field)
                .unwrap_or_else(|| "(none)".to_string());
            if !self.groups.contains_key(&key) {
                let empty = self.empty_group(&key);
                self.groups.insert(key.clone(), empty);
            }
            let (r, c) = self.groups.get_mut(&key).expect("inserted above");
            match is_reference {
                true => r.offer(doc),
                false => c.offer(doc),
            }
        }
        match is_reference {
            true => self.reference.offer(doc),
            false => self.candidate.offer(doc),
        }
    }

    /// Offers a document of a corpus split by a lineage field to its side (`sides` is
    /// [`Sides::SplitBy`]; documents of neither value are not offered).
    pub fn offer_split(&mut self, doc: &Doc, sides: &Sides) {
        if let Sides::SplitBy {
            field,
            reference_value,
            candidate_value,
            ..
        } = sides
        {
            match doc.lineage.field(field) {
                Some(v) if &v == reference_value => self.offer(doc, true),
                Some(v) if &v == candidate_value => self.offer(doc, false),
                _ => {}
            }
        }
    }

    /// Adds another shard's sample (drawn with the same settings).
    pub fn merge(&mut self, other: DriftSample) {
        self.reference.merge(other.reference);
        self.candidate.merge(other.candidate);
        for (key, (r, c)) in other.groups {
            match self.groups.entry(key) {
                std::collections::btree_map::Entry::Occupied(mut mine) => {
                    mine.get_mut().0.merge(r);
                    mine.get_mut().1.merge(c);
                }
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert((r, c));
                }
            }
        }
    }

    /// The sampled documents; an error when a side has none.
    fn into_sampled(self, sides: &Sides) -> Result<Sampled> {
        let (reference_seen, candidate_seen) = (self.reference.seen(), self.candidate.seen());
        for (side, seen) in [("reference", reference_seen), ("candidate", candidate_seen)] {
            if seen == 0 {
                let hint = match sides {
                    Sides::SplitBy {
                        field,
                        reference_value,
                        candidate_value,
                        ..
                    } => format!(
                        " (no document has {field} = '{}'; set --reference-value/--candidate-value)",
                        if side == "reference" {
                            reference_value
                        } else {
                            candidate_value
                        }
                    ),
                    Sides::Separate { .. } => String::new(),
                };
                return Err(Error::Usage(format!(
                    "the {side} side has no documents{hint}"
                )));
            }
        }
        Ok(Sampled {
            reference: self.reference.into_docs(),
            candidate: self.candidate.into_docs(),
            reference_seen,
            candidate_seen,
            groups: self
                .groups
                .into_iter()
                .map(|(k, (r, c))| (k, (r.into_docs(), c.into_docs())))
                .collect(),
        })
    }
}

/// Streams the corpora once into a [`DriftSample`].
fn sample_corpora(request: &DriftRequest, config: &Config) -> Result<DriftSample> {
    let mut sample = DriftSample::new(config, request.by.clone());
    let stream_all = |paths: &[PathBuf], f: &mut dyn FnMut(&Doc)| -> Result<()> {
        let mut stream = CorpusStream::open(paths, &config.ingest)?;
        while let Some(batch) = stream.next_batch()? {
            batch.iter().for_each(&mut *f);
        }
        stream.finish()?;
        Ok(())
    };
    match &request.sides {
        Sides::Separate {
            reference: r,
            candidate: c,
        } => {
            stream_all(r, &mut |d| sample.offer(d, true))?;
            stream_all(c, &mut |d| sample.offer(d, false))?;
        }
        Sides::SplitBy { inputs, field, .. } => {
            check_field(field, "--split-by")?;
            stream_all(inputs, &mut |d| sample.offer_split(d, &request.sides))?;
        }
    }
    Ok(sample)
}

/// The named features (stylometry, format, language model), tested one by one.
fn univariate_view(m: &FeatureMatrix) -> FeatureMatrix {
    let keep: Vec<usize> = (0..m.names.len())
        .filter(|&j| {
            ["stylo_", "format_", "lm_"]
                .iter()
                .any(|p| m.names[j].starts_with(p))
        })
        .collect();
    if keep.is_empty() {
        return m.clone();
    }
    FeatureMatrix {
        ids: m.ids.clone(),
        names: keep.iter().map(|&j| m.names[j].clone()).collect(),
        values: m.values.select(ndarray::Axis(1), &keep),
    }
}

fn views(
    features: FeatureMatrix,
    standardizer: &Standardizer,
    texts: Option<Vec<String>>,
) -> Views {
    Views {
        multivariate: standardizer.apply(&features),
        univariate: univariate_view(&features),
        texts,
    }
}

/// Features fitted on the reference sample (IDF, standardisation), applied to both sides.
pub(crate) struct Featurized {
    set: FeatureSet,
    standardizer: Standardizer,
}

impl Featurized {
    pub(crate) fn fit(config: &Config, reference: &[Doc]) -> Result<Featurized> {
        let mut set = FeatureSet::new(&config.features)?;
        let fitted = set.fit_transform(reference)?;
        Ok(Featurized {
            standardizer: Standardizer::fit(&fitted),
            set,
        })
    }

    /// The featurizers' lines for the user (e.g. documents cut at the token limit).
    pub(crate) fn reports(&self) -> Vec<String> {
        self.set.reports()
    }

    pub(crate) fn prepare(&self, reference: &[Doc], candidate: &[Doc]) -> Result<Prepared> {
        let texts = |docs: &[Doc]| Some(docs.iter().map(|d| d.text.clone()).collect());
        let r = self.set.transform(reference)?;
        let c = self.set.transform(candidate)?;
        Ok(Prepared {
            columns: r.names.len(),
            feature_names: r.names.clone(),
            reference: views(r, &self.standardizer, texts(reference)),
            candidate: views(c, &self.standardizer, texts(candidate)),
        })
    }
}

fn run_comparison(
    suite: &Suite,
    prepared: &Prepared,
    group: Option<String>,
    seed: u64,
    progress: &dyn Fn(&str),
) -> Comparison {
    let outcomes = suite.run(
        &|view| {
            (
                prepared.reference.sample(view),
                prepared.candidate.sample(view),
            )
        },
        seed,
        progress,
    );
    Comparison {
        group,
        n_reference: prepared.reference.multivariate.ids.len(),
        n_candidate: prepared.candidate.multivariate.ids.len(),
        outcomes,
    }
}

/// Each side's mean Fast-DetectGPT discrepancy, when the language model is among the features.
fn discrepancy_line(prepared: &Prepared) -> Option<String> {
    let mean = |v: &Views| -> Option<f64> {
        let m = &v.univariate;
        let j = m.names.iter().position(|n| n == "lm_discrepancy")?;
        let column = m.values.column(j);
        Some(column.iter().map(|&x| x as f64).sum::<f64>() / column.len().max(1) as f64)
    };
    let (r, c) = (mean(&prepared.reference)?, mean(&prepared.candidate)?);
    Some(format!(
        "language model: mean discrepancy {r:.2} (reference) vs {c:.2} (candidate); higher is text more like the model's own (the univariate test's lm_discrepancy row tests the difference)"
    ))
}

/// The overall comparison's rows on two principal axes; a warning and no picture when it
/// cannot be drawn (the tests' results do not depend on it).
fn project(prepared: &Prepared, seed: u64) -> Option<Projection> {
    let (r, c) = (
        prepared.reference.sample(View::Multivariate),
        prepared.candidate.sample(View::Multivariate),
    );
    pca_2d(&r, &c, seed)
        .map_err(|e| tracing::warn!("no projection plot: {e}"))
        .ok()
}

/// Vectors given directly: used as they are in both views (no texts, no groups).
fn prepare_vectors(
    reference: &[PathBuf],
    candidate: &[PathBuf],
    config: &Config,
) -> Result<(Prepared, SideInfo, SideInfo)> {
    let read_one = |paths: &[PathBuf], side: &str| -> Result<FeatureMatrix> {
        match paths {
            [path] => read_vectors(path),
            _ => Err(Error::Usage(format!(
                "--{side}: give exactly one vectors file"
            ))),
        }
    };
    let (r, c) = (
        read_one(reference, "reference")?,
        read_one(candidate, "candidate")?,
    );
    if r.values.ncols() != c.values.ncols() {
        return Err(Error::Usage(format!(
            "reference vectors have {} columns but candidate vectors {}",
            r.values.ncols(),
            c.values.ncols()
        )));
    }
    let subsample = |m: FeatureMatrix, stream: u64| -> FeatureMatrix {
        if m.ids.len() <= config.drift.max_per_side {
            return m;
        }
        let mut rng = crate::stats::rng::seeded(config.seed, stream);
        let mut rows =
            rand::seq::index::sample(&mut rng, m.ids.len(), config.drift.max_per_side).into_vec();
        rows.sort_unstable();
        FeatureMatrix {
            ids: rows.iter().map(|&i| m.ids[i].clone()).collect(),
            names: m.names.clone(),
            values: m.values.select(ndarray::Axis(0), &rows),
        }
    };
    let info = |paths: &[PathBuf], total: usize, used: usize| SideInfo {
        inputs: paths.iter().map(|p| p.display().to_string()).collect(),
        documents: total as u64,
        sampled: used,
    };
    let (nr, nc) = (r.ids.len(), c.ids.len());
    let (r, c) = (subsample(r, 1), subsample(c, 2));
    let (ri, ci) = (
        info(reference, nr, r.ids.len()),
        info(candidate, nc, c.ids.len()),
    );
    let views = |m: FeatureMatrix| Views {
        univariate: m.clone(),
        multivariate: m,
        texts: None,
    };
    let prepared = Prepared {
        columns: r.names.len(),
        feature_names: r.names.clone(),
        reference: views(r),
        candidate: views(c),
    };
    Ok((prepared, ri, ci))
}

/// Runs the whole drift command (without printing).
pub fn run(
    request: &DriftRequest,
    config: &Config,
    progress: &dyn Fn(&str),
) -> Result<DriftReport> {
    run_sampled(request, config, None, progress)
}

/// Runs the suite on a sample gathered already (the report's pass), or on one drawn now.
pub fn run_sampled(
    request: &DriftRequest,
    config: &Config,
    sample: Option<DriftSample>,
    progress: &dyn Fn(&str),
) -> Result<DriftReport> {
    let suite = Suite::new(&config.drift);
    let ingest_text_field = config
        .ingest
        .fields
        .input_name("text")
        .unwrap_or("text")
        .to_string();
    let mut comparisons = Vec::new();
    let (reference_info, candidate_info, columns, features, projection);
    let mut notes = Vec::new();
    let mut audit = None;
    match &request.sides {
        Sides::Separate {
            reference,
            candidate,
        } if reference
            .iter()
            .chain(candidate)
            .all(|p| looks_like_vectors(p, &ingest_text_field)) =>
        {
            if request.by.is_some() {
                return Err(Error::Usage(
                    "--by needs corpora with lineage, not vector files".into(),
                ));
            }
            let (prepared, ri, ci) = prepare_vectors(reference, candidate, config)?;
            progress("vectors loaded");
            projection = project(&prepared, config.seed);
            comparisons.push(run_comparison(
                &suite,
                &prepared,
                None,
                config.seed,
                progress,
            ));
            (reference_info, candidate_info, columns, features) =
                (ri, ci, prepared.columns, vec!["vectors".to_string()]);
        }
        sides => {
            if let Some(by) = &request.by {
                check_field(by, "--by")?;
            }
            let sample = match sample {
                Some(sample) => sample,
                None => sample_corpora(request, config)?,
            };
            let sampled = sample.into_sampled(sides)?;
            progress("featurizing");
            let fitted = Featurized::fit(config, &sampled.reference)?;
            let prepared = fitted.prepare(&sampled.reference, &sampled.candidate)?;
            projection = project(&prepared, config.seed);
            let overall = run_comparison(&suite, &prepared, None, config.seed, progress);
            let labels: Vec<String> = sampled
                .reference
                .iter()
                .chain(&sampled.candidate)
                .map(|d| match &request.by {
                    Some(by) => d.lineage.field(by).unwrap_or_else(|| "(none)".into()),
                    None => "all".into(),
                })
                .collect();
            let by_name = request.by.as_deref().unwrap_or("all");
            audit = DriftAudit::of(
                &overall.outcomes,
                &prepared.reference.univariate,
                &prepared.candidate.univariate,
                &Grouping::from_labels(by_name, &labels),
            );
            comparisons.push(overall);
            for (group, (r, c)) in &sampled.groups {
                // A group needs both sides, and enough documents for cross-validation and k-NN.
                if r.len() < 10 || c.len() < 10 {
                    tracing::warn!("group {group}: {} reference and {} candidate documents, too few to test (need 10 each)", r.len(), c.len());
                    continue;
                }
                progress(&format!("group {group}"));
                let prepared = fitted.prepare(r, c)?;
                comparisons.push(run_comparison(
                    &suite,
                    &prepared,
                    Some(group.clone()),
                    config.seed,
                    progress,
                ));
            }
            let inputs = |paths: &[PathBuf]| {
                paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
            };
            let (ri, ci) = match sides {
                Sides::Separate {
                    reference,
                    candidate,
                } => (inputs(reference), inputs(candidate)),
                Sides::SplitBy { inputs: i, .. } => (inputs(i), inputs(i)),
            };
            reference_info = SideInfo {
                inputs: ri,
                documents: sampled.reference_seen,
                sampled: sampled.reference.len(),
            };
            candidate_info = SideInfo {
                inputs: ci,
                documents: sampled.candidate_seen,
                sampled: sampled.candidate.len(),
            };
            columns = prepared.columns;
            notes = fitted.reports();
            if let Some(line) = discrepancy_line(&prepared) {
                notes.push(line);
            }
            let cap = lm_cap(config);
            if cap < config.drift.max_per_side {
                notes.push(format!(
                    "sampled at most {cap} documents per side for the language model ([features.lm] max_documents)"
                ));
            }
            features = config
                .features
                .kinds
                .iter()
                .map(|k| format!("{k:?}").to_lowercase())
                .collect();
        }
    }
    let by = request.by.clone().unwrap_or_default();
    let mut refs: Vec<(Option<String>, &mut Vec<Outcome>)> = comparisons
        .iter_mut()
        .map(|c| {
            (
                c.group.as_ref().map(|g| format!("{by}={g}")),
                &mut c.outcomes,
            )
        })
        .collect();
    let verdict = gate(&mut refs, config.drift.alpha());
    Ok(DriftReport {
        schema_version: 1,
        verdict,
        seed: config.seed,
        alpha: config.drift.alpha(),
        features,
        columns,
        reference: reference_info,
        candidate: candidate_info,
        by: request.by.clone(),
        comparisons,
        projection,
        notes,
        audit,
    })
}

impl DriftReport {
    /// The terminal table: verdict first, then one row per test, then what to look at.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}", self.verdict.line);
        let side = |i: &SideInfo| {
            if i.sampled as u64 == i.documents {
                format!("{} documents", i.documents)
            } else {
                format!("{} documents ({} sampled, seeded)", i.documents, i.sampled)
            }
        };
        let _ = writeln!(
            s,
            "reference: {}; candidate: {}; features: {} ({} columns); seed {}",
            side(&self.reference),
            side(&self.candidate),
            self.features.join(","),
            self.columns,
            self.seed
        );
        for note in &self.notes {
            let _ = writeln!(s, "{note}");
        }
        for c in &self.comparisons {
            let _ = writeln!(s);
            if let Some(g) = &c.group {
                let _ = writeln!(
                    s,
                    "group {} = {} ({} reference, {} candidate)",
                    self.by.as_deref().unwrap_or(""),
                    g,
                    c.n_reference,
                    c.n_candidate
                );
            }
            let _ = writeln!(
                s,
                "{:<20} {:<26} {:>10} {:>10} {:>12}  verdict",
                "test", "statistic", "p-value", "gate p", "threshold"
            );
            for o in &c.outcomes {
                let Some(r) = &o.result else {
                    let _ = writeln!(
                        s,
                        "{:<20} could not run: {}",
                        o.test,
                        o.error.as_deref().unwrap_or("?")
                    );
                    continue;
                };
                let threshold = match r.threshold_kind {
                    ThresholdKind::PValueBelow => format!("p < {}", r.threshold),
                    ThresholdKind::StatisticAbove if r.threshold.is_nan() => "uncalibrated".into(),
                    ThresholdKind::StatisticBelow if r.threshold.is_nan() => "uncalibrated".into(),
                    ThresholdKind::StatisticAbove => format!("> {:.4}", r.threshold),
                    ThresholdKind::StatisticBelow => format!("< {:.4}", r.threshold),
                };
                let verdict = match (r.drifted, o.gated, o.blocks) {
                    (_, true, true) => "DRIFT (blocks)",
                    (true, true, false) => "drift (not after Holm)",
                    (true, false, _) => "drift (report only)",
                    (false, true, _) => "ok (gated)",
                    (false, false, _) => "ok",
                };
                let _ = writeln!(
                    s,
                    "{:<20} {:<26} {:>10} {:>10} {:>12}  {}",
                    o.test,
                    format!(
                        "{} {}",
                        r.statistic_name,
                        crate::output::number(r.statistic)
                    ),
                    r.p_value.map(format_p).unwrap_or_else(|| "-".into()),
                    o.gate_p.map(format_p).unwrap_or_else(|| "-".into()),
                    threshold,
                    verdict
                );
            }
            for o in c
                .outcomes
                .iter()
                .filter(|o| o.result.as_ref().is_some_and(|r| r.drifted))
            {
                if let Some(r) = &o.result {
                    let _ = writeln!(s, "  {}: {}", o.test, r.details.summary);
                }
            }
        }
        if let Some(line) = self.audit.as_ref().and_then(DriftAudit::line) {
            let _ = writeln!(s, "\nnote: {line}");
        }
        s
    }
}

impl Consistent for DriftSample {
    fn check(&self, like: &DriftSample, covered: Covered) -> std::result::Result<(), String> {
        same("by", &self.by, &like.by)?;
        same("cap", &self.cap, &like.cap)?;
        same("seed", &self.seed, &like.seed)?;
        within("reference", self.reference.check(&like.reference, covered))?;
        within("candidate", self.candidate.check(&like.candidate, covered))?;
        let sides = self.reference.seen().saturating_add(self.candidate.seen());
        at_most(
            "seen",
            sides,
            covered.documents,
            "the documents its pass read",
        )?;
        for (key, (r, c)) in &self.groups {
            let (lr, lc) = like.empty_group(key);
            within(&format!("groups[{key:?}].reference"), r.check(&lr, covered))?;
            within(&format!("groups[{key:?}].candidate"), c.check(&lc, covered))?;
        }
        Ok(())
    }
}
