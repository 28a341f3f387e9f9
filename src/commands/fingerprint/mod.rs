//! `driftprint fingerprint train|eval|score|explain`: the detector of LLM-generated text, from
//! the command line.

pub mod eval;
pub mod explain;
pub mod score;
pub mod train;
pub mod zero_shot;

/// "12.3%", or "n/a" when a rate is undefined.
pub(crate) fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{:.1}%", 100.0 * v))
}

/// "0.981", or "n/a".
pub(crate) fn decimal(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |v| format!("{v:.3}"))
}
