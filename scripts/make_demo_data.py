#!/usr/bin/env python3
"""Build data/demo.jsonl, the small demo corpus that ships with driftprint, and the
demo's detector training set and real eval set.

Why: the tool must run on a fresh clone, without the large shared data set.
What: a deterministic sample (random.Random(20261126)) of two permissively
licensed upstream files, taken from the shared dev split:

  fastdetectgpt_main.jsonl  (fast-detect-gpt, MIT)     48 machine rows per
      generator (16 per domain, 5 generators x 3 domains) + their human pairs
  outfox_valid.jsonl        (OUTFOX, Apache-2.0)       30 machine rows per
      generator (2 generators) + their human pairs

Every machine row is taken together with the human row of the same pair_id,
and no pair_id is used twice, so the sample holds as many human rows as
machine rows. Rows are copied unchanged (label human|machine is remapped by
driftprint at load time), then sorted by (dataset, id). Licences and counts
are recorded in data/LICENSES.md.

Then, from the pairs and human rows the demo did not use (random.Random(SEED + 1)):
  data/fingerprint/train.jsonl  8 machine rows per stratum of fast-detect-gpt and 15 per
      OUTFOX generator, each with its human pair: what the report trains its detector on;
  data/policy/eval.jsonl        30 unpaired-for-the-demo human rows of each file: the real,
      version-locked eval set of the demo's policy stage.
Drawing them never changes demo.jsonl (its draw comes first, from its own generator).

Usage: python3 scripts/make_demo_data.py [--src DIR] [--out FILE]
"""
import argparse
import hashlib
import json
import os
import random
from collections import defaultdict

SEED = 20261126
MAX_BYTES = 1_600_000
# file -> machine rows to take per (generator, domain) stratum
QUOTAS = {
    "fastdetectgpt_main.jsonl": 16,  # 5 generators x 3 domains x 16 = 240
    "outfox_valid.jsonl": 30,        # 2 generators x 1 domain x 30 = 60
}
# The detector's training pairs and the eval set's human rows, drawn after the demo's.
EXTRA_TRAIN_QUOTAS = {"fastdetectgpt_main.jsonl": 8, "outfox_valid.jsonl": 15}
EVAL_HUMANS_PER_FILE = 30
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sample_pairs(rows, per_stratum, rng, used):
    """Pick per_stratum machine rows per (generator, domain), each with its human pair,
    never a pair_id in `used` (which gains the pairs picked)."""
    humans = defaultdict(list)
    for r in rows:
        if r["label"] == "human":
            humans[r["pair_id"]].append(r)
    strata = defaultdict(list)
    for r in rows:  # candidates keep file order, so the draw is reproducible
        if r["label"] == "machine" and len(humans[r["pair_id"]]) == 1:
            strata[(r["generator"], r["domain"])].append(r)
    out = []
    for key in sorted(strata):
        free = {}  # one candidate per unused pair_id (first in file order)
        for r in strata[key]:
            if r["pair_id"] not in used:
                free.setdefault(r["pair_id"], r)
        free = list(free.values())
        for r in rng.sample(free, per_stratum):
            used.add(r["pair_id"])
            out += [r, humans[r["pair_id"]][0]]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default="/work/shared/data/dev")
    ap.add_argument("--out", default=os.path.join(ROOT, "data", "demo.jsonl"))
    args = ap.parse_args()

    sources = json.load(open(os.path.join(args.src, "SOURCES.json")))["files"]
    rng = random.Random(SEED)
    picked, files = [], {}
    for name, per_stratum in QUOTAS.items():
        raw = open(os.path.join(args.src, name), "rb").read()
        assert hashlib.sha256(raw).hexdigest() == sources[name]["sha256"], name
        rows = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
        used = set()
        picked += sample_pairs(rows, per_stratum, rng, used)
        files[name] = (rows, used)
    write(picked, args.out, MAX_BYTES)

    data_dir = os.path.dirname(args.out)
    rng = random.Random(SEED + 1)
    train, evaluation = [], []
    for name, (rows, used) in files.items():
        train += sample_pairs(rows, EXTRA_TRAIN_QUOTAS[name], rng, used)
        spare = [r for r in rows if r["label"] == "human" and r["pair_id"] not in used]
        evaluation += rng.sample(spare, EVAL_HUMANS_PER_FILE)
    write(train, os.path.join(data_dir, "fingerprint", "train.jsonl"), 700_000)
    write(evaluation, os.path.join(data_dir, "policy", "eval.jsonl"), 200_000)


def write(rows, path, max_bytes):
    rows = sorted(rows, key=lambda r: (r["dataset"], r["id"]))
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    size = len(data.encode("utf-8"))
    assert size <= max_bytes, f"{path} too large: {size} bytes"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(data)
    print(f"wrote {len(rows)} rows, {size} bytes to {path}")


if __name__ == "__main__":
    main()
