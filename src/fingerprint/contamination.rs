//! Contamination of the real side: the estimated share of LLM text among the documents the
//! lineage calls real — in the training data, in the eval split and per input file — from how
//! many of them a detector flags, corrected for the detector's error rates
//! ([`super::fraction`]). The error rates are measured where the run can: the true-positive
//! rate on the run's own synthetic documents, the false-positive rate on human text the user
//! trusts; otherwise the rates the detector measured at training, and the result says which.
//!
//! The detector is read at one of several operating points: its own threshold (set for a 1%
//! false-positive rate in its hardest training source, so it flags few documents of a new
//! source's LLM text) or, when the false-positive rate is measured on the user's own human
//! text, a calibrated probability of at least 0.5 … 0.8. The estimate is valid at any of them
//! when TPR and FPR are measured at the same point; each scope uses the one whose interval
//! would be narrowest at the limit, chosen from the error rates and the scope's size alone
//! (never from how many of its documents are flagged, which is what is estimated). On the
//! demo's rewrites the built-in detector's threshold finds 17.5% of the LLM text at 0.7% false
//! positives, a probability of 0.7 finds 59% at 11%: which reads narrower depends on how much
//! trusted text measured the rates.
//!
//! The gate reads the interval, not the point: a scope blocks when its interval's lower bound
//! is above the limit (on enough documents), and an interval too wide to tell is inconclusive
//! (a warning), never a pass. One flagged document of 60 is not 1.7% of LLM text.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::detector::Detector;
use super::evaluation::Scored;
use super::fraction::{synthetic_fraction, FractionEstimate, Rate};
use crate::consistency::{at_most, finite, same, share, within};
use crate::status::Status;

/// The calibrated probabilities the detector is also read at (besides its own threshold).
pub const PROBABILITIES: [f64; 4] = [0.5, 0.6, 0.7, 0.8];
/// Operating points: the detector's threshold, then the probabilities.
pub const POINTS: usize = 1 + PROBABILITIES.len();

/// An operating point's name: "the detector's threshold", "probability ≥ 0.6".
pub fn point_name(k: usize) -> String {
    match k {
        0 => "the detector's threshold".into(),
        k => format!("probability ≥ {}", PROBABILITIES[k - 1]),
    }
}

/// Whether a scored document is flagged at each operating point.
pub fn flags(detector: &Detector, s: &Scored) -> [bool; POINTS] {
    let mut out = [false; POINTS];
    out[0] = detector.flags(s);
    for (o, p) in out[1..].iter_mut().zip(PROBABILITIES) {
        *o = s.probability >= p;
    }
    out
}

/// The detector's own error rates at each operating point, measured on its calibration split
/// at training: its threshold's stored counts, and for the probabilities the reliability bins
/// (whose edges they are). (TPR, FPR) per point.
///
/// At the threshold the false-positive rate is taken as at least the target it was set for:
/// under the per-group rule the threshold holds the target in the hardest training source and
/// the pooled rate is lower (the built-in detector's: 0.3% for a 1% target), but human text from
/// a new source is flagged like the hardest one's more often than like the pooled rate (the
/// demo's human passages: 1.5%).
pub fn stored_rates(detector: &Detector) -> [(Rate, Rate); POINTS] {
    let meta = &detector.meta;
    let t = &meta.threshold;
    let floor = (t.target_fpr * t.fpr.trials as f64).ceil() as u64;
    let fpr = Rate {
        hits: t.fpr.hits.max(floor.min(t.fpr.trials)),
        trials: t.fpr.trials,
    };
    let mut out = [(t.tpr, fpr); POINTS];
    for (o, p) in out[1..].iter_mut().zip(PROBABILITIES) {
        let (mut synthetic, mut real) = (0u64, 0u64);
        for b in meta
            .metrics
            .reliability
            .iter()
            .filter(|b| b.low >= p - 1e-9)
        {
            let hits = (b.observed_synthetic * b.count as f64).round() as u64;
            synthetic += hits;
            real += b.count - hits.min(b.count);
        }
        *o = (
            Rate {
                hits: synthetic,
                trials: meta.metrics.n_synthetic,
            },
            Rate {
                hits: real,
                trials: meta.metrics.n_real,
            },
        );
    }
    out
}

