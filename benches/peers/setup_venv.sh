#!/usr/bin/env bash
# Create benches/peers/.venv (if missing) and install the exact pins from
# requirements.txt for the scikit-learn and datasketch peer benchmarks.
# Idempotent: re-running only reinstalls when requirements.txt changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.installed"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if ! cmp -s "$req" "$stamp"; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    "$venv/bin/python" -c "import sklearn, numpy, scipy, datasketch"
    cp "$req" "$stamp"
fi
