//! Generator families: the lineages a detector must carry across. A model held out by family
//! (every GPT-4 variant at once, say) predicts how a detector fares on the next release of a
//! family it never saw; held out one generator name at a time, its siblings are still in the
//! training data and flatter it.

/// Families in the order reports list them; "other" takes every generator no rule names.
pub const FAMILIES: [&str; 7] = [
    "GPT-2-era open models",
    "GPT-3/3.5",
    "GPT-4/4o",
    "Claude",
    "Gemini",
    "Llama",
    "other",
];

/// Name fragments (lower case) of each family but "other", first match wins: GPT-4 before
/// GPT-3 because "gpt-4" holds no "gpt-3", and the open GPT-2-era models before the OpenAI
/// API models because "gpt-j" and "gpt-neo" begin like "gpt-".
const RULES: [(&str, &[&str]); 6] = [
    (
        "GPT-2-era open models",
        &[
            "gpt2", "gpt-2", "gpt-neo", "gpt-j", "opt-", "opt_", "bloom", "pythia",
        ],
    ),
    ("GPT-4/4o", &["gpt-4", "gpt4", "o1-", "o3-"]),
    (
        "GPT-3/3.5",
        &[
            "gpt-3", "gpt3", "chatgpt", "davinci", "curie", "babbage", "text-ada",
        ],
    ),
    ("Claude", &["claude"]),
    ("Gemini", &["gemini"]),
    ("Llama", &["llama"]),
];

/// The family of a generator name, by the fragments above (case-insensitive).
pub fn family_of(generator: &str) -> &'static str {
    let name = generator.to_ascii_lowercase();
    RULES
        .iter()
        .find(|(_, fragments)| fragments.iter().any(|f| name.contains(f)))
        .map_or("other", |(family, _)| family)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dev_generator_falls_in_its_family() {
        let cases = [
            ("gpt2-xl", "GPT-2-era open models"),
            ("opt-2.7b", "GPT-2-era open models"),
            ("gpt-neo-2.7B", "GPT-2-era open models"),
            ("gpt-j-6B", "GPT-2-era open models"),
            ("gpt-neox-20b", "GPT-2-era open models"),
            ("flan-t5-xxl", "other"),
            ("gpt-3.5-turbo", "GPT-3/3.5"),
            ("gpt-3.5-turbo-0613", "GPT-3/3.5"),
            ("text-davinci-003", "GPT-3/3.5"),
            ("text-babbage-001", "GPT-3/3.5"),
            ("text-curie-001", "GPT-3/3.5"),
            ("ChatGPT", "GPT-3/3.5"),
            ("gpt-4o", "GPT-4/4o"),
            ("gpt-4-turbo-preview", "GPT-4/4o"),
            ("claude-3-opus", "Claude"),
            ("claude-3-sonnet", "Claude"),
            ("gemini-1.5-pro", "Gemini"),
            ("gemini-1.0-pro", "Gemini"),
            ("llama-2-70b", "Llama"),
            ("Llama-3-70B", "Llama"),
            ("llama-2-70b-chat", "Llama"),
            ("mistral-7b", "other"),
            ("palm-2", "other"),
        ];
        for (generator, family) in cases {
            assert_eq!(family_of(generator), family, "{generator}");
            assert!(FAMILIES.contains(&family));
        }
    }
}
