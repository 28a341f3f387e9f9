//! `driftprint compare RUN_A RUN_B`: what changed between two report runs — the verdict, each
//! drift test's statistic, the features whose per-feature statistics moved most, the documents
//! that witness the drift most strongly in the newer run, policy gates that changed status, the
//! fingerprint's strength and real-side contamination, and the stages one run did not run. Reads
//! report.json as written, checked up front (its schema version, the types of the fields read),
//! so a file that is not a report is an error naming the field, never a quiet table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::{SCHEMA, SCHEMA_VERSION};
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

/// A report.json, checked up front: every field compare reads has the JSON type the report
/// writer gives it, so a file that is not a report (or a damaged one) is an error naming the
/// file and the field, never a table of dashes that exits 0.
fn load(path: &Path) -> Result<Value> {
    let bad = |m: String| Error::Input(InputError::file(path, m));
    let text =
        crate::corpus::side_file::read_side_file(path, crate::corpus::side_file::SideFile::Report)?;
    let v: Value = serde_json::from_slice(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    check(path, &v)?;
    Ok(v)
}

/// A field of the report being checked: its value (None when absent) and its JSON path.
struct Field<'v> {
    file: &'v Path,
    value: Option<&'v Value>,
    path: String,
}

/// The JSON types a field can be required to have.
#[derive(Clone, Copy)]
enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
}

impl Kind {
    fn admits(self, v: &Value) -> bool {
        match self {
            Kind::Object => v.is_object(),
            Kind::Array => v.is_array(),
            Kind::String => v.is_string(),
            Kind::Number => v.is_number(),
            Kind::Bool => v.is_boolean(),
        }
    }

    fn words(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "a list",
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "true or false",
        }
    }
}

/// A JSON value in a few words, for an error.
fn found(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(t) => {
            let cut: String = t.chars().take(40).collect();
            let more = if cut.len() < t.len() { "…" } else { "" };
            format!("the string {cut:?}{more}")
        }
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

impl<'v> Field<'v> {
    fn error(&self, message: String) -> Error {
        Error::Input(InputError::file(self.file, message).with_field(&self.path))
    }

    fn key(&self, key: &str) -> Field<'v> {
        Field {
            file: self.file,
            value: self.value.and_then(|v| v.get(key)),
            path: match self.path.is_empty() {
                true => key.to_string(),
                false => format!("{}.{key}", self.path),
            },
        }
    }

    /// The field's value, which must be there with this type.
    fn required(&self, kind: Kind) -> Result<&'v Value> {
        match self.value {
            None => Err(self.error(format!("missing: expected {}", kind.words()))),
            Some(v) if kind.admits(v) => Ok(v),
            Some(v) => Err(self.error(format!("expected {}, found {}", kind.words(), found(v)))),
        }
    }

    /// The field's value when it is there and not null, which must then have this type.
    fn optional(&self, kind: Kind) -> Result<Option<&'v Value>> {
        match self.value {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.required(kind).map(Some),
        }
    }

    /// The items of a list that must be there.
    fn items(&self) -> Result<Vec<Field<'v>>> {
        self.required(Kind::Array)?;
        Ok(self.optional_items())
    }

    /// The items of a list that may be absent or null (none then); another type is an error
    /// left to the caller's `optional(Kind::Array)`.
    fn optional_items(&self) -> Vec<Field<'v>> {
        let items = self.value.and_then(Value::as_array).into_iter().flatten();
        items
            .enumerate()
            .map(|(i, v)| Field {
                file: self.file,
                value: Some(v),
                path: format!("{}[{i}]", self.path),
            })
            .collect()
    }

    /// An object that must be there, with its `required` children of their kinds and its
    /// `optional` ones of theirs when not null.
    fn object(&self, required: &[(&str, Kind)], optional: &[(&str, Kind)]) -> Result<()> {
        self.required(Kind::Object)?;
        for (key, kind) in required {
            self.key(key).required(*kind)?;
        }
        for (key, kind) in optional {
            self.key(key).optional(*kind)?;
        }
        Ok(())
    }

    /// An object that may be absent or null, checked as [`Field::object`] when there.
    fn optional_object(&self, required: &[(&str, Kind)], optional: &[(&str, Kind)]) -> Result<()> {
        match self.optional(Kind::Object)? {
            Some(_) => self.object(required, optional),
            None => Ok(()),
        }
    }
}

