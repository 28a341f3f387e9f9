"""Shared fixtures: the CLI binary, the demo corpus as a Parquet dataset, a trained detector, and
report.json without what differs between two runs of the same numbers."""

import json
import os
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO = Path(__file__).resolve().parents[2]
STAGES = ["drift", "fingerprint", "collapse", "policy"]


def cli_path() -> Path:
    given = os.environ.get("DRIFTPRINT_BIN")
    if given:
        return Path(given)
    for profile in ("release", "debug"):
        candidate = REPO / "target" / profile / "driftprint"
        if candidate.exists():
            return candidate
    pytest.fail("no driftprint binary: run `cargo build --release` or set DRIFTPRINT_BIN")


def run_cli(*args, check=True):
    done = subprocess.run([str(cli_path()), *map(str, args)], capture_output=True, text=True)
    if check and done.returncode not in (0, 1):
        raise AssertionError(f"driftprint {args} exited {done.returncode}: {done.stderr}")
    return done


def demo_rows():
    """The demo corpus with a `generation` field (line number mod 4), so that drift,
    fingerprint and collapse all read the same documents."""
    rows = []
    with open(REPO / "data" / "demo.jsonl", encoding="utf-8") as f:
        for i, line in enumerate(f):
            row = json.loads(line)
            row["generation"] = i % 4
            rows.append(row)
    return rows


DEV = REPO.parent / "shared" / "data" / "dev"


def dev_rows():
    """Every document of ../shared/data/dev (files in name order) with a `generation` field
    (row mod 4); None where ../shared is absent."""
    if not DEV.is_dir():
        return None
    rows = []
    for path in sorted(DEV.glob("*.jsonl")):
        with open(path, encoding="utf-8") as f:
            rows.extend(json.loads(line) for line in f if line.strip())
    for i, row in enumerate(rows):
        row["generation"] = i % 4
    return rows


def to_table(rows):
    keys = sorted({k for r in rows for k in r})
    columns = {}
    for k in keys:
        if k == "generation":
            columns[k] = pa.array([r.get(k) for r in rows], pa.int64())
        else:
            columns[k] = pa.array(
                [None if r.get(k) is None else str(r[k]) for r in rows], pa.string()
            )
    return pa.table(columns)


def write_dataset(rows, folder: Path, files: int):
    """`rows` as a Parquet dataset of `files` files; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in range(files):
        part = rows[f * len(rows) // files:(f + 1) * len(rows) // files]
        path = folder / f"part-{f:05d}.parquet"
        pq.write_table(to_table(part), path, row_group_size=64)
        paths.append(path)
    return paths


def write_config(folder: Path, inputs, model: Path, extra_ingest="") -> Path:
    listed = ", ".join(json.dumps(str(p)) for p in inputs)
    eval_set = json.dumps(str(REPO / "data" / "policy" / "eval.jsonl"))
    path = folder / "driftprint.toml"
    path.write_text(
        f"[ingest]\ninputs = [{listed}]\n{extra_ingest}"
        "[ingest.fields]\nsource = \"label\"\n"
        "[ingest.source_values]\nhuman = \"real\"\nmachine = \"synthetic\"\n"
        "[drift]\nmax_per_side = 150\n"
        f"[fingerprint]\nmodel = {json.dumps(str(model))}\n"
        f"[policy]\ntrain = [{listed}]\neval = [{eval_set}]\n",
        encoding="utf-8",
    )
    return path


def numbers(report: dict) -> dict:
    """report.json without times, run id, folder and config path, and without what follows
    the input files by design: the fingerprint's per-file contamination (a profile's batches
    are named by their `origin`, a Spark partition's by the partition) and the file of each
    suspicious document."""

    def strip(v):
        if isinstance(v, dict):
            out = {
                k: strip(x)
                for k, x in v.items()
                if k not in ("seconds", "docs_per_second", "run_id", "created", "config", "run_dir")
            }
            if isinstance(out.get("contamination"), dict):
                out["contamination"].pop("files", None)
                for s in out["contamination"].get("suspects", []):
                    s.pop("file", None)
            return out
        if isinstance(v, list):
            return [strip(x) for x in v
                    if not (isinstance(x, dict) and "(file " in str(x.get("text", "")))]
        return v

    return strip(report)


def cli_report(config: Path, out: Path) -> dict:
    run_cli("report", "--config", config, "--out", out, "--stages", ",".join(STAGES))
    runs = [p for p in out.iterdir() if p.is_dir()]
    assert len(runs) == 1, runs
    return json.loads((runs[0] / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def detector(tmp_path_factory) -> Path:
    model = tmp_path_factory.mktemp("model") / "demo.model"
    run_cli(
        "fingerprint", "train", "--data", REPO / "data" / "demo.jsonl",
        "--source-field", "label", "--source-values", "human=real,machine=synthetic",
        "--model", model,
    )
    assert model.exists()
    return model
