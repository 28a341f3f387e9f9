#!/usr/bin/env bash
# driftprint vs datasketch, side by side in one run: MinHash (128 permutations, word
# 5-shingles) + LSH near-duplicate search of TRAIN synthetic documents against EVAL real ones
# (issue 8: 100k x 10k in <= 5 s on 2 cores, >= 5x faster than datasketch).
#   benches/peers/compare_leakage.sh [TRAIN] [EVAL]     (default 100000 10000)
# Documents are distinct 150-word windows of ../shared/data/dev text (else the demo corpus),
# with 100 planted near-copies of eval documents (one word in 50 changed) in the train set.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
n_train="${1:-100000}"
n_eval="${2:-10000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$here/setup_venv.sh"
(cd "$root" && cargo build --release --quiet --example leakage_bench)

python3 - "$root" "$n_train" "$n_eval" "$tmp" <<'PY'
import glob, json, random, sys
root, n_train, n_eval, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
files = sorted(glob.glob(f"{root}/../shared/data/dev/*.jsonl")) or [f"{root}/data/demo.jsonl"]
words = []
for f in files:
    for line in open(f):
        words.extend(json.loads(line)["text"].split())
rng = random.Random(7)
def window():
    s = rng.randrange(0, len(words) - 150)
    return " ".join(words[s:s + 150])
evals = [window() for _ in range(n_eval)]
train = [window() for _ in range(n_train - 100)]
for k in range(100):
    w = evals[k * (n_eval // 100)].split()
    train.append(" ".join("edited" if i % 50 == 25 else x for i, x in enumerate(w)))
for name, rows in (("train", train), ("eval", evals)):
    with open(f"{tmp}/{name}.jsonl", "w") as out:
        for i, t in enumerate(rows):
            out.write(json.dumps({"id": f"{name}{i}", "text": t}) + "\n")
PY
ours="$("$root/target/release/examples/leakage_bench" "$tmp/train.jsonl" "$tmp/eval.jsonl" 0.8)"
peer="$("$here/.venv/bin/python" "$here/leakage_datasketch.py" "$tmp/train.jsonl" "$tmp/eval.jsonl" 0.8)"
python3 - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{ours['train']} train x {ours['eval']} eval documents, Jaccard >= 0.8")
print(f"driftprint: {ours['seconds']:.2f} s, {ours['pairs']} pairs")
print(f"datasketch: {peer['seconds']:.2f} s, {peer['pairs']} pairs")
print(f"ratio: {peer['seconds'] / ours['seconds']:.1f}x")
PY
