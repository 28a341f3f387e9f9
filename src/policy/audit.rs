//! Gate 6: an expert audit gives the label-noise floor. `policy audit-sample` draws a seeded
//! sample of the synthetic training documents, stratified by generator and class, into a CSV
//! with `verdict` and `comment` columns; the reviewed file comes back with `--audit`, and the
//! label error rate of the random sample gets a Wilson 95% interval. Fewer than
//! `audit_min_reviewed` reviews, or an upper bound over `audit_max_error`, fails.

use std::collections::BTreeMap;
use std::path::Path;

use rand::seq::SliceRandom;

use super::config::Required;
use super::{Gate, GateResult, GateStatus, Manifest};
use crate::corpus::side_file::{read_side_file, SideFile};
use crate::corpus::Doc;
use crate::error::{Error, InputError, Location, Result};
use crate::output::AtomicFile;
use crate::stats::rng::seeded;
use crate::stats::wilson::wilson_interval;

/// Why a document is in the audit file.
pub const RANDOM: &str = "random";
pub const SUSPECT: &str = "suspect";

/// A seeded sample of `n` documents stratified by (generator, label): each stratum gets its
/// proportional share (largest remainders), documents within it at random.
pub fn stratified_sample<'a>(docs: &[&'a Doc], n: usize, seed: u64) -> Vec<&'a Doc> {
    let mut strata: BTreeMap<(Option<&str>, Option<&str>), Vec<&'a Doc>> = BTreeMap::new();
    for d in docs {
        strata
            .entry((d.lineage.generator.as_deref(), d.lineage.label.as_deref()))
            .or_default()
            .push(d);
    }
    let n = n.min(docs.len());
    let total = docs.len().max(1) as f64;
    let mut quota: Vec<(usize, f64)> = strata
        .values()
        .map(|s| {
            let exact = n as f64 * s.len() as f64 / total;
            (exact.floor() as usize, exact - exact.floor())
        })
        .collect();
    let mut left = n - quota.iter().map(|q| q.0).sum::<usize>();
    let mut order: Vec<usize> = (0..quota.len()).collect();
    order.sort_by(|&a, &b| quota[b].1.total_cmp(&quota[a].1).then(a.cmp(&b)));
    let sizes: Vec<usize> = strata.values().map(Vec::len).collect();
    for &i in order.iter().cycle().take(quota.len() * 2) {
        if left == 0 {
            break;
        }
        if quota[i].0 < sizes[i] {
            quota[i].0 += 1;
            left -= 1;
        }
    }
    let mut out = Vec::with_capacity(n);
    for (k, (stratum, (take, _))) in strata.into_values().zip(quota).enumerate() {
        let mut stratum = stratum;
        stratum.shuffle(&mut seeded(seed, k as u64));
        out.extend(stratum.into_iter().take(take));
    }
    out
}

/// Writes the review file: id, sample (random | suspect), generator, label, text, verdict,
/// comment; reviewers fill `verdict` with correct or wrong.
pub fn write_sheet(path: &Path, rows: &[(&Doc, &str)]) -> Result<()> {
    let file = AtomicFile::create(path)?;
    let mut w = csv::Writer::from_writer(file);
    let io = |e: csv::Error| Error::output(path, std::io::Error::other(e));
    w.write_record([
        "id",
        "sample",
        "generator",
        "label",
        "text",
        "verdict",
        "comment",
    ])
    .map_err(io)?;
    for (d, why) in rows {
        w.write_record([
            d.id.as_str(),
            why,
            d.lineage.generator.as_deref().unwrap_or(""),
            d.lineage.label.as_deref().unwrap_or(""),
            d.text.as_str(),
            "",
            "",
        ])
        .map_err(io)?;
    }
    let file = w
        .into_inner()
        .map_err(|e| Error::output(path, std::io::Error::other(e.to_string())))?;
    file.commit()
}

