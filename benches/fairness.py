#!/usr/bin/env python3
"""Fairness check of the fingerprint detector on non-native writers (stdlib only).

Does the detector flag human essays by English-language learners as LLM text more often than
native students' essays? Reads ../shared/data/fairness/ellipse_ell_essays.jsonl (ELLIPSE,
CC BY-NC-SA 4.0: read from ../shared, never copied into the repository; the halves below are
written to a temporary folder that is deleted at the end) and ../shared/data/dev.

1. The default detector trained on all of dev: false-positive rate at its own threshold on the
   ELL essays, overall and per proficiency band, next to the FPR on the human student essays of
   outfox_valid.jsonl (native writers, grades 6-12, same kind of prompts). Those essays are in
   the training data, so a second model is trained without outfox_valid.jsonl and both sets are
   scored with it: the comparison where neither group was seen.
2. The remedy when a group is flagged: the ELL essays split in two seeded halves (by a hash of
   the id); half A is added to the training data, half B measured, without and with
   group-balanced weights (--balance-by writer_group; the dev rows have no such field and form
   one group, the ELL essays the other). Shown on all of dev and on dev without outfox_valid
   (no human essays left in training: the case where a group is flagged most).

Usage: benches/fairness.py [--bin target/release/driftprint] [--shared ../shared] [--json out]
Prints a Markdown table (the README's fairness figures) and, with --json, all numbers.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SCHEMA = ["--source-field", "label", "--source-values", "human=real,machine=synthetic"]
BANDS = [("1.0-2.0", 0.0, 2.25), ("2.5", 2.25, 2.75), ("3.0", 2.75, 3.25), ("3.5", 3.25, 3.75), ("4.0-5.0", 3.75, 9.0)]


def run(cmd):
    print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def read(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write(path, rows):
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r) + "\n")


class Lab:
    def __init__(self, binary, tmp):
        self.bin, self.tmp = binary, tmp

    def train(self, name, data, *flags):
        model = os.path.join(self.tmp, name + ".model")
        run([self.bin, "-q", "fingerprint", "train", "--data", *data, *SCHEMA, "--model", model, *flags])
        return model

    def flagged(self, model, corpus):
        """{id: flagged} of every document of `corpus` under `model`."""
        out = os.path.join(self.tmp, "scores.jsonl")
        run([self.bin, "-q", "fingerprint", "score", "--model", model, corpus, *SCHEMA, "-o", out])
        return {r["id"]: r["synthetic"] for r in read(out)}


def fpr(flags, ids):
    ids = list(ids)
    return sum(flags[i] for i in ids) / max(len(ids), 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "driftprint"))
    ap.add_argument("--shared", default=os.path.normpath(os.path.join(ROOT, "..", "shared")))
    ap.add_argument("--seed", default="20261126", help="seed of the ELL halves")
    ap.add_argument("--json", help="also write every number here")
    args = ap.parse_args()
    dev_dir = os.path.join(args.shared, "data", "dev")
    ell_path = os.path.join(args.shared, "data", "fairness", "ellipse_ell_essays.jsonl")
    if not os.path.exists(ell_path):
        sys.exit(f"{ell_path} not found: the fairness check needs ../shared")
    dev = sorted(os.path.join(dev_dir, f) for f in os.listdir(dev_dir) if f.endswith(".jsonl"))
    outfox = os.path.join(dev_dir, "outfox_valid.jsonl")
    ell = read(ell_path)
    outfox_humans = [r["id"] for r in read(outfox) if r["label"] == "human"]
    tmp = tempfile.mkdtemp(prefix="driftprint-fairness-")
    result = {}
    try:
        lab = Lab(args.bin, tmp)
        all_ids = [r["id"] for r in ell]

        model = lab.train("all-dev", dev)
        on_ell, on_outfox = lab.flagged(model, ell_path), lab.flagged(model, outfox)
        result["all_dev"] = {
            "ell_fpr": fpr(on_ell, all_ids),
            "outfox_human_fpr_in_training": fpr(on_outfox, outfox_humans),
            "ell_fpr_by_band": {
                name: {"n": len(ids), "fpr": fpr(on_ell, ids)}
                for name, lo, hi in BANDS
                for ids in [[r["id"] for r in ell if lo <= r["proficiency_overall"] < hi]]
            },
        }

        model = lab.train("without-outfox", [p for p in dev if p != outfox])
        on_ell, on_outfox = lab.flagged(model, ell_path), lab.flagged(model, outfox)
        result["outfox_held_out"] = {"ell_fpr": fpr(on_ell, all_ids), "outfox_human_fpr": fpr(on_outfox, outfox_humans)}

        half = lambda r: hashlib.sha256((args.seed + r["id"]).encode()).digest()[0] % 2
        half_a, half_b = [r for r in ell if half(r) == 0], [r for r in ell if half(r) == 1]
        path_a, path_b = os.path.join(tmp, "ell_a.jsonl"), os.path.join(tmp, "ell_b.jsonl")
        write(path_a, half_a)
        write(path_b, half_b)
        b_ids = [r["id"] for r in half_b]
        remedy = {"n_train_half": len(half_a), "n_measured_half": len(half_b), "rows": []}
        for base_name, base in [("all of dev", dev), ("dev without outfox_valid", [p for p in dev if p != outfox])]:
            for added, data, flags in [
                ("nothing added", base, []),
                ("+ ELL half A, documents weighed alike", base + [path_a], ["--balance-by", "none"]),
                ("+ ELL half A, --balance-by writer_group", base + [path_a], ["--balance-by", "writer_group"]),
            ]:
                model = lab.train("remedy", data, *flags)
                remedy["rows"].append({"base": base_name, "added": added,
                                       "ell_half_b_fpr": fpr(lab.flagged(model, path_b), b_ids),
                                       "outfox_human_fpr": fpr(lab.flagged(model, outfox), outfox_humans)})
        result["remedy"] = remedy
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    pct = lambda v: f"{100 * v:.1f}%"
    a, h = result["all_dev"], result["outfox_held_out"]
    print("| detector | ELL essays (non-native) | outfox human essays (native) |")
    print("|---|---|---|")
    print(f"| default, trained on all of dev | {pct(a['ell_fpr'])} | {pct(a['outfox_human_fpr_in_training'])} (in its training data) |")
    print(f"| default, trained on dev without outfox_valid | {pct(h['ell_fpr'])} | {pct(h['outfox_human_fpr'])} |")
    print()
    print("| ELL proficiency band | essays | FPR (default, all of dev) |")
    print("|---|---|---|")
    for name, band in a["ell_fpr_by_band"].items():
        print(f"| {name} | {band['n']} | {pct(band['fpr'])} |")
    print()
    print(f"| training data | ELL FPR (half B, {remedy['n_measured_half']} essays) | outfox human FPR |")
    print("|---|---|---|")
    for row in remedy["rows"]:
        print(f"| {row['base']} {row['added']} | {pct(row['ell_half_b_fpr'])} | {pct(row['outfox_human_fpr'])} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)


if __name__ == "__main__":
    main()
