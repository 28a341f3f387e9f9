#!/usr/bin/env bash
# Checks the release binary's size against the figure the README states ("N MB", in the line
# that names `driftprint` as the installed binary): CI fails when they differ by more than 10%.
#   scripts/check_binary_size.sh [BINARY]   (default target/release/driftprint)
set -euo pipefail
cd "$(dirname "$0")/.."
binary="${1:-target/release/driftprint}"
[ -f "$binary" ] || { echo "check_binary_size: no $binary (cargo build --release first)" >&2; exit 2; }
stated="$(grep -o 'release binary is [0-9.]* MB' README.md | head -n 1 | grep -o '[0-9.]*' || true)"
[ -n "$stated" ] || { echo "check_binary_size: README.md states no 'release binary is N MB'" >&2; exit 2; }
actual="$(stat -c %s "$binary")"
python3 - "$stated" "$actual" <<'PY'
import sys
stated_mb, actual = float(sys.argv[1]), int(sys.argv[2])
actual_mb = actual / 1e6
ratio = actual_mb / stated_mb
print(f"release binary: {actual_mb:.1f} MB, README states {stated_mb:g} MB ({ratio:.2f}x)")
if not 0.9 <= ratio <= 1.1:
    sys.exit("check_binary_size: the README's figure is off by more than 10%; update it")
PY