/// A reviewed audit file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Audit {
    /// Reviewed documents of the random sample: id → label correct.
    pub random: BTreeMap<String, bool>,
    /// Reviewed suspects (not used for the noise floor).
    pub suspects: BTreeMap<String, bool>,
    /// Rows without a verdict yet.
    pub unreviewed: usize,
}

impl Audit {
    pub fn load(path: &Path) -> Result<Audit> {
        let file_error = |m: String| Error::Input(InputError::file(path, m));
        let bytes = read_side_file(path, SideFile::Audit)?;
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_reader(bytes.as_slice());
        let headers = reader
            .headers()
            .map_err(|e| file_error(format!("cannot read the header: {e}")))?
            .clone();
        let column = |name: &str| headers.iter().position(|h| h.trim() == name);
        let (Some(id_col), Some(verdict_col)) = (column("id"), column("verdict")) else {
            return Err(file_error(format!(
                "an audit file needs `id` and `verdict` columns (found: {}); make one with `driftprint policy audit-sample`",
                headers.iter().collect::<Vec<_>>().join(", ")
            )));
        };
        let sample_col = column("sample");
        let mut audit = Audit::default();
        for (i, record) in reader.records().enumerate() {
            let line = i as u64 + 2;
            let at = |m: String, field: &str| {
                Error::Input(InputError::new(path, Location::Line(line), m).with_field(field))
            };
            let record = record.map_err(|e| at(format!("malformed CSV: {e}"), "(row)"))?;
            let id = record.get(id_col).unwrap_or("").trim();
            if id.is_empty() {
                return Err(at("empty id".into(), "id"));
            }
            let verdict = record
                .get(verdict_col)
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            let correct = match verdict.as_str() {
                "" => {
                    audit.unreviewed += 1;
                    continue;
                }
                "correct" | "ok" | "yes" | "y" | "1" | "true" => true,
                "wrong" | "incorrect" | "error" | "no" | "n" | "0" | "false" => false,
                other => {
                    return Err(at(
                        format!("verdict '{other}' is neither correct nor wrong"),
                        "verdict",
                    ))
                }
            };
            let suspect = match sample_col.and_then(|c| record.get(c)).map(str::trim) {
                None | Some("") | Some(RANDOM) => false,
                Some(SUSPECT) => true,
                Some(other) => {
                    return Err(at(
                        format!("sample '{other}' is neither {RANDOM} nor {SUSPECT}"),
                        "sample",
                    ))
                }
            };
            let target = if suspect {
                &mut audit.suspects
            } else {
                &mut audit.random
            };
            if target.insert(id.to_string(), correct).is_some() {
                return Err(at(format!("document '{id}' is reviewed twice"), "id"));
            }
        }
        Ok(audit)
    }
}

pub struct ExpertAudit;

