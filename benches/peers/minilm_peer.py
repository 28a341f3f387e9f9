"""Peer benchmark for driftprint's sentence embeddings: sentence-transformers all-MiniLM-L6-v2 on CPU.

Run through minilm_peer.sh, which sets up the pinned venv:
  minilm_peer.py [--input FILE.jsonl] [--n 512] [--batch 32] [--max-tokens 128]
                 [--model-dir DIR] [--threads 2] [--repeats 3] [--out-npy PATH]
Takes the "text" field of the first N records of the JSONL file (file order), loads the model with
SentenceTransformer(model_dir, device="cpu"), sets max_seq_length, encodes the first batch once as
a warm-up, then times model.encode(texts, batch_size, normalize_embeddings=True) `repeats` times.
Prints one JSON line to stdout: {tool, version, torch, n, batch, max_tokens, threads, seconds_best,
seconds_median, sentences_per_s_best, sentences_per_s_median}. Logs go to stderr.
--out-npy writes the (last run's) embeddings as float32, n x 384, rows in input order.
Relative paths are resolved against the repository root.
"""

import argparse
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def from_root(path):
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(ROOT, path))


def default_model_dir():
    for cand in ("../shared/models/all-MiniLM-L6-v2", "models/all-MiniLM-L6-v2"):
        if os.path.isdir(from_root(cand)):
            return cand
    return "models/all-MiniLM-L6-v2"


def read_texts(path, n):
    texts = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if len(texts) >= n:
                break
            if not line.strip():
                continue
            rec = json.loads(line)
            text = rec.get("text")
            if not isinstance(text, str):
                sys.exit(f"{path}:{lineno}: no string \"text\" field")
            texts.append(text)
    if len(texts) < n:
        log(f"warning: {path} has only {len(texts)} records (asked for {n})")
    return texts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", default="../shared/data/dev/outfox_valid.jsonl", help="JSONL corpus with a \"text\" field")
    ap.add_argument("--n", type=int, default=512, help="first N records")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, default=128, help="model.max_seq_length")
    ap.add_argument("--model-dir", default=None,
                    help="default: ../shared/models/all-MiniLM-L6-v2, else models/all-MiniLM-L6-v2")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--repeats", type=int, default=3, help="timed encodes")
    ap.add_argument("--out-npy", default=None, help="write the embeddings here (float32 .npy)")
    args = ap.parse_args()
    if args.n < 1 or args.batch < 1 or args.repeats < 1 or args.threads < 1 or args.max_tokens < 1:
        ap.error("--n, --batch, --max-tokens, --threads and --repeats must be positive")

    input_path = from_root(args.input)
    model_dir = from_root(args.model_dir or default_model_dir())
    if not os.path.isdir(model_dir):
        sys.exit(f"model directory {model_dir} not found (run scripts/fetch_minilm.sh)")

    import numpy as np
    import torch
    import sentence_transformers
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(args.threads)
    texts = read_texts(input_path, args.n)
    if not texts:
        sys.exit(f"{input_path}: no records")
    log(f"model {model_dir}, {len(texts)} texts from {input_path}, torch threads {torch.get_num_threads()}")

    model = SentenceTransformer(model_dir, device="cpu")
    model.max_seq_length = args.max_tokens

    def encode(batch_texts):
        return model.encode(batch_texts, batch_size=args.batch, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    encode(texts[: args.batch])  # warm-up
    times = []
    emb = None
    for i in range(args.repeats):
        t0 = time.perf_counter()
        emb = encode(texts)
        times.append(time.perf_counter() - t0)
        log(f"run {i + 1}/{args.repeats}: {times[-1]:.3f} s ({len(texts) / times[-1]:.1f} sentences/s)")

    if args.out_npy:
        out = from_root(args.out_npy)
        np.save(out, np.ascontiguousarray(emb, dtype=np.float32))
        log(f"wrote {out} {emb.shape}")

    best, median = min(times), statistics.median(times)
    print(json.dumps({
        "tool": "sentence-transformers",
        "version": sentence_transformers.__version__,
        "torch": torch.__version__,
        "n": len(texts),
        "batch": args.batch,
        "max_tokens": args.max_tokens,
        "threads": args.threads,
        "seconds_best": round(best, 4),
        "seconds_median": round(median, 4),
        "sentences_per_s_best": round(len(texts) / best, 2),
        "sentences_per_s_median": round(len(texts) / median, 2),
    }), flush=True)


if __name__ == "__main__":
    main()
