//! Text normalisation before content features (n-grams, stylometry, embeddings) see a document:
//! how a text was exported, scraped or templated must not be what a detector learns.
//!
//! `standard` (the default): Unicode compatibility forms (NFKC: full-width letters, ligatures,
//! "…" → "..."), typographic quote and apostrophe variants to `'` and `"`, hyphen and dash
//! variants to `-`, invisible characters (zero-width spaces, soft hyphens, BOM, control
//! characters) dropped, every whitespace run (newlines, tabs, non-breaking spaces) folded to one
//! space, and leading and trailing whitespace trimmed. What it removes is measured instead by the
//! `format` feature family, which reads the raw text. `none` leaves the text as it is.

use std::borrow::Cow;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// Which normalisation content features see. Stored with a detector, so scoring applies the one
/// it was trained with; a change to the rules gets a new variant, never a new meaning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalization {
    /// The raw text.
    None,
    /// NFKC, quotes/apostrophes/dashes unified, invisibles dropped, whitespace folded, trimmed.
    #[default]
    Standard,
}

impl FromStr for Normalization {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "standard" => Ok(Normalization::Standard),
            "none" => Ok(Normalization::None),
            other => Err(format!(
                "unknown normalisation '{other}' (available: standard, none)"
            )),
        }
    }
}

impl Normalization {
    pub fn name(self) -> &'static str {
        match self {
            Normalization::None => "none",
            Normalization::Standard => "standard",
        }
    }

    /// The text as content features see it; borrowed when nothing changes (plain ASCII with
    /// single spaces, the common case).
    pub fn apply(self, text: &str) -> Cow<'_, str> {
        match self {
            Normalization::None => Cow::Borrowed(text),
            Normalization::Standard if is_standard(text) => Cow::Borrowed(text),
            Normalization::Standard => {
                let mut out = String::with_capacity(text.len());
                for_each_standard_char(text, |c| out.push(c));
                Cow::Owned(out)
            }
        }
    }

    /// Calls `emit` with every character of the normalised text, without building it.
    pub fn for_each_char(self, text: &str, emit: impl FnMut(char)) {
        match self {
            Normalization::None => text.chars().for_each(emit),
            Normalization::Standard => for_each_standard_char(text, emit),
        }
    }
}

/// What a character becomes before whitespace folding: itself, another, or nothing.
enum Unified {
    Keep(char),
    Space,
    Drop,
}

fn unify(c: char) -> Unified {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{2035}' | '`'
        | '\u{00B4}' | '\u{02BC}' => Unified::Keep('\''),
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{2036}'
        | '\u{00AB}' | '\u{00BB}' => Unified::Keep('"'),
        '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}'
        | '\u{2043}' | '\u{2212}' | '\u{2E3A}' | '\u{2E3B}' | '\u{FE58}' | '\u{FE63}' => {
            Unified::Keep('-')
        }
        c if c.is_whitespace() => Unified::Space,
        c if is_invisible(c) => Unified::Drop,
        c => Unified::Keep(c),
    }
}

/// Characters that change nothing a reader sees: zero-width spaces and joiners, soft hyphens,
/// byte-order marks, control characters (other than whitespace).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}'
    ) || (c.is_control() && !c.is_whitespace())
}

/// Whether `standard` leaves `text` as it is: printable ASCII apart from single inner spaces
/// (backticks become apostrophes, so they count as a change).
fn is_standard(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut previous_space = true;
    for &b in bytes {
        let space = b == b' ';
        if !(0x20..0x7f).contains(&b) || b == b'`' || (space && previous_space) {
            return false;
        }
        previous_space = space;
    }
    !previous_space || bytes.is_empty()
}

