//! MiniLM fine-tuned as a detector, for `benches/detector_model_classes.py`: the lower five
//! layers frozen (their states computed once per text and cached beside the output), then per
//! fold, from the pretrained weights, LP-FT (Kumar et al. 2022, which keeps more of the
//! pretrained features out of distribution): a logistic head fitted on the pretrained model's
//! mean-pooled states, then the last layer and the head trained together with candle's autograd.
//!   minilm_finetune_probe <model dir> <all.jsonl> <ell.jsonl> <folds.json> <out.json>
//! folds.json: [{"name", "train": [row], "weights": [w], "test": [row]}]; a fold named "all"
//! also scores the ELL essays. out.json: {name: [score per test row], "ell": [...]}.

use std::collections::HashMap;

use candle_core::{DType, Device, Module, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationParams};

use driftprint::features::normalize::Normalization;

const TOKENS: usize = 128;
const HIDDEN: usize = 384;
const HEADS: usize = 12;
const FROZEN: usize = 5;
const EPOCHS: usize = 2;
const BATCH: usize = 16;
const LEARNING_RATE: f64 = 1e-4;
const HEAD_LEARNING_RATE: f64 = 1e-3;
/// Full-batch Adam steps of the linear probe (the head alone, on fixed pooled states).
const PROBE_STEPS: usize = 300;
const PROBE_LEARNING_RATE: f64 = 1e-2;

type R<T> = candle_core::Result<T>;

#[derive(Deserialize)]
struct Fold {
    name: String,
    train: Vec<usize>,
    weights: Vec<f32>,
    test: Vec<usize>,
}

/// One encoder layer's weights: constants for the frozen layers, variables for the trained one.
struct Layer {
    w: HashMap<&'static str, Tensor>,
}

const NAMES: [(&str, &str); 16] = [
    ("q_w", "attention.self.query.weight"),
    ("q_b", "attention.self.query.bias"),
    ("k_w", "attention.self.key.weight"),
    ("k_b", "attention.self.key.bias"),
    ("v_w", "attention.self.value.weight"),
    ("v_b", "attention.self.value.bias"),
    ("o_w", "attention.output.dense.weight"),
    ("o_b", "attention.output.dense.bias"),
    ("ln1_w", "attention.output.LayerNorm.weight"),
    ("ln1_b", "attention.output.LayerNorm.bias"),
    ("i_w", "intermediate.dense.weight"),
    ("i_b", "intermediate.dense.bias"),
    ("out_w", "output.dense.weight"),
    ("out_b", "output.dense.bias"),
    ("ln2_w", "output.LayerNorm.weight"),
    ("ln2_b", "output.LayerNorm.bias"),
];

fn layer_norm(x: &Tensor, w: &Tensor, b: &Tensor) -> R<Tensor> {
    let mean = x.mean_keepdim(D::Minus1)?;
    let centred = x.broadcast_sub(&mean)?;
    let var = centred.sqr()?.mean_keepdim(D::Minus1)?;
    centred
        .broadcast_div(&(var + 1e-12)?.sqrt()?)?
        .broadcast_mul(w)?
        .broadcast_add(b)
}

/// `x` (rows, in) times a torch-layout weight (out, in), plus bias.
fn linear(x: &Tensor, w: &Tensor, b: &Tensor) -> R<Tensor> {
    x.matmul(&w.t()?)?.broadcast_add(b)
}

impl Layer {
    /// `x` (batch, len, hidden); `bias` (batch, 1, 1, len): 0 on tokens, −1e9 on padding.
    fn forward(&self, x: &Tensor, bias: &Tensor) -> R<Tensor> {
        let (batch, len, _) = x.dims3()?;
        let w = |k: &str| &self.w[k];
        let flat = x.reshape((batch * len, HIDDEN))?;
        let heads = |wk: &str, bk: &str| -> R<Tensor> {
            linear(&flat, w(wk), w(bk))?
                .reshape((batch, len, HEADS, HIDDEN / HEADS))?
                .transpose(1, 2)?
                .contiguous()
        };
        let (q, k, v) = (
            heads("q_w", "q_b")?,
            heads("k_w", "k_b")?,
            heads("v_w", "v_b")?,
        );
        let scale = 1.0 / ((HIDDEN / HEADS) as f64).sqrt();
        let scores = (q.matmul(&k.t()?.contiguous()?)? * scale)?.broadcast_add(bias)?;
        let probs = candle_nn::ops::softmax(&scores, D::Minus1)?;
        let context = probs
            .matmul(&v)?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((batch * len, HIDDEN))?;
        let attended = layer_norm(
            &(linear(&context, w("o_w"), w("o_b"))? + &flat)?,
            w("ln1_w"),
            w("ln1_b"),
        )?;
        let inner = linear(&attended, w("i_w"), w("i_b"))?.gelu_erf()?;
        layer_norm(
            &(linear(&inner, w("out_w"), w("out_b"))? + &attended)?,
            w("ln2_w"),
            w("ln2_b"),
        )?
        .reshape((batch, len, HIDDEN))
    }
}

