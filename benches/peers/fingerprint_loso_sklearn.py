#!/usr/bin/env python3
"""Peer benchmark: leave-one-source-out (one *.jsonl file at a time) with scikit-learn's plain
hashed n-gram TF-IDF logistic regression, the baseline driftprint's detector is compared with.

Features: HashingVectorizer(word, 1-2) + HashingVectorizer(--char-analyzer, 3-5), 2**18
buckets each, alternate_sign=False, summed, then TfidfTransformer(sublinear_tf=True, norm="l2")
fitted on the training files only. Learner: LogisticRegression(C=--c, max_iter=1000,
solver="lbfgs", class_weight=--class-weight). The text is used as it is (scikit-learn's analyzers
lower-case it; `char` and `char_wb` fold whitespace runs into one space).

For each held-out file: AUROC, TPR at 1% FPR (threshold = 99th percentile of the held-out file's
own human scores, numpy linear interpolation), and FPR/TPR at a threshold set like driftprint's:
the 1%-FPR threshold on a 20% calibration split of the training files' human documents (split by
zlib.crc32(id) % 5 == 0). A file with one class reports only what is defined. Then a model
trained on every file: FPR at that threshold on --fairness (e.g. the ELL essays).

Prints one JSON line to stdout; progress goes to stderr.
"""
import argparse
import glob
import json
import os
import sys
import time
import zlib

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "dev"))
T0 = time.perf_counter()


def log(msg):
    print(f"[{time.perf_counter() - T0:8.1f}s] {msg}", file=sys.stderr, flush=True)


def read_jsonl(path):
    ids, texts, y = [], [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                ids.append(rec["id"])
                texts.append(rec["text"])
                y.append(1 if rec["label"] == "machine" else 0)
    return ids, texts, np.asarray(y, dtype=np.int64)


def counts(texts, char_analyzer):
    common = dict(n_features=2**18, alternate_sign=False, norm=None)
    word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common)
    char = HashingVectorizer(analyzer=char_analyzer, ngram_range=(3, 5), **common)
    return (word.transform(texts) + char.transform(texts)).tocsr()


def threshold_at_1pct(scores):
    """driftprint's rule: the floor(0.01 n)+1-th highest human score."""
    s = np.sort(scores)[::-1]
    return s[min(int(0.01 * len(s)), len(s) - 1)]


def train(x, y, ids, args):
    """Fits on the non-calibration part, returns (tfidf, model, threshold)."""
    calib = np.array([zlib.crc32(i.encode("utf-8")) % 5 == 0 for i in ids])
    tfidf = TfidfTransformer(sublinear_tf=True, norm="l2")
    xt = tfidf.fit_transform(x[~calib])
    cw = None if args.class_weight == "none" else "balanced"
    model = LogisticRegression(C=args.c, max_iter=1000, solver="lbfgs", class_weight=cw)
    model.fit(xt, y[~calib])
    cal_scores = model.decision_function(tfidf.transform(x[calib]))
    return tfidf, model, threshold_at_1pct(cal_scores[y[calib] == 0])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--char-analyzer", choices=["char_wb", "char"], default="char_wb")
    ap.add_argument("--class-weight", choices=["none", "balanced"], default="none")
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--fairness", help="JSONL of human texts: FPR of the all-files model on it")
    args = ap.parse_args()
    paths = sorted(glob.glob(os.path.join(args.data, "*.jsonl")))
    parts = [read_jsonl(p) for p in paths]
    log(f"read {sum(len(p[0]) for p in parts)} docs from {len(paths)} files")
    xs = [counts(p[1], args.char_analyzer) for p in parts]
    import scipy.sparse as sp
    folds = []
    for k, path in enumerate(paths):
        t = time.perf_counter()
        train_idx = [j for j in range(len(paths)) if j != k]
        x = sp.vstack([xs[j] for j in train_idx]).tocsr()
        y = np.concatenate([parts[j][2] for j in train_idx])
        ids = sum((parts[j][0] for j in train_idx), [])
        tfidf, model, thr = train(x, y, ids, args)
        scores = model.decision_function(tfidf.transform(xs[k]))
        yk = parts[k][2]
        both = 0 < yk.sum() < len(yk)
        fold = dict(name=os.path.basename(path), n_real=int((yk == 0).sum()), n_synthetic=int(yk.sum()),
                    auroc=float(roc_auc_score(yk, scores)) if both else None,
                    tpr_at_1pct_fpr=float(np.mean(scores[yk == 1] > np.percentile(scores[yk == 0], 99))) if both else None,
                    fpr_at_threshold=float(np.mean(scores[yk == 0] > thr)) if (yk == 0).any() else None,
                    tpr_at_threshold=float(np.mean(scores[yk == 1] > thr)) if (yk == 1).any() else None,
                    seconds=round(time.perf_counter() - t, 2))
        folds.append(fold)
        log(json.dumps(fold))
    mean = lambda key: float(np.mean([f[key] for f in folds if f[key] is not None]))
    out = dict(tool="scikit-learn", char_analyzer=args.char_analyzer, class_weight=args.class_weight, c=args.c,
               folds=folds, mean_fold_auroc=mean("auroc"), mean_fold_tpr_at_1pct_fpr=mean("tpr_at_1pct_fpr"),
               mean_fold_fpr_at_threshold=mean("fpr_at_threshold"), mean_fold_tpr_at_threshold=mean("tpr_at_threshold"))
    if args.fairness:
        x = sp.vstack(xs).tocsr()
        y = np.concatenate([p[2] for p in parts])
        ids = sum((p[0] for p in parts), [])
        tfidf, model, thr = train(x, y, ids, args)
        _, ftexts, _ = read_jsonl(args.fairness)
        fs = model.decision_function(tfidf.transform(counts(ftexts, args.char_analyzer)))
        out["fairness_fpr"] = float(np.mean(fs > thr))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
