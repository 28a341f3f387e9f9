#!/usr/bin/env python3
"""The detector's model classes side by side on both protocols (docs/detector.md).

On a seeded sample of ../shared/data/dev (up to 300 human and 200 LLM documents per file) and
600 ELL essays (../shared/data/fairness; read there, never copied):
- ngram: driftprint's default detector (trained with the CLI on the full dev files of each fold,
  scored on the fold's sampled test documents);
- phd: the persistent-homology dimension of the MiniLM token states (Tulchinskii et al. 2023);
- head: a logistic head over MiniLM token states pooled by mean, max and standard deviation;
- ghostbuster: Ghostbuster's structured search (Verma et al. 2024) over per-token
  log-probabilities under SmolLM2, and under unigram and trigram models of the fold's human
  training text (SmolLM2 tokens), with SmolLM2's entropy;
- each fused with the n-gram logit by a second-stage logistic regression trained on nested
  leave-one-source-out scores (every training document scored by models that never saw its
  source).
Protocols: leave one source out (7 files with human text) and leave one generator family out
(the family's LLM text against the hashed fifth of the human text of its files; training less
any document sharing a pair_id with a tested one) — as `fingerprint eval --cv source|family`.

- finetuned: MiniLM's last layer and a head trained per fold (examples/minilm_finetune_probe.rs),
  reported alone.

Usage: benches/detector_model_classes.py [--work DIR] [--stage STAGE]
  (sample, features, ngram, finetune, evaluate, or all)
Costs on 2 cores, measured with stages overlapping: features ~70 min (SmolLM2 at 192 tokens is
most of it), ngram ~30 min (112 CLI trainings), finetune ~60 min, evaluate ~35 min. Every stage
keeps its outputs in --work and is skipped when they exist.
Runs with benches/peers/.venv (numpy, scikit-learn): `benches/peers/setup_venv.sh` makes it.
"""
import argparse
import collections
import json
import math
import os
import random
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "data")
SCHEMA = ["--source-field", "label", "--source-values", "human=real,machine=synthetic"]
BIN = os.path.join(ROOT, "target", "release", "driftprint")
PROBE = os.path.join(ROOT, "target", "release", "examples", "detector_probe_features")
MINILM = os.path.join(os.path.dirname(ROOT), "shared", "models", "all-MiniLM-L6-v2")
SEED = 0

# src/fingerprint/generator_family.rs, same order and fragments.
FAMILY_RULES = [
    ("GPT-2-era open models", ["gpt2", "gpt-2", "gpt-neo", "gpt-j", "opt-", "opt_", "bloom", "pythia"]),
    ("GPT-4/4o", ["gpt-4", "gpt4", "o1-", "o3-"]),
    ("GPT-3/3.5", ["gpt-3", "gpt3", "chatgpt", "davinci", "curie", "babbage", "text-ada"]),
    ("Claude", ["claude"]),
    ("Gemini", ["gemini"]),
    ("Llama", ["llama"]),
]
FAMILIES = ["GPT-2-era open models", "GPT-3/3.5", "GPT-4/4o", "Claude", "Gemini", "Llama", "other"]


def family_of(generator):
    name = (generator or "").lower()
    for family, fragments in FAMILY_RULES:
        if any(f in name for f in fragments):
            return family
    return "other"


def doc_family(row):
    return family_of(row.get("generator")) if row["label"] == "machine" else None


def held_human(row):
    """The hashed fifth of human text a family fold tests (src/fingerprint/cv.rs)."""
    key = row.get("pair_id") or row["id"]
    return zlib.crc32(key.encode()) % 5 == 0


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def dev_files(data):
    return sorted(os.path.join(data, f) for f in os.listdir(data) if f.endswith(".jsonl"))


# ---------------------------------------------------------------- stage 1: the sample


def stage_sample(work, data):
    os.makedirs(os.path.join(work, "sample"), exist_ok=True)
    rows = []
    for path in dev_files(data):
        by_label = collections.defaultdict(list)
        for line in open(path):
            by_label[json.loads(line)["label"]].append(line)
        lines = []
        for label in sorted(by_label):
            n = 300 if label == "human" else 200
            lines += random.Random(SEED).sample(by_label[label], min(n, len(by_label[label])))
        with open(os.path.join(work, "sample", os.path.basename(path)), "w") as f:
            f.writelines(lines)
        rows += lines
    with open(os.path.join(work, "all.jsonl"), "w") as f:
        f.writelines(rows)
    ell = open(os.path.join(SHARED, "fairness", "ellipse_ell_essays.jsonl")).readlines()
    with open(os.path.join(work, "ell.jsonl"), "w") as f:
        f.writelines(random.Random(SEED).sample(ell, 600))


# ---------------------------------------------------------------- stage 2: costly features


def stage_features(work):
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example",
                    "detector_probe_features"], cwd=ROOT, check=True)
    smollm2 = subprocess.run([os.path.join(ROOT, "scripts", "fetch_smollm2.sh")], check=True,
                             capture_output=True, text=True).stdout.strip()
    smollm2 = os.path.join(smollm2, "SmolLM2-135M-Instruct.Q4_1.gguf") \
        if os.path.isdir(smollm2) else smollm2
    for kind, model in (("minilm", MINILM), ("smollm2", smollm2)):
        for name in ("all", "ell"):
            out = os.path.join(work, f"{kind}_{name}.jsonl")
            if not os.path.exists(out):
                subprocess.run([PROBE, kind, model, os.path.join(work, f"{name}.jsonl"),
                                out + ".tmp"], check=True)
                os.replace(out + ".tmp", out)


