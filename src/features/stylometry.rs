//! Stylometric features: one named, interpretable column per property of a text's style.
//!
//! Chosen from the LLM-text stylometry literature: sentence-length variation ("burstiness"),
//! lexical diversity (TTR, MATTR, hapax, Yule's K, entropy), punctuation and function-word
//! profiles (classic authorship stylometry, also used by StyloMetrix-based LLM detectors),
//! repetition of word n-grams, discourse markers and vocabulary that LLMs over-use ("delve",
//! "furthermore"), contractions and personal pronouns (rarer in LLM prose), readability and layout.

use std::sync::LazyLock;

use ndarray::Array2;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::named;
use super::normalize::Normalization;
use super::tokens::words;
use super::Featurizer;
use crate::corpus::Doc;

/// Punctuation marks counted per word: column `punct_<name>`. Typographic variants (curly
/// quotes, dashes, "…") are normalised away; the `format` family counts them.
const PUNCTUATION: [&str; 16] = [
    "period",
    "comma",
    "semicolon",
    "colon",
    "exclamation",
    "question",
    "apostrophe",
    "quote",
    "hyphen",
    "parenthesis",
    "bracket",
    "asterisk",
    "hash",
    "slash",
    "ampersand",
    "percent",
];

/// Which `PUNCTUATION` entry a character counts toward.
fn punctuation_index(c: char) -> Option<usize> {
    Some(match c {
        '.' => 0,
        ',' => 1,
        ';' => 2,
        ':' => 3,
        '!' => 4,
        '?' => 5,
        '\'' => 6,
        '"' => 7,
        '-' => 8,
        '(' | ')' => 9,
        '[' | ']' => 10,
        '*' => 11,
        '#' => 12,
        '/' => 13,
        '&' => 14,
        '%' => 15,
        _ => return None,
    })
}

/// Column names built once: `describe` runs per document and must not allocate names.
static PUNCT_COLUMNS: LazyLock<Vec<String>> =
    LazyLock::new(|| PUNCTUATION.iter().map(|p| format!("punct_{p}")).collect());
static FUNCTION_WORD_COLUMNS: LazyLock<Vec<String>> =
    LazyLock::new(|| FUNCTION_WORDS.iter().map(|w| format!("fw_{w}")).collect());

/// Function words: topic-independent, the classic authorship signal. Columns `fw_<word>`.
const FUNCTION_WORDS: [&str; 64] = [
    "the", "of", "and", "to", "a", "in", "that", "is", "was", "it", "for", "on", "with", "as",
    "be", "by", "this", "are", "at", "from", "or", "an", "but", "not", "have", "has", "had",
    "which", "were", "their", "they", "he", "she", "his", "her", "we", "you", "i", "been", "would",
    "will", "can", "there", "all", "so", "if", "more", "also", "one", "its", "about", "into",
    "than", "them", "these", "such", "when", "who", "what", "some", "only", "very", "just", "our",
];

/// Connectives LLMs use at high rates.
const TRANSITIONS: [&str; 20] = [
    "furthermore",
    "moreover",
    "additionally",
    "however",
    "therefore",
    "overall",
    "consequently",
    "thus",
    "hence",
    "notably",
    "ultimately",
    "nevertheless",
    "nonetheless",
    "firstly",
    "secondly",
    "finally",
    "conclusion",
    "importantly",
    "specifically",
    "accordingly",
];

/// Words whose frequency rose sharply with LLM-written text (Liang et al. 2024; Kobak et al. 2024).
const LLM_MARKERS: [&str; 28] = [
    "delve",
    "delves",
    "delving",
    "intricate",
    "tapestry",
    "realm",
    "pivotal",
    "showcase",
    "showcasing",
    "underscore",
    "underscores",
    "multifaceted",
    "commendable",
    "meticulous",
    "meticulously",
    "nuanced",
    "crucial",
    "vital",
    "comprehensive",
    "foster",
    "leverage",
    "seamless",
    "landscape",
    "navigate",
    "navigating",
    "testament",
    "embark",
    "enhance",
];

const HEDGES: [&str; 10] = [
    "might",
    "may",
    "perhaps",
    "possibly",
    "likely",
    "could",
    "seem",
    "seems",
    "arguably",
    "generally",
];

const FIRST_PERSON: [&str; 9] = ["i", "me", "my", "mine", "myself", "we", "us", "our", "ours"];
const SECOND_PERSON: [&str; 4] = ["you", "your", "yours", "yourself"];
const NOMINAL_SUFFIXES: [&str; 6] = ["tion", "ment", "ness", "ity", "ance", "ence"];
const MATTR_WINDOW: usize = 50;

