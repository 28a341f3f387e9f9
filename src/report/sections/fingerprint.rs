//! The fingerprint stage in a report: the strength of the synthetic data's fingerprint (overall
//! and per generation strategy, with the lexicon of the strongest), the contamination of the
//! real side (per scope, with the error rates behind it and the most suspicious documents), the
//! detector's scores; its figures, glance and the numbers the history keeps.

use std::fmt::Write as _;

use super::prelude::*;
use crate::fingerprint::contamination::{Contamination, MeasuredRate, ScopeEstimate};
use crate::fingerprint::strength::AurocInterval;
use crate::stages::FingerprintReport;

/// Slices listed in the report's table (the figure shows as many).
const SLICES_SHOWN: usize = 15;

/// Where this stage's question differs from drift's c2st, said once in the report.
const VERSUS_C2ST: &str = "Drift's <code>c2st</code> asks <em>whether</em> the two sides differ at all in the drift features (a test: with enough documents any difference gives a tiny p-value). The strength asks <em>how much</em>: how easily a detector trained on this run's own documents, reading only their normalised text, tells its synthetic documents from its real ones (out of fold, an AUROC: 0.5 is no fingerprint, 1.0 told apart every time), as an effect size for each generation strategy. A strong fingerprint is a style the downstream model can learn instead of the signal.";

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

fn interval(a: &AurocInterval) -> String {
    format!("{:.3} ({:.3}–{:.3})", a.auroc, a.low, a.high)
}

/// A scope's estimate in words: "0.4% (95% CI 0.0–2.1%)".
fn share(e: &ScopeEstimate) -> String {
    match &e.estimate {
        Some(f) => format!(
            "{} ({:.0}% CI {}–{})",
            pct(f.estimate),
            100.0 * f.level,
            pct(f.low),
            pct(f.high)
        ),
        None => "—".into(),
    }
}

impl FingerprintReport {
    /// The scopes that gate (training data, eval split) and then the files.
    fn scopes(&self) -> Vec<&ScopeEstimate> {
        self.contamination
            .iter()
            .flat_map(|c| c.training.iter().chain(&c.eval).chain(&c.files))
            .collect()
    }

    /// One line: the strength, then the real side's contamination.
    fn line(&self) -> String {
        let strength = match &self.strength {
            Some(s) => {
                let top = s
                    .slices
                    .first()
                    .map(|t| format!(", strongest {} {:.3}", t.label(), t.strength.auroc))
                    .unwrap_or_default();
                format!(
                    "strength {:.3} (95% CI {:.3}–{:.3}; limit {}){top}",
                    s.overall.auroc, s.overall.low, s.overall.high, self.max_strength
                )
            }
            None => format!(
                "strength not measured ({})",
                self.strength_note.as_deref().unwrap_or("no documents")
            ),
        };
        let real = match &self.contamination {
            Some(c) => {
                // The scopes that gate; the files are in the table and the next steps (they
                // follow how the corpus was split into files, a report's line does not).
                let worst = c
                    .training
                    .iter()
                    .chain(&c.eval)
                    .filter(|s| s.status != Status::Pass)
                    .reduce(|a, b| if b.status > a.status { b } else { a });
                match (worst, &c.training, &c.eval) {
                    (Some(w), _, _) => {
                        format!("real side: {} {} — {}", w.scope, share(w), w.reason)
                    }
                    (None, Some(t), _) => format!(
                        "real side: {} LLM text in the training data{}",
                        share(t),
                        c.eval
                            .as_ref()
                            .map(|e| format!(", {} in the eval split", share(e)))
                            .unwrap_or_default()
                    ),
                    (None, None, Some(e)) => {
                        format!("real side: {} LLM text in the eval split", share(e))
                    }
                    (None, None, None) => "no real documents".into(),
                }
            }
            None => "no real documents".into(),
        };
        format!("{strength}; {real}")
    }
}

impl Section for FingerprintReport {
    fn verdict(&self) -> (StageStatus, String) {
        (self.status.into(), self.line())
    }

    fn html(&self, s: &mut String) {
        let d = &self.detector;
        let _ = writeln!(
            s,
            "<p>Scored by {}{}.</p>",
            escape(&d.model.display().to_string()),
            if d.built_in {
                " (no <code>[fingerprint] model</code> is configured: docs/default-detector.md says what it was trained on and where it is weak)"
            } else {
                ""
            }
        );
        strength_html(self, s);
        if let Some(c) = &self.contamination {
            contamination_html(c, s);
        }
        let f = &self.scores;
        let _ = writeln!(
            s,
            "<h3>The detector's scores</h3><table><tr><th>documents</th><th>flagged</th><th>mean probability</th><th>detector TPR</th><th>detector FPR</th><th>AUROC here</th></tr><tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{:.3}</td><td class=\"num\">{}</td></tr></table>",
            f.documents,
            f.flagged,
            f.mean_probability,
            f.detector_tpr,
            f.detector_fpr,
            f.distribution
                .auroc
                .map_or("— (one label)".into(), |a| format!("{a:.3}"))
        );
        lexicon_table(s, &f.lexicon);
        // The built-in detector's training data is not the user's to change: its likely
        // artefacts are in its model card, not in every report.
        if !d.built_in {
            shortcut_table(s, &f.shortcuts, true);
        }
    }

