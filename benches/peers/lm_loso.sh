#!/usr/bin/env bash
# The language-model features measured one dev source out at a time (docs/lm.md):
#   1. a seeded sample of ../shared/data/dev (up to 300 documents per label per file) and of the
#      ELL essays (600), scored once with `features --features lm` (cached, so re-runs are quick);
#   2. zero-shot: the discrepancy's AUROC and TPR at 1% FPR per source, the default threshold
#      (99th percentile of the sample's human text) and its FPR on the ELL essays;
#   3. the detector left one source out with features ngram, ngram+lm (one model) and lm alone;
#   4. a stacked second stage: a logistic regression over the n-gram detector's logit and LM
#      columns, its training logits out-of-fold (nested leave-one-source-out), applied to the
#      held-out source;
#   5. the ELL false-positive rate of detectors trained on the sample with and without lm.
#   benches/peers/lm_loso.sh [WORKDIR]   (default: a temp dir; ~40 min cold on 2 cores)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shared="$root/../shared/data"
work="${1:-$(mktemp -d)}"
mkdir -p "$work/sample" "$work/stack"
"$here/setup_venv.sh"
py="$here/.venv/bin/python"
model_dir="$("$root/scripts/fetch_smollm2.sh")"
(cd "$root" && cargo build --release --quiet)
dp() { "$root/target/release/driftprint" -q "$@"; }
lab=(--source-field label --source-values human=real,machine=synthetic --lm-dir "$model_dir")

"$py" - "$shared" "$work" <<'PY'
import json, random, sys, pathlib
shared, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for f in sorted((shared / "dev").glob("*.jsonl")):
    by_label = {}
    for line in open(f):
        by_label.setdefault(json.loads(line)["label"], []).append(line)
    rows = []
    for label in sorted(by_label):
        rows += random.Random(0).sample(by_label[label], min(300, len(by_label[label])))
    (work / "sample" / f.name).write_text("".join(rows))
ell = open(shared / "fairness" / "ellipse_ell_essays.jsonl").readlines()
(work / "ell.jsonl").write_text("".join(random.Random(0).sample(ell, 600)))
PY
files=("$work"/sample/*.jsonl)
for f in "${files[@]}" "$work/ell.jsonl"; do
    dp features "$f" "${lab[@]}" --features lm -o "${f%.jsonl}.csv"
done

for set in ngram ngram,lm lm; do
    dp fingerprint eval --cv source "${files[@]}" "${lab[@]}" --features "$set" \
        --json "$work/loso_$set.json" > /dev/null
    dp fingerprint train --data "${files[@]}" "${lab[@]}" --features "$set" \
        --model "$work/$set.model" > /dev/null
    dp fingerprint eval --model "$work/$set.model" "$work/ell.jsonl" "${lab[@]}" \
        --json "$work/ell_$set.json" > /dev/null
done

# Nested leave-one-source-out: out-of-fold n-gram logits of every training source.
for held in "${files[@]}"; do
    h="$(basename "$held" .jsonl)"
    train=(); for f in "${files[@]}"; do [ "$f" = "$held" ] || train+=("$f"); done
    dp fingerprint train --data "${train[@]}" "${lab[@]}" --model "$work/stack/outer.model" > /dev/null
    dp fingerprint score --model "$work/stack/outer.model" "$held" -o "$work/stack/outer_$h.csv" > /dev/null
    for t in "${train[@]}"; do
        rest=(); for f in "${train[@]}"; do [ "$f" = "$t" ] || rest+=("$f"); done
        dp fingerprint train --data "${rest[@]}" "${lab[@]}" --model "$work/stack/inner.model" > /dev/null
        dp fingerprint score --model "$work/stack/inner.model" "$t" \
            -o "$work/stack/inner_${h}__$(basename "$t" .jsonl).csv" > /dev/null
    done
done

"$py" "$here/lm_loso_report.py" "$work"
