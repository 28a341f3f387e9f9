#!/usr/bin/env bash
# driftprint's language-model scorer (candle, SmolLM2-135M Q4_1 GGUF) against llama.cpp
# (llama-cpp-python, the same GGUF), side by side in one run: tokens per second scoring the first
# N documents of a corpus at their first 256 tokens, both on THREADS threads, both computing the
# full-vocabulary statistics of every position. driftprint's figure includes loading the model
# and tokenising; llama.cpp's starts after loading.
#   benches/peers/compare_lm.sh [N] [CORPUS]   (default 64, ../shared/data/dev/detectrl_chatgpt_llama2.jsonl)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
n="${1:-64}"
corpus="${2:-$root/../shared/data/dev/detectrl_chatgpt_llama2.jsonl}"
threads="${THREADS:-2}"
venv="$here/.venv-lm"
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
if ! cmp -s "$here/requirements-lm.txt" "$venv/.installed"; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-lm.txt"
    cp "$here/requirements-lm.txt" "$venv/.installed"
fi
model_dir="$("$root/scripts/fetch_smollm2.sh")"
(cd "$root" && cargo build --release --quiet)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
head -n "$n" "$corpus" > "$tmp/docs.jsonl"
peer="$("$venv/bin/python" "$here/lm_llamacpp.py" "$model_dir/SmolLM2-135M-Instruct.Q4_1.gguf" "$tmp/docs.jsonl" --threads "$threads")"
start=$(date +%s.%N)
RAYON_NUM_THREADS="$threads" "$root/target/release/driftprint" -q features "$tmp/docs.jsonl" \
    --lineage source=real --features lm --lm-dir "$model_dir" --no-lm-cache -o "$tmp/lm.npy"
ours_s=$(python3 -c "print($(date +%s.%N) - $start)")
python3 - "$peer" "$ours_s" <<'PY'
import json, sys
peer, ours_s = json.loads(sys.argv[1]), float(sys.argv[2])
ours = peer["tokens"] / ours_s
print(f"{peer['documents']} documents, {peer['tokens']} tokens, {peer['threads']} threads")
print(f"driftprint (candle): {ours:.0f} tokens/s ({ours_s:.1f} s, incl. model load)")
print(f"llama.cpp:           {peer['tokens_per_second']:.0f} tokens/s ({peer['seconds']:.1f} s)")
print(f"ratio driftprint / llama.cpp: {ours / peer['tokens_per_second']:.2f}x")
PY