# ---------------------------------------------------------------- stage 3: n-gram detectors


def ngram_jobs(work, data):
    """(name, training files or filter, documents scored) for every CLI training the fusion
    needs: each outer fold, and inside it each training source held out (nested)."""
    files = [os.path.basename(p) for p in dev_files(data)]
    human_files = [f for f in files if any(r["label"] == "human"
                                           for r in read_jsonl(os.path.join(work, "sample", f)))]
    jobs = [("all", {"drop_files": set(), "drop_family": None})]
    for h in human_files:
        jobs.append((f"source={h}", {"drop_files": {h}, "drop_family": None}))
        for t in files:
            if t != h:
                jobs.append((f"source={h}|inner={t}", {"drop_files": {h, t}, "drop_family": None}))
    jobs += [(f"source={f}", {"drop_files": {f}, "drop_family": None})
             for f in files if f not in human_files]
    families = sorted({doc_family(r) for r in read_jsonl(os.path.join(work, "all.jsonl"))} - {None})
    for fam in families:
        jobs.append((f"family={fam}", {"drop_files": set(), "drop_family": fam}))
        for t in files:
            jobs.append((f"family={fam}|inner={t}", {"drop_files": {t}, "drop_family": fam}))
    return jobs


def family_test_mask(rows_by_file, family):
    """Per file, which rows a family fold tests, and the pair_ids training must drop."""
    files_with = {f for f, rows in rows_by_file.items() if any(doc_family(r) == family for r in rows)}
    tested = {}
    pairs = set()
    for f, rows in rows_by_file.items():
        mask = [doc_family(r) == family or (r["label"] == "human" and f in files_with
                                             and held_human(r)) for r in rows]
        tested[f] = mask
        pairs |= {r["pair_id"] for r, m in zip(rows, mask) if m and r.get("pair_id")}
    return tested, pairs


def stage_ngram(work, data):
    out_dir = os.path.join(work, "ngram")
    os.makedirs(out_dir, exist_ok=True)
    rows_by_file = {os.path.basename(p): read_jsonl(p) for p in dev_files(data)}
    jobs = ngram_jobs(work, data)
    for i, (name, spec) in enumerate(jobs):
        key = name.replace("/", "_").replace(" ", "_").replace("|", "__")
        scores = os.path.join(out_dir, key + ".csv")
        if os.path.exists(scores):
            continue
        print(f"[{i + 1}/{len(jobs)}] {name}", file=sys.stderr, flush=True)
        train_dir = os.path.join(work, "train")
        os.makedirs(train_dir, exist_ok=True)
        for f in os.listdir(train_dir):
            os.remove(os.path.join(train_dir, f))
        if spec["drop_family"]:
            tested, pairs = family_test_mask(rows_by_file, spec["drop_family"])
        train_files = []
        for f, rows in rows_by_file.items():
            if f in spec["drop_files"]:
                continue
            path = os.path.join(data, f)
            if spec["drop_family"]:
                path = os.path.join(train_dir, f)
                with open(path, "w") as out:
                    for r, m in zip(rows, tested[f]):
                        if not m and not (r.get("pair_id") and r["pair_id"] in pairs):
                            out.write(json.dumps(r) + "\n")
            train_files.append(path)
        model = os.path.join(work, "ngram.fpmodel")
        subprocess.run([BIN, "-q", "fingerprint", "train", "--data", *train_files, *SCHEMA,
                        "--model", model], check=True, stdout=subprocess.DEVNULL)
        for name_ in ("ell", "all"):
            tmp = os.path.join(out_dir, f"tmp.{name_}.csv")
            subprocess.run([BIN, "-q", "fingerprint", "score", "--model", model,
                            os.path.join(work, f"{name_}.jsonl"), "-o", tmp],
                           check=True, stdout=subprocess.DEVNULL)
            os.replace(tmp, scores if name_ == "all" else os.path.join(out_dir, key + ".ell.csv"))


def stage_finetune(work):
    import detector_model_classes_eval  # the folds need numpy
    out = os.path.join(work, "finetune.json")
    if os.path.exists(out):
        return
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example",
                    "minilm_finetune_probe"], cwd=ROOT, check=True)
    detector_model_classes_eval.write_finetune_folds(work)
    subprocess.run([os.path.join(ROOT, "target", "release", "examples", "minilm_finetune_probe"),
                    MINILM, os.path.join(work, "all.jsonl"), os.path.join(work, "ell.jsonl"),
                    os.path.join(work, "finetune_folds.json"), out + ".part"], check=True)
    os.replace(out + ".part", out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", default="/tmp/driftprint-model-classes")
    p.add_argument("--data", default=os.path.join(SHARED, "dev"))
    p.add_argument("--stage", default="all",
                   choices=["sample", "features", "ngram", "finetune", "evaluate", "all"])
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    if a.stage in ("sample", "all") and not os.path.exists(os.path.join(a.work, "all.jsonl")):
        stage_sample(a.work, a.data)
    if a.stage in ("features", "all"):
        stage_features(a.work)
    if a.stage in ("ngram", "all"):
        stage_ngram(a.work, a.data)
    sys.path.insert(0, HERE)
    if a.stage in ("finetune", "all"):
        stage_finetune(a.work)
    if a.stage in ("evaluate", "all"):
        import detector_model_classes_eval  # the numpy/scikit-learn half
        detector_model_classes_eval.run(a.work)


if __name__ == "__main__":
    main()