/// The top level, the verdict and each stage entry, then the fields compare reads of each
/// stage's result.
fn check(file: &Path, report: &Value) -> Result<()> {
    let top = Field {
        file,
        value: Some(report),
        path: String::new(),
    };
    if !report.is_object() || report["schema"] != SCHEMA {
        return Err(Error::Input(InputError::file(
            file,
            format!(
                "not a driftprint report (schema {}, expected \"{SCHEMA}\")",
                report.get("schema").map_or("missing".into(), found)
            ),
        )));
    }
    let version = top.key("schema_version");
    if version.value.and_then(Value::as_u64) != Some(SCHEMA_VERSION.into()) {
        let given = match version.value {
            None => "missing".to_string(),
            Some(v) => found(v),
        };
        return Err(version.error(format!(
            "{given}, but this build of driftprint reads report schema version {SCHEMA_VERSION} \
             (an integer)"
        )));
    }
    top.object(
        &[
            ("run_id", Kind::String),
            ("verdict", Kind::Object),
            ("stages", Kind::Array),
        ],
        &[],
    )?;
    top.key("verdict")
        .object(&[("status", Kind::String), ("line", Kind::String)], &[])?;
    let mut seen = Vec::new();
    for stage in top.key("stages").items()? {
        stage.object(
            &[("stage", Kind::String), ("status", Kind::String)],
            &[("result", Kind::Object), ("line", Kind::String)],
        )?;
        let name = stage.key("stage").required(Kind::String)?.as_str();
        if seen.contains(&name) {
            return Err(stage.error(format!("a second {} stage", name.unwrap_or_default())));
        }
        seen.push(name);
        let result = stage.key("result");
        if result.optional(Kind::Object)?.is_none() {
            continue;
        }
        match name {
            Some("drift") => check_drift(&result)?,
            Some("fingerprint") => check_fingerprint(&result)?,
            Some("policy") => check_policy(&result)?,
            _ => {}
        }
    }
    Ok(())
}

/// A drift result: its comparisons' outcomes, each test's statistic (a number whenever the
/// test ran), its per-feature statistics and witnesses.
fn check_drift(result: &Field) -> Result<()> {
    for comparison in result.key("comparisons").items()? {
        comparison.object(&[("outcomes", Kind::Array)], &[])?;
        for outcome in comparison.key("outcomes").items()? {
            outcome.object(
                &[("test", Kind::String), ("blocks", Kind::Bool)],
                &[("result", Kind::Object), ("error", Kind::String)],
            )?;
            let test = outcome.key("result");
            if test.optional(Kind::Object)?.is_none() {
                continue;
            }
            test.object(
                &[
                    ("statistic", Kind::Number),
                    ("statistic_name", Kind::String),
                ],
                &[("details", Kind::Object)],
            )?;
            let details = test.key("details");
            details.optional_object(
                &[],
                &[("features", Kind::Array), ("witnesses", Kind::Array)],
            )?;
            for feature in details.key("features").optional_items() {
                feature.object(&[("feature", Kind::String)], &[("statistic", Kind::Number)])?;
            }
            for witness in details.key("witnesses").optional_items() {
                witness.object(
                    &[],
                    &[
                        ("side", Kind::String),
                        ("id", Kind::String),
                        ("score", Kind::Number),
                    ],
                )?;
            }
        }
    }
    Ok(())
}

