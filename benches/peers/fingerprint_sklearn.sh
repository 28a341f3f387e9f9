#!/usr/bin/env bash
# Peer benchmark for driftprint's `fingerprint` detector: set up the pinned venv, then run
# scikit-learn's LogisticRegression on hashed word 1-2 + char 3-5-gram sublinear TF-IDF
# (2**18 buckets), 5-fold CV by crc32(id) % 5, plus train/score timings. Arguments pass
# through to fingerprint_sklearn.py, e.g.
#   benches/peers/fingerprint_sklearn.sh                          # ../shared/data/dev, full run
#   benches/peers/fingerprint_sklearn.sh --class-weight balanced
#   benches/peers/fingerprint_sklearn.sh --skip-cv --n-train 20000 --data DIR
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup_venv.sh"
exec "$here/.venv/bin/python" "$here/fingerprint_sklearn.py" "$@"
