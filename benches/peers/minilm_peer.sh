#!/usr/bin/env bash
# Peer benchmark for driftprint's sentence embeddings: create benches/peers/.venv-st (if
# missing) with sentence-transformers and torch, then time all-MiniLM-L6-v2 on CPU over the
# first N texts of a JSONL corpus. Arguments pass through to minilm_peer.py, e.g.
#   benches/peers/minilm_peer.sh --n 512 --batch 32 --max-tokens 128 --threads 2 --repeats 3
#   benches/peers/minilm_peer.sh --n 256 --out-npy /tmp/st.npy   # also write the embeddings
# The model comes from ../shared/models/all-MiniLM-L6-v2 or models/all-MiniLM-L6-v2
# (scripts/fetch_minilm.sh fetches it). PyPI only serves the CUDA build of torch for Linux
# x86_64; it runs on the CPU all the same, but the venv is large (~5 GB with the nvidia-* wheels).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-st"
# Versions pip resolved on CPython 3.11 (sentence-transformers brings transformers, tokenizers,
# huggingface-hub, numpy, scikit-learn... unpinned).
pins=("sentence-transformers==6.2.0" "torch==2.15.0")
stamp="$venv/.pins.installed"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "${pins[*]}" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
    "$venv/bin/python" -c "import sentence_transformers, torch, numpy"
    printf '%s' "${pins[*]}" > "$stamp"
fi
exec "$venv/bin/python" "$here/minilm_peer.py" "$@"