struct Model {
    tensors: HashMap<String, Tensor>,
}

impl Model {
    fn layer(&self, i: usize) -> Layer {
        Layer {
            w: NAMES
                .iter()
                .map(|(k, n)| (*k, self.tensors[&format!("encoder.layer.{i}.{n}")].clone()))
                .collect(),
        }
    }

    /// States after the frozen layers of one text (no padding).
    fn frozen_states(&self, ids: &[u32]) -> R<Tensor> {
        let len = ids.len();
        let t = |k: &str| &self.tensors[k];
        let ids = Tensor::new(ids, &Device::Cpu)?;
        let positions = Tensor::arange(0u32, len as u32, &Device::Cpu)?;
        let x =
            (candle_nn::Embedding::new(t("embeddings.word_embeddings.weight").clone(), HIDDEN)
                .forward(&ids)?
                + candle_nn::Embedding::new(
                    t("embeddings.position_embeddings.weight").clone(),
                    HIDDEN,
                )
                .forward(&positions)?)?
            .broadcast_add(&t("embeddings.token_type_embeddings.weight").get(0)?)?;
        let mut x = layer_norm(
            &x,
            t("embeddings.LayerNorm.weight"),
            t("embeddings.LayerNorm.bias"),
        )?
        .unsqueeze(0)?;
        let bias = Tensor::zeros((1, 1, 1, len), DType::F32, &Device::Cpu)?;
        for i in 0..FROZEN {
            x = self.layer(i).forward(&x, &bias)?;
        }
        x.squeeze(0)
    }
}

/// A padded batch of cached states, its attention bias and pooling weights.
fn batch(states: &[Tensor], rows: &[usize]) -> R<(Tensor, Tensor, Tensor)> {
    let longest = rows
        .iter()
        .map(|&r| states[r].dim(0).unwrap_or(0))
        .max()
        .unwrap_or(1);
    let mut padded = Vec::with_capacity(rows.len());
    let mut mask = Vec::with_capacity(rows.len() * longest);
    for &r in rows {
        let n = states[r].dim(0)?;
        padded.push(states[r].pad_with_zeros(0, 0, longest - n)?);
        mask.extend((0..longest).map(|j| if j < n { 1f32 } else { 0.0 }));
    }
    let mask = Tensor::from_vec(mask, (rows.len(), longest), &Device::Cpu)?;
    let bias = ((&mask - 1.0)? * 1e9)?.reshape((rows.len(), 1, 1, longest))?;
    Ok((Tensor::stack(&padded, 0)?, bias, mask))
}

/// Mean of `out` (batch, len, hidden) over each row's tokens, padding left out.
fn mean_pool(out: &Tensor, mask: &Tensor) -> R<Tensor> {
    out.broadcast_mul(&mask.unsqueeze(2)?)?
        .sum(1)?
        .broadcast_div(&mask.sum_keepdim(1)?)
}

/// The logistic head's logits of pooled states (rows, hidden).
fn head_logits(pooled: &Tensor, head: &(Var, Var)) -> R<Tensor> {
    pooled
        .matmul(head.0.as_tensor())?
        .broadcast_add(head.1.as_tensor())?
        .squeeze(1)
}

fn logits(layer: &Layer, head: &(Var, Var), x: &Tensor, bias: &Tensor, mask: &Tensor) -> R<Tensor> {
    head_logits(&mean_pool(&layer.forward(x, bias)?, mask)?, head)
}

fn adam(vars: Vec<Var>, lr: f64, weight_decay: f64) -> R<AdamW> {
    AdamW::new(
        vars,
        ParamsAdamW {
            lr,
            weight_decay,
            ..Default::default()
        },
    )
}

/// Weighted logistic loss, softplus(z) − y·z written stably, averaged over the rows.
fn weighted_loss(z: &Tensor, y: &Tensor, w: &Tensor) -> R<Tensor> {
    let softplus = (z.relu()? + (z.abs()?.neg()?.exp()? + 1.0)?.log()?)?;
    ((softplus - (y * z)?)? * w)?.sum_all()? / z.dim(0)? as f64
}

