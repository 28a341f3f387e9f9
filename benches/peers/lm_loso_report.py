"""Tables of benches/peers/lm_loso.sh from its work folder (see that script)."""

import csv
import json
import pathlib
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve

work = pathlib.Path(sys.argv[1])
names = sorted(p.stem for p in (work / "sample").glob("*.jsonl"))
synthetic = {}
for name in names:
    for line in open(work / "sample" / f"{name}.jsonl"):
        doc = json.loads(line)
        synthetic[doc["id"]] = doc["label"] == "machine"


def lm_rows(path):
    rows = list(csv.reader(open(path)))
    return rows[0][1:], {r[0]: np.array([float(v) for v in r[1:]]) for r in rows[1:]}


lm = {}
for name in names:
    columns, rows = lm_rows(work / "sample" / f"{name}.csv")
    lm.update(rows)
disc = columns.index("lm_discrepancy")


def tpr_at_1pct(y, s):
    fpr, tpr, _ = roc_curve(y, s)
    return tpr[fpr <= 0.01].max()


def both_classes(y):
    return y.any() and not y.all()


print("## Zero-shot discrepancy per source (AUROC / TPR at 1% FPR)")
human = []
zero_shot = {}
for name in names:
    rows = lm_rows(work / "sample" / f"{name}.csv")[1]
    y = np.array([synthetic[i] for i in rows])
    s = np.array([v[disc] for v in rows.values()])
    human.append(s[~y])
    if both_classes(y):
        zero_shot[name] = (roc_auc_score(y, s), tpr_at_1pct(y, s))
        print(f"  {name}: {zero_shot[name][0]:.3f} / {zero_shot[name][1]:.3f}")
print(
    f"  mean: {np.mean([a for a, _ in zero_shot.values()]):.3f} / "
    f"{np.mean([t for _, t in zero_shot.values()]):.3f}"
)
human = np.concatenate(human)
threshold = np.quantile(human, 0.99)
_, ell = lm_rows(work / "ell.csv")
ell_disc = np.array([v[disc] for v in ell.values()])
print(f"  default threshold (99th percentile of {len(human)} human texts): {threshold:.4f}")
print(f"  ELL essays above it: {(ell_disc > threshold).mean():.3f} of {len(ell_disc)}")

print("\n## Detector one source out (mean AUROC / TPR at 1% FPR; per source) and ELL FPR")
for features in ["ngram", "ngram,lm", "lm"]:
    loso = json.load(open(work / f"loso_{features}.json"))
    ell_eval = json.load(open(work / f"ell_{features}.json"))
    folds = " ".join(
        f"{f['name'][:12]}:{f['auroc']:.3f}/{f['tpr_at_1pct_fpr']:.3f}"
        for f in loso["folds"]
        if f["auroc"] is not None
    )
    print(
        f"  {features:9s} {loso['mean_fold_auroc']:.3f} / "
        f"{loso['mean_fold_tpr_at_1pct_fpr']:.3f} | ELL FPR {ell_eval['metrics']['fpr']:.3f} | {folds}"
    )


def logits(path):
    rows = list(csv.DictReader(open(path)))
    p = np.clip(np.array([float(r["probability"]) for r in rows]), 1e-7, 1 - 1e-7)
    return [r["id"] for r in rows], np.log(p / (1 - p))


def design(ids, logit, extra):
    return np.column_stack([logit, np.array([[lm[i][j] for j in extra] for i in ids])])


print("\n## Stacked second stage over the n-gram logit (nested one source out)")
means = [columns.index(c) for c in
         ["lm_mean_log_prob", "lm_mean_log_rank", "lm_mean_entropy", "lm_discrepancy"]]
variants = {"logit only": [], "+ discrepancy": [disc], "+ 4 means": means,
            "+ all 17": list(range(len(columns)))}
for variant, extra in variants.items():
    results = {}
    for held in names:
        xs, ys, ws = [], [], []
        for t in names:
            if t == held:
                continue
            ids, logit = logits(work / "stack" / f"inner_{held}__{t}.csv")
            y = np.array([synthetic[i] for i in ids])
            xs.append(design(ids, logit, extra))
            ys.append(y)
            # Each training source weighs the same, its classes balanced (as --balance-by file).
            ws.append(np.where(y, 0.5 / max(y.sum(), 1), 0.5 / max((~y).sum(), 1)))
        x, y, w = np.vstack(xs), np.concatenate(ys), np.concatenate(ws)
        ids, logit = logits(work / "stack" / f"outer_{held}.csv")
        y_held = np.array([synthetic[i] for i in ids])
        if not both_classes(y_held):
            continue
        mu, sd = x.mean(0), x.std(0) + 1e-9
        stack = LogisticRegression(C=1.0, max_iter=1000).fit((x - mu) / sd, y, sample_weight=w)
        s = stack.decision_function((design(ids, logit, extra) - mu) / sd)
        results[held] = (roc_auc_score(y_held, s), tpr_at_1pct(y_held, s))
    per = " ".join(f"{h[:12]}:{a:.3f}/{t:.3f}" for h, (a, t) in results.items())
    print(
        f"  {variant:14s} {np.mean([a for a, _ in results.values()]):.3f} / "
        f"{np.mean([t for _, t in results.values()]):.3f} | {per}"
    )