/// Where an error rate was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateOrigin {
    /// TPR: flagged share of the run's own synthetic documents.
    RunSynthetic,
    /// FPR: flagged share of the `[fingerprint] trusted_real` corpus.
    TrustedReal,
    /// FPR: flagged share of the locked eval set (`[policy] eval` with a lock that holds).
    LockedEval,
    /// Measured at training, on the detector's held-out calibration split.
    Detector,
}

impl RateOrigin {
    pub fn describe(self) -> &'static str {
        match self {
            RateOrigin::RunSynthetic => "this run's synthetic documents",
            RateOrigin::TrustedReal => "the trusted real text ([fingerprint] trusted_real)",
            RateOrigin::LockedEval => "the locked eval set",
            RateOrigin::Detector => "the detector's calibration split (at training)",
        }
    }
}

/// A measured rate and where it was measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeasuredRate {
    pub rate: Rate,
    pub origin: RateOrigin,
}

/// The error rates an estimate corrects for, at one operating point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErrorRates {
    pub tpr: MeasuredRate,
    pub fpr: MeasuredRate,
}

/// The error rates at every operating point.
pub type PointRates = [ErrorRates; POINTS];

/// How the contamination gate judges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContaminationRules {
    /// Most LLM text the real side may hold: a lower bound above it blocks.
    pub max_share: f64,
    /// Fewest documents a scope needs to block.
    pub min_documents: u64,
    /// An interval wider than this is inconclusive.
    pub max_width: f64,
    /// Confidence level of the intervals.
    pub level: f64,
}

/// Counts of documents and of those flagged at each operating point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flagged {
    pub documents: u64,
    pub flagged: [u64; POINTS],
}

impl Flagged {
    /// Checks counts read back from bytes: at most `documents` documents, no point flagging
    /// more of them than there are.
    fn check(&self, documents: u64) -> Result<(), String> {
        at_most(
            "documents",
            self.documents,
            documents,
            "the documents scored",
        )?;
        self.flagged
            .iter()
            .try_for_each(|&f| at_most("flagged", f, self.documents, "documents"))
    }

    pub fn add(&mut self, flags: [bool; POINTS]) {
        self.documents += 1;
        for (f, hit) in self.flagged.iter_mut().zip(flags) {
            *f += u64::from(hit);
        }
    }

    pub fn merge(&mut self, other: Flagged) {
        self.documents += other.documents;
        for (f, o) in self.flagged.iter_mut().zip(other.flagged) {
            *f += o;
        }
    }

    /// The flagged share at operating point `k`.
    pub fn rate(self, k: usize) -> Rate {
        Rate {
            hits: self.flagged[k],
            trials: self.documents,
        }
    }
}

/// The predicted variance of an estimate at share `share` over `n` documents with these error
/// rates (the delta method's on the adjusted counts the interval uses: a rate of 0 of 240 is
/// not a certain 0), None when the detector does not separate there. What the operating point
/// is chosen by.
fn predicted_variance(rates: &ErrorRates, n: u64, share: f64) -> Option<f64> {
    let adjusted = |r: Rate| {
        (
            (r.hits as f64 + 1.0) / (r.trials as f64 + 2.0),
            r.trials as f64 + 2.0,
        )
    };
    let ((t, n_t), (f, n_f)) = (adjusted(rates.tpr.rate), adjusted(rates.fpr.rate));
    let spread = t - f;
    if rates.tpr.rate.value() <= rates.fpr.rate.value() || n == 0 {
        return None;
    }
    let q = share * t + (1.0 - share) * f;
    Some(
        (q * (1.0 - q) / n as f64
            + share * share * t * (1.0 - t) / n_t
            + (1.0 - share).powi(2) * f * (1.0 - f) / n_f)
            / (spread * spread),
    )
}

