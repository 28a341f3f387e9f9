#!/usr/bin/env bash
# Side-by-side throughput of `driftprint features` (ingest + stylometry + hashed word 1-2 and
# char 3-5-gram TF-IDF + projection) and scikit-learn's HashingVectorizer + TfidfTransformer,
# on the same JSONL files, in one run. Best of N runs each; MB = 1e6 bytes of document text.
#   benches/peers/compare_ingest.sh [--repeat N] [FILES...]   (default: ../shared/data/dev/*.jsonl)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
repeat=3
if [[ "${1:-}" == "--repeat" ]]; then repeat="$2"; shift 2; fi
files=("$@")
if [[ ${#files[@]} -eq 0 ]]; then
  shopt -s nullglob
  files=("$root"/../shared/data/dev/*.jsonl)
  [[ ${#files[@]} -gt 0 ]] || files=("$root/data/demo.jsonl")
fi

cargo build --release --quiet --manifest-path "$root/Cargo.toml"
bin="$root/target/release/driftprint"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

best=0
for _ in $(seq "$repeat"); do
  line=$("$bin" features "${files[@]}" --source-field label --source-values human=real,machine=synthetic \
    --features stylo,ngram -o "$out/f.npy" 2>&1 | grep -o '[0-9.]* MB/s' | tail -1)
  mbs=${line% MB/s}
  best=$(python3 -c "print(max($best, $mbs))")
done
ours=$(printf '{"tool":"driftprint","features":"stylo,ngram","cores":%s,"mb_per_s":%s}' "$(nproc)" "$best")
echo "$ours"

peer=$("$here/run_ingest_peer.sh" --repeat "$repeat" "${files[@]}")
echo "$peer"
python3 - "$ours" "$peer" <<'PY'
import json, sys
ours, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(json.dumps({"ratio_driftprint_over_sklearn": round(ours["mb_per_s"] / peer["mb_per_s_total"], 2)}))
PY