    fn markdown(&self, s: &mut String) {
        if let Some(st) = &self.strength {
            let _ = writeln!(
                s,
                "\n**fingerprint strength** {} against the limit {} (warning above {}); strongest slices: {}",
                interval(&st.overall),
                self.max_strength,
                self.warn_strength,
                st.slices
                    .iter()
                    .take(3)
                    .map(|x| format!("{} {:.3}", cell(&x.label()), x.strength.auroc))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for e in self
            .scopes()
            .into_iter()
            .filter(|e| e.status != Status::Pass)
        {
            let _ = writeln!(
                s,
                "\n**fingerprint {}**: {} LLM text — {}",
                cell(&e.scope),
                share(e),
                cell(&e.reason)
            );
        }
        let f = &self.scores;
        if !f.shortcuts.shortcuts.is_empty() && !self.detector.built_in {
            let _ = writeln!(
                s,
                "\n**fingerprint**: in the detector's training data {} style/format/length features separate the classes on their own (likely artefacts): {}",
                f.shortcuts.shortcuts.len(),
                cell(&shortcut_names(&f.shortcuts))
            );
        }
    }

    fn figures(&self, out: &mut Vec<NamedFigure>) {
        if let Some(figure) = self
            .strength
            .as_ref()
            .map(|st| fingerprint_strength(st, self.max_strength, self.warn_strength, SLICES_SHOWN))
        {
            out.push(NamedFigure {
                stage: "fingerprint",
                name: "fingerprint-strength".into(),
                caption: STRENGTH_CAPTION,
                figure,
            });
        }
        out.push(NamedFigure {
            stage: "fingerprint",
            name: "fingerprint-scores".into(),
            caption: SCORES_CAPTION,
            figure: fingerprint_scores(&self.scores),
        });
    }

    fn glance(&self, next: &mut Vec<NextStep>) -> String {
        if self.strength_status().0 != Status::Pass {
            if let Some(top) = self.strength.as_ref().and_then(|s| s.slices.first()) {
                let without = top
                    .without
                    .map(|w| format!("; without it the data's strength would be {:.3}", w.auroc))
                    .unwrap_or_default();
                next.push(NextStep {
                    stage: "fingerprint",
                    text: format!(
                        "the strongest fingerprint is {} (strength {}){without}: vary that generation strategy (other generators, prompts, temperatures) or filter its most detectable documents",
                        top.label(),
                        interval(&top.strength)
                    ),
                });
            }
        }
        for e in self
            .scopes()
            .into_iter()
            .filter(|e| e.status != Status::Pass)
            .take(NAMED)
        {
            next.push(NextStep {
                stage: "fingerprint",
                text: format!(
                    "LLM text among the documents labelled real ({}): {} — {}; the most suspicious are listed in the report",
                    e.scope,
                    share(e),
                    e.reason
                ),
            });
        }
        let f = &self.scores;
        if !f.shortcuts.shortcuts.is_empty() && !self.detector.built_in {
            let names: Vec<&str> = f
                .shortcuts
                .shortcuts
                .iter()
                .take(NAMED)
                .map(|s| s.feature.as_str())
                .collect();
            next.push(NextStep {
                stage: "fingerprint",
                text: format!(
                    "check the detector's training data: {} style/format/length feature(s) separate its classes on their own ({}), likely artefacts of how it was collected",
                    f.shortcuts.shortcuts.len(),
                    names.join(", ")
                ),
            });
        }
        self.line()
    }

    fn tracked(&self, out: &mut Vec<Tracked>) {
        out.push(Tracked {
            key: "fingerprint.strength".into(),
            value: self.strength.as_ref().map(|s| s.overall.auroc),
            limit: Some(self.max_strength),
            plotted: true,
        });
        let estimate = |scope: Option<&ScopeEstimate>| {
            scope.and_then(|e| e.estimate.as_ref()).map(|f| f.estimate)
        };
        let c = self.contamination.as_ref();
        let limit = c.map(|c| c.max_share);
        out.push(Tracked {
            key: "fingerprint.real_contamination".into(),
            value: estimate(c.and_then(|c| c.training.as_ref())),
            limit,
            plotted: true,
        });
        out.push(Tracked {
            key: "fingerprint.eval_contamination".into(),
            value: estimate(c.and_then(|c| c.eval.as_ref())),
            limit,
            plotted: c.is_some_and(|c| c.eval.is_some()),
        });
    }
}

fn strength_html(r: &FingerprintReport, s: &mut String) {
    let _ = writeln!(s, "<h3>Fingerprint strength</h3>");
    let Some(st) = &r.strength else {
        let _ = writeln!(
            s,
            "<p>Not measured: {}.</p>",
            escape(r.strength_note.as_deref().unwrap_or("no documents"))
        );
        return;
    };
    let (status, reason) = r.strength_status();
    let _ = writeln!(
        s,
        "<p{}><strong>{}</strong>: {}. {} real and {} synthetic documents sampled (of {} and {}), {} folds{}{}.</p>",
        if status == Status::Pass { "" } else { " class=\"warn\"" },
        status.label(),
        escape(&reason),
        r.sampled.real,
        r.sampled.synthetic,
        r.sampled.real_seen,
        r.sampled.synthetic_seen,
        st.folds,
        if st.grouped_by.is_empty() {
            String::new()
        } else {
            format!(
                " (documents sharing a {} kept in one fold)",
                escape(&st.grouped_by.join(" or "))
            )
        },
        if st.within_class {
            "; documents compared within their class"
        } else {
            ""
        }
    );
    let _ = writeln!(s, "<p class=\"note\">{VERSUS_C2ST}</p>");
    if st.uncompared > 0 {
        let _ = writeln!(
            s,
            "<p>{} synthetic documents of classes without real documents are not compared.</p>",
            st.uncompared
        );
    }
    if !st.slices.is_empty() {
        let _ = writeln!(
            s,
            "<table><tr><th>generation strategy</th><th>synthetic</th><th>real</th><th>strength (95% CI)</th><th>the data without it</th></tr>"
        );
        for x in st.slices.iter().take(SLICES_SHOWN) {
            let _ = writeln!(
                s,
                "<tr{}><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                if x.strength.low > r.max_strength { " class=\"blocks\"" } else { "" },
                escape(&x.label()),
                x.strength.synthetic,
                x.strength.real,
                interval(&x.strength),
                x.without.as_ref().map_or("—".into(), interval)
            );
        }
        s.push_str("</table>\n");
    }
    if st.small_slices > 0 {
        let _ = writeln!(
            s,
            "<p>{} slices with fewer than {} sampled synthetic documents are not ranked.</p>",
            st.small_slices, st.min_slice
        );
    }
    if let (Some(top), false) = (st.slices.first(), st.strongest_lexicon.is_empty()) {
        let _ = writeln!(
            s,
            "<p>What the detector keys on in {}'s documents (n-grams weighing toward synthetic, by weight × how common they are there):</p><table><tr><th>n-grams</th><th>weight</th><th>in its documents</th><th>in real documents</th><th>example</th></tr>",
            escape(&top.label())
        );
        for e in &st.strongest_lexicon {
            let grams: Vec<String> = e.ngrams.iter().map(|g| format!("“{}”", g.ngram)).collect();
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td class=\"num\">{:+.3}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                escape(&grams.join(", ")),
                e.weight,
                pct(e.share_synthetic),
                pct(e.share_real),
                escape(e.snippet.as_deref().unwrap_or(""))
            );
        }
        s.push_str("</table>\n");
    }
}

