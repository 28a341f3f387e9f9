#!/usr/bin/env bash
# driftprint's fingerprint detector vs scikit-learn, side by side in one run on the dev data
# (every *.jsonl of DATA, default ../shared/data/dev):
#   - training time on ~20k documents: scikit-learn LogisticRegression(C=1, lbfgs) on hashed
#     word 1-2 + char 3-5-gram TF-IDF, 20,000 documents; driftprint `fingerprint train` with
#     the --calibration-fraction that leaves its learner ~20,000 too (its learner's own time is
#     read from the -v log; the whole command also featurises, calibrates and builds the lexicon);
#   - scoring throughput including reading and featurisation, every dev document;
#   - with --cv: random 5-fold CV on the same crc32(id) % 5 folds in both tools.
#   benches/peers/compare_fingerprint.sh [--cv]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${DATA:-$root/../shared/data/dev}"
cv="${1:-}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && cargo build --release --quiet)
bin="$root/target/release/driftprint"
schema=(--source-field label --source-values human=real,machine=synthetic)
files=("$data"/*.jsonl)

# The calibration share that leaves ~20,000 documents to the learner, as scikit-learn fits.
rows=$(cat "${files[@]}" | grep -c .)
fraction=$(python3 -c "print(round(max(0.05, 1 - 20000 / $rows), 4))")
start=$(date +%s.%N)
"$bin" -v fingerprint train --data "${files[@]}" "${schema[@]}" --calibration-fraction "$fraction" \
    --model "$tmp/fp.model" --json "$tmp/train.json" > /dev/null 2> "$tmp/train.log"
train_s=$(python3 -c "print($(date +%s.%N) - $start)")
fit_line="$(grep 'sparse logistic' "$tmp/train.log")"
"$bin" -q fingerprint score "${files[@]}" "${schema[@]}" --model "$tmp/fp.model" \
    -o "$tmp/scores.jsonl" --json "$tmp/score.json" > /dev/null
if [ "$cv" = "--cv" ]; then
    "$bin" -q fingerprint eval "${files[@]}" "${schema[@]}" --cv random --json "$tmp/cv.json" > /dev/null
    peer="$("$here/fingerprint_sklearn.sh" --data "$data")"
else
    echo '{}' > "$tmp/cv.json"
    peer="$("$here/fingerprint_sklearn.sh" --data "$data" --skip-cv)"
fi
python3 - "$tmp" "$train_s" "$fit_line" "$peer" <<'PY'
import json, re, sys
tmp, train_s, fit_line, peer = sys.argv[1], float(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
score, cv = json.load(open(f"{tmp}/score.json")), json.load(open(f"{tmp}/cv.json"))
m = re.search(r"(\d+) rows .* (\d+) iterations, \d+ evaluations, ([\d.]+) s", fit_line)
rows, iters, fit_s = int(m.group(1)), int(m.group(2)), float(m.group(3))
t = peer["timing"]
print(f"training: driftprint learner {fit_s:.1f} s on {rows} docs ({iters} iterations; whole train command {train_s:.1f} s)")
print(f"          scikit-learn {peer['version']} fit {t['fit_s']:.1f} s on {t['n_train']} docs ({t['n_iter']} iterations; + featurise {t['featurize_s']:.1f} s)")
print(f"          ratio scikit-learn / driftprint fit time: {t['fit_s'] / fit_s:.2f}x")
print(f"scoring:  driftprint {score['docs_per_second']:.0f} docs/s ({score['documents']} docs, read + featurise + score)")
print(f"          scikit-learn {t['score_docs_per_s']:.0f} docs/s (hash + TF-IDF + predict_proba)")
print(f"          ratio: {score['docs_per_second'] / t['score_docs_per_s']:.1f}x")
if cv:
    c = peer["cv"]
    print(f"random 5-fold: driftprint AUROC {cv['mean_fold_auroc']:.4f}, TPR@1%FPR {cv['metrics']['tpr_at_1pct_fpr']:.3f}; "
          f"scikit-learn AUROC {c['auroc_mean']:.4f}, TPR@1%FPR {c['tpr_at_1pct_fpr']:.3f}")
PY
