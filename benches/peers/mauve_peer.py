"""Peer benchmark for driftprint's MAUVE: mauve-text 0.4.0's compute_mauve on given features.

Two modes (run through mauve_peer.sh, which sets up the pinned venv):
  mauve_peer.py [--out DIR] [--n 2000] [--d 384] [--seeds 25,1,2]
      writes four seeded scenarios (same distribution; candidate mean shifted by 0.08, 0.15, 0.3) as
      DIR/<scenario>_p.npy and DIR/<scenario>_q.npy (float32, n x d each side), then times
      mauve-text on each. `MAUVE_NPY=DIR cargo bench --bench mauve` runs driftprint on the
      same files and prints its values next to these.
  mauve_peer.py P.npy Q.npy
      times mauve-text on two given matrices (rows = documents).
Prints one JSON object per line: {tool, scenario, n, d, seconds, mauve, mauve_star, num_buckets}
(plus seeds, seconds_each and mauve_by_seed when several seeds are given).
"""

import argparse
import json
import os
import tempfile
import time

import numpy as np

# Mean shift per coordinate of the candidate side, per scenario.
SCENARIOS = {"same": 0.0, "mild_shift": 0.08, "moderate_shift": 0.15, "strong_shift": 0.3}


def write_scenarios(out, n, d):
    os.makedirs(out, exist_ok=True)
    paths = {}
    for i, (name, shift) in enumerate(SCENARIOS.items()):
        rng = np.random.default_rng(2000 + i)
        p = rng.standard_normal((n, d), dtype=np.float32)
        q = rng.standard_normal((n, d), dtype=np.float32) + np.float32(shift)
        pp, qp = os.path.join(out, f"{name}_p.npy"), os.path.join(out, f"{name}_q.npy")
        np.save(pp, p)
        np.save(qp, q)
        paths[name] = (pp, qp)
    return paths


def run(name, p_path, q_path, seeds):
    import mauve  # imported late: the import itself is not part of the timing

    p, q = np.load(p_path), np.load(q_path)
    times, outs = [], []
    for seed in seeds:
        t0 = time.perf_counter()
        outs.append(mauve.compute_mauve(p_features=p, q_features=q, seed=seed))  # else defaults
        times.append(time.perf_counter() - t0)
    result = {
        "tool": "mauve-text 0.4.0",
        "scenario": name,
        "n": int(p.shape[0]),
        "d": int(p.shape[1]),
        "seconds": round(float(np.median(times)), 3),
        "mauve": float(outs[0].mauve),
        "mauve_star": float(outs[0].mauve_star),
        "num_buckets": int(outs[0].num_buckets),
    }
    if len(seeds) > 1:
        result["seeds"] = seeds
        result["seconds_each"] = [round(t, 3) for t in times]
        result["mauve_by_seed"] = [float(o.mauve) for o in outs]
    print(json.dumps(result), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("npy", nargs="*", help="P.npy Q.npy (else: generate the scenarios)")
    ap.add_argument("--out", help="where to write the scenarios (default: a new temp dir)")
    ap.add_argument("--n", type=int, default=2000, help="rows per side")
    ap.add_argument("--d", type=int, default=384, help="columns")
    ap.add_argument("--seeds", default="25",
                    help="comma-separated k-means seeds, one timed run each (default: mauve-text's 25); "
                         "seconds is the median, mauve the first seed's, mauve_by_seed all")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.npy:
        if len(args.npy) != 2:
            ap.error("give exactly two .npy files: P (reference) and Q (candidate)")
        run("given", *args.npy, seeds)
        return
    out = args.out or tempfile.mkdtemp(prefix="mauve-npy-")
    print(json.dumps({"scenarios_dir": out}), flush=True)
    for name, (pp, qp) in write_scenarios(out, args.n, args.d).items():
        run(name, pp, qp, seeds)


if __name__ == "__main__":
    main()
