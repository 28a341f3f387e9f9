#!/usr/bin/env python3
"""Peer benchmark for driftprint's language-model scorer: llama.cpp (llama-cpp-python) scoring
the same documents with the same GGUF, the way driftprint's `lm` features need — logits for
every position (`logits_all=True`) and, from them, each token's log-probability, rank and the
entropy and log-probability variance of the prediction (full-vocabulary statistics, numpy).

Input: a JSONL file (field `text`); each document is the document token <|endoftext|> followed
by its first --max-tokens tokens (`tokenize(add_bos=False, special=False)`), as driftprint does.
One document per llama.cpp eval (its Python API scores one sequence at a time).
Prints one JSON line: documents, tokens scored, seconds (model already loaded), tokens/s.
"""
import argparse
import json
import sys
import time

import numpy as np
from llama_cpp import Llama


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("corpus")
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    llm = Llama(model_path=args.model, logits_all=True, n_ctx=args.max_tokens + 8,
                n_batch=args.max_tokens + 8, n_threads=args.threads, verbose=False)
    docs = []
    with open(args.corpus, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                text = json.loads(line)["text"]
                ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
                docs.append([0] + ids[: args.max_tokens])
    tokens = sum(len(d) - 1 for d in docs)
    start = time.perf_counter()
    checksum = 0.0
    for ids in docs:
        if len(ids) < 2:
            continue
        llm.reset()
        llm.eval(ids)
        logits = np.array(llm.scores[: len(ids) - 1], dtype=np.float32)
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        p = np.exp(logp)
        target = logp[np.arange(len(ids) - 1), ids[1:]]
        rank = (logp > target[:, None]).sum(axis=1) + 1
        entropy = -(p * logp).sum(axis=1)
        variance = (p * logp * logp).sum(axis=1) - entropy ** 2
        checksum += float(target.sum() + rank.sum() * 0 + variance.sum() * 0)
    seconds = time.perf_counter() - start
    print(json.dumps({"tool": "llama-cpp-python", "threads": args.threads, "documents": len(docs),
                      "tokens": tokens, "seconds": round(seconds, 3),
                      "tokens_per_second": round(tokens / seconds, 1), "checksum": round(checksum, 3)}))


if __name__ == "__main__":
    sys.exit(main())
