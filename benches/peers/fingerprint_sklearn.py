#!/usr/bin/env python3
"""Peer benchmark: scikit-learn logistic regression on hashed n-gram TF-IDF (the `fingerprint` detector).

Why: driftprint's LLM-text detector is logistic regression on hashed word 1-2-gram +
char 3-5-gram sublinear TF-IDF features (2**18 buckets). This script runs the same
model in scikit-learn, to compare accuracy and speed on the same corpora.

Data: every *.jsonl in --data (default ../shared/data/dev relative to the repo root),
in sorted filename order, one JSON object per line with `id`, `text`, `label`
("human"/"machine"); y = 1 for machine.

Cross-validation (skipped with --skip-cv): fold = zlib.crc32(id.encode("utf-8")) % 5
(driftprint uses the same definition). Features are those of sklearn_hashing.py:
HashingVectorizer(word, 1-2) + HashingVectorizer(char_wb (or --char-analyzer char), 3-5),
2**18 buckets each,
summed, then TfidfTransformer(sublinear_tf=True, norm="l2") -- the hashing is
stateless (computed once for all documents), the TF-IDF is fitted on the training
folds only, within each fold. Learner: LogisticRegression(C=1.0, max_iter=1000,
solver="lbfgs"), sklearn defaults otherwise (--class-weight balanced to change).
Reported: per-fold AUROC, their mean, pooled out-of-fold AUROC, and TPR at 1% FPR on
the pooled out-of-fold scores (threshold = 99th percentile of the human scores,
np.percentile linear interpolation; machine score > threshold counts as detected).

Timing: one model on the first --n-train documents of np.random.default_rng(0)
.permutation(n): featurize_s (hashing + TF-IDF fit_transform on those documents) and
fit_s (LogisticRegression.fit); then scoring throughput over all documents
(hashing + TF-IDF transform + predict_proba), docs/s. Single process (hashing and
TF-IDF have no n_jobs; lbfgs uses scipy/numpy, whose BLAS may use threads).

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
import scipy
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data", "dev"))
N_FOLDS = 5
T0 = time.perf_counter()


def log(msg):
    print(f"[{time.perf_counter() - T0:8.1f}s] {msg}", file=sys.stderr, flush=True)


def read_corpus(data_dir):
    paths = sorted(glob.glob(os.path.join(data_dir, "*.jsonl")))
    if not paths:
        sys.exit(f"no *.jsonl files in {data_dir}")
    ids, texts, y = [], [], []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                rec = json.loads(line)
                if rec["label"] not in ("human", "machine"):
                    sys.exit(f"{path}: unexpected label {rec['label']!r}")
                ids.append(rec["id"])
                texts.append(rec["text"])
                y.append(1 if rec["label"] == "machine" else 0)
    return paths, ids, texts, np.asarray(y, dtype=np.int64)


# The two halves of sklearn_hashing.featurize(): the stateless hashing, and the TF-IDF
# (here fitted on the training documents only).
CHAR_ANALYZER = "char_wb"


def hashed_counts(texts):
    common = dict(n_features=2**18, alternate_sign=False, norm=None)
    word = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common)
    char = HashingVectorizer(analyzer=CHAR_ANALYZER, ngram_range=(3, 5), **common)
    return (word.transform(texts) + char.transform(texts)).tocsr()


def new_tfidf():
    return TfidfTransformer(sublinear_tf=True, norm="l2")


def new_model(class_weight):
    return LogisticRegression(C=1.0, max_iter=1000, solver="lbfgs", class_weight=class_weight)


def tpr_at_fpr(y, scores, fpr=0.01):
    threshold = float(np.percentile(scores[y == 0], 100 * (1 - fpr)))
    return float(np.mean(scores[y == 1] > threshold)), threshold


def cross_validate(ids, texts, y, class_weight):
    folds = np.array([zlib.crc32(i.encode("utf-8")) % N_FOLDS for i in ids])
    t = time.perf_counter()
    counts = hashed_counts(texts)
    hash_s = time.perf_counter() - t
    log(f"hashed {len(texts)} docs in {hash_s:.1f}s, nnz {counts.nnz}")
    oof = np.full(len(y), np.nan)
    per_fold = []
    for k in range(N_FOLDS):
        train, test = folds != k, folds == k
        t = time.perf_counter()
        tfidf = new_tfidf()
        x_train = tfidf.fit_transform(counts[train])
        x_test = tfidf.transform(counts[test])
        tfidf_s = time.perf_counter() - t
        model = new_model(class_weight)
        t = time.perf_counter()
        model.fit(x_train, y[train])
        fit_s = time.perf_counter() - t
        oof[test] = model.predict_proba(x_test)[:, 1]
        auc = float(roc_auc_score(y[test], oof[test]))
        per_fold.append(dict(fold=k, n_train=int(train.sum()), n_test=int(test.sum()),
                             auroc=round(auc, 6), fit_s=round(fit_s, 3), tfidf_s=round(tfidf_s, 3),
                             n_iter=int(model.n_iter_[0])))
        log(f"fold {k}: n_test {int(test.sum())}, AUROC {auc:.4f}, fit {fit_s:.1f}s, "
            f"{int(model.n_iter_[0])} iters")
    tpr, thr = tpr_at_fpr(y, oof)
    return dict(
        folds=per_fold,
        auroc_per_fold=[f["auroc"] for f in per_fold],
        auroc_mean=round(float(np.mean([f["auroc"] for f in per_fold])), 6),
        auroc_pooled_oof=round(float(roc_auc_score(y, oof)), 6),
        tpr_at_1pct_fpr=round(tpr, 6),
        tpr_threshold=round(thr, 6),
        fit_s_per_fold=[f["fit_s"] for f in per_fold],
        hash_s_all_docs=round(hash_s, 3),
    )


def timing(texts, y, n_train, class_weight):
    perm = np.random.default_rng(0).permutation(len(texts))
    idx = perm[:n_train]
    train_texts = [texts[i] for i in idx]
    t = time.perf_counter()
    tfidf = new_tfidf()
    x_train = tfidf.fit_transform(hashed_counts(train_texts))
    featurize_s = time.perf_counter() - t
    model = new_model(class_weight)
    t = time.perf_counter()
    model.fit(x_train, y[idx])
    fit_s = time.perf_counter() - t
    log(f"timing: {len(idx)} train docs, featurize {featurize_s:.1f}s, fit {fit_s:.1f}s")
    t = time.perf_counter()
    scores = model.predict_proba(tfidf.transform(hashed_counts(texts)))[:, 1]
    score_s = time.perf_counter() - t
    log(f"timing: scored {len(texts)} docs in {score_s:.1f}s")
    assert scores.shape == (len(texts),)
    return dict(n_train=int(len(idx)), featurize_s=round(featurize_s, 3), fit_s=round(fit_s, 3),
                n_iter=int(model.n_iter_[0]), score_docs=len(texts), score_s=round(score_s, 3),
                score_docs_per_s=round(len(texts) / score_s, 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help=f"directory of *.jsonl (default {DEFAULT_DATA})")
    ap.add_argument("--class-weight", choices=["none", "balanced"], default="none")
    ap.add_argument("--char-analyzer", choices=["char_wb", "char"], default="char_wb",
                    help="char n-grams within words (driftprint's default) or across them")
    ap.add_argument("--skip-cv", action="store_true", help="only run the timing part")
    ap.add_argument("--n-train", type=int, default=20000, help="documents for the timing model")
    args = ap.parse_args()
    global CHAR_ANALYZER
    CHAR_ANALYZER = args.char_analyzer
    class_weight = None if args.class_weight == "none" else args.class_weight

    paths, ids, texts, y = read_corpus(args.data)
    log(f"read {len(texts)} docs ({int(y.sum())} machine) from {len(paths)} files in {args.data}")
    out = dict(tool="scikit-learn", version=sklearn.__version__, numpy=np.__version__,
               scipy=scipy.__version__, data=args.data, files=[os.path.basename(p) for p in paths],
               docs=len(texts), machine=int(y.sum()), human=int((y == 0).sum()),
               model="LogisticRegression(C=1.0, max_iter=1000, solver='lbfgs')",
               class_weight=args.class_weight, features=f"hashed word1-2+{args.char_analyzer}3-5, 2**18, tfidf sublinear l2",
               fold_rule="zlib.crc32(id.encode('utf-8')) % 5", cpus=os.cpu_count())
    if not args.skip_cv:
        out["cv"] = cross_validate(ids, texts, y, class_weight)
    out["timing"] = timing(texts, y, args.n_train, class_weight)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
