//! `--help` says each thing once and completely: one `[default: ...]` per flag, and the
//! report's description names every stage it can run.

use crate::common::*;
use assert_cmd::Command;

const SUBCOMMANDS: [&[&str]; 15] = [
    &["inspect"],
    &["features"],
    &["drift"],
    &["calibrate"],
    &["collapse"],
    &["simulate"],
    &["fingerprint", "train"],
    &["fingerprint", "eval"],
    &["fingerprint", "score"],
    &["fingerprint", "explain"],
    &["report"],
    &["compare"],
    &["policy", "check"],
    &["policy", "lock"],
    &["policy", "audit-sample"],
];

fn help(words: &[&str]) -> String {
    let out = Command::cargo_bin("driftprint")
        .unwrap()
        .current_dir(repo_root())
        .args(words)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{words:?}");
    // Wrapped lines joined, so a flag's text reads as one line.
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_flag_states_its_default_once() {
    for words in SUBCOMMANDS {
        let text = help(words);
        // A piece after a "[default:" that is only "...]" is followed straight by another.
        let pieces: Vec<&str> = text.split("[default:").collect();
        for (i, piece) in pieces
            .iter()
            .enumerate()
            .skip(1)
            .take(pieces.len().saturating_sub(2))
        {
            let after = piece.split_once(']').map_or("", |(_, rest)| rest);
            assert!(
                !after.trim().is_empty(),
                "{words:?}: a default stated twice: [default:{piece}[default:{}",
                pieces[i + 1]
            );
        }
    }
}

#[test]
fn the_report_description_names_every_stage() {
    let text = help(&["report"]);
    let description = text.split("Usage:").next().unwrap();
    for stage in driftprint::report::run::STAGES {
        assert!(description.contains(stage), "{stage}: {description}");
    }
}
