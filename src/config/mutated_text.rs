//! Property test: whatever a config file holds — the shipped example cut, spliced, retyped or
//! out of range — the parser returns a checked config or an error naming the file, never a
//! panic.

use std::path::Path;

use proptest::prelude::*;

use super::Config;

const EXAMPLE: &str = include_str!("../../data/driftprint.toml");

/// Text a hand or a merge tool might leave in a config: TOML syntax, keys of every section,
/// values of the wrong type or far out of range.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[ingest]\n".to_string()),
        Just("[drift]\n".to_string()),
        Just("[drift.mmd]\npermutations = 0\n".to_string()),
        Just("[features]\nprojection_dim = 32768\n".to_string()),
        Just("tests = []\n".to_string()),
        Just("gate = [\"mmdd\"]\n".to_string()),
        Just(" = ".to_string()),
        Just("[[".to_string()),
        Just("\"".to_string()),
        Just("'''".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("\u{feff}".to_string()),
        Just("é\u{0}\t#".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        "[a-z_.]{1,12} = [0-9a-z\"\\[\\]., -]{0,12}\n",
        any::<String>(),
    ]
}

/// One edit of the text: cut a span, insert a fragment, or set a line's value to a fragment.
#[derive(Debug, Clone)]
enum Edit {
    Cut { at: usize, len: usize },
    Insert { at: usize, text: String },
    SetValue { line: usize, value: String },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 0usize..40).prop_map(|(at, len)| Edit::Cut { at, len }),
        (any::<usize>(), fragment()).prop_map(|(at, text)| Edit::Insert { at, text }),
        (any::<usize>(), fragment()).prop_map(|(line, value)| Edit::SetValue { line, value }),
    ]
}

/// The nearest character boundary at or before `at % (len + 1)`.
fn boundary(text: &str, at: usize) -> usize {
    let mut at = at % (text.len() + 1);
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &mut String, edit: &Edit) {
    match edit {
        Edit::Cut { at, len } => {
            let start = boundary(text, *at);
            let end = boundary(text, (start + len).min(text.len()));
            text.replace_range(start..end.max(start), "");
        }
        Edit::Insert { at, text: fragment } => {
            let at = boundary(text, *at);
            text.insert_str(at, fragment);
        }
        Edit::SetValue { line, value } => {
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            let count = lines.len().max(1);
            if let Some(target) = lines.get_mut(line % count) {
                if let Some((key, _)) = target.split_once('=') {
                    *target = format!("{key}= {value}");
                }
            }
            *text = lines.join("\n");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_configs_parse_or_fail_naming_the_file(
        edits in proptest::collection::vec(edit(), 1..6),
    ) {
        let mut text = EXAMPLE.to_string();
        for e in &edits {
            apply(&mut text, e);
        }
        if let Err(e) = Config::parse(&text, Path::new("conf/mutated.toml")) {
            let message = e.to_string();
            prop_assert!(message.starts_with("conf/mutated.toml"), "{message}");
            prop_assert!(message.len() < 2000, "{message}");
        }
    }
}

#[test]
fn the_example_itself_parses() {
    Config::parse(EXAMPLE, Path::new("data/driftprint.toml")).unwrap();
}
