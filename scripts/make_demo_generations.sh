#!/usr/bin/env bash
# Regenerates data/collapse/generations.jsonl, the demo's retraining generations: 40 human
# texts of data/demo.jsonl (a seeded sample) as generation 0, then 7 generations of
# `driftprint simulate`'s word-bigram model retrained purely on its own output. The collapse
# stage of the demo report reads it. Same inputs, same bytes.
#   scripts/make_demo_generations.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - data/demo.jsonl "$tmp/human.jsonl" <<'PY'
import json, random, sys
rows = [l for l in open(sys.argv[1], encoding="utf-8") if json.loads(l)["label"] == "human"]
open(sys.argv[2], "w", encoding="utf-8").writelines(random.Random(20261126).sample(rows, 40))
PY
cargo run --release --quiet -- -q simulate --corpus "$tmp/human.jsonl" \
    --source-field label --source-values human=real,machine=synthetic \
    --generations 7 --real-fraction 0 --seed 20261126 -o data/collapse/generations.jsonl
