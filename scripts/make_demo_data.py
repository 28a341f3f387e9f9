#!/usr/bin/env python3
"""Build data/demo.jsonl, the small demo corpus that ships with driftprint, and the demo's
real, version-locked eval set data/policy/eval.jsonl.

Why: the tool must run on a fresh clone, without the large shared data set, and the demo
should show what the product is for: synthetic text written by today's LLMs next to the
human text it was made from, differing in content and style, not in layout.
What: a deterministic sample (random.Random(20261207)) of one CC BY 3.0 file of the shared
dev split, l2r_rewrites.jsonl (Learning to Rewrite, Li et al., ACL 2025): human passages
from 19 domains and their rewrites by GPT-3.5-turbo, GPT-4o, Gemini-1.5-Pro and
Llama-3-70B.

  demo.jsonl     150 rewrites per generator, spread evenly over the domains, each together
                 with the human passage it rewrites (its pair_id), or for the Gemini rows,
                 which upstream pairs with no passage, with a human passage of the same domain
                 (1,200 rows); no human passage twice.
  eval.jsonl     240 human passages the demo does not use (3 to 14 per domain), with
                 "split": "eval": the demo's eval set.

Only pairs where neither text has a line break and both are at most 1,500 characters are
drawn: in the file a third of the rewrites carry line breaks and 5% of the human passages do,
a layout difference that would let a detector (and drift) tell the sides apart by how they
were exported. Rows are copied unchanged (eval rows gain "split": "eval") and sorted by id.
Licence and counts: data/LICENSES.md.

Usage: python3 scripts/make_demo_data.py [--src DIR] [--data DIR]
"""
import argparse
import hashlib
import json
import os
import random
from collections import defaultdict

SEED = 20261207
SOURCE = "l2r_rewrites.jsonl"
PER_GENERATOR = 150
EVAL_HUMANS = 240
MAX_CHARS = 1500
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def key(row):
    """A row's passage: (domain, index) from its id."""
    _, domain, index, _ = row["id"].split(":")
    return domain, index


def usable(row):
    return "\n" not in row["text"] and len(row["text"]) <= MAX_CHARS


def partner_used(machine, by_pair, used):
    """Whether a rewrite's human passage is already in the demo."""
    human = by_pair.get(machine["pair_id"]) if machine["pair_id"] else None
    return human is not None and key(human) in used


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", default=os.path.join(ROOT, "..", "shared", "data", "dev"))
    ap.add_argument("--data", default=os.path.join(ROOT, "data"))
    args = ap.parse_args()

    sources = json.load(open(os.path.join(args.src, "SOURCES.json")))["files"]
    raw = open(os.path.join(args.src, SOURCE), "rb").read()
    assert hashlib.sha256(raw).hexdigest() == sources[SOURCE]["sha256"], SOURCE
    rows = [json.loads(line) for line in raw.decode("utf-8").split("\n") if line]
    humans = {key(r): r for r in rows if r["label"] == "human"}
    by_pair = {r["pair_id"]: r for r in rows if r["label"] == "human" and r["pair_id"]}

    # Unpaired rewrites are drawn only in domains with human passages to match them with.
    plenty = {d for d in {r["domain"] for r in rows}
              if sum(1 for h in humans.values() if h["domain"] == d and usable(h)) >= 20}

    rng = random.Random(SEED)
    used, picked, unpaired = set(), [], []
    generators = sorted({r["generator"] for r in rows if r["label"] == "machine"})
    for generator in generators:
        by_domain = defaultdict(list)
        for r in rows:  # candidates in file order, so the draw is reproducible
            if r["label"] == "machine" and r["generator"] == generator and usable(r):
                human = by_pair.get(r["pair_id"]) if r["pair_id"] else None
                if (r["pair_id"] is None and r["domain"] in plenty) or (
                    human is not None and usable(human)
                ):
                    by_domain[r["domain"]].append(r)
        for candidates in by_domain.values():
            rng.shuffle(candidates)
        taken = 0
        while taken < PER_GENERATOR:  # round-robin over the domains
            progressed = False
            for domain in sorted(by_domain):
                candidates = by_domain[domain]
                while candidates and partner_used(candidates[-1], by_pair, used):
                    candidates.pop()
                if not candidates or taken == PER_GENERATOR:
                    continue
                machine = candidates.pop()
                if machine["pair_id"] is None:
                    unpaired.append(machine)
                    picked.append(machine)
                else:
                    human = by_pair[machine["pair_id"]]
                    used.add(key(human))
                    picked += [machine, human]
                taken += 1
                progressed = True
            assert progressed, f"{generator}: only {taken} pairs"
    # A rewrite without a pair (the upstream Gemini rows are not rewrites of the passage with
    # their index) is matched by a human passage of its domain that nothing else uses.
    for machine in unpaired:
        free = sorted(k for k, r in humans.items()
                      if k not in used and r["domain"] == machine["domain"] and usable(r))
        k = free[rng.randrange(len(free))]
        used.add(k)
        picked.append(humans[k])
    write(picked, os.path.join(args.data, "demo.jsonl"), 1_100_000)

    spare = defaultdict(list)
    for k, r in sorted(humans.items()):
        if k not in used and usable(r):
            spare[r["domain"]].append(r)
    evaluation = []
    while len(evaluation) < EVAL_HUMANS:  # round-robin over the domains again
        for domain in sorted(spare):
            if spare[domain] and len(evaluation) < EVAL_HUMANS:
                r = spare[domain].pop(rng.randrange(len(spare[domain])))
                evaluation.append(dict(r, split="eval"))
    write(evaluation, os.path.join(args.data, "policy", "eval.jsonl"), 300_000)


def write(rows, path, max_bytes):
    rows = sorted(rows, key=lambda r: r["id"])
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    size = len(data.encode("utf-8"))
    assert size <= max_bytes, f"{path} too large: {size} bytes"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(data)
    print(f"wrote {len(rows)} rows, {size} bytes to {path}")


if __name__ == "__main__":
    main()
