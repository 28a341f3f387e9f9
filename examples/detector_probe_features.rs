//! Per-document features for `benches/detector_model_classes.py`, the detector's model-class
//! comparison: one JSON line per input line, in order.
//!   minilm <model dir> <in.jsonl> <out.jsonl>   persistent-homology dimension of the MiniLM
//!       token states (first 256 tokens) and their mean, max and standard deviation over tokens;
//!   smollm2 <model.gguf> <in.jsonl> <out.jsonl> the SmolLM2 token ids of the first 192 tokens
//!       with each one's log-probability and the prediction's entropy (Ghostbuster's inputs).
//! Texts are normalised as the detector normalises them.

use std::io::Write;

use rayon::prelude::*;
use serde_json::json;

use driftprint::features::causal_lm::CausalLm;
use driftprint::features::encoder::Encoder;
use driftprint::features::intrinsic_dimension::persistent_homology_dimension;
use driftprint::features::model_dir::ModelDir;
use driftprint::features::normalize::Normalization;

const MINILM_TOKENS: usize = 256;
const SMOLLM2_TOKENS: usize = 192;

fn texts(path: &str) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSONL");
            let text = v["text"].as_str().unwrap_or_default();
            Normalization::Standard.apply(text).into_owned()
        })
        .collect()
}

fn rounded(values: &[f32]) -> Vec<f32> {
    values.iter().map(|v| (v * 1e4).round() / 1e4).collect()
}

fn minilm(dir: &str, texts: &[String]) -> Vec<serde_json::Value> {
    let encoder = Encoder::load(
        &ModelDir::open(dir.as_ref()).expect("model dir"),
        MINILM_TOKENS,
        1,
    )
    .expect("MiniLM");
    let dim = encoder.dim();
    let mut out = Vec::with_capacity(texts.len());
    for block in texts.chunks(64) {
        let refs: Vec<&str> = block.iter().map(String::as_str).collect();
        let states = encoder.token_states(&refs).expect("forward");
        let rows: Vec<serde_json::Value> = states
            .par_iter()
            .map(|s| {
                let n = s.len() / dim;
                let mut mean = vec![0f32; dim];
                let mut max = vec![f32::NEG_INFINITY; dim];
                let mut square = vec![0f32; dim];
                for row in s.chunks_exact(dim) {
                    for j in 0..dim {
                        mean[j] += row[j];
                        max[j] = max[j].max(row[j]);
                        square[j] += row[j] * row[j];
                    }
                }
                let count = n.max(1) as f32;
                let std: Vec<f32> = (0..dim)
                    .map(|j| {
                        (square[j] / count - (mean[j] / count).powi(2))
                            .max(0.0)
                            .sqrt()
                    })
                    .collect();
                mean.iter_mut().for_each(|m| *m /= count);
                if n == 0 {
                    max.fill(0.0);
                }
                json!({
                    "tokens": n,
                    "phd": persistent_homology_dimension(s, dim, 42),
                    "mean": rounded(&mean),
                    "max": rounded(&max),
                    "std": rounded(&std),
                })
            })
            .collect();
        out.extend(rows);
        eprint!("\r{} / {}", out.len(), texts.len());
    }
    eprintln!();
    out
}

fn smollm2(file: &str, texts: &[String]) -> Vec<serde_json::Value> {
    let model = CausalLm::load(file.as_ref()).expect("SmolLM2");
    let sequences: Vec<Vec<u32>> = texts
        .iter()
        .map(|t| {
            let ids = model.tokenizer().encode(t.as_str(), false).expect("tokens");
            let ids = ids.get_ids();
            let mut s = vec![model.start_token];
            s.extend(&ids[..ids.len().min(SMOLLM2_TOKENS)]);
            s
        })
        .collect();
    let mut order: Vec<usize> = (0..sequences.len()).collect();
    order.sort_by_key(|&i| sequences[i].len());
    let mut out = vec![serde_json::Value::Null; texts.len()];
    let mut done = 0;
    for block in order.chunks(64) {
        let scored: Vec<(usize, serde_json::Value)> = block
            .par_chunks(8)
            .flat_map_iter(|batch| {
                let usable: Vec<usize> = batch
                    .iter()
                    .copied()
                    .filter(|&i| sequences[i].len() >= 2)
                    .collect();
                let seqs: Vec<Vec<u32>> = usable.iter().map(|&i| sequences[i].clone()).collect();
                let scores = model.score(&seqs).expect("score");
                let mut rows: Vec<(usize, serde_json::Value)> = usable
                    .iter()
                    .zip(scores)
                    .map(|(&i, s)| {
                        let logp: Vec<f32> = s.iter().map(|t| t.log_prob).collect();
                        let ent: Vec<f32> = s.iter().map(|t| t.entropy).collect();
                        let value = json!({
                            "ids": &sequences[i][1..],
                            "logp": rounded(&logp),
                            "ent": rounded(&ent),
                        });
                        (i, value)
                    })
                    .collect();
                rows.extend(
                    batch
                        .iter()
                        .filter(|&&i| sequences[i].len() < 2)
                        .map(|&i| (i, json!({"ids": [], "logp": [], "ent": []}))),
                );
                rows
            })
            .collect();
        for (i, v) in scored {
            out[i] = v;
        }
        done += block.len();
        eprint!("\r{done} / {}", texts.len());
    }
    eprintln!();
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 {
        eprintln!("usage: detector_probe_features minilm|smollm2 <model> <in.jsonl> <out.jsonl>");
        std::process::exit(2);
    }
    let texts = texts(&args[3]);
    let rows = match args[1].as_str() {
        "minilm" => minilm(&args[2], &texts),
        "smollm2" => smollm2(&args[2], &texts),
        other => panic!("unknown kind {other}"),
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(&args[4]).expect("output"));
    for row in rows {
        writeln!(file, "{row}").expect("write");
    }
}