/// The operating point whose interval would be narrowest at the limit for a scope of `n`
/// documents (the detector's threshold when none separates). A looser point is read only with
/// a false-positive rate measured on the user's own human text: the detector's own rates there
/// are pooled over its training sources, while its threshold was set for the target rate in
/// each of them. (Read at a probability of 0.8 with its pooled 1.8%, the demo's clean eval set
/// of human passages, flagged at 6.7%, came out as 12% LLM text.)
pub fn best_point(rates: &PointRates, n: u64, limit: f64) -> usize {
    (0..POINTS)
        .filter(|&k| k == 0 || rates[k].fpr.origin != RateOrigin::Detector)
        .filter_map(|k| predicted_variance(&rates[k], n, limit).map(|v| (k, v)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
        .map_or(0, |(k, _)| k)
}

/// One scope's estimate and what the gate made of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScopeEstimate {
    /// "training data", "eval split", "file demo.jsonl".
    pub scope: String,
    pub documents: u64,
    pub flagged: u64,
    /// None when the detector cannot estimate (TPR ≤ FPR) or the scope is empty.
    pub estimate: Option<FractionEstimate>,
    /// The operating point read ("probability ≥ 0.6"), and its error rates.
    pub point: String,
    /// Its index (0 the threshold, then [`PROBABILITIES`]).
    #[serde(skip)]
    pub point_index: usize,
    pub rates: ErrorRates,
    pub status: Status,
    /// Why the status, in words.
    pub reason: String,
}

impl ScopeEstimate {
    /// Estimates the LLM share of `counts` at the operating point that suits its size, under
    /// `rates`, and judges it by `rules`.
    pub fn judge(
        scope: String,
        counts: Flagged,
        rates: &PointRates,
        rules: &ContaminationRules,
    ) -> ScopeEstimate {
        let k = best_point(rates, counts.documents, rules.max_share);
        let rates = rates[k];
        let z = crate::stats::normal::quantile(0.5 + rules.level / 2.0);
        let flagged = counts.flagged[k];
        let estimate = synthetic_fraction(
            flagged,
            counts.documents,
            rates.tpr.rate,
            rates.fpr.rate,
            z,
            rules.level,
        );
        let pct = |v: f64| format!("{:.1}%", 100.0 * v);
        let limit = pct(rules.max_share);
        let (status, reason) = match estimate {
            None if counts.documents == 0 => (Status::Pass, "no documents".to_string()),
            None => (
                Status::Warn,
                format!(
                    "cannot be estimated: the detector's TPR {} is not above its FPR {}",
                    pct(rates.tpr.rate.value()),
                    pct(rates.fpr.rate.value())
                ),
            ),
            Some(e) if e.low > rules.max_share && counts.documents >= rules.min_documents => (
                Status::Blocked,
                format!("at least {} LLM text (interval's lower bound) is above the limit {limit}", pct(e.low)),
            ),
            Some(e) if e.low > rules.max_share => (
                Status::Warn,
                format!(
                    "above the limit {limit}, but on {} documents (fewer than {} do not block)",
                    counts.documents, rules.min_documents
                ),
            ),
            // Even the upper bound is at 0: the flagged share is surely below the false-positive
            // rate, so the rates were measured on text unlike this one.
            Some(e) if e.high <= 0.0 && counts.documents >= rules.min_documents => (
                Status::Warn,
                format!(
                    "the detector flags {} of these documents, surely fewer than its false-positive rate {} at {}: its error rates do not fit this text (measure them on human text you trust, [fingerprint] trusted_real)",
                    pct(e.flagged),
                    pct(rates.fpr.rate.value()),
                    point_name(k)
                ),
            ),
            // LLM text is there (the interval excludes 0) and likely above the limit, though
            // not surely: a warning. (Requiring only the estimate above the limit would warn on
            // one clean real side in seven at 300 documents.)
            Some(e) if e.estimate > rules.max_share && e.low > 0.0 => (
                Status::Warn,
                format!(
                    "LLM text found, estimated above the limit {limit}, though its interval reaches down to {}",
                    pct(e.low)
                ),
            ),
            Some(e) if e.high - e.low > rules.max_width => (
                Status::Warn,
                format!(
                    "inconclusive: the interval {}–{} is wider than {} ({} documents; more documents, or error rates measured on more text, narrow it)",
                    pct(e.low),
                    pct(e.high),
                    pct(rules.max_width),
                    counts.documents
                ),
            ),
            Some(e) => (
                Status::Pass,
                format!("under the limit {limit} (interval up to {})", pct(e.high)),
            ),
        };
        ScopeEstimate {
            scope,
            documents: counts.documents,
            flagged,
            estimate,
            point: point_name(k),
            point_index: k,
            rates,
            status,
            reason,
        }
    }
}

/// A real-labelled document the detector finds most LLM-like.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suspect {
    pub id: String,
    pub probability: f64,
    /// The decision value (what suspects are ranked by).
    pub decision: f64,
    pub file: String,
    /// The start of its text, whitespace folded.
    pub snippet: String,
}

