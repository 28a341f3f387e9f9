#!/usr/bin/env bash
# Issue 7's performance targets, one run: `simulate` of 10 generations × N documents (target
# ≤ 60 s for N = 5,000) and `collapse` over the result without embeddings (≤ 30 s), release
# build, wall-clock of the whole commands (process start, reading, writing included).
#   benches/collapse_scale.sh [N]     (default 5000; INPUT=file.jsonl for another real corpus)
# The real corpus is the first N human texts of ../shared/data/dev (several files), else the
# demo's human texts repeated.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-5000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && cargo build --release --quiet)
bin="$root/target/release/driftprint"

python3 - "$n" "$root" "${INPUT:-}" > "$tmp/real.jsonl" <<'PY'
import glob, json, sys
n, root, given = int(sys.argv[1]), sys.argv[2], sys.argv[3]
files = [given] if given else sorted(glob.glob(f"{root}/../shared/data/dev/*.jsonl")) or [f"{root}/data/demo.jsonl"]
rows = []
while len(rows) < n:
    before = len(rows)
    for f in files:
        for line in open(f):
            r = json.loads(line)
            if r.get("label") in ("human", "real", None) and len(rows) < n:
                rows.append({"id": str(len(rows)), "text": r["text"]})
    if len(rows) == before:
        sys.exit("no human texts found")
for r in rows:
    print(json.dumps(r))
PY
words="$(python3 -c "import json,sys; print(sum(len(json.loads(l)['text'].split()) for l in open(sys.argv[1])))" "$tmp/real.jsonl")"
echo "real corpus: $n documents, $words words"
t0=$(date +%s.%N)
"$bin" -q simulate --corpus "$tmp/real.jsonl" --generations 10 --real-fraction 0 -o "$tmp/gens.jsonl" > /dev/null
t1=$(date +%s.%N)
set +e
"$bin" -q collapse "$tmp/gens.jsonl" > "$tmp/collapse.txt"
code=$?
set -e
t2=$(date +%s.%N)
head -1 "$tmp/collapse.txt"
python3 -c "import sys; s,c=float(sys.argv[2])-float(sys.argv[1]), float(sys.argv[3])-float(sys.argv[2]); print(f'simulate 10 x {sys.argv[4]}: {s:.1f} s (target <= 60 s); collapse over {11*int(sys.argv[4])} documents: {c:.1f} s (target <= 30 s); collapse exit {sys.argv[5]}')" "$t0" "$t1" "$t2" "$n" "$code"