fn for_each_standard_char(text: &str, mut emit: impl FnMut(char)) {
    // Pending space: emitted only before the next kept character, so runs fold to one and
    // trailing whitespace disappears; `started` drops leading whitespace.
    let (mut pending, mut started) = (false, false);
    let mut push = |u: Unified| match u {
        Unified::Keep(c) => {
            if pending && started {
                emit(' ');
            }
            pending = false;
            started = true;
            emit(c);
        }
        Unified::Space => pending = true,
        Unified::Drop => {}
    };
    if text.is_ascii() {
        text.chars().map(unify).for_each(&mut push);
    } else {
        // Invisibles go before composing, so a mark they separated composes now, not on a
        // second pass: normalising twice changes nothing.
        // Most non-ASCII text is already NFKC (curly quotes, dashes, accented letters): the
        // quick check says so without the decompose-and-recompose pass.
        let visible = || text.chars().filter(|&c| !is_invisible(c));
        if is_nfkc_quick(visible()) == IsNormalized::Yes {
            visible().map(unify).for_each(&mut push);
        } else {
            visible().nfkc().map(unify).for_each(&mut push);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standard(text: &str) -> String {
        Normalization::Standard.apply(text).into_owned()
    }

    #[test]
    fn folds_whitespace_unifies_typography_and_trims() {
        assert_eq!(
            standard(
                "\r\n\n  \u{201C}It\u{2019}s\u{201D} \u{2014} fine\u{2026}\tok \u{00A0} \r\n\n"
            ),
            "\"It's\" - fine... ok"
        );
        assert_eq!(standard("ﬁne ＡＢＣ"), "fine ABC");
        assert_eq!(
            standard("zero\u{200B}width soft\u{00AD}hyphen\u{1b}[0m"),
            "zerowidth softhyphen[0m"
        );
        assert_eq!(standard(""), "");
        assert_eq!(standard(" \n\t "), "");
    }

    #[test]
    fn plain_text_is_borrowed_and_none_changes_nothing() {
        assert!(matches!(
            Normalization::Standard.apply("Plain text, one space."),
            Cow::Borrowed(_)
        ));
        for changed in [
            "two  spaces",
            " lead",
            "trail ",
            "new\nline",
            "tick`",
            "caf\u{e9}",
        ] {
            assert!(
                matches!(Normalization::Standard.apply(changed), Cow::Owned(_)),
                "{changed:?}"
            );
        }
        assert_eq!(Normalization::None.apply(" a\n\nb "), " a\n\nb ");
    }

    #[test]
    fn for_each_char_matches_apply() {
        for text in ["  a \u{2019}b\u{2019}\n\nc  ", "plain", "", "ﬁ\u{2013}x"] {
            let mut chars = String::new();
            Normalization::Standard.for_each_char(text, |c| chars.push(c));
            assert_eq!(chars, standard(text));
        }
    }

    #[test]
    fn is_idempotent() {
        for text in [
            "\u{201C}A\u{201D}\n\n b\u{2014}c ",
            "x\u{FF0C}y",
            "a\u{0301}",
            "a\u{200B}\u{0301}",
            "\u{00B4}x",
        ] {
            assert_eq!(standard(&standard(text)), standard(text));
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_normalises_to_a_fixed_point_without_runs(text in "\\PC{0,60}") {
            let once = standard(&text);
            proptest::prop_assert_eq!(standard(&once), once.clone());
            proptest::prop_assert!(!once.contains("  "));
            proptest::prop_assert_eq!(once.trim(), once.as_str());
        }

        /// Skipping NFKC when the quick check says "already NFKC" changes nothing: the same
        /// output as composing every text.
        #[test]
        fn the_nfkc_quick_check_changes_no_output(text in "(\\PC|[\u{00A0}-\u{00BF}\u{0300}-\u{0345}\u{FB00}-\u{FB06}\u{FF01}-\u{FF5E}])*") {
            let mut always = String::new();
            let (mut pending, mut started) = (false, false);
            for u in text.chars().filter(|&c| !is_invisible(c)).nfkc().map(unify) {
                match u {
                    Unified::Keep(c) => {
                        if pending && started {
                            always.push(' ');
                        }
                        pending = false;
                        started = true;
                        always.push(c);
                    }
                    Unified::Space => pending = true,
                    Unified::Drop => {}
                }
            }
            proptest::prop_assert_eq!(standard(&text), always);
        }
    }
}