/// A fingerprint result: the numbers compare shows may be null (not measured), never of
/// another type.
fn check_fingerprint(result: &Field) -> Result<()> {
    result.object(&[], &[("status", Kind::String)])?;
    let interval = |f: Field| -> Result<()> {
        f.optional_object(
            &[],
            &[
                ("auroc", Kind::Number),
                ("low", Kind::Number),
                ("high", Kind::Number),
            ],
        )
    };
    let strength = result.key("strength");
    strength.optional_object(&[], &[("overall", Kind::Object), ("slices", Kind::Array)])?;
    interval(strength.key("overall"))?;
    for slice in strength.key("slices").optional_items() {
        slice.object(
            &[],
            &[
                ("kind", Kind::String),
                ("value", Kind::String),
                ("strength", Kind::Object),
            ],
        )?;
        interval(slice.key("strength"))?;
    }
    let contamination = result.key("contamination");
    contamination.optional_object(&[], &[("training", Kind::Object), ("eval", Kind::Object)])?;
    for scope in ["training", "eval"] {
        let scope = contamination.key(scope);
        scope.optional_object(&[], &[("estimate", Kind::Object), ("status", Kind::String)])?;
        scope.key("estimate").optional_object(
            &[],
            &[
                ("estimate", Kind::Number),
                ("low", Kind::Number),
                ("high", Kind::Number),
            ],
        )?;
    }
    let scores = result.key("scores");
    scores.optional_object(
        &[],
        &[("distribution", Kind::Object), ("lexicon", Kind::Array)],
    )?;
    scores
        .key("distribution")
        .optional_object(&[], &[("auroc", Kind::Number)])?;
    for entry in scores.key("lexicon").optional_items() {
        entry.object(
            &[],
            &[
                ("toward", Kind::String),
                ("ngrams", Kind::Array),
                ("share", Kind::Number),
            ],
        )?;
        for ngram in entry.key("ngrams").optional_items() {
            ngram.required(Kind::String)?;
        }
    }
    Ok(())
}

/// A policy result: its gates and their statuses.
fn check_policy(result: &Field) -> Result<()> {
    result.object(&[], &[("gates", Kind::Array)])?;
    for gate in result.key("gates").optional_items() {
        gate.object(&[("gate", Kind::String), ("status", Kind::String)], &[])?;
    }
    Ok(())
}

/// Why a test has no outcome to compare in one of the runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Missing {
    /// The run did not ask for the drift stage (`--stages`).
    StageNotRun,
    /// The drift stage could not run (its error is in that report).
    StageFailed,
    /// The drift stage ran without this test (another config).
    TestNotRun,
    /// The test could not run (too few documents, ...).
    TestFailed,
}

impl Missing {
    fn in_after_run(self) -> &'static str {
        match self {
            Missing::StageNotRun => "stage not run in the after run",
            Missing::StageFailed => "stage could not run in the after run",
            Missing::TestNotRun => "test not run in the after run",
            Missing::TestFailed => "test could not run in the after run",
        }
    }

    fn in_before_run(self, blocks_after: bool) -> &'static str {
        match (self, blocks_after) {
            (Missing::StageNotRun, false) => "stage not run in the before run",
            (Missing::StageNotRun, true) => "blocks; stage not run in the before run",
            (Missing::StageFailed, false) => "stage could not run in the before run",
            (Missing::StageFailed, true) => "blocks; stage could not run in the before run",
            (Missing::TestNotRun, false) => "test not run in the before run",
            (Missing::TestNotRun, true) => "blocks; test not run in the before run",
            (Missing::TestFailed, false) => "test could not run in the before run",
            (Missing::TestFailed, true) => "blocks; test could not run in the before run",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TestChange {
    pub test: String,
    pub statistic: String,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub a_blocks: bool,
    pub b_blocks: bool,
    /// Why the before run has no outcome of the test (null when it has one).
    pub a_missing: Option<Missing>,
    /// Why the after run has no outcome of the test (null when it has one).
    pub b_missing: Option<Missing>,
}

impl TestChange {
    /// (after − before) / |before|, when both ran and before is not 0.
    pub fn relative_change(&self) -> Option<f64> {
        match (self.a, self.b) {
            (Some(a), Some(b)) if a != 0.0 => Some((b - a) / a.abs()),
            _ => None,
        }
    }

    /// The relative change as a signed percentage ("" when there is none).
    pub fn relative_change_text(&self) -> String {
        self.relative_change().map_or(String::new(), |r| {
            let pct = 100.0 * r;
            match pct.is_finite() && pct.abs() >= 1e6 {
                true => format!("{pct:+.3e}%"),
                false => format!("{pct:+.1}%"),
            }
        })
    }

    /// Blocks in the after run, having run and not blocked in the before run.
    pub fn newly_blocking(&self) -> bool {
        self.b_blocks && !self.a_blocks && self.a_missing.is_none()
    }

    /// How its blocking changed, in words ("" when it blocks in neither run); a test one run
    /// has no outcome of says why, never "no longer blocks".
    pub fn blocking(&self) -> &'static str {
        match (self.a_missing, self.b_missing) {
            (_, Some(m)) => m.in_after_run(),
            (Some(m), None) => m.in_before_run(self.b_blocks),
            (None, None) => match (self.a_blocks, self.b_blocks) {
                (false, true) => "now blocks",
                (true, false) => "no longer blocks",
                (true, true) => "blocks",
                _ => "",
            },
        }
    }
}