/// Stylometric featurizer (no fitting; every column is a per-document statistic of the text
/// after `normalization`).
#[derive(Debug, Clone, Default)]
pub struct Stylometry {
    pub normalization: Normalization,
}

impl Featurizer for Stylometry {
    fn name(&self) -> &'static str {
        "stylo"
    }

    fn columns(&self) -> Vec<String> {
        named::columns(describe)
    }

    fn transform(&self, docs: &[Doc]) -> crate::error::Result<Array2<f32>> {
        let rows: Vec<Vec<f32>> = docs
            .par_iter()
            .map(|d| features(&self.normalization.apply(&d.text)))
            .collect();
        Ok(named::matrix(rows, self.columns().len()))
    }
}

/// The stylometric vector of one text as given (normalise it first), in `columns()` order.
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

fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

fn entropy_bits<I: IntoIterator<Item = u32>>(counts: I, total: f64) -> f64 {
    counts
        .into_iter()
        .map(|c| {
            let p = c as f64 / total;
            -p * p.log2()
        })
        .sum()
}

/// Vowel groups, a silent final 'e' dropped: the usual readability approximation.
fn syllables(word: &str) -> u32 {
    let mut count = 0;
    let mut previous_vowel = false;
    for c in word.chars() {
        let vowel = matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
        if vowel && !previous_vowel {
            count += 1;
        }
        previous_vowel = vowel;
    }
    if word.ends_with('e') && !word.ends_with("le") && count > 1 {
        count -= 1;
    }
    count.max(1)
}

/// Sentence lengths in words: a sentence ends at . ! ? (or …) followed by space/end, or at a blank line.
fn sentence_lengths(text: &str) -> (Vec<f64>, u32, u32) {
    let mut lengths = Vec::new();
    let (mut questions, mut exclamations) = (0, 0);
    for paragraph in text.split("\n\n") {
        let mut start = 0;
        let bytes = paragraph.as_bytes();
        let mut iter = paragraph.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if matches!(c, '.' | '!' | '?' | '…') {
                // Consume runs like "?!" or "...".
                while let Some(&(_, n)) = iter.peek() {
                    if matches!(n, '.' | '!' | '?' | '…' | '"' | '”' | '\'' | '’' | ')') {
                        iter.next();
                    } else {
                        break;
                    }
                }
                let end = iter.peek().map(|&(j, _)| j).unwrap_or(bytes.len());
                let at_boundary = iter.peek().is_none_or(|&(_, n)| n.is_whitespace());
                if at_boundary {
                    let n = words(&paragraph[start..end]).count();
                    if n > 0 {
                        lengths.push(n as f64);
                        questions += u32::from(paragraph[i..end].contains('?'));
                        exclamations += u32::from(paragraph[i..end].contains('!'));
                    }
                    start = end;
                }
            }
        }
        let n = words(&paragraph[start..]).count();
        if n > 0 {
            lengths.push(n as f64);
        }
    }
    (lengths, questions, exclamations)
}

