//! How far collapse's sketched word-count metrics are from the exact ones on real corpora: each
//! JSONL file given is one generation (the first is the reference), counted exactly and as a
//! sketch (the cap forced to 0 so even a small file is sketched), and every metric's error is
//! printed; then all files pooled as one generation. The figures in docs/scale.md come from
//! `cargo run --example vocabulary_sketch_error -- ../shared/data/dev/*.jsonl` with the
//! largest-vocabulary file (detectrl_chatgpt_llama2.jsonl) moved first.

use std::time::Instant;

use driftprint::collapse::generations::tokens;
use driftprint::collapse::vocabulary::{Vocabulary, VocabularyLimits};
use driftprint::collapse::vocabulary_tail::VocabularyTail;

const HEAD_MASS: f64 = 0.9;

fn words_of(path: &str) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut words = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value: serde_json::Value =
            serde_json::from_str(line).map_err(|e| format!("{path}:{}: {e}", n + 1))?;
        words.extend(tokens(value["text"].as_str().unwrap_or_default()));
    }
    Ok(words)
}

fn counted(words: &[String], limits: VocabularyLimits) -> Vocabulary {
    let mut v = Vocabulary::new(limits);
    words.iter().for_each(|w| v.insert(w));
    v
}

/// The metrics of one generation: distinct types, entropy, hapax share, Zipf slope, tail mass.
fn metrics(v: &Vocabulary, tail: &VocabularyTail) -> [f64; 5] {
    [
        v.distinct_types(),
        v.entropy_bits(),
        v.hapax_share(),
        v.zipf_slope(),
        tail.mass(v),
    ]
}

fn report(generations: &[(String, Vec<String>)]) {
    let exact_limits = VocabularyLimits {
        exact_types: usize::MAX,
        ..VocabularyLimits::default()
    };
    let sketch_limits = VocabularyLimits {
        exact_types: 0,
        ..VocabularyLimits::default()
    };
    let exact: Vec<Vocabulary> = generations
        .iter()
        .map(|g| counted(&g.1, exact_limits))
        .collect();
    let start = Instant::now();
    let sketched: Vec<Vocabulary> = generations
        .iter()
        .map(|g| counted(&g.1, sketch_limits))
        .collect();
    let sketch_time = start.elapsed();
    let exact_tail = VocabularyTail::of(&exact[0], HEAD_MASS);
    let sketched_tail = VocabularyTail::of(&sketched[0], HEAD_MASS);
    println!(
        "reference tail share: exact {:.4}, sketched {:.4}; sketching took {:.2?}",
        exact_tail.reference_mass, sketched_tail.reference_mass, sketch_time
    );
    println!(
        "{:<40} {:>9} {:>8} | {:>8} {:>8} {:>8} {:>8} {:>8} | {:>9}",
        "generation", "tokens", "types", "types%", "entropy%", "hapax", "zipf", "tail", "sketch B"
    );
    let mut worst = [0.0f64; 5];
    for ((name, words), (e, s)) in generations.iter().zip(exact.iter().zip(&sketched)) {
        let (me, ms) = (metrics(e, &exact_tail), metrics(s, &sketched_tail));
        let errors = [
            100.0 * (ms[0] / me[0] - 1.0),
            100.0 * (ms[1] / me[1] - 1.0),
            ms[2] - me[2],
            ms[3] - me[3],
            ms[4] - me[4],
        ];
        for (w, e) in worst.iter_mut().zip(errors) {
            *w = w.max(e.abs());
        }
        let bytes = serde_json::to_vec(s).map(|b| b.len()).unwrap_or(0);
        println!(
            "{:<40} {:>9} {:>8} | {:>+8.2} {:>+8.3} {:>+8.4} {:>+8.4} {:>+8.4} | {:>9}",
            name,
            words.len(),
            me[0],
            errors[0],
            errors[1],
            errors[2],
            errors[3],
            errors[4],
            bytes
        );
        println!(
            "{:<40} {:>9} {:>8} |  exact: entropy {:.3} hapax {:.4} zipf {:.4} tail {:.4}",
            "", "", "", me[1], me[2], me[3], me[4]
        );
    }
    println!(
        "worst |error|: types {:.2}%, entropy {:.3}%, hapax {:.4}, zipf {:.4}, tail {:.4}\n",
        worst[0], worst[1], worst[2], worst[3], worst[4]
    );
}

fn main() -> Result<(), String> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        return Err("usage: vocabulary_sketch_error FILE.jsonl...".into());
    }
    let generations: Vec<(String, Vec<String>)> = paths
        .iter()
        .map(|p| {
            let name = std::path::Path::new(p)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.clone());
            words_of(p).map(|w| (name, w))
        })
        .collect::<Result<_, _>>()?;
    println!("Each file a generation, the first the reference:");
    report(&generations);
    let pooled: Vec<String> = generations.iter().flat_map(|g| g.1.clone()).collect();
    println!("All files pooled, as one generation (and its own reference):");
    report(&[("all".to_string(), pooled)]);
    Ok(())
}
