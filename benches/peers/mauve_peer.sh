#!/usr/bin/env bash
# Peer benchmark for driftprint's MAUVE: create benches/peers/.venv-mauve (if missing) with
# mauve-text 0.4.0 and its pinned dependencies (the versions of tests/reference/requirements.lock.txt),
# then run mauve_peer.py. All arguments pass through, e.g.
#   benches/peers/mauve_peer.sh --out /tmp/mauve-npy      # write scenarios, time mauve-text
#   benches/peers/mauve_peer.sh p.npy q.npy               # mauve-text on two given matrices
# Then `MAUVE_NPY=/tmp/mauve-npy cargo bench --bench mauve` runs driftprint on the same files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-mauve"
pins="mauve-text==0.4.0 faiss-cpu==1.15.1 scikit-learn==1.9.1 numpy==2.4.6 scipy==1.17.1
joblib==1.6.0 threadpoolctl==3.8.0 narwhals==2.29.0 cloudpickle==3.1.3 packaging==26.4
tqdm==4.70.1 requests==2.34.2 certifi==2026.10.19.post1 charset-normalizer==3.5.3 idna==3.20
urllib3==2.8.0"
stamp="$venv/.pins.installed"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$pins" ]; then
    # shellcheck disable=SC2086 # one pin per word
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $pins
    "$venv/bin/python" -c "import mauve, faiss, sklearn, numpy"
    printf '%s' "$pins" >"$stamp"
fi
exec "$venv/bin/python" "$here/mauve_peer.py" "$@"