/// Walks every feature of `text` in column order, giving each its name and value.
/// `columns()` calls it on "" to learn the names, so names and values cannot drift apart.
fn describe(text: &str, emit: &mut dyn FnMut(&str, f64)) {
    // Character-level statistics on the original text.
    let mut chars = 0u32;
    let (mut letters, mut upper, mut digits, mut non_ascii) = (0u32, 0u32, 0u32, 0u32);
    let mut ascii_counts = [0u32; 128];
    let mut other_counts: FxHashMap<char, u32> = FxHashMap::default();
    let mut punct_counts = [0u32; PUNCTUATION.len()];
    for c in text.chars() {
        chars += 1;
        match ascii_counts.get_mut(c as usize) {
            Some(n) => *n += 1,
            None => *other_counts.entry(c).or_insert(0) += 1,
        }
        if c.is_alphabetic() {
            letters += 1;
            upper += u32::from(c.is_uppercase());
        } else if c.is_numeric() {
            digits += 1;
        }
        non_ascii += u32::from(!c.is_ascii());
        if let Some(k) = punctuation_index(c) {
            punct_counts[k] += 1;
        }
    }

    // Word-level statistics: case on the original text, vocabulary on the lower-cased one.
    let (mut capitalised, mut all_caps) = (0usize, 0usize);
    for w in words(text) {
        let mut letters = w.chars().filter(|c| c.is_alphabetic());
        if let Some(first) = letters.next() {
            let first_upper = first.is_uppercase();
            let first_char_upper = w.chars().next().is_some_and(char::is_uppercase);
            capitalised += usize::from(first_char_upper);
            all_caps +=
                usize::from(first_upper && w.len() > 1 && letters.all(|c| !c.is_lowercase()));
        }
    }
    let vocabulary = Vocabulary::of(text);
    let n_words = vocabulary.words as f64;
    let count_of = |w: &str| vocabulary.count_of(w) as f64;
    let count_any = |list: &[&str]| list.iter().map(|w| count_of(w)).sum::<f64>();
    let (sentences, questions, exclamations) = sentence_lengths(text);
    let n_sentences = sentences.len() as f64;

    emit("chars", chars as f64);
    emit("words", n_words);
    emit("sentences", n_sentences);
    let (mean_word, std_word) = vocabulary.word_length_mean_std();
    emit("mean_word_length", mean_word);
    emit("std_word_length", std_word);
    let (mean_sentence, std_sentence) = mean_std(&sentences);
    emit("mean_sentence_words", mean_sentence);
    emit("std_sentence_words", std_sentence);
    emit("sentence_length_cv", ratio(std_sentence, mean_sentence));
    emit(
        "question_sentence_rate",
        ratio(questions as f64, n_sentences),
    );
    emit(
        "exclamation_sentence_rate",
        ratio(exclamations as f64, n_sentences),
    );

    // Lexical diversity.
    let types = vocabulary.type_counts.len() as f64;
    emit("type_token_ratio", ratio(types, n_words));
    emit("mattr_50", vocabulary.mattr.value());
    let hapax = vocabulary.type_counts.iter().filter(|&&c| c == 1).count() as f64;
    emit("hapax_ratio", ratio(hapax, types));
    let s2: f64 = vocabulary
        .type_counts
        .iter()
        .map(|&c| (c as f64).powi(2))
        .sum();
    emit(
        "yules_k",
        if n_words > 0.0 {
            1e4 * (s2 - n_words) / (n_words * n_words)
        } else {
            0.0
        },
    );
    emit(
        "word_entropy",
        entropy_bits(vocabulary.type_counts.iter().copied(), n_words),
    );
    let char_counts = ascii_counts
        .iter()
        .copied()
        .filter(|&n| n > 0)
        .chain(other_counts.values().copied());
    emit("char_entropy", entropy_bits(char_counts, chars as f64));
    emit(
        "long_word_rate",
        ratio(vocabulary.long_words as f64, n_words),
    );
    let syllable_total = vocabulary.syllables as f64;
    emit("syllables_per_word", ratio(syllable_total, n_words));
    emit(
        "flesch_reading_ease",
        if n_words > 0.0 && n_sentences > 0.0 {
            206.835 - 1.015 * (n_words / n_sentences) - 84.6 * (syllable_total / n_words)
        } else {
            0.0
        },
    );

    // Character classes.
    emit("digit_ratio", ratio(digits as f64, chars as f64));
    emit("uppercase_ratio", ratio(upper as f64, letters as f64));
    emit("non_ascii_ratio", ratio(non_ascii as f64, chars as f64));
    emit("capitalised_word_rate", ratio(capitalised as f64, n_words));
    emit("all_caps_word_rate", ratio(all_caps as f64, n_words));

    // Repetition within the document.
    emit("word_2gram_repetition", vocabulary.bigrams.value());
    emit("word_3gram_repetition", vocabulary.trigrams.value());

    // Discourse and vocabulary.
    emit(
        "contraction_rate",
        ratio(vocabulary.contractions as f64, n_words),
    );
    emit(
        "first_person_rate",
        ratio(count_any(&FIRST_PERSON), n_words),
    );
    emit(
        "second_person_rate",
        ratio(count_any(&SECOND_PERSON), n_words),
    );
    emit(
        "transition_word_rate",
        ratio(count_any(&TRANSITIONS), n_words),
    );
    emit(
        "llm_marker_word_rate",
        ratio(count_any(&LLM_MARKERS), n_words),
    );
    emit("hedge_word_rate", ratio(count_any(&HEDGES), n_words));
    emit(
        "nominalisation_rate",
        ratio(vocabulary.nominalisations as f64, n_words),
    );

    for (name, count) in PUNCT_COLUMNS.iter().zip(punct_counts) {
        emit(name, ratio(count as f64, n_words));
    }
    for (name, word) in FUNCTION_WORD_COLUMNS.iter().zip(FUNCTION_WORDS) {
        emit(name, ratio(count_of(word), n_words));
    }
}