/// A number as compare prints it: [`crate::output::number`]'s, but in scientific notation
/// when large, so a statistic of 1e308 is not printed with 309 digits.
pub fn readable(v: f64) -> String {
    fixed(v, 4)
}

/// `v` with `decimals` decimals ([`crate::output::number`] for 4), in scientific notation
/// from a million up.
fn fixed(v: f64, decimals: usize) -> String {
    if v.is_finite() && v.abs() >= 1e6 {
        format!("{v:.3e}")
    } else if decimals == 4 {
        crate::output::number(v)
    } else {
        format!("{v:.decimals$}")
    }
}

/// A share as a percentage with one decimal.
fn percent(v: f64) -> String {
    format!("{}%", fixed(100.0 * v, 1))
}

/// A statistic for a table; "—" when the test did not run.
pub fn show(v: Option<f64>) -> String {
    v.map_or("—".into(), readable)
}

/// A share for a table; "—" when the entry was not in that run.
pub fn share(v: Option<f64>) -> String {
    v.map_or("—".into(), percent)
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
    /// Other numbers and statuses that changed (a stage one run did not run, policy gates, the
    /// fingerprint).
    pub other: Vec<Change>,
}

/// What a run did of a stage.
enum Ran<'v> {
    /// It ran: its result.
    Result(&'v Value),
    /// It was asked for and could not run (the report has its error, no result).
    Failed,
    /// It was not asked for.
    NotRun,
}

fn ran<'v>(report: &'v Value, name: &str) -> Ran<'v> {
    let entry = report["stages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["stage"] == name);
    match entry.map(|s| &s["result"]) {
        None => Ran::NotRun,
        Some(result) if result.is_object() => Ran::Result(result),
        Some(_) => Ran::Failed,
    }
}

impl Ran<'_> {
    fn words(&self) -> &'static str {
        match self {
            Ran::Result(_) => "ran",
            Ran::Failed => "could not run",
            Ran::NotRun => "not run",
        }
    }

    /// What a table shows for an entry this run lacks.
    fn absent(&self) -> &'static str {
        match self {
            Ran::Result(_) => "(absent)",
            Ran::Failed => "(stage could not run)",
            Ran::NotRun => "(stage not run)",
        }
    }
}

fn stage<'v>(report: &'v Value, name: &str) -> Option<&'v Value> {
    match ran(report, name) {
        Ran::Result(result) => Some(result),
        Ran::Failed | Ran::NotRun => None,
    }
}