impl Gate for ExpertAudit {
    fn check(&self, m: &Manifest) -> Result<GateResult> {
        const NAME: &str = "expert-audit";
        let synthetic = m.train.all.synthetic;
        let config = m.config;
        let Some(audit) = m.audit else {
            if synthetic == 0 {
                return Ok(GateResult::new(
                    NAME,
                    GateStatus::Pass,
                    "no synthetic training documents to audit",
                ));
            }
            let status = match config.audit_required {
                Required::Warn => GateStatus::Warn,
                Required::Fail => GateStatus::Fail,
            };
            return Ok(GateResult::new(
                NAME,
                status,
                format!(
                    "{synthetic} synthetic training documents and no --audit: the label-noise floor is unknown (draw a sample with `driftprint policy audit-sample`)"
                ),
            ));
        };
        let known = &m.train.audited_present;
        let unknown: Vec<String> = audit
            .random
            .keys()
            .chain(audit.suspects.keys())
            .filter(|id| !known.contains(*id))
            .map(|id| format!("reviewed id not in the training set: {id}"))
            .collect();
        let n = audit.random.len();
        let wrong: Vec<String> = audit
            .random
            .iter()
            .filter(|(_, &ok)| !ok)
            .map(|(id, _)| format!("wrong label: {id}"))
            .collect();
        let suspects_wrong = audit.suspects.values().filter(|&&ok| !ok).count();
        let limit = config.audit_max_error;
        let Some((low, high)) = wilson_interval(wrong.len() as u64, n as u64, 0.05) else {
            return Ok(GateResult::new(
                NAME,
                GateStatus::Fail,
                format!(
                    "the audit file has no reviewed random-sample rows ({} unreviewed)",
                    audit.unreviewed
                ),
            ));
        };
        let rate = wrong.len() as f64 / n as f64;
        let mut status = if n < config.audit_min_reviewed || high > limit {
            GateStatus::Fail
        } else {
            GateStatus::Pass
        };
        if !unknown.is_empty() {
            status = status.max(GateStatus::Warn);
        }
        let mut message = format!(
            "label error rate {:.1}% ({} of {n} reviewed; Wilson 95% {:.1}%–{:.1}%, upper bound limit {:.1}%)",
            100.0 * rate,
            wrong.len(),
            100.0 * low,
            100.0 * high,
            100.0 * limit
        );
        if n < config.audit_min_reviewed {
            message.push_str(&format!(
                "; only {n} reviewed, at least {} needed",
                config.audit_min_reviewed
            ));
        }
        if !audit.suspects.is_empty() {
            message.push_str(&format!(
                "; suspects (not in the estimate): {suspects_wrong} of {} wrong",
                audit.suspects.len()
            ));
        }
        Ok(GateResult::new(NAME, status, message)
            .measured(high, limit)
            .evidence(wrong.into_iter().chain(unknown).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Lineage, Source};

    fn doc(i: usize, generator: &str, label: &str) -> Doc {
        let mut l = Lineage::new(Source::Synthetic);
        l.generator = Some(generator.into());
        l.label = Some(label.into());
        Doc {
            id: format!("d{i}"),
            text: format!("text {i}"),
            lineage: l,
        }
    }

    #[test]
    fn the_sample_is_proportional_seeded_and_distinct() {
        let docs: Vec<Doc> = (0..300)
            .map(|i| {
                doc(
                    i,
                    if i < 200 { "gpt" } else { "llama" },
                    if i % 3 == 0 { "pos" } else { "neg" },
                )
            })
            .collect();
        let refs: Vec<&Doc> = docs.iter().collect();
        let a = stratified_sample(&refs, 60, 7);
        assert_eq!(a.len(), 60);
        let gpt = a
            .iter()
            .filter(|d| d.lineage.generator.as_deref() == Some("gpt"))
            .count();
        assert_eq!(gpt, 40);
        let ids: std::collections::BTreeSet<&str> = a.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids.len(), 60);
        let b = stratified_sample(&refs, 60, 7);
        assert_eq!(
            a.iter().map(|d| &d.id).collect::<Vec<_>>(),
            b.iter().map(|d| &d.id).collect::<Vec<_>>()
        );
        assert_eq!(stratified_sample(&refs, 1000, 7).len(), 300);
    }

    #[test]
    fn audit_files_are_read_and_bad_ones_named_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.csv");
        std::fs::write(
            &path,
            "id,sample,verdict,comment\nd1,random,correct,\nd2,random,WRONG,made up\nd3,suspect,wrong,\nd4,random,,\n",
        )
        .unwrap();
        let a = Audit::load(&path).unwrap();
        assert_eq!(a.random.len(), 2);
        assert!(!a.random["d2"]);
        assert_eq!(a.suspects.len(), 1);
        assert_eq!(a.unreviewed, 1);
        std::fs::write(&path, "id,verdict\nd1,correct\nd2,maybe\n").unwrap();
        let e = Audit::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("audit.csv") && e.contains("line 3") && e.contains("verdict"),
            "{e}"
        );
        std::fs::write(&path, "id,label\nd1,x\n").unwrap();
        assert!(Audit::load(&path)
            .unwrap_err()
            .to_string()
            .contains("`id` and `verdict`"));
    }
}
