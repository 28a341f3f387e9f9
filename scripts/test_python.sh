#!/usr/bin/env bash
# The Python package's tests (python/tests): builds the wheel with maturin (release, the
# profile the CLI is released with) into a venv with pyarrow, pyspark and pytest, then runs the
# tests with Spark required (local[2]; Java 17 from Debian's openjdk-17-jre-headless when no java
# is on the PATH). The CLI the reports are compared with: target/release/driftprint (built, or
# brought up to date, here), or $DRIFTPRINT_BIN.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v java >/dev/null 2>&1; then
    echo "== installing Java 17 (Spark runs on the JVM)"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q --no-install-recommends openjdk-17-jre-headless >/dev/null 2>&1 \
        || { $sudo apt-get update -q >/dev/null 2>&1 \
             && $sudo apt-get install -y -q --no-install-recommends openjdk-17-jre-headless >/dev/null; }
fi

venv="${DRIFTPRINT_PY_VENV:-target/python-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --upgrade pip >/dev/null
"$venv/bin/pip" install -q "maturin>=1.9,<2" "pyarrow>=14" "pytest>=7" "pyspark[sql]==4.0.1"

echo "== maturin build --release (python/)"
rm -rf target/wheels
"$venv/bin/maturin" build --release --locked -m python/Cargo.toml -o target/wheels -q
"$venv/bin/pip" install -q --force-reinstall --no-deps target/wheels/driftprint-*.whl

if [ -z "${DRIFTPRINT_BIN:-}" ]; then
    cargo build --release --locked -q
    DRIFTPRINT_BIN="$PWD/target/release/driftprint"
fi
export DRIFTPRINT_BIN DRIFTPRINT_REQUIRE_SPARK=1
echo "== pytest python/tests (Spark local[2])"
# From outside python/, so the installed wheel is imported, not the source folder.
cd python/tests
exec "../../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" .
