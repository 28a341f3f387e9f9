//! Our CPU forward pass of MiniLM against candle's, on real text: the cosine between the two
//! embeddings of each text (the encoder's equality bar is 1e-5) and each one's sentences/s.
//!   cargo run --release --example encoder_backends -- <model dir> <N> <file.jsonl>...
//! ONLY_OURS=1 skips candle's (for profiling). Takes the first texts of each file in turn until N; batch 32, 128 tokens (the benchmark's).

use std::time::Instant;

use driftprint::features::encoder::{Backend, Encoder};
use driftprint::features::model_dir::ModelDir;
use driftprint::features::normalize::Normalization;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, n, files @ ..] = args.as_slice() else {
        eprintln!("usage: encoder_backends <model dir> <N> <file.jsonl>...");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number");
    let per_file: Vec<Vec<String>> = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_else(|e| panic!("{f}: {e}"))
                .lines()
                .take(n)
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).expect("JSONL");
                    let text = v["text"].as_str().unwrap_or_default();
                    Normalization::Standard.apply(text).into_owned()
                })
                .collect()
        })
        .collect();
    let texts: Vec<&str> = (0..n)
        .flat_map(|i| per_file.iter().filter_map(move |f| f.get(i)))
        .map(String::as_str)
        .take(n)
        .collect();
    let dir = ModelDir::open(std::path::Path::new(model)).expect("model dir");
    let run = |backend| {
        let encoder = Encoder::load_with(&dir, 128, 32, backend).expect("encoder");
        let start = Instant::now();
        let embedded = encoder.embed(&texts, false).expect("embed");
        (embedded.values, start.elapsed().as_secs_f64())
    };
    let (ours, ours_s) = run(Backend::Fastest);
    if std::env::var_os("ONLY_OURS").is_some() {
        println!(
            "ours {:.2} s = {:.1} sentences/s",
            ours_s,
            texts.len() as f64 / ours_s
        );
        return;
    }
    let (candle, candle_s) = run(Backend::Candle);
    let cosines: Vec<f64> = ours
        .chunks(384)
        .zip(candle.chunks(384))
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum())
        .collect();
    let (worst_at, worst) =
        cosines
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |a, (i, c)| if c < a.1 { (i, c) } else { a },
            );
    let max_diff = ours
        .iter()
        .zip(&candle)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    println!("texts: {}", texts.len());
    println!(
        "min cosine ours vs candle: {worst:.9} (1 - {:.2e}), text {worst_at}",
        1.0 - worst
    );
    println!("max |difference|: {max_diff:.2e}");
    println!(
        "ours {:.2} s = {:.1} sentences/s; candle {:.2} s = {:.1} sentences/s; {:.2}x",
        ours_s,
        texts.len() as f64 / ours_s,
        candle_s,
        texts.len() as f64 / candle_s,
        candle_s / ours_s
    );
}
