//! `driftprint compare RUN_A RUN_B`: what changed between two report runs — the verdict, each
//! drift test's statistic, the features whose per-feature statistics moved most, the documents
//! that witness the drift most strongly in the newer run, policy gates that changed status, the
//! fingerprint's strength and real-side contamination, and the collapse slopes. Works on report.json as written (a
//! schema-versioned file), so runs of older binaries compare too.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::SCHEMA;
use crate::error::{Error, InputError, Result};
use crate::fingerprint::lexicon_usage::quoted;

/// A run's report.json: a run folder, the file itself, or a run id under `root`.
pub fn locate(run: &str, root: &Path) -> Result<PathBuf> {
    let given = Path::new(run);
    for candidate in [
        given.to_path_buf(),
        given.join("report.json"),
        root.join(run).join("report.json"),
    ] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(Error::Usage(format!(
        "no report for '{run}': give a run folder, its report.json, or a run id under {}",
        root.display()
    )))
}

fn load(path: &Path) -> Result<Value> {
    let bad = |m: String| Error::Input(InputError::file(path, m));
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    if v["schema"] != SCHEMA {
        return Err(bad(format!(
            "not a driftprint report (schema {})",
            v["schema"]
        )));
    }
    Ok(v)
}

#[derive(Debug, Clone, Serialize)]
pub struct TestChange {
    pub test: String,
    pub statistic: String,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub a_blocks: bool,
    pub b_blocks: bool,
}

impl TestChange {
    /// (after − before) / |before|, when both ran and before is not 0.
    pub fn relative_change(&self) -> Option<f64> {
        match (self.a, self.b) {
            (Some(a), Some(b)) if a != 0.0 => Some((b - a) / a.abs()),
            _ => None,
        }
    }

    /// How its blocking changed, in words ("" when it blocks in neither run).
    pub fn blocking(&self) -> &'static str {
        match (self.a_blocks, self.b_blocks) {
            (false, true) => "now blocks",
            (true, false) => "no longer blocks",
            (true, true) => "blocks",
            _ => "",
        }
    }
}

/// A statistic for a table; "—" when the test did not run.
pub fn show(v: Option<f64>) -> String {
    v.map_or("—".into(), crate::output::number)
}

/// A share for a table; "—" when the entry was not in that run.
pub fn share(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", 100.0 * v))
}

#[derive(Debug, Clone, Serialize)]
pub struct FeatureMove {
    pub test: String,
    pub feature: String,
    pub a: f64,
    pub b: f64,
}

/// A detector lexicon entry whose share of scored documents changed (None: not in that run's
/// lexicon, e.g. the model was retrained).
#[derive(Debug, Clone, Serialize)]
pub struct LexiconMove {
    pub toward: String,
    pub ngrams: Vec<String>,
    pub a: Option<f64>,
    pub b: Option<f64>,
}