/// Why a run has no outcome of a drift test (None when it has one).
fn missing(report: &Value, outcomes: &BTreeMap<String, &Value>, test: &str) -> Option<Missing> {
    match ran(report, "drift") {
        Ran::NotRun => Some(Missing::StageNotRun),
        Ran::Failed => Some(Missing::StageFailed),
        Ran::Result(_) => match outcomes.get(test) {
            None => Some(Missing::TestNotRun),
            Some(o) if o["result"].is_object() => None,
            Some(_) => Some(Missing::TestFailed),
        },
    }
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
    let (absent_a, absent_b) = (
        ran(ra, "fingerprint").absent(),
        ran(rb, "fingerprint").absent(),
    );
    let mut push = |what: &str, a: Option<String>, b: Option<String>| {
        if a != b && (a.is_some() || b.is_some()) {
            other.push(Change {
                what: format!("fingerprint {what}"),
                a: a.unwrap_or_else(|| absent_a.into()),
                b: b.unwrap_or_else(|| absent_b.into()),
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
                "{} ({}–{})",
                fixed(a, 3),
                fixed(v["low"].as_f64().unwrap_or(f64::NAN), 3),
                fixed(v["high"].as_f64().unwrap_or(f64::NAN), 3)
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
            "{} {} {}",
            top["kind"].as_str()?,
            top["value"].as_str()?,
            fixed(top["strength"]["auroc"].as_f64()?, 3)
        ))
    };
    push("strongest slice", strongest(&fa), strongest(&fb));
    let share = |v: &Value| {
        let e = &v["estimate"];
        Some(format!(
            "{} ({}–{}), {}",
            percent(e["estimate"].as_f64()?),
            percent(e["low"].as_f64()?),
            percent(e["high"].as_f64()?),
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
    let labelled = |v: &Value| v["scores"]["distribution"]["auroc"].as_f64().map(readable);
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
            statistic: [ob.get(t), oa.get(t)]
                .into_iter()
                .flatten()
                .find_map(|o| o["result"]["statistic_name"].as_str())
                .unwrap_or("")
                .to_string(),
            a: num(oa.get(t)),
            b: num(ob.get(t)),
            a_blocks: blocks(oa.get(t)),
            b_blocks: blocks(ob.get(t)),
            a_missing: missing(&ra, &oa, t),
            b_missing: missing(&rb, &ob, t),
        })
        .collect();
    // Newly blocking first, then by relative change.
    let relative = |c: &TestChange| match (c.relative_change(), c.a == c.b) {
        (Some(r), _) => r.abs(),
        (None, true) => 0.0,
        (None, false) => f64::INFINITY,
    };
    tests.sort_by(|x, y| {
        y.newly_blocking()
            .cmp(&x.newly_blocking())
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
    // A stage one run did not run (or could not): said once, not as each of its numbers.
    for name in super::run::STAGES {
        let (sa, sb) = (ran(&ra, name), ran(&rb, name));
        if sa.words() != sb.words() {
            other.push(Change {
                what: format!("{name} stage"),
                a: sa.words().into(),
                b: sb.words().into(),
            });
        }
    }
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
    let (absent_a, absent_b) = (ran(&ra, "policy").absent(), ran(&rb, "policy").absent());
    let mut names: Vec<&String> = ga.keys().chain(gb.keys()).collect();
    names.sort();
    names.dedup();
    for gate in names {
        let status = |g: &BTreeMap<String, String>, absent: &str| {
            g.get(gate).cloned().unwrap_or_else(|| absent.into())
        };
        let (sa, sb) = (status(&ga, absent_a), status(&gb, absent_b));
        if sa != sb {
            other.push(Change {
                what: format!("policy gate {gate}"),
                a: sa,
                b: sb,
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
            let change = t.relative_change_text();
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
                    "  {:<14} {:<36} {:>10} -> {:<10}",
                    f.test,
                    f.feature,
                    readable(f.a),
                    readable(f.b)
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
                    "  {:<14} {:<10} {}  {}",
                    w.test,
                    w.side,
                    fixed(w.score, 3),
                    w.id
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A small report as `driftprint report` writes it: every stage, an overall drift
    /// comparison with a test that blocks, one that ran and one that could not, a group.
    fn sample() -> Value {
        serde_json::from_str(
            r#"{
            "schema": "driftprint-report",
            "schema_version": 1,
            "run_id": "20260101T000000Z",
            "created": "2026-01-01T00:00:00Z",
            "config": null,
            "verdict": {"status": "blocked", "line": "BLOCKED: drift: drift in mmd"},
            "glance": [],
            "next_steps": [],
            "stages": [
                {"stage": "drift", "status": "blocked", "line": "drift in mmd", "seconds": 1.0,
                 "result": {"comparisons": [
                    {"n_reference": 10, "n_candidate": 10, "outcomes": [
                        {"test": "mmd", "gated": true, "blocks": true, "seconds": 0.1,
                         "gate_p": 0.002,
                         "result": {"test": "mmd", "statistic_name": "MMD²", "statistic": 0.25,
                                    "p_value": 0.002, "threshold": 0.05,
                                    "threshold_kind": "p_value_below", "drifted": true,
                                    "details": {"summary": "",
                                                "witnesses": [{"side": "candidate", "row": 1,
                                                               "id": "d1", "score": 0.9}]}}},
                        {"test": "psi", "gated": false, "blocks": false, "seconds": 0.1,
                         "result": {"test": "psi", "statistic_name": "max PSI", "statistic": 0.1,
                                    "p_value": null, "threshold": null,
                                    "threshold_kind": "statistic_above", "drifted": false,
                                    "details": {"summary": "",
                                                "features": [{"feature": "len", "statistic": 0.1,
                                                              "drifted": false}]}}},
                        {"test": "mauve", "gated": false, "blocks": false, "seconds": 0.0,
                         "error": "too few documents"}
                    ]},
                    {"group": "a", "n_reference": 5, "n_candidate": 5, "outcomes": []}
                 ]}},
                {"stage": "fingerprint", "status": "warn", "line": "strength 0.870",
                 "seconds": 1.0,
                 "result": {"status": "warn",
                            "strength": {"overall": {"auroc": 0.87, "low": 0.84, "high": 0.9},
                                         "slices": [{"kind": "class", "value": "x",
                                                     "strength": {"auroc": 0.96, "low": 0.9,
                                                                  "high": 1.0}}]},
                            "contamination": {"training": {"estimate": {"estimate": 0.05,
                                                                         "low": 0.0,
                                                                         "high": 0.12},
                                                           "status": "pass"},
                                              "eval": null},
                            "scores": {"distribution": {"auroc": 0.84},
                                       "lexicon": [{"toward": "synthetic",
                                                    "ngrams": ["delve"], "share": 0.3}]}}},
                {"stage": "collapse", "status": "error", "line": "no generations",
                 "seconds": 0.0},
                {"stage": "policy", "status": "pass", "line": "PASS", "seconds": 0.1,
                 "result": {"status": "pass",
                            "gates": [{"gate": "eval-is-real", "status": "pass"}]}}
            ]
        }"#,
        )
        .unwrap()
    }

    fn write(dir: &Path, name: &str, report: &Value) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec(report).unwrap()).unwrap();
        path
    }

    fn compared(a: &Value, b: &Value) -> RunComparison {
        let dir = tempfile::tempdir().unwrap();
        compare(
            &write(dir.path(), "a.json", a),
            &write(dir.path(), "b.json", b),
        )
        .unwrap()
    }

    /// The error `load` gives for the sample with `pointer` set to `value` (removed when None).
    fn error_with(pointer: &str, value: Option<Value>) -> String {
        let mut report = sample();
        match value {
            Some(v) => *report.pointer_mut(pointer).unwrap() = v,
            None => {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                let parent = report.pointer_mut(parent).unwrap();
                parent.as_object_mut().unwrap().remove(key).unwrap();
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "report.json", &report);
        match load(&path) {
            Ok(_) => panic!("{pointer} = accepted"),
            Err(e) => {
                let text = e.to_string();
                assert!(text.starts_with(&path.display().to_string()), "{text}");
                text
            }
        }
    }

    #[test]
    fn the_sample_is_a_report() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(&write(dir.path(), "r.json", &sample())).is_ok());
    }

    /// What is not a report is an error naming the field, before anything is compared.
    #[test]
    fn what_is_not_a_report_is_refused_naming_the_field() {
        const STATISTIC: &str = "/stages/0/result/comparisons/0/outcomes/0/result/statistic";
        const AT: &str = "field 'stages[0].result.comparisons[0].outcomes[0].result.statistic'";
        for (pointer, value, expected) in [
            ("/verdict", None, "field 'verdict': missing"),
            ("/stages", None, "field 'stages': missing"),
            (
                "/stages",
                Some(json!("drift")),
                "field 'stages': expected a list, found the string \"drift\"",
            ),
            (
                "/schema_version",
                Some(json!(2)),
                "field 'schema_version': the number 2, but this build of driftprint reads report schema version 1",
            ),
            (
                "/schema_version",
                Some(json!("1")),
                "field 'schema_version': the string \"1\", but",
            ),
            ("/schema_version", None, "field 'schema_version': missing, but"),
            ("/schema", Some(json!("other")), "not a driftprint report"),
            ("/verdict/line", Some(json!(3)), "field 'verdict.line': expected a string"),
            (STATISTIC, Some(json!([1, 2])), "expected a number, found a list"),
            (STATISTIC, Some(json!("NaN")), "expected a number, found the string \"NaN\""),
            (STATISTIC, Some(Value::Null), "expected a number, found null"),
            (
                "/stages/0/result/comparisons/0/outcomes/0/blocks",
                Some(json!("yes")),
                "outcomes[0].blocks': expected true or false",
            ),
            (
                "/stages/1/result/strength/overall/auroc",
                Some(json!("0.9")),
                "field 'stages[1].result.strength.overall.auroc': expected a number",
            ),
            (
                "/stages/3/result/gates/0/status",
                Some(json!(null)),
                "field 'stages[3].result.gates[0].status': expected a string, found null",
            ),
            (
                "/stages/1/stage",
                Some(json!("drift")),
                "field 'stages[1]': a second drift stage",
            ),
        ] {
            let text = error_with(pointer, value);
            assert!(text.contains(expected), "{pointer}: {text}");
            if pointer == STATISTIC {
                assert!(text.contains(AT), "{text}");
            }
        }
    }

    /// Null where the report writes null (a test that could not run, an uncalibrated
    /// threshold, no eval split) is a report.
    #[test]
    fn nulls_the_writer_writes_are_accepted() {
        let mut report = sample();
        report["stages"][1]["result"]["strength"] = Value::Null;
        report["stages"][1]["result"]["contamination"] = Value::Null;
        report["stages"][0]["result"]["comparisons"][0]["outcomes"][1]["result"]["threshold"] =
            Value::Null;
        let dir = tempfile::tempdir().unwrap();
        assert!(load(&write(dir.path(), "r.json", &report)).is_ok());
    }

    /// A run made with `--stages collapse,policy` against a full run: its drift tests read
    /// "stage not run", never "no longer blocks" (nor "now blocks" the other way round).
    #[test]
    fn a_stage_one_run_did_not_run_is_said_so() {
        let full = sample();
        let mut partial = sample();
        partial["stages"].as_array_mut().unwrap().remove(0);
        let c = compared(&full, &partial);
        let mmd = c.tests.iter().find(|t| t.test == "mmd").unwrap();
        assert_eq!(mmd.blocking(), "stage not run in the after run");
        assert_eq!(mmd.b_missing, Some(Missing::StageNotRun));
        assert!(c
            .tests
            .iter()
            .all(|t| t.blocking() == "stage not run in the after run"));
        let text = c.to_text();
        assert!(!text.contains("no longer blocks"), "{text}");
        assert!(text.contains("drift stage: ran -> not run"), "{text}");

        let c = compared(&partial, &full);
        let mmd = c.tests.iter().find(|t| t.test == "mmd").unwrap();
        assert_eq!(mmd.blocking(), "blocks; stage not run in the before run");
        assert!(!c.tests.iter().any(TestChange::newly_blocking));
        assert!(!c.to_text().contains("now blocks"));

        // The stage failed in one run; a test one run has no outcome of.
        let mut failed = sample();
        failed["stages"][0]
            .as_object_mut()
            .unwrap()
            .remove("result");
        failed["stages"][0]["status"] = json!("error");
        let c = compared(&full, &failed);
        assert!(c
            .tests
            .iter()
            .all(|t| t.blocking() == "stage could not run in the after run"));
        let c = compared(&full, &full);
        let mauve = c.tests.iter().find(|t| t.test == "mauve").unwrap();
        assert_eq!(mauve.blocking(), "test could not run in the after run");
        assert_eq!(
            c.tests.iter().find(|t| t.test == "mmd").unwrap().blocking(),
            "blocks"
        );
    }

    /// A huge statistic prints in scientific notation, not with 309 digits.
    #[test]
    fn huge_numbers_stay_readable() {
        let a = sample();
        let mut b = sample();
        b["stages"][0]["result"]["comparisons"][0]["outcomes"][0]["result"]["statistic"] =
            json!(1e308);
        b["stages"][0]["result"]["comparisons"][0]["outcomes"][1]["result"]["details"]
            ["features"][0]["statistic"] = json!(-1e300);
        let text = compared(&a, &b).to_text();
        assert!(text.contains("1.000e308"), "{text}");
        assert!(text.contains("-1.000e300"), "{text}");

        let longest = text
            .split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap();
        assert!(longest < 20, "{text}");
        assert_eq!(readable(0.28434), "0.2843");
        assert_eq!(readable(7.09e-101), "7.09e-101");
        assert_eq!(readable(-2.5e7), "-2.500e7");
        assert_eq!(share(Some(1e10)), "1.000e12%");
        let change = TestChange {
            test: "mmd".into(),
            statistic: "MMD²".into(),
            a: Some(1.0),
            b: Some(1e10),
            a_blocks: false,
            b_blocks: false,
            a_missing: None,
            b_missing: None,
        };
        assert_eq!(change.relative_change_text(), "+1.000e12%");
    }

    /// Replaces the `n`th node (in document order) of `v` with `by`; returns how many nodes
    /// were passed.
    fn replace_node(v: &mut Value, n: &mut usize, by: &Value) -> bool {
        if *n == 0 {
            *v = by.clone();
            return true;
        }
        *n -= 1;
        match v {
            Value::Array(items) => items.iter_mut().any(|i| replace_node(i, n, by)),
            Value::Object(map) => map.values_mut().any(|i| replace_node(i, n, by)),
            _ => false,
        }
    }

    fn junk() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Null),
            Just(json!("NaN")),
            Just(json!([1.0, 2.0])),
            Just(json!({})),
            Just(json!(true)),
            Just(json!(1e308)),
            Just(json!(-0.0)),
            Just(json!(u64::MAX)),
            Just(json!(i64::MIN)),
            Just(json!("drift")),
            ".{0,12}".prop_map(Value::from),
        ]
    }

    proptest::proptest! {
        /// Any damage to a report.json, to its bytes or to any one of its values, is read as
        /// a report or refused with an error naming the file: never a panic.
        #[test]
        fn damaged_reports_never_panic(
            node in 0usize..200,
            by in junk(),
            flips in proptest::collection::vec((0usize..4000, 0u8..8), 0..3),
            cut in 0usize..4000,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let intact = write(dir.path(), "a.json", &sample());
            let mut report = sample();
            replace_node(&mut report, &mut node.clone(), &by);
            let mut bytes = serde_json::to_vec_pretty(&report).unwrap();
            for (at, bit) in &flips {
                let i = at % bytes.len();
                bytes[i] ^= 1 << bit;
            }
            if cut % 5 == 0 {
                bytes.truncate(cut % bytes.len());
            }
            let damaged = dir.path().join("b.json");
            std::fs::write(&damaged, &bytes).unwrap();
            for (a, b) in [(&intact, &damaged), (&damaged, &intact), (&damaged, &damaged)] {
                match compare(a, b) {
                    Ok(c) => {
                        let _ = c.to_text();
                        let _ = crate::report::html::render_compare(&c);
                        let _ = serde_json::to_string(&c).unwrap();
                    }
                    Err(e) => {
                        let text = e.to_string();
                        proptest::prop_assert!(
                            text.starts_with(&damaged.display().to_string()),
                            "{}", text
                        );
                    }
                }
            }
        }
    }
}
