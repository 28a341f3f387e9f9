#!/usr/bin/env bash
# Peer benchmark for driftprint's exact MMD² permutation test: create
# benches/peers/.venv-alibi (if missing), install alibi-detect with its PyTorch
# backend, then time MMDDrift(backend='pytorch', n_permutations=500) on
# 2,000 x 384 per side. Arguments pass through to mmd_alibi.py, e.g.
#   benches/peers/mmd_alibi.sh --n 2000 --d 384 --permutations 500
# PyPI only serves the CUDA build of torch for Linux x86_64 (the CPU-only wheels live on
# PyTorch's own index, which this project does not use); it runs on the CPU all the same,
# but the venv is large (~5 GB with the nvidia-* wheels).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-alibi"
# Pins that pip resolved for alibi-detect[torch]==0.13.0 on CPython 3.11.
pins=("alibi-detect[torch]==0.13.0" "torch==2.15.0" "numpy==1.26.4")
stamp="$venv/.pins.installed"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "${pins[*]}" ]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${pins[@]}"
    "$venv/bin/python" -c "import alibi_detect, torch, numpy"
    printf '%s' "${pins[*]}" > "$stamp"
fi
exec "$venv/bin/python" "$here/mmd_alibi.py" "$@"
