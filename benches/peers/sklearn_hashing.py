#!/usr/bin/env python3
"""Peer benchmark: scikit-learn ingest + hashed n-gram + TF-IDF featurization.

Why: driftprint's `features` throughput target is "ingest + stylometry + hashed
n-grams >= 10x scikit-learn". This script measures the scikit-learn side of
that comparison on the same JSONL corpora.

What is timed (best of --repeat runs, each measured independently):
  seconds_total      read files + json.loads per line + featurize
  seconds_featurize  featurize only:
      HashingVectorizer(word, 1-2 grams, 2**18) + HashingVectorizer(char, 3-5
      grams, 2**18), summed as scipy sparse matrices, then
      TfidfTransformer(sublinear_tf=True, norm="l2").fit_transform.
MB = 1e6 bytes of UTF-8 text (the text field only, not the JSON around it).
scikit-learn runs this in a single process: neither HashingVectorizer nor
TfidfTransformer has an n_jobs option.

Prints one JSON line to stdout.
"""
import argparse
import glob
import json
import os
import sys
import time

import sklearn
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

SHARED_GLOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "dev", "*.jsonl")
LOCAL_GLOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "*.jsonl")


def read_texts(paths, field):
    texts = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    text = json.loads(line).get(field)
                    if isinstance(text, str):
                        texts.append(text)
    return texts


def featurize(texts):
    common = dict(n_features=2**18, alternate_sign=False, norm=None)
    word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common)
    char = HashingVectorizer(analyzer="char", ngram_range=(3, 5), **common)
    counts = word.transform(texts) + char.transform(texts)
    return TfidfTransformer(sublinear_tf=True, norm="l2").fit_transform(counts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help=f"JSONL files (default: {SHARED_GLOB}, else data/*.jsonl)")
    ap.add_argument("--text-field", default="text")
    ap.add_argument("--repeat", type=int, default=1, help="runs; the best time is reported")
    args = ap.parse_args()

    paths = args.files or sorted(glob.glob(SHARED_GLOB)) or sorted(glob.glob(LOCAL_GLOB))
    if not paths:
        sys.exit("no input JSONL files")

    best_total = best_feat = float("inf")
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        texts = read_texts(paths, args.text_field)
        t1 = time.perf_counter()
        if not texts:
            sys.exit(f"no '{args.text_field}' strings found in input")
        matrix = featurize(texts)
        t2 = time.perf_counter()
        best_total = min(best_total, t2 - t0)
        best_feat = min(best_feat, t2 - t1)

    text_bytes = sum(len(t.encode("utf-8")) for t in texts)
    print(json.dumps({
        "tool": "scikit-learn",
        "version": sklearn.__version__,
        "docs": len(texts),
        "text_bytes": text_bytes,
        "seconds_total": round(best_total, 4),
        "seconds_featurize": round(best_feat, 4),
        "mb_per_s_total": round(text_bytes / 1e6 / best_total, 4),
        "mb_per_s_featurize": round(text_bytes / 1e6 / best_feat, 4),
        "repeat": max(1, args.repeat),
        "files": len(paths),
        "nnz": int(matrix.nnz),
        "processes": 1,
        "note": "single process; sklearn HashingVectorizer/TfidfTransformer have no n_jobs",
    }))


if __name__ == "__main__":
    main()
