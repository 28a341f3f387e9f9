#!/usr/bin/env bash
# Leave-one-source-out, side by side in one run: driftprint's default detector
# (`fingerprint eval --cv source`, one *.jsonl of DATA held out at a time) and scikit-learn's
# plain hashed word 1-2 + char_wb 3-5-gram TF-IDF logistic regression on the same folds
# (fingerprint_loso_sklearn.py). Per held-out file: AUROC, TPR at 1% FPR (on that file's own
# human documents), and FPR/TPR at the threshold each tool set on its training files.
#   benches/peers/compare_detector_loso.sh [extra driftprint flags, e.g. --features ngram,stylo]
# DATA defaults to ../shared/data/dev.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${DATA:-$root/../shared/data/dev}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && cargo build --release --quiet)
"$here/setup_venv.sh"
bin="$root/target/release/driftprint"
"$bin" -q fingerprint eval --cv source "$data"/*.jsonl \
    --source-field label --source-values human=real,machine=synthetic "$@" \
    --json "$tmp/ours.json" > /dev/null
"$here/.venv/bin/python" "$here/fingerprint_loso_sklearn.py" --data "$data" > "$tmp/peer.json" 2> /dev/null
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
ours, peer = json.load(open(f"{tmp}/ours.json")), json.load(open(f"{tmp}/peer.json"))
f = lambda v: "n/a" if v is None else f"{v:.3f}"
p = lambda v: "n/a" if v is None else f"{100 * v:.1f}%"
print("| held-out file | real / synthetic | AUROC driftprint / sklearn | TPR@1%FPR driftprint / sklearn | FPR at threshold driftprint / sklearn | TPR at threshold driftprint / sklearn |")
print("|---|---|---|---|---|---|")
by_name = {x["name"]: x for x in peer["folds"]}
for o in ours["folds"]:
    s = by_name[o["name"]]
    print(f"| {o['name']} | {o['n_real']} / {o['n_synthetic']} | {f(o['auroc'])} / {f(s['auroc'])} | "
          f"{f(o['tpr_at_1pct_fpr'])} / {f(s['tpr_at_1pct_fpr'])} | {p(o['fpr_at_threshold'])} / {p(s['fpr_at_threshold'])} | "
          f"{p(o['tpr_at_threshold'])} / {p(s['tpr_at_threshold'])} |")
print(f"| **mean** | | **{f(ours['mean_fold_auroc'])}** / {f(peer['mean_fold_auroc'])} | "
      f"**{f(ours['mean_fold_tpr_at_1pct_fpr'])}** / {f(peer['mean_fold_tpr_at_1pct_fpr'])} | "
      f"{p(ours['mean_fold_fpr_at_threshold'])} / {p(peer['mean_fold_fpr_at_threshold'])} | "
      f"{p(ours['mean_fold_tpr_at_threshold'])} / {p(peer['mean_fold_tpr_at_threshold'])} |")
PY
