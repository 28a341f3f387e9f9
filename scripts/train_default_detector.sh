#!/usr/bin/env bash
# Trains the detector built into driftprint, assets/detector/driftprint-default.fpmodel, from
# the files of the shared dev corpus whose licences allow redistributing a model trained on
# them (docs/default-detector.md, the model card, names them with their attribution):
#   fastdetectgpt_main.jsonl (MIT), outfox_valid.jsonl (Apache-2.0) and l2r_rewrites.jsonl
#   (CC BY 3.0) less every passage the demo (data/demo.jsonl) or its eval set
#   (data/policy/eval.jsonl) uses, human text and rewrites alike, so the demo stays unseen.
# The settings are the detector's defaults (docs/detector.md). Same inputs, same bytes: a test
# retrains it and compares (tests/cli/fingerprint.rs).
#   scripts/train_default_detector.sh [DEV_DIR] [OUT]
#   DRIFTPRINT_BIN=path/to/driftprint to use another build (default target/release/driftprint)
set -euo pipefail
cd "$(dirname "$0")/.."
dev="${1:-../shared/data/dev}"
out="${2:-assets/detector/driftprint-default.fpmodel}"
bin="${DRIFTPRINT_BIN:-target/release/driftprint}"
[ -x "$bin" ] || { echo "train_default_detector: no $bin (cargo build --release first)" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - "$dev" "$tmp" data/demo.jsonl data/policy/eval.jsonl <<'PY'
import hashlib, json, os, sys
dev, tmp, *demo_files = sys.argv[1:]
sources = json.load(open(os.path.join(dev, "SOURCES.json")))["files"]
for name in ("fastdetectgpt_main.jsonl", "outfox_valid.jsonl", "l2r_rewrites.jsonl"):
    raw = open(os.path.join(dev, name), "rb").read()
    if hashlib.sha256(raw).hexdigest() != sources[name]["sha256"]:
        sys.exit(f"train_default_detector: {name} is not the file SOURCES.json describes")
def passage(row_id):  # L2R:<domain>:<index>:<model>
    return tuple(row_id.split(":")[1:3])
used = {passage(json.loads(l)["id"]) for f in demo_files for l in open(f, encoding="utf-8")}
raw = open(os.path.join(dev, "l2r_rewrites.jsonl"), "rb").read().decode("utf-8")
kept = [l for l in raw.split("\n") if l and passage(json.loads(l)["id"]) not in used]
with open(os.path.join(tmp, "l2r_rewrites.jsonl"), "w", encoding="utf-8", newline="\n") as f:
    f.write("".join(l + "\n" for l in kept))
print(f"l2r_rewrites.jsonl: {len(kept)} rows kept, {len(used)} demo passages left out", file=sys.stderr)
PY
"$bin" -q fingerprint train \
    --data "$dev/fastdetectgpt_main.jsonl" "$dev/outfox_valid.jsonl" "$tmp/l2r_rewrites.jsonl" \
    --source-field label --source-values human=real,machine=synthetic \
    --model "$tmp/model"
mkdir -p "$(dirname "$out")"
mv "$tmp/model" "$out"
echo "wrote $out ($(stat -c %s "$out") bytes)"
