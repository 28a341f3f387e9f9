#!/usr/bin/env bash
# driftprint vs sentence-transformers, side by side in one run: all-MiniLM-L6-v2 on the same
# first N texts of a dev corpus, batch 32, max 128 tokens, 2 threads. Prints sentences/s of each
# (best of 3), the ratio, a cached re-run of driftprint, and how closely the embeddings agree.
#   benches/peers/compare_embed.sh [N]        (default 256; INPUT=file.jsonl to change corpus)
# driftprint's time is the whole `features` command (process start, model load, ingest);
# sentence-transformers' is `model.encode` after a warm-up (model load excluded).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
n="${1:-256}"
input="${INPUT:-$root/../shared/data/dev/outfox_valid.jsonl}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

head -n "$n" "$input" > "$tmp/texts.jsonl"
model="$("$root/scripts/fetch_minilm.sh")"
(cd "$root" && cargo build --release --quiet)
bin="$root/target/release/driftprint"
args=(-q features "$tmp/texts.jsonl" --source-field label
      --source-values human=real,machine=synthetic --features embed --model-dir "$model"
      --max-tokens 128 --embed-batch 32 --threads 2 -o "$tmp/dp.npy")
seconds() { python3 -c 'import sys,time,subprocess; t=time.perf_counter(); subprocess.run(sys.argv[1:], check=True); print(f"{time.perf_counter()-t:.3f}")' "$@"; }

best=1e9
for _ in 1 2 3; do
    s="$(seconds "$bin" "${args[@]}" --no-embed-cache)"
    best="$(python3 -c "print(min($s, $best))")"
done
cold="$(seconds "$bin" "${args[@]}" --embed-cache "$tmp/cache")"
warm="$(seconds "$bin" "${args[@]}" --embed-cache "$tmp/cache")"

peer="$("$here/minilm_peer.sh" --input "$tmp/texts.jsonl" --n "$n" --batch 32 --max-tokens 128 \
    --threads 2 --repeats 3 --out-npy "$tmp/st.npy")"
"$here/.venv-st/bin/python" - "$n" "$best" "$cold" "$warm" "$peer" "$tmp" <<'PY'
import json, sys
import numpy as np
n, best, cold, warm, peer, tmp = int(sys.argv[1]), *map(float, sys.argv[2:5]), json.loads(sys.argv[5]), sys.argv[6]
dp, st = np.load(f"{tmp}/dp.npy").astype(np.float64), np.load(f"{tmp}/st.npy").astype(np.float64)
cos = (dp * st).sum(1) / (np.linalg.norm(dp, axis=1) * np.linalg.norm(st, axis=1))
print(f"texts: {n}, batch 32, max 128 tokens, 2 threads")
print(f"driftprint (whole command, no cache): {best:.2f} s = {n / best:.1f} sentences/s")
print(f"sentence-transformers {peer['version']} (torch {peer['torch']}, encode only): "
      f"{peer['seconds_best']:.2f} s = {peer['sentences_per_s_best']:.1f} sentences/s")
print(f"ratio driftprint / sentence-transformers: {peer['seconds_best'] / best:.2f}x")
print(f"driftprint cached re-run: cold {cold:.2f} s, warm {warm:.3f} s ({cold / warm:.0f}x)")
print(f"cosine driftprint vs sentence-transformers: min {cos.min():.6f}, mean {cos.mean():.6f}")
PY
