//! The `format` feature family: how a text is laid out and typeset, measured on the raw text —
//! lines, paragraphs, blank lines, list and heading markers, markdown, stray whitespace,
//! typographic quotes and dashes, detokenisation spaces before punctuation.
//!
//! These differ between corpora for reasons that have nothing to do with who wrote the text
//! (exports, scrapers, chat templates, length limits), so a detector leaves them out unless
//! asked (`--features ngram,stylo,format`); drift keeps them, and the shortcut audit names any
//! that separate the classes on their own.

use ndarray::Array2;
use rayon::prelude::*;

use super::named;
use super::tokens::words;
use super::Featurizer;
use crate::corpus::Doc;

/// Layout and typography featurizer (no fitting; per-document statistics of the raw text).
#[derive(Debug, Clone, Default)]
pub struct Formatting;

impl Featurizer for Formatting {
    fn name(&self) -> &'static str {
        "format"
    }

    fn columns(&self) -> Vec<String> {
        named::columns(describe)
    }

    fn transform(&self, docs: &[Doc]) -> crate::error::Result<Array2<f32>> {
        let rows: Vec<Vec<f32>> = docs.par_iter().map(|d| features(&d.text)).collect();
        Ok(named::matrix(rows, self.columns().len()))
    }
}

/// The format vector of one raw text, in `columns()` order.
pub fn features(text: &str) -> Vec<f32> {
    named::values(describe, text)
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

fn is_list_item(line: &str) -> bool {
    let t = line.trim_start();
    if t.starts_with("- ") || t.starts_with("* ") || t.starts_with("• ") {
        return true;
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && digits <= 3 && matches!(t[digits..].chars().next(), Some('.' | ')'))
}

/// A markdown heading: one to six `#` and a space.
fn is_heading(line: &str) -> bool {
    let t = line.trim_start();
    let hashes = t.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes) && t[hashes..].starts_with(' ')
}

/// Walks every feature of `text` in column order, giving each its name and value.
/// `columns()` calls it on "" to learn the names, so names and values cannot drift apart.
fn describe(text: &str, emit: &mut dyn FnMut(&str, f64)) {
    let n_words = words(text).count() as f64;
    let per_word = |count: usize| ratio(count as f64, n_words);

    // Lines and paragraphs (`lines()` also strips a '\r' before each '\n').
    let lines: Vec<&str> = text.lines().collect();
    let blank = lines.iter().filter(|l| l.trim().is_empty()).count() as f64;
    let filled = lines.len() as f64 - blank;
    let paragraphs = text.split("\n\n").filter(|p| !p.trim().is_empty()).count() as f64;
    emit("lines", lines.len() as f64);
    emit("paragraphs", paragraphs);
    emit(
        "mean_line_chars",
        ratio(lines.iter().map(|l| l.chars().count() as f64).sum(), filled),
    );
    emit("mean_paragraph_words", ratio(n_words, paragraphs));
    emit("blank_line_ratio", ratio(blank, lines.len() as f64));
    let filled_lines = || lines.iter().filter(|l| !l.trim().is_empty());
    emit(
        "list_line_rate",
        ratio(
            filled_lines().filter(|l| is_list_item(l)).count() as f64,
            filled,
        ),
    );
    emit(
        "heading_line_rate",
        ratio(
            filled_lines().filter(|l| is_heading(l)).count() as f64,
            filled,
        ),
    );
    emit(
        "table_line_rate",
        ratio(
            filled_lines()
                .filter(|l| l.trim_start().starts_with('|'))
                .count() as f64,
            filled,
        ),
    );

    // Markdown inline marks, per word.
    emit(
        "markdown_emphasis_rate",
        per_word(text.matches("**").count() + text.matches("__").count()),
    );
    emit("markdown_code_rate", per_word(text.matches('`').count()));
    emit("markdown_link_rate", per_word(text.matches("](").count()));

    // Stray whitespace.
    let chars = text.chars().count() as f64;
    emit(
        "whitespace_ratio",
        ratio(
            text.chars().filter(|c| c.is_whitespace()).count() as f64,
            chars,
        ),
    );
    emit(
        "starts_with_whitespace",
        f64::from(u8::from(text.starts_with(char::is_whitespace))),
    );
    emit(
        "ends_with_whitespace",
        f64::from(u8::from(text.ends_with(char::is_whitespace))),
    );
    emit(
        "trailing_space_line_rate",
        ratio(
            filled_lines().filter(|l| l.ends_with([' ', '\t'])).count() as f64,
            filled,
        ),
    );
    emit("double_space_rate", per_word(text.matches("  ").count()));
    emit("tab_rate", per_word(text.matches('\t').count()));
    emit(
        "carriage_return_rate",
        ratio(text.matches('\r').count() as f64, lines.len() as f64),
    );
    emit(
        "space_before_punctuation_rate",
        per_word(
            [" ,", " .", " ;", " :", " !", " ?", " )", " '", " n't"]
                .iter()
                .map(|p| text.matches(p).count())
                .sum(),
        ),
    );

    // Typography the normalisation unifies.
    let count = |set: &[char]| text.chars().filter(|c| set.contains(c)).count();
    emit(
        "curly_quote_rate",
        per_word(count(&['\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}'])),
    );
    emit("en_dash_rate", per_word(count(&['\u{2013}'])));
    emit("em_dash_rate", per_word(count(&['\u{2014}'])));
    emit("ellipsis_char_rate", per_word(count(&['\u{2026}'])));
    emit(
        "invisible_char_rate",
        per_word(count(&[
            '\u{00A0}', '\u{00AD}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{FEFF}',
        ])),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, name: &str) -> f32 {
        let names = Formatting.columns();
        let i = names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        features(text)[i]
    }

    #[test]
    fn columns_are_named_unique_and_zero_for_empty_text() {
        let names = Formatting.columns();
        let unique: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert_eq!(features("a b").len(), names.len());
        assert!(features("").iter().all(|v| *v == 0.0));
    }

    #[test]
    fn measures_layout_and_typography_of_a_known_text() {
        let text = "# Title\n\n- one \u{201C}a\u{201D} \n- two\u{2014}three\n\nEnd , really .\n";
        assert_eq!(value(text, "lines"), 6.0);
        assert_eq!(value(text, "paragraphs"), 3.0);
        assert_eq!(value(text, "blank_line_ratio"), 2.0 / 6.0);
        assert_eq!(value(text, "list_line_rate"), 2.0 / 4.0);
        assert_eq!(value(text, "heading_line_rate"), 1.0 / 4.0);
        assert_eq!(value(text, "ends_with_whitespace"), 1.0);
        assert_eq!(value(text, "starts_with_whitespace"), 0.0);
        // Words: Title one a two three End really.
        assert_eq!(value(text, "curly_quote_rate"), 2.0 / 7.0);
        assert_eq!(value(text, "em_dash_rate"), 1.0 / 7.0);
        assert_eq!(value(text, "space_before_punctuation_rate"), 2.0 / 7.0);
        assert_eq!(value(text, "trailing_space_line_rate"), 1.0 / 4.0);
    }

    #[test]
    fn crlf_counts_as_its_own_feature_not_as_extra_lines() {
        assert_eq!(value("a\r\nb\r\n", "lines"), value("a\nb\n", "lines"));
        assert_eq!(value("a\r\nb\r\n", "carriage_return_rate"), 1.0);
        assert_eq!(value("a\nb\n", "carriage_return_rate"), 0.0);
    }
}
