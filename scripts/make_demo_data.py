#!/usr/bin/env python3
"""Build data/demo.jsonl, the small demo corpus that ships with driftprint.

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
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sample_pairs(rows, per_stratum, rng):
    """Pick per_stratum machine rows per (generator, domain), each with its human pair."""
    humans = defaultdict(list)
    for r in rows:
        if r["label"] == "human":
            humans[r["pair_id"]].append(r)
    strata = defaultdict(list)
    for r in rows:  # candidates keep file order, so the draw is reproducible
        if r["label"] == "machine" and len(humans[r["pair_id"]]) == 1:
            strata[(r["generator"], r["domain"])].append(r)
    used, out = set(), []
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
    picked = []
    for name, per_stratum in QUOTAS.items():
        raw = open(os.path.join(args.src, name), "rb").read()
        assert hashlib.sha256(raw).hexdigest() == sources[name]["sha256"], name
        rows = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
        picked += sample_pairs(rows, per_stratum, rng)

    picked.sort(key=lambda r: (r["dataset"], r["id"]))
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in picked)
    size = len(data.encode("utf-8"))
    assert size <= MAX_BYTES, f"demo file too large: {size} bytes"
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(data)
    print(f"wrote {len(picked)} rows, {size} bytes to {args.out}")


if __name__ == "__main__":
    main()
