//! A `tokenizers` tokenizer built from a GGUF file's metadata (its BPE vocabulary and merges),
//! so a language model shipped as one GGUF file needs nothing from a hub.
//!
//! Supported: byte-level BPE (`tokenizer.ggml.model = "gpt2"`) with the pre-tokenisation
//! llama.cpp applies for `tokenizer.ggml.pre = "smollm"` — every digit on its own, then GPT-2's
//! split (contractions, letters, numbers, punctuation, whitespace) — which is what the
//! SmolLM2 tokenizer.json spells as Digits(individual) + ByteLevel(use_regex). Special tokens
//! in a text are not parsed as such: scoring reads a user's text as text (llama.cpp's
//! `parse_special = false`).

use candle_core::quantized::gguf_file;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::BPE;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::digits::Digits;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::Tokenizer;

/// Why a GGUF file's tokenizer cannot be built.
fn bad(message: String) -> String {
    format!("tokenizer metadata: {message}")
}

fn strings(content: &gguf_file::Content, key: &str) -> Result<Vec<String>, String> {
    let values = content
        .metadata
        .get(key)
        .ok_or_else(|| bad(format!("no {key}")))?
        .to_vec()
        .map_err(|e| bad(format!("{key}: {e}")))?;
    values
        .iter()
        .map(|v| {
            v.to_string()
                .cloned()
                .map_err(|e| bad(format!("{key}: {e}")))
        })
        .collect()
}

fn text(content: &gguf_file::Content, key: &str) -> Option<String> {
    content
        .metadata
        .get(key)
        .and_then(|v| v.to_string().ok())
        .cloned()
}

/// The tokenizer a GGUF file describes.
pub fn from_gguf(content: &gguf_file::Content) -> Result<Tokenizer, String> {
    let model = text(content, "tokenizer.ggml.model").unwrap_or_default();
    if model != "gpt2" {
        return Err(bad(format!(
            "tokenizer.ggml.model '{model}' is not supported (byte-level BPE, 'gpt2', is)"
        )));
    }
    let pre = text(content, "tokenizer.ggml.pre").unwrap_or_default();
    if pre != "smollm" {
        return Err(bad(format!(
            "tokenizer.ggml.pre '{pre}' is not supported ('smollm' is)"
        )));
    }
    let tokens = strings(content, "tokenizer.ggml.tokens")?;
    let merges: Vec<(String, String)> = strings(content, "tokenizer.ggml.merges")?
        .into_iter()
        .map(|m| {
            m.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .ok_or_else(|| bad(format!("merge '{m}' is not two tokens")))
        })
        .collect::<Result<_, _>>()?;
    let vocab: tokenizers::models::bpe::Vocab = tokens
        .into_iter()
        .enumerate()
        .map(|(id, token)| (token, id as u32))
        .collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, merges)
        .build()
        .map_err(|e| bad(e.to_string()))?;
    let mut tokenizer = Tokenizer::new(bpe);
    tokenizer.with_pre_tokenizer(Some(Sequence::new(vec![
        Digits::new(true).into(),
        ByteLevel::new(false, true, true).into(),
    ])));
    tokenizer.with_decoder(Some(ByteLevelDecoder::default()));
    Ok(tokenizer)
}