impl LexiconMove {
    fn size(&self) -> f64 {
        (self.b.unwrap_or(0.0) - self.a.unwrap_or(0.0)).abs()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Witness {
    pub test: String,
    pub side: String,
    pub id: String,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub what: String,
    pub a: String,
    pub b: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunComparison {
    pub a: String,
    pub b: String,
    pub verdict_a: String,
    pub verdict_b: String,
    pub tests: Vec<TestChange>,
    pub features: Vec<FeatureMove>,
    /// The fingerprint detector's lexicon entries whose share of documents moved most.
    pub lexicon: Vec<LexiconMove>,
    pub witnesses: Vec<Witness>,
    /// Other numbers and statuses that changed (policy gates, fingerprint share, collapse).
    pub other: Vec<Change>,
}

fn stage<'v>(report: &'v Value, name: &str) -> Option<&'v Value> {
    report["stages"]
        .as_array()?
        .iter()
        .find(|s| s["stage"] == name)
        .map(|s| &s["result"])
}

/// The overall comparison's outcomes of a report's drift stage, by test.
fn outcomes(report: &Value) -> BTreeMap<String, &Value> {
    let mut out = BTreeMap::new();
    if let Some(drift) = stage(report, "drift") {
        for c in drift["comparisons"].as_array().into_iter().flatten() {
            if c.get("group").is_some() {
                continue;
            }
            for o in c["outcomes"].as_array().into_iter().flatten() {
                if let Some(t) = o["test"].as_str() {
                    out.insert(t.to_string(), o);
                }
            }
        }
    }
    out
}

/// Features moved: per test, per feature, the per-feature statistic in A and B (features a
/// test reports in both runs and that changed), largest absolute change first.
fn feature_moves(a: &BTreeMap<String, &Value>, b: &BTreeMap<String, &Value>) -> Vec<FeatureMove> {
    let mut moves = Vec::new();
    for (test, ob) in b {
        let Some(oa) = a.get(test) else { continue };
        let by_name = |o: &Value| -> BTreeMap<String, f64> {
            o["result"]["details"]["features"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| {
                    Some((f["feature"].as_str()?.to_string(), f["statistic"].as_f64()?))
                })
                .collect()
        };
        let (fa, fb) = (by_name(oa), by_name(ob));
        for (feature, vb) in &fb {
            if let Some(va) = fa.get(feature).filter(|va| *va != vb) {
                moves.push(FeatureMove {
                    test: test.clone(),
                    feature: feature.clone(),
                    a: *va,
                    b: *vb,
                });
            }
        }
    }
    moves.sort_by(|x, y| (y.b - y.a).abs().total_cmp(&(x.b - x.a).abs()));
    moves
}

/// Lexicon entries of either run whose share of the scored documents changed, largest change
/// first (matched by direction and n-grams, so a retrained model's entries still line up).
fn lexicon_moves(a: &Value, b: &Value) -> Vec<LexiconMove> {
    let shares = |r: &Value| -> BTreeMap<(String, Vec<String>), f64> {
        stage(r, "fingerprint")
            .and_then(|f| f["scores"]["lexicon"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|u| {
                let ngrams = u["ngrams"]
                    .as_array()?
                    .iter()
                    .map(|g| g.as_str().map(String::from))
                    .collect::<Option<Vec<String>>>()?;
                Some((
                    (u["toward"].as_str()?.to_string(), ngrams),
                    u["share"].as_f64()?,
                ))
            })
            .collect()
    };
    let (sa, sb) = (shares(a), shares(b));
    let mut keys: Vec<&(String, Vec<String>)> = sa.keys().chain(sb.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut moves: Vec<LexiconMove> = keys
        .into_iter()
        .map(|k| LexiconMove {
            toward: k.0.clone(),
            ngrams: k.1.clone(),
            a: sa.get(k).copied(),
            b: sb.get(k).copied(),
        })
        .filter(|m| m.a != m.b)
        .collect();
    moves.sort_by(|x, y| y.size().total_cmp(&x.size()));
    moves
}

/// The fingerprint's numbers that changed: its status, the strength and its strongest slice,
/// the real side's contamination (training data, eval split), the AUROC on the labels.
fn fingerprint_changes(ra: &Value, rb: &Value, other: &mut Vec<Change>) {
    let mut push = |what: &str, a: Option<String>, b: Option<String>| {
        if a != b && (a.is_some() || b.is_some()) {
            other.push(Change {
                what: format!("fingerprint {what}"),
                a: a.unwrap_or_else(|| "(absent)".into()),
                b: b.unwrap_or_else(|| "(absent)".into()),
            });
        }
    };
    let f = |r: &Value| stage(r, "fingerprint").cloned().unwrap_or(Value::Null);
    let (fa, fb) = (f(ra), f(rb));
    let text = |v: &Value| v.as_str().map(String::from);
    push("status", text(&fa["status"]), text(&fb["status"]));
    let auroc = |v: &Value| {
        v["auroc"].as_f64().map(|a| {
            format!(
                "{a:.3} ({:.3}–{:.3})",
                v["low"].as_f64().unwrap_or(f64::NAN),
                v["high"].as_f64().unwrap_or(f64::NAN)
            )
        })
    };
    push(
        "strength",
        auroc(&fa["strength"]["overall"]),
        auroc(&fb["strength"]["overall"]),
    );
    let strongest = |v: &Value| {
        let top = &v["strength"]["slices"][0];
        Some(format!(
            "{} {} {:.3}",
            top["kind"].as_str()?,
            top["value"].as_str()?,
            top["strength"]["auroc"].as_f64()?
        ))
    };
    push("strongest slice", strongest(&fa), strongest(&fb));
    let share = |v: &Value| {
        let e = &v["estimate"];
        Some(format!(
            "{:.1}% ({:.1}–{:.1}%), {}",
            100.0 * e["estimate"].as_f64()?,
            100.0 * e["low"].as_f64()?,
            100.0 * e["high"].as_f64()?,
            v["status"].as_str()?
        ))
    };
    for (scope, what) in [
        ("training", "LLM share of the real training data"),
        ("eval", "LLM share of the real eval split"),
    ] {
        push(
            what,
            share(&fa["contamination"][scope]),
            share(&fb["contamination"][scope]),
        );
    }
    let labelled = |v: &Value| {
        v["scores"]["distribution"]["auroc"]
            .as_f64()
            .map(|a| format!("{a:.4}"))
    };
    push(
        "AUROC on the labelled documents",
        labelled(&fa),
        labelled(&fb),
    );
}

pub fn compare(path_a: &Path, path_b: &Path) -> Result<RunComparison> {
    let (ra, rb) = (load(path_a)?, load(path_b)?);
    let (oa, ob) = (outcomes(&ra), outcomes(&rb));
    let num = |o: Option<&&Value>| o.and_then(|o| o["result"]["statistic"].as_f64());
    let blocks = |o: Option<&&Value>| o.is_some_and(|o| o["blocks"] == true);
    let mut names: Vec<&String> = oa.keys().chain(ob.keys()).collect();
    names.sort();
    names.dedup();
    let mut tests: Vec<TestChange> = names
        .into_iter()
        .map(|t| TestChange {
            test: t.clone(),
            statistic: ob
                .get(t)
                .or(oa.get(t))
                .and_then(|o| o["result"]["statistic_name"].as_str())
                .unwrap_or("")
                .to_string(),
            a: num(oa.get(t)),
            b: num(ob.get(t)),
            a_blocks: blocks(oa.get(t)),
            b_blocks: blocks(ob.get(t)),
        })
        .collect();
    // Newly blocking first, then by relative change.
    let relative = |c: &TestChange| match (c.relative_change(), c.a == c.b) {
        (Some(r), _) => r.abs(),
        (None, true) => 0.0,
        (None, false) => f64::INFINITY,
    };
    tests.sort_by(|x, y| {
        (y.b_blocks && !y.a_blocks)
            .cmp(&(x.b_blocks && !x.a_blocks))
            .then(relative(y).total_cmp(&relative(x)))
    });
    // The strongest witnesses of B's blocking tests (else of all its tests).
    let mut witnesses: Vec<Witness> = Vec::new();
    let any_blocking = ob.values().any(|o| o["blocks"] == true);
    for (test, o) in &ob {
        if any_blocking && o["blocks"] != true {
            continue;
        }
        for w in o["result"]["details"]["witnesses"]
            .as_array()
            .into_iter()
            .flatten()
            .take(5)
        {
            witnesses.push(Witness {
                test: test.clone(),
                side: w["side"].as_str().unwrap_or("").to_string(),
                id: w["id"].as_str().unwrap_or("").to_string(),
                score: w["score"].as_f64().unwrap_or(f64::NAN),
            });
        }
    }
    let mut other = Vec::new();
    let gates = |r: &Value| -> BTreeMap<String, String> {
        stage(r, "policy")
            .and_then(|p| p["gates"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|g| {
                Some((
                    g["gate"].as_str()?.to_string(),
                    g["status"].as_str()?.to_string(),
                ))
            })
            .collect()
    };
    let (ga, gb) = (gates(&ra), gates(&rb));
    for (gate, sb) in &gb {
        let sa = ga.get(gate).cloned().unwrap_or_else(|| "(absent)".into());
        if &sa != sb {
            other.push(Change {
                what: format!("policy gate {gate}"),
                a: sa,
                b: sb.clone(),
            });
        }
    }
    fingerprint_changes(&ra, &rb, &mut other);
    let verdict = |r: &Value| r["verdict"]["line"].as_str().unwrap_or("").to_string();
    let id = |r: &Value| r["run_id"].as_str().unwrap_or("").to_string();
    Ok(RunComparison {
        a: id(&ra),
        b: id(&rb),
        verdict_a: verdict(&ra),
        verdict_b: verdict(&rb),
        features: feature_moves(&oa, &ob),
        lexicon: lexicon_moves(&ra, &rb),
        tests,
        witnesses,
        other,
    })
}

impl RunComparison {
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{} -> {}", self.a, self.b);
        let _ = writeln!(s, "  before: {}", self.verdict_a);
        let _ = writeln!(s, "  after:  {}", self.verdict_b);
        let _ = writeln!(
            s,
            "\ndrift tests (newly blocking first, then by relative change):"
        );
        for t in &self.tests {
            let change = t
                .relative_change()
                .map(|r| format!("{:+.1}%", 100.0 * r))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  {:<20} {:<28} {:>10} -> {:<10} {:>8}  {}",
                t.test,
                t.statistic,
                show(t.a),
                show(t.b),
                change,
                t.blocking()
            );
        }
        if !self.features.is_empty() {
            let _ = writeln!(s, "\nfeatures that moved most:");
            for f in self.features.iter().take(10) {
                let _ = writeln!(
                    s,
                    "  {:<14} {:<36} {:>10.4} -> {:<10.4}",
                    f.test, f.feature, f.a, f.b
                );
            }
        }
        if !self.lexicon.is_empty() {
            let _ = writeln!(
                s,
                "\ndetector lexicon entries that moved (share of scored documents):"
            );
            for m in self.lexicon.iter().take(10) {
                let _ = writeln!(
                    s,
                    "  toward {:<10} {:<36} {:>7} -> {:<7}",
                    m.toward,
                    quoted(&m.ngrams),
                    share(m.a),
                    share(m.b)
                );
            }
        }
        if !self.witnesses.is_empty() {
            let _ = writeln!(s, "\nstrongest witnesses in {}:", self.b);
            for w in self.witnesses.iter().take(10) {
                let _ = writeln!(
                    s,
                    "  {:<14} {:<10} {:.3}  {}",
                    w.test, w.side, w.score, w.id
                );
            }
        }
        if !self.other.is_empty() {
            let _ = writeln!(s, "\nother changes:");
            for c in &self.other {
                let _ = writeln!(s, "  {}: {} -> {}", c.what, c.a, c.b);
            }
        }
        s
    }
}