/// The lower-cased words of a text, gathered in one pass: memory grows with the distinct
/// words and word n-grams, never with the text's length.
#[derive(Default)]
struct Vocabulary {
    /// Word -> type id, and each type's count.
    ids: FxHashMap<String, u32>,
    type_counts: Vec<u32>,
    words: u64,
    /// Sum and sum of squares of the word lengths in chars (exact integers).
    length_sum: u64,
    length_squares: u128,
    long_words: u64,
    syllables: u64,
    contractions: u64,
    nominalisations: u64,
    mattr: Mattr,
    bigrams: Repetition<2>,
    trigrams: Repetition<3>,
}

impl Vocabulary {
    /// Words as [`words`] finds them, over the text lower-cased char by char (so a final
    /// capital sigma becomes σ, not ς as `str::to_lowercase` would write it).
    fn of(text: &str) -> Self {
        // Sized for the words a text this long usually has (~6 bytes each), so the tables do
        // not rehash as they fill; capped, so a huge text starts no bigger than a long one.
        let expected = (text.len() / 6).min(1 << 14);
        let mut vocabulary = Vocabulary {
            ids: FxHashMap::with_capacity_and_hasher(expected / 2, Default::default()),
            type_counts: Vec::with_capacity(expected / 2),
            bigrams: Repetition::with_capacity(expected),
            trigrams: Repetition::with_capacity(expected),
            ..Vocabulary::default()
        };
        vocabulary.mattr.counts.reserve(expected / 2);
        let mut word = String::new();
        // An apostrophe after a word char stays only if another word char follows.
        let mut apostrophe: Option<char> = None;
        for c in text.chars().flat_map(char::to_lowercase) {
            if c.is_alphanumeric() {
                if let Some(a) = apostrophe.take() {
                    word.push(a);
                }
                word.push(c);
            } else if matches!(c, '\'' | '’') && !word.is_empty() && apostrophe.is_none() {
                apostrophe = Some(c);
            } else {
                apostrophe = None;
                if !word.is_empty() {
                    vocabulary.add(&word);
                    word.clear();
                }
            }
        }
        if !word.is_empty() {
            vocabulary.add(&word);
        }
        vocabulary
    }

    fn add(&mut self, word: &str) {
        let id = match self.ids.get(word) {
            Some(&id) => id,
            None => {
                let id = self.type_counts.len() as u32;
                self.ids.insert(word.to_string(), id);
                self.type_counts.push(0);
                id
            }
        };
        self.type_counts[id as usize] += 1;
        self.words += 1;
        let length = if word.is_ascii() {
            word.len()
        } else {
            word.chars().count()
        } as u64;
        self.length_sum += length;
        self.length_squares += u128::from(length) * u128::from(length);
        self.long_words += u64::from(length >= 7);
        self.syllables += u64::from(syllables(word));
        self.contractions += u64::from(word.contains(['\'', '’']));
        self.nominalisations +=
            u64::from(word.len() > 6 && NOMINAL_SUFFIXES.iter().any(|s| word.ends_with(s)));
        self.mattr.push(id);
        self.bigrams.push(id);
        self.trigrams.push(id);
    }

    fn count_of(&self, word: &str) -> u32 {
        self.ids
            .get(word)
            .map(|&id| self.type_counts[id as usize])
            .unwrap_or(0)
    }

    /// Mean and population standard deviation of the word lengths.
    fn word_length_mean_std(&self) -> (f64, f64) {
        if self.words == 0 {
            return (0.0, 0.0);
        }
        let n = u128::from(self.words);
        let sum = u128::from(self.length_sum);
        let mean = self.length_sum as f64 / self.words as f64;
        // n·Σx² − (Σx)² is exact in integers; only the last division rounds.
        let spread = (n * self.length_squares - sum * sum) as f64;
        (mean, (spread / (n * n) as f64).sqrt())
    }
}

/// Moving-average type-token ratio (Covington & McFall 2010): TTR is length-dependent, MATTR
/// is not. Streams: a window of the last `MATTR_WINDOW` type ids and their counts.
#[derive(Default)]
struct Mattr {
    window: std::collections::VecDeque<u32>,
    counts: Vec<u32>,
    distinct: usize,
    /// Sum of the distinct counts of every full window so far.
    total: f64,
    seen: usize,
}

