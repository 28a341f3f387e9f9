#!/usr/bin/env bash
# Peer benchmark for driftprint's `features` throughput target: set up the
# pinned venv, then time scikit-learn's ingest + hashed n-gram + TF-IDF
# pipeline. All arguments pass through to sklearn_hashing.py, e.g.
#   benches/peers/run_ingest_peer.sh --repeat 3 /work/shared/data/dev/*.jsonl
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup_venv.sh"
exec "$here/.venv/bin/python" "$here/sklearn_hashing.py" "$@"
