"""Time alibi-detect's MMD drift test on the workload of driftprint's `benches/mmd.rs`.

Two seeded normal samples of n x d (the candidate's mean shifted by --shift in every column),
MMDDrift(backend='pytorch', n_permutations=P) constructed on the reference and asked to
predict on the candidate. Prints one JSON line {tool, seconds, mmd2, p_value, ...}; `seconds`
is construction + predict (alibi computes the reference kernel block and, by default, the
bandwidth in the constructor). `--save DIR` also writes x.npy / y.npy for side-by-side checks.
"""

import argparse
import json
import os
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000, help="rows per side")
    ap.add_argument("--d", type=int, default=384, help="columns")
    ap.add_argument("--permutations", type=int, default=500)
    ap.add_argument("--shift", type=float, default=0.05, help="mean shift of the candidate")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--save", help="directory for x.npy and y.npy")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((args.n, args.d)).astype(np.float32)
    y = (rng.standard_normal((args.n, args.d)) + args.shift).astype(np.float32)
    if args.save:
        os.makedirs(args.save, exist_ok=True)
        np.save(os.path.join(args.save, "x.npy"), x)
        np.save(os.path.join(args.save, "y.npy"), y)

    import torch
    from alibi_detect.cd import MMDDrift

    start = time.perf_counter()
    detector = MMDDrift(x, backend="pytorch", p_val=0.05, n_permutations=args.permutations, device="cpu")
    built = time.perf_counter()
    result = detector.predict(y)["data"]
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "tool": "alibi-detect MMDDrift (pytorch, CPU)",
                "seconds": round(done - start, 3),
                "construct_seconds": round(built - start, 3),
                "predict_seconds": round(done - built, 3),
                "mmd2": float(result["distance"]),
                "p_value": float(result["p_val"]),
                "sigma": float(detector._detector.kernel.sigma.detach().cpu().numpy().ravel()[0]),
                "n": args.n,
                "d": args.d,
                "permutations": args.permutations,
                "torch_threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
