#!/usr/bin/env python3
"""The figures of the built-in detector's model card (docs/default-detector.md), stdlib only.

1. Held-out sources: the built-in detector (assets/detector/driftprint-default.fpmodel) scores
   every file of ../shared/data/dev it was not trained on (`fingerprint eval --model`): AUROC,
   TPR at 1% FPR, and TPR / FPR at its own threshold.
2. Its recipe, one training source held out at a time (`fingerprint eval --cv source` over its
   three training files, the demo's passages left out as scripts/train_default_detector.sh does).
3. Fairness: the share of the 2,571 human essays by English-language learners
   (../shared/data/fairness, CC BY-NC-SA: read there, never copied) it flags, overall and per
   proficiency band; and of the native students' essays of outfox_valid.jsonl (in its training
   data).

Usage: benches/default_detector.py [--bin target/release/driftprint] [--shared ../shared]
Prints Markdown tables.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODEL = os.path.join(ROOT, "assets", "detector", "driftprint-default.fpmodel")
SCHEMA = ["--source-field", "label", "--source-values", "human=real,machine=synthetic"]
TRAINING = ["fastdetectgpt_main.jsonl", "outfox_valid.jsonl", "l2r_rewrites.jsonl"]
BANDS = [("1.0-2.0", 0.0, 2.25), ("2.5", 2.25, 2.75), ("3.0", 2.75, 3.25), ("3.5", 3.25, 3.75), ("4.0-5.0", 3.75, 9.0)]


def run_json(cmd):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def pct(v):
    return "n/a" if v is None else f"{100 * v:.1f}%"


def num(v):
    return "n/a" if v is None else f"{v:.3f}"


def without_demo(dev, tmp):
    """l2r_rewrites.jsonl less the demo's passages, as the training script writes it."""
    def passage(row_id):
        return tuple(row_id.split(":")[1:3])
    used = set()
    for f in ("demo.jsonl", os.path.join("policy", "eval.jsonl")):
        with open(os.path.join(ROOT, "data", f), encoding="utf-8") as fh:
            used |= {passage(json.loads(line)["id"]) for line in fh}
    out = os.path.join(tmp, "l2r_rewrites.jsonl")
    with open(os.path.join(dev, "l2r_rewrites.jsonl"), encoding="utf-8") as src, \
            open(out, "w", encoding="utf-8", newline="\n") as dst:
        for line in src.read().split("\n"):
            if line and passage(json.loads(line)["id"]) not in used:
                dst.write(line + "\n")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "driftprint"))
    ap.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    args = ap.parse_args()
    dev = os.path.join(args.shared, "data", "dev")
    held_out = sorted(f for f in os.listdir(dev) if f.endswith(".jsonl") and f not in TRAINING)

    print("| held-out file | real / synthetic | AUROC | TPR at 1% FPR | TPR at its threshold | FPR at its threshold |")
    print("|---|---|---|---|---|---|")
    aurocs, tprs = [], []
    for f in held_out:
        m = run_json([args.bin, "-q", "fingerprint", "eval", "--model", MODEL, os.path.join(dev, f), *SCHEMA, "--json", "-"])["metrics"]
        if m.get("auroc") is not None:
            aurocs.append(m["auroc"])
            tprs.append(m["tpr_at_1pct_fpr"])
        print(f"| {f} | {m['n_real']} / {m['n_synthetic']} | {num(m.get('auroc'))} | {num(m.get('tpr_at_1pct_fpr'))} | {pct(m.get('tpr'))} | {pct(m.get('fpr') if m['n_real'] else None)} |")
    print(f"| **mean** (files with both classes) | | **{sum(aurocs) / len(aurocs):.3f}** | **{sum(tprs) / len(tprs):.3f}** | | |")

    with tempfile.TemporaryDirectory() as tmp:
        files = [os.path.join(dev, f) for f in TRAINING[:2]] + [without_demo(dev, tmp)]
        cv = run_json([args.bin, "-q", "fingerprint", "eval", *files, *SCHEMA, "--cv", "source", "--json", "-"])
    print("\n| recipe, one training file held out | AUROC | TPR at 1% FPR | FPR at threshold | TPR at threshold |")
    print("|---|---|---|---|---|")
    for fold in cv["folds"]:
        print(f"| {fold['name']} | {num(fold['auroc'])} | {num(fold['tpr_at_1pct_fpr'])} | {pct(fold['fpr_at_threshold'])} | {pct(fold['tpr_at_threshold'])} |")

    ell = os.path.join(args.shared, "data", "fairness", "ellipse_ell_essays.jsonl")
    with open(ell, encoding="utf-8") as fh:
        essays = [json.loads(line) for line in fh if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        scores = os.path.join(tmp, "scores.jsonl")
        subprocess.run([args.bin, "-q", "fingerprint", "score", "--model", MODEL, ell, *SCHEMA, "-o", scores],
                       check=True, stdout=subprocess.DEVNULL)
        with open(scores, encoding="utf-8") as fh:
            flagged = {r["id"]: r["synthetic"] for r in map(json.loads, fh)}
        native = os.path.join(tmp, "native.jsonl")
        with open(os.path.join(dev, "outfox_valid.jsonl"), encoding="utf-8") as src, open(native, "w") as dst:
            dst.writelines(line for line in src if json.loads(line)["label"] == "human")
        n = run_json([args.bin, "-q", "fingerprint", "score", "--model", MODEL, native, *SCHEMA, "--json", "-"])
    print("\n| human essays | essays | flagged |")
    print("|---|---|---|")
    print(f"| English-language learners (ELLIPSE), all | {len(essays)} | {pct(sum(flagged.values()) / len(essays))} |")
    for name, lo, hi in BANDS:
        band = [e for e in essays if lo <= float(e["proficiency_overall"]) < hi]
        print(f"| ELL proficiency {name} | {len(band)} | {pct(sum(flagged[e['id']] for e in band) / max(1, len(band)))} |")
    print(f"| native students, outfox_valid (in its training data) | {n['documents']} | {pct(n['flagged'] / n['documents'])} |")


if __name__ == "__main__":
    main()