impl Mattr {
    /// Type ids arrive in first-seen order, so a new one is at most one past the last.
    fn push(&mut self, id: u32) {
        if id as usize == self.counts.len() {
            self.counts.push(0);
        }
        self.seen += 1;
        if self.window.len() == MATTR_WINDOW {
            let out = self.window.pop_front().unwrap_or(id) as usize;
            self.counts[out] -= 1;
            self.distinct -= usize::from(self.counts[out] == 0);
        }
        self.distinct += usize::from(self.counts[id as usize] == 0);
        self.counts[id as usize] += 1;
        self.window.push_back(id);
        if self.window.len() == MATTR_WINDOW {
            self.total += self.distinct as f64;
        }
    }

    /// MATTR; plain TTR when the text has no more words than one window.
    fn value(&self) -> f64 {
        if self.seen <= MATTR_WINDOW {
            return ratio(self.distinct as f64, self.seen as f64);
        }
        self.total / ((self.seen - MATTR_WINDOW + 1) as f64 * MATTR_WINDOW as f64)
    }
}

/// Share of word N-grams that repeat an earlier N-gram of the same document, over a stream
/// of type ids: one set entry per distinct N-gram.
struct Repetition<const N: usize> {
    last: [u32; N],
    seen: usize,
    distinct: FxHashSet<[u32; N]>,
}

impl<const N: usize> Default for Repetition<N> {
    fn default() -> Self {
        Repetition {
            last: [0; N],
            seen: 0,
            distinct: FxHashSet::default(),
        }
    }
}

impl<const N: usize> Repetition<N> {
    fn with_capacity(n: usize) -> Self {
        Repetition {
            distinct: FxHashSet::with_capacity_and_hasher(n, Default::default()),
            ..Repetition::default()
        }
    }

    fn push(&mut self, id: u32) {
        self.last.copy_within(1.., 0);
        self.last[N - 1] = id;
        self.seen += 1;
        if self.seen >= N {
            self.distinct.insert(self.last);
        }
    }

    fn value(&self) -> f64 {
        if self.seen < N {
            return 0.0;
        }
        let total = self.seen - N + 1;
        (total - self.distinct.len()) as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, name: &str) -> f32 {
        let names = Stylometry::default().columns();
        let i = names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("no column {name}"));
        features(text)[i]
    }

    #[test]
    fn columns_are_named_unique_and_match_values() {
        let names = Stylometry::default().columns();
        let unique: FxHashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert!(names.len() > 100);
        assert_eq!(features("Hello world. Bye.").len(), names.len());
        assert!(features("").iter().all(|v| *v == 0.0));
    }

    #[test]
    fn counts_and_rates_are_right_on_a_known_text() {
        let text = "The cat sat. The cat ran! Did the dog--really--run?\n\nYes, it did.";
        assert_eq!(value(text, "words"), 14.0);
        assert_eq!(value(text, "sentences"), 4.0);
        assert_eq!(value(text, "punct_hyphen"), 4.0 / 14.0);
        assert_eq!(value(text, "fw_the"), 3.0 / 14.0);
        assert_eq!(value(text, "question_sentence_rate"), 0.25);
        // "the cat" appears twice among 13 bigrams.
        assert!((value(text, "word_2gram_repetition") - 1.0 / 13.0).abs() < 1e-6);
        // Sentence lengths 3, 3, 5, 3 words: mean 3.5.
        assert_eq!(value(text, "mean_sentence_words"), 3.5);
    }

    fn mattr(ids: &[u32]) -> f64 {
        let mut mattr = Mattr::default();
        ids.iter().for_each(|&id| mattr.push(id));
        mattr.value()
    }

    #[test]
    fn mattr_equals_ttr_for_short_texts_and_is_one_for_distinct_words() {
        let ids: Vec<u32> = (0..120).collect();
        assert_eq!(mattr(&ids), 1.0);
        assert_eq!(mattr(&[0, 1, 0, 1]), 0.5);
        let repeated: Vec<u32> = (0..200).map(|i| i % 10).collect();
        assert!((mattr(&repeated) - 10.0 / 50.0).abs() < 1e-12);
    }

    #[test]
    fn syllable_heuristic() {
        assert_eq!(syllables("cat"), 1);
        assert_eq!(syllables("table"), 2);
        assert_eq!(syllables("make"), 1);
        assert_eq!(syllables("beautiful"), 3);
    }
}