/// Characters of a suspect's text kept as its snippet.
pub const SNIPPET_CHARS: usize = 160;

/// The start of `text`, whitespace runs folded to one space, cut at `SNIPPET_CHARS`.
pub fn snippet(text: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        if chars >= SNIPPET_CHARS {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars >= SNIPPET_CHARS {
                break;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

/// The most suspicious real-labelled documents seen, at most `cap`: mergeable, and the same
/// list whatever order documents and shards come in (ranked by decision, then id).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Suspects {
    pub cap: usize,
    pub kept: Vec<Suspect>,
}

impl Suspects {
    pub fn new(cap: usize) -> Suspects {
        Suspects {
            cap,
            kept: Vec::new(),
        }
    }

    fn order(a: &Suspect, b: &Suspect) -> std::cmp::Ordering {
        b.decision
            .total_cmp(&a.decision)
            .then_with(|| a.id.cmp(&b.id))
    }

    /// Whether a document of this decision and id would be kept (checked before building its
    /// snippet).
    pub fn wants(&self, decision: f64, id: &str) -> bool {
        self.kept.len() < self.cap
            || self.kept.last().is_some_and(|last| {
                decision > last.decision || (decision == last.decision && id < last.id.as_str())
            })
    }

    pub fn offer(&mut self, suspect: Suspect) {
        if !self.wants(suspect.decision, &suspect.id) {
            return;
        }
        let at = self
            .kept
            .binary_search_by(|k| Self::order(k, &suspect))
            .unwrap_or_else(|e| e);
        self.kept.insert(at, suspect);
        self.kept.truncate(self.cap);
    }

    pub fn merge(&mut self, other: Suspects) {
        other.kept.into_iter().for_each(|s| self.offer(s));
    }
}

/// What the scoring pass keeps for the contamination estimate. States of shards merge into the
/// state of the whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContaminationTally {
    /// Synthetic-labelled documents (the run's own TPR).
    pub synthetic: Flagged,
    /// Real-labelled documents outside the eval split.
    pub training: Flagged,
    /// Real-labelled documents of the eval split.
    pub eval: Flagged,
    /// Real-labelled documents outside the eval split, per input file.
    pub files: BTreeMap<String, Flagged>,
    pub suspects: Suspects,
}

impl ContaminationTally {
    /// Checks a tally read back from bytes: its scopes within the `documents` scored (the
    /// files' within the training scope), its suspects within their cap.
    pub fn check(&self, like: &ContaminationTally, documents: u64) -> Result<(), String> {
        let sides = [&self.synthetic, &self.training, &self.eval]
            .iter()
            .try_fold(0u64, |sum, f| sum.checked_add(f.documents))
            .unwrap_or(u64::MAX);
        at_most("scopes", sides, documents, "the documents scored")?;
        within("synthetic", self.synthetic.check(documents))?;
        within("training", self.training.check(documents))?;
        within("eval", self.eval.check(documents))?;
        let mut in_files = 0u64;
        for (file, f) in &self.files {
            within(
                &format!("files[{file:?}]"),
                f.check(self.training.documents),
            )?;
            in_files = in_files.saturating_add(f.documents);
        }
        at_most(
            "files",
            in_files,
            self.training.documents,
            "training documents",
        )?;
        same("suspects.cap", &self.suspects.cap, &like.suspects.cap)?;
        at_most(
            "suspects",
            self.suspects.kept.len() as u64,
            self.suspects.cap as u64,
            "its cap",
        )?;
        self.suspects.kept.iter().try_for_each(|s| {
            share("suspects probability", s.probability)?;
            finite("suspects decision", s.decision)
        })
    }

    pub fn new(suspects: usize) -> ContaminationTally {
        ContaminationTally {
            suspects: Suspects::new(suspects),
            ..ContaminationTally::default()
        }
    }

    pub fn merge(&mut self, other: ContaminationTally) {
        self.synthetic.merge(other.synthetic);
        self.training.merge(other.training);
        self.eval.merge(other.eval);
        for (file, f) in other.files {
            self.files.entry(file).or_default().merge(f);
        }
        self.suspects.merge(other.suspects);
    }
}

/// The contamination of the real side, per scope, with the rates behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contamination {
    /// The trusted human text the FPR was measured on (documents, where), if any.
    pub trusted: Option<(u64, RateOrigin)>,
    /// Why the FPR is the detector's own although trusted text was configured or found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fpr_note: Option<String>,
    pub max_share: f64,
    pub max_width: f64,
    pub min_documents: u64,
    /// Real-labelled documents outside the eval split; None when there are none.
    pub training: Option<ScopeEstimate>,
    /// Real-labelled documents of the eval split; None when the inputs have none.
    pub eval: Option<ScopeEstimate>,
    /// The training data per input file (these warn, they do not block).
    pub files: Vec<ScopeEstimate>,
    pub suspects: Vec<Suspect>,
    pub status: Status,
}

