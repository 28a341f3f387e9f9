"""The nightly report and per-document scores with Ray Data, as docs/python.md describes.

    python ray_data.py driftprint.toml path/to/parquet/ [--out reports] [--scores DIR --model FILE]

Each block of the dataset is observed into a state (map_batches), the states are merged on the
driver, and the report is written under --out; with --scores, the detector --model scores every
document into Parquet files there.
"""

import argparse

import ray

import driftprint


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("dataset", help="a Parquet file or folder (any path Ray can read)")
    parser.add_argument("--out", default="reports")
    parser.add_argument("--scores", help="folder for the per-document scores")
    parser.add_argument("--model", help="the trained detector --scores scores with")
    args = parser.parse_args()

    ds = ray.data.read_parquet(args.dataset)
    # An empty profile carries the config's text: the workers need no copy of the file.
    seed = driftprint.Profile(args.config).to_bytes()

    def observe(batch):
        profile = driftprint.Profile.from_bytes(seed)
        profile.observe(batch)
        return {"state": [profile.to_bytes()]}

    states = ds.map_batches(observe, batch_format="pyarrow", batch_size=None).take_all()
    merged = driftprint.Profile.from_bytes(seed)
    for row in states:
        merged.merge(driftprint.Profile.from_bytes(row["state"]))
    report = merged.report(args.out)
    print(report["verdict"]["line"])
    print(f"{merged.rows} rows; report in {report['run_dir']}")

    if args.scores:
        if args.model is None:
            parser.error("--scores needs --model")
        model = args.model
        config = args.config
        scores = ds.map_batches(
            lambda batch: driftprint.Detector.load(model, config).score(batch),
            batch_format="pyarrow",
        )
        scores.write_parquet(args.scores)
        print(f"scores in {args.scores}")


if __name__ == "__main__":
    main()