/// Mean-pooled output of `layer` for `rows`, detached: (rows, hidden).
fn pooled(layer: &Layer, states: &[Tensor], rows: &[usize]) -> R<Tensor> {
    let mut parts = Vec::new();
    for chunk in rows.chunks(64) {
        let (x, bias, mask) = batch(states, chunk)?;
        parts.push(mean_pool(&layer.forward(&x, &bias)?, &mask)?.detach());
    }
    Tensor::cat(&parts, 0)
}

fn train_and_score(
    model: &Model,
    states: &[Tensor],
    labels: &[f32],
    fold: &Fold,
    extra: &[Tensor],
) -> R<(Vec<f32>, Vec<f32>)> {
    let pretrained = model.layer(FROZEN);
    let vars: Vec<(&'static str, Var)> = pretrained
        .w
        .iter()
        .map(|(k, t)| Ok((*k, Var::from_tensor(t)?)))
        .collect::<R<_>>()?;
    let head = (
        Var::zeros((HIDDEN, 1), DType::F32, &Device::Cpu)?,
        Var::zeros(1, DType::F32, &Device::Cpu)?,
    );
    let layer = Layer {
        w: vars
            .iter()
            .map(|(k, v)| (*k, v.as_tensor().clone()))
            .collect(),
    };
    let head_vars = || vec![head.0.clone(), head.1.clone()];
    let mut encoder_opt = adam(
        vars.iter().map(|(_, v)| v.clone()).collect(),
        LEARNING_RATE,
        0.01,
    )?;
    let mut head_opt = adam(head_vars(), HEAD_LEARNING_RATE, 0.0)?;
    let weight_of: HashMap<usize, f32> = fold
        .train
        .iter()
        .copied()
        .zip(fold.weights.iter().copied())
        .collect();
    let targets = |rows: &[usize]| -> R<(Tensor, Tensor)> {
        Ok((
            Tensor::new(
                rows.iter().map(|&r| labels[r]).collect::<Vec<_>>(),
                &Device::Cpu,
            )?,
            Tensor::new(
                rows.iter().map(|&r| weight_of[&r]).collect::<Vec<_>>(),
                &Device::Cpu,
            )?,
        ))
    };
    // Linear probe: the head on the pretrained layer's pooled states.
    let features = pooled(&pretrained, states, &fold.train)?;
    let (y, w) = targets(&fold.train)?;
    let mut probe_opt = adam(head_vars(), PROBE_LEARNING_RATE, 0.0)?;
    for _ in 0..PROBE_STEPS {
        let z = head_logits(&features, &head)?;
        probe_opt.backward_step(&weighted_loss(&z, &y, &w)?)?;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut order = fold.train.clone();
    for epoch in 0..EPOCHS {
        order.shuffle(&mut rng);
        let mut total = 0.0;
        for rows in order.chunks(BATCH) {
            let (x, bias, mask) = batch(states, rows)?;
            let z = logits(&layer, &head, &x, &bias, &mask)?;
            let (y, w) = targets(rows)?;
            let loss = weighted_loss(&z, &y, &w)?;
            total += loss.to_scalar::<f32>()? * rows.len() as f32;
            let grads = loss.backward()?;
            encoder_opt.step(&grads)?;
            head_opt.step(&grads)?;
        }
        eprintln!(
            "  {} epoch {epoch}: loss {:.4}",
            fold.name,
            total / order.len() as f32
        );
    }
    let score = |states: &[Tensor], rows: &[usize]| -> R<Vec<f32>> {
        let mut out = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(64) {
            let (x, bias, mask) = batch(states, chunk)?;
            out.extend(
                logits(&layer, &head, &x.detach(), &bias, &mask)?
                    .detach()
                    .to_vec1::<f32>()?,
            );
        }
        Ok(out)
    };
    let test = score(states, &fold.test)?;
    let extra_scores = if extra.is_empty() {
        Vec::new()
    } else {
        score(extra, &(0..extra.len()).collect::<Vec<_>>())?
    };
    Ok((test, extra_scores))
}

/// The pretrained last layer over the cached states must give the shipped encoder's embedding:
/// a check that this forward pass is MiniLM's before anything is trained through it.
fn check_against_the_encoder(
    model: &Model,
    states: &[Tensor],
    text: &str,
    dir: &std::path::Path,
) -> R<()> {
    use driftprint::features::encoder::Encoder;
    use driftprint::features::model_dir::ModelDir;
    let encoder =
        Encoder::load(&ModelDir::open(dir).expect("model dir"), TOKENS, 1).expect("encoder");
    let expected = encoder.embed(&[text], false).expect("embed").values;
    let n = states[0].dim(0)?;
    let out = model.layer(FROZEN).forward(
        &states[0].unsqueeze(0)?,
        &Tensor::zeros((1, 1, 1, n), DType::F32, &Device::Cpu)?,
    )?;
    let pooled = out.squeeze(0)?.mean(0)?.to_vec1::<f32>()?;
    let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt();
    let cosine: f32 = pooled
        .iter()
        .zip(&expected)
        .map(|(a, b)| a * b / norm)
        .sum();
    eprintln!("cosine to the shipped encoder: {cosine:.7}");
    assert!(
        cosine > 0.99999,
        "forward pass differs from the encoder: cosine {cosine}"
    );
    Ok(())
}

fn texts(path: &str) -> Vec<(String, f32)> {
    std::fs::read_to_string(path)
        .expect("input")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSONL");
            let text = Normalization::Standard.apply(v["text"].as_str().unwrap_or_default());
            let label = if v["label"].as_str() == Some("machine") {
                1.0
            } else {
                0.0
            };
            (text.into_owned(), label)
        })
        .collect()
}