fn contamination_html(c: &Contamination, s: &mut String) {
    let trusted = match c.trusted {
        Some((documents, origin)) => format!(
            "false-positive rates measured on {} ({documents} documents)",
            origin.describe()
        ),
        None => "the detector's own false-positive rates".into(),
    };
    let _ = writeln!(
        s,
        "<h3>LLM text among the documents labelled real</h3><p>The share of documents the detector flags, corrected for its error rates at the same operating point: true-positive rates measured on this run's synthetic documents (with enough of them, else the detector's own), {trusted}. Each scope is read at the operating point that gives it the narrowest interval. A scope blocks when its interval's lower bound is above {} (with at least {} documents); an interval wider than {} is inconclusive.</p>",
        pct(c.max_share),
        c.min_documents,
        pct(c.max_width)
    );
    if let Some(note) = &c.fpr_note {
        let _ = writeln!(
            s,
            "<p class=\"note\">The detector's own FPR is used: {}.</p>",
            escape(note)
        );
    }
    let _ = writeln!(
        s,
        "<table><tr><th>scope</th><th>documents</th><th>read at</th><th>TPR / FPR there</th><th>flagged</th><th>estimated LLM share (95% CI)</th><th>status</th><th>why</th></tr>"
    );
    for e in c.training.iter().chain(&c.eval).chain(&c.files) {
        let rate = |m: &MeasuredRate| {
            format!(
                "{} of {} ({})",
                pct(m.rate.value()),
                m.rate.trials,
                m.origin.describe()
            )
        };
        let _ = writeln!(
            s,
            "<tr{}><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{} / {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            if e.status == Status::Blocked { " class=\"blocks\"" } else { "" },
            escape(&e.scope),
            e.documents,
            escape(&e.point),
            escape(&rate(&e.rates.tpr)),
            escape(&rate(&e.rates.fpr)),
            e.flagged,
            share(e),
            e.status.label(),
            escape(&e.reason)
        );
    }
    s.push_str("</table>\n");
    if !c.suspects.is_empty() {
        let _ = writeln!(
            s,
            "<p>The real-labelled documents the detector finds most LLM-like:</p><table><tr><th>id</th><th>file</th><th>probability</th><th>text</th></tr>"
        );
        for x in &c.suspects {
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{:.3}</td><td>{}</td></tr>",
                escape(&x.id),
                escape(&x.file),
                x.probability,
                escape(&x.snippet)
            );
        }
        s.push_str("</table>\n");
    }
}
