#!/usr/bin/env python3
"""The detector's selection protocol, one row per variant (stdlib only).

For every variant (a name and `fingerprint` training flags), on the files of DATA
(../shared/data/dev by default):
- leave-one-source-out: `fingerprint eval --cv source`, each file held out in turn;
- leave-one-generator-family-out: `fingerprint eval --cv family`, each family's synthetic text
  held out against a fifth of the human text of the files it appears in;
- fairness: a model trained on all files with the variant's flags, its false-positive rate on
  the ELL essays (../shared/data/fairness; read there, never copied) at its own threshold.

Usage: benches/detector_protocol.py [--variants 'default,balance none,...'] [--json out.json]
(--json also resumes: variants already measured there are not run again)
Prints two Markdown tables: the summary per variant and the per-file / per-family AUROCs.
About 2 minutes per variant on 2 cores.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCHEMA = ["--source-field", "label", "--source-values", "human=real,machine=synthetic"]

VARIANTS = {
    "default": [],
    "balance none": ["--balance-by", "none"],
    "balance domain": ["--balance-by", "domain"],
    "C 0.3": ["--c", "0.3"],
    "C 3": ["--c", "3"],
    "C 0.1 tol 1e-6": ["--c", "0.1", "--tolerance", "1e-6"],
    "tol 1e-5": ["--tolerance", "1e-5"],
    "across-word chars": ["--char-ngrams", "across-words"],
    "pooled threshold": ["--threshold-rule", "pooled"],
    "balance none + C 0.3": ["--balance-by", "none", "--c", "0.3"],
    "balance file+domain": ["--balance-by", "file+domain"],
    "balance domain + C 0.3": ["--balance-by", "domain", "--c", "0.3"],
    "balance domain + C 3": ["--balance-by", "domain", "--c", "3"],
    "balance domain + tol 1e-5": ["--balance-by", "domain", "--tolerance", "1e-5"],
    "balance domain + across-word chars": ["--balance-by", "domain", "--char-ngrams", "across-words"],
}


def run(cmd):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def cv(binary, files, kind, flags, tmp):
    out = os.path.join(tmp, f"cv-{kind}.json")
    run([binary, "-q", "fingerprint", "eval", "--cv", kind, *files, *SCHEMA, *flags, "--json", out])
    return json.load(open(out))


def ell_fpr(binary, files, ell, flags, tmp):
    model = os.path.join(tmp, "all.fpmodel")
    run([binary, "-q", "fingerprint", "train", "--data", *files, *SCHEMA, "--model", model, *flags])
    out = os.path.join(tmp, "ell.json")
    run([binary, "-q", "fingerprint", "eval", "--model", model, ell,
         "--source-field", "label", "--source-values", "human=real,machine=synthetic", "--json", out])
    return json.load(open(out))["metrics"]["fpr"]


def summary(folds):
    aurocs = [f["auroc"] for f in folds if f["auroc"] is not None]
    tprs = [f["tpr_at_1pct_fpr"] for f in folds if f["tpr_at_1pct_fpr"] is not None]
    fprs = [f["fpr_at_threshold"] for f in folds if f["fpr_at_threshold"] is not None]
    mean = lambda v: sum(v) / len(v) if v else float("nan")
    worst = min(folds, key=lambda f: f["auroc"] if f["auroc"] is not None else 2)
    return mean(aurocs), worst, mean(tprs), mean(fprs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "driftprint"))
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "dev"))
    p.add_argument("--ell", default=os.path.join(ROOT, "..", "shared", "data", "fairness", "ellipse_ell_essays.jsonl"))
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--json")
    args = p.parse_args()
    files = sorted(glob.glob(os.path.join(args.data, "*.jsonl")))
    # With --json, variants already in the file are kept (a long sweep resumes where it
    # stopped) and the file is rewritten after every variant.
    results = json.load(open(args.json)) if args.json and os.path.exists(args.json) else {}
    for name in args.variants.split(","):
        flags = VARIANTS[name]
        if results.get(name, {}).get("flags") == flags:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            results[name] = {
                "flags": flags,
                "source": cv(args.bin, files, "source", flags, tmp)["folds"],
                "family": cv(args.bin, files, "family", flags, tmp)["folds"],
                "ell_fpr": ell_fpr(args.bin, files, args.ell, flags, tmp) if os.path.exists(args.ell) else None,
            }
        if args.json:
            json.dump(results, open(args.json + ".tmp", "w"), indent=1)
            os.replace(args.json + ".tmp", args.json)
    results = {name: results[name] for name in args.variants.split(",")}
    f = lambda v: "n/a" if v is None or v != v else f"{v:.3f}"
    pct = lambda v: "n/a" if v is None or v != v else f"{100 * v:.1f}%"
    short = lambda n: n.replace(".jsonl", "").split("_")[0]
    print("| variant | LOSO AUROC | worst file | TPR@1%FPR | FPR@thr | family AUROC | worst family | ELL FPR |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        a, w, t, fp = summary(r["source"])
        fa, fw, _, _ = summary(r["family"])
        print(f"| {name} | {f(a)} | {short(w['name'])} {f(w['auroc'])} | {f(t)} | {pct(fp)} | {f(fa)} | {fw['name']} {f(fw['auroc'])} | {pct(r['ell_fpr'])} |")
    first = next(iter(results.values()))
    heads = [short(x["name"]) for x in first["source"] if x["auroc"] is not None] + [x["name"] for x in first["family"]]
    print()
    print("| variant | " + " | ".join(heads) + " |")
    print("|---|" + "---|" * len(heads))
    for name, r in results.items():
        vals = [x["auroc"] for x in r["source"] if x["auroc"] is not None] + [x["auroc"] for x in r["family"]]
        print(f"| {name} | " + " | ".join(f(v) for v in vals) + " |")


if __name__ == "__main__":
    main()