fn main() -> R<()> {
    let args: Vec<String> = std::env::args().collect();
    assert_eq!(
        args.len(),
        6,
        "minilm_finetune_probe <model dir> <all> <ell> <folds> <out>"
    );
    let dir = std::path::Path::new(&args[1]);
    let tensors = candle_core::safetensors::load(dir.join("model.safetensors"), &Device::Cpu)?;
    let model = Model { tensors };
    let mut tokenizer = Tokenizer::from_file(dir.join("tokenizer.json")).expect("tokenizer");
    tokenizer.with_padding(None);
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: TOKENS,
            ..TruncationParams::default()
        }))
        .expect("truncation");
    let encode = |docs: &[(String, f32)]| -> R<Vec<Tensor>> {
        use rayon::prelude::*;
        docs.par_iter()
            .map(|(t, _)| {
                let e = tokenizer.encode_fast(t.as_str(), true).expect("tokens");
                model.frozen_states(e.get_ids())
            })
            .collect()
    };
    let all = texts(&args[2]);
    let ell = texts(&args[3]);
    let start = std::time::Instant::now();
    let cache = format!("{}.frozen.safetensors", args[5]);
    let (states, ell_states) = match candle_core::safetensors::load(&cache, &Device::Cpu) {
        Ok(mut saved) if saved.len() == all.len() + ell.len() => {
            let mut take = |k: String| saved.remove(&k).expect("cached state");
            (
                (0..all.len())
                    .map(|i| take(format!("all.{i}")))
                    .collect::<Vec<_>>(),
                (0..ell.len())
                    .map(|i| take(format!("ell.{i}")))
                    .collect::<Vec<_>>(),
            )
        }
        _ => {
            let (states, ell_states) = (encode(&all)?, encode(&ell)?);
            let named: HashMap<String, Tensor> = states
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("all.{i}"), t.clone()))
                .chain(
                    ell_states
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (format!("ell.{i}"), t.clone())),
                )
                .collect();
            candle_core::safetensors::save(&named, &cache)?;
            (states, ell_states)
        }
    };
    eprintln!(
        "frozen states of {} texts in {:.0?}",
        all.len() + ell.len(),
        start.elapsed()
    );
    check_against_the_encoder(&model, &states, &all[0].0, dir)?;
    let labels: Vec<f32> = all.iter().map(|(_, l)| *l).collect();
    let folds: Vec<Fold> =
        serde_json::from_str(&std::fs::read_to_string(&args[4]).expect("folds")).expect("folds");
    let mut out = serde_json::Map::new();
    for fold in &folds {
        let start = std::time::Instant::now();
        let extra: &[Tensor] = if fold.name == "all" { &ell_states } else { &[] };
        let (test, ell_scores) = train_and_score(&model, &states, &labels, fold, extra)?;
        eprintln!("{}: {:.0?}", fold.name, start.elapsed());
        out.insert(fold.name.clone(), serde_json::json!(test));
        if !ell_scores.is_empty() {
            out.insert("ell".into(), serde_json::json!(ell_scores));
        }
        std::fs::write(&args[5], serde_json::Value::Object(out.clone()).to_string())
            .expect("output");
    }
    Ok(())
}