/// Fewest synthetic documents the run's own TPR is measured on (else the stored TPR is used).
pub const MIN_RUN_SYNTHETIC: u64 = 50;

/// The error rates at every point: the TPR of the run's own synthetic documents when there
/// are enough of them, the FPR of `trusted` text when given, else the detector's `stored`
/// rates.
pub fn point_rates(
    stored: &[(Rate, Rate); POINTS],
    synthetic: Option<Flagged>,
    trusted: Option<(Flagged, RateOrigin)>,
) -> PointRates {
    std::array::from_fn(|k| ErrorRates {
        tpr: match synthetic.filter(|s| s.documents >= MIN_RUN_SYNTHETIC) {
            Some(s) => MeasuredRate {
                rate: s.rate(k),
                origin: RateOrigin::RunSynthetic,
            },
            None => MeasuredRate {
                rate: stored[k].0,
                origin: RateOrigin::Detector,
            },
        },
        fpr: match trusted {
            Some((t, origin)) => MeasuredRate {
                rate: t.rate(k),
                origin,
            },
            None => MeasuredRate {
                rate: stored[k].1,
                origin: RateOrigin::Detector,
            },
        },
    })
}

/// The estimates of every scope from the pass's tally. `stored` are the detector's rates from
/// training; `trusted` the flags of human text the user trusts, if any, which correct the
/// eval split only when `trusted_covers_eval` (a locked eval set cannot calibrate itself).
pub fn estimate(
    tally: ContaminationTally,
    stored: &[(Rate, Rate); POINTS],
    trusted: Option<(Flagged, RateOrigin)>,
    trusted_covers_eval: bool,
    rules: &ContaminationRules,
) -> Contamination {
    let rates = point_rates(stored, Some(tally.synthetic), trusted);
    let eval_rates = match trusted_covers_eval {
        true => rates,
        false => point_rates(stored, Some(tally.synthetic), None),
    };
    let judge = |scope: &str, counts: Flagged, rates: &PointRates| {
        ScopeEstimate::judge(scope.into(), counts, rates, rules)
    };
    let training =
        (tally.training.documents > 0).then(|| judge("training data", tally.training, &rates));
    let eval = (tally.eval.documents > 0).then(|| judge("eval split", tally.eval, &eval_rates));
    let files: Vec<ScopeEstimate> = tally
        .files
        .into_iter()
        .map(|(file, counts)| {
            let mut e = judge(&format!("file {file}"), counts, &rates);
            // A file's estimate informs; the training data and the eval split gate.
            if e.status == Status::Blocked {
                e.status = Status::Warn;
            }
            e
        })
        .collect();
    let status = training
        .iter()
        .chain(&eval)
        .chain(&files)
        .map(|s| s.status)
        .max()
        .unwrap_or_default();
    Contamination {
        trusted: trusted.map(|(t, origin)| (t.documents, origin)),
        fpr_note: None,
        max_share: rules.max_share,
        max_width: rules.max_width,
        min_documents: rules.min_documents,
        training,
        eval,
        files,
        suspects: tally.suspects.kept,
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: ContaminationRules = ContaminationRules {
        max_share: 0.05,
        min_documents: 30,
        max_width: 0.2,
        level: 0.95,
    };

    /// The same rates at every operating point.
    fn rates(tpr: (u64, u64), fpr: (u64, u64)) -> PointRates {
        let m = |(hits, trials), origin| MeasuredRate {
            rate: Rate { hits, trials },
            origin,
        };
        [ErrorRates {
            tpr: m(tpr, RateOrigin::RunSynthetic),
            fpr: m(fpr, RateOrigin::TrustedReal),
        }; POINTS]
    }

    fn counts(flagged: u64, documents: u64) -> Flagged {
        Flagged {
            documents,
            flagged: [flagged; POINTS],
        }
    }

    fn judge(flagged: u64, documents: u64, r: PointRates) -> ScopeEstimate {
        ScopeEstimate::judge("s".into(), counts(flagged, documents), &r, &RULES)
    }

    #[test]
    fn the_gate_reads_the_interval() {
        let good = rates((900, 1000), (10, 1000));
        // A third of 2,000 documents flagged: clearly above 5%.
        let high = judge(700, 2000, good);
        assert_eq!(high.status, Status::Blocked, "{high:?}");
        // As many flagged as false positives: passes.
        let clean = judge(20, 2000, good);
        assert_eq!(clean.status, Status::Pass, "{clean:?}");
        // The same share on 20 documents: above the limit, too few to block.
        let few = judge(7, 20, good);
        assert_eq!(few.status, Status::Warn, "{few:?}");
        // A weak detector measured on little text: inconclusive, never a pass.
        let weak = judge(3, 100, rates((6, 20), (1, 20)));
        assert_eq!(weak.status, Status::Warn, "{weak:?}");
        assert!(weak.reason.starts_with("inconclusive"), "{}", weak.reason);
        // A detector that does not separate cannot estimate.
        let blind = judge(3, 100, rates((1, 100), (5, 100)));
        assert_eq!(blind.status, Status::Warn);
        assert!(blind.estimate.is_none());
    }

    /// A strict threshold that finds little LLM text loses to a looser point that finds most
    /// of it at a few percent of false positives; the choice ignores the flagged counts.
    /// Flagged far less often than the false-positive rate says: not a certain 0%, a warning
    /// that the rates do not fit.
    #[test]
    fn rates_that_do_not_fit_the_text_warn() {
        let e = judge(20, 20_000, rates((900, 1000), (100, 10_000)));
        assert_eq!(e.estimate.unwrap().high, 0.0, "{e:?}");
        assert_eq!(e.status, Status::Warn);
        assert!(e.reason.contains("do not fit"), "{}", e.reason);
    }

    #[test]
    fn the_narrowest_operating_point_is_read() {
        let mut r = rates((36, 300), (0, 240));
        r[1].tpr.rate = Rate {
            hits: 270,
            trials: 300,
        };
        r[1].fpr.rate = Rate {
            hits: 24,
            trials: 240,
        };
        assert_eq!(best_point(&r, 300, 0.05), 1);
        let mut c = counts(0, 300);
        c.flagged[1] = 30;
        let e = ScopeEstimate::judge("s".into(), c, &r, &RULES);
        assert_eq!(e.point, "probability ≥ 0.5");
        assert_eq!(e.flagged, 30);
        let strict = judge(0, 300, rates((36, 300), (0, 240)));
        let width = |e: &ScopeEstimate| e.estimate.map(|f| f.high - f.low).unwrap();
        assert!(width(&e) < 0.6 * width(&strict), "{e:?} {strict:?}");
        // No point separates: the detector's threshold, and no estimate.
        assert_eq!(best_point(&rates((1, 100), (5, 100)), 300, 0.05), 0);
    }

    #[test]
    fn suspects_keep_the_top_whatever_the_order() {
        let s = |id: &str, d: f64| Suspect {
            id: id.into(),
            probability: d,
            decision: d,
            file: "f".into(),
            snippet: String::new(),
        };
        let all = [
            s("a", 0.1),
            s("b", 0.9),
            s("c", 0.5),
            s("d", 0.9),
            s("e", 0.7),
        ];
        let mut one = Suspects::new(3);
        all.iter().cloned().for_each(|x| one.offer(x));
        let mut left = Suspects::new(3);
        let mut right = Suspects::new(3);
        all[..2].iter().cloned().for_each(|x| left.offer(x));
        all[2..].iter().rev().cloned().for_each(|x| right.offer(x));
        right.merge(left);
        let ids = |s: &Suspects| s.kept.iter().map(|k| k.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&one), ["b", "d", "e"]);
        assert_eq!(ids(&right), ids(&one));
    }

    #[test]
    fn snippets_fold_whitespace_and_stop() {
        assert_eq!(snippet("  a\n\nb   c "), "a b c");
        let long = "word ".repeat(100);
        let s = snippet(&long);
        assert!(
            s.ends_with('…') && s.chars().count() <= SNIPPET_CHARS + 2,
            "{s}"
        );
    }

    #[test]
    fn a_locked_eval_set_does_not_calibrate_itself() {
        let mut tally = ContaminationTally::new(5);
        tally.synthetic = counts(60, 100);
        tally.training = counts(5, 500);
        tally.eval = counts(1, 60);
        let stored = [(
            Rate {
                hits: 50,
                trials: 100,
            },
            Rate {
                hits: 2,
                trials: 200,
            },
        ); POINTS];
        let locked = (counts(1, 300), RateOrigin::LockedEval);
        let c = estimate(tally.clone(), &stored, Some(locked), false, &RULES);
        let training = c.training.unwrap();
        assert_eq!(training.rates.tpr.origin, RateOrigin::RunSynthetic);
        assert_eq!(training.rates.fpr.origin, RateOrigin::LockedEval);
        assert_eq!(c.eval.unwrap().rates.fpr.origin, RateOrigin::Detector);
        let trusted = (counts(1, 300), RateOrigin::TrustedReal);
        let c = estimate(tally, &stored, Some(trusted), true, &RULES);
        assert_eq!(c.eval.unwrap().rates.fpr.origin, RateOrigin::TrustedReal);
    }
}
