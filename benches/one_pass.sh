#!/usr/bin/env bash
# The nightly report over all of ../shared/data/dev (stylo + ngram; drift, fingerprint, collapse,
# policy), run by two builds side by side: BEFORE (a git revision, built into a worktree) and the
# current tree. Prints wall time and peak memory of each, and whether report.json's numbers agree.
#   benches/one_pass.sh [BEFORE_REV]      (default: the commit before the one-pass report)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dev=${DEV:-$root/../shared/data/dev}
before=${1:-1fb9753}
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/before" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cargo build --release --manifest-path "$root/Cargo.toml" -q
cp "$root/target/release/driftprint" "$work/after"
git -C "$root" worktree add -q "$work/before" "$before"
CARGO_TARGET_DIR="$root/target" cargo build --release -q --manifest-path "$work/before/Cargo.toml"
cp "$root/target/release/driftprint" "$work/before-bin"
touch "$root/src/main.rs"   # the next build of the tree relinks its own binary

inputs=$(ls "$dev"/*.jsonl | sed 's/.*/"&"/' | paste -sd, -)
"$work/after" fingerprint train --data "$dev"/*.jsonl --source-field label \
    --source-values human=real,machine=synthetic --features ngram --model "$work/dev.model" >/dev/null
cat > "$work/driftprint.toml" <<TOML
seed = 20261126
[ingest]
inputs = [$inputs]
[ingest.fields]
source = "label"
[ingest.source_values]
human = "real"
machine = "synthetic"
[features]
sets = ["stylo", "ngram"]
[fingerprint]
model = "$work/dev.model"
[collapse]
inputs = ["$root/data/collapse/generations.jsonl"]
[policy]
train = [$inputs]
eval = ["$root/data/policy/eval.jsonl"]
TOML
for build in before-bin after; do
    /usr/bin/time -f "$build: %e s wall, %M KB peak" "$work/$build" report \
        --config "$work/driftprint.toml" --out "$work/reports-$build" \
        --stages drift,fingerprint,collapse,policy >/dev/null || true
done 2>&1 | grep -E "wall|error" || true
python3 - "$work" <<'PY'
import glob, json, sys
work = sys.argv[1]
def numbers(build):
    r = json.load(open(glob.glob(f"{work}/reports-{build}/2*/report.json")[0]))
    def strip(o):
        if isinstance(o, dict):
            return {k: strip(v) for k, v in o.items() if k not in ("seconds", "docs_per_second", "run_id", "created", "config")}
        if isinstance(o, list):
            return [strip(x) for x in o]
        return o
    return {s["stage"]: (s["status"], strip(s.get("result")), s["seconds"]) for s in r["stages"]}
def diff(x, y, path=""):
    """The paths where two JSON values differ, with both values."""
    if isinstance(x, dict) and isinstance(y, dict):
        return [d for k in sorted(set(x) | set(y)) for d in diff(x.get(k), y.get(k), f"{path}.{k}")]
    if isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
        return [d for i, (u, v) in enumerate(zip(x, y)) for d in diff(u, v, f"{path}[{i}]")]
    return [] if x == y else [(path, x, y)]
b, a = numbers("before-bin"), numbers("after")
for stage in a:
    found = diff(b[stage][1], a[stage][1])
    print(f"{stage}: {b[stage][2]:.1f} s -> {a[stage][2]:.1f} s; {len(found)} value(s) differ ({b[stage][0]} -> {a[stage][0]})")
    for path, x, y in found[:4]:
        print(f"    {path}: {str(x)[:60]} -> {str(y)[:60]}")
PY
