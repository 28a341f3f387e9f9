"""Spark local[2] against the CLI over the same Parquet dataset, in one run on one machine, plus
what a shard's state costs: per-shard throughput, state size by stage and shard size, and the
time to merge two states. Writes a JSON of the figures to the path given (default: stdout only).

    target/python-venv/bin/python benches/python/spark_vs_cli.py [out.json]

The dataset is ../shared/data/dev (every .jsonl, with a generation = row mod 4) as 8 Parquet
files; the detector is trained first on the demo (as the tests do). Needs the wheel installed
(scripts/test_python.sh does) and target/release/driftprint.
"""

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python" / "tests"))
from conftest import STAGES, dev_rows, numbers, write_config, write_dataset  # noqa: E402

import driftprint  # noqa: E402
import driftprint.spark  # noqa: E402

CLI = REPO / "target" / "release" / "driftprint"


def timed(f):
    start = time.perf_counter()
    value = f()
    return value, time.perf_counter() - start


def main():
    figures = {}
    tmp = Path(tempfile.mkdtemp(prefix="driftprint-spark-bench-"))
    rows = dev_rows()
    paths = write_dataset(rows, tmp / "parquet", files=8)
    model = tmp / "demo.model"
    subprocess.run(
        [CLI, "fingerprint", "train", "--data", REPO / "data" / "demo.jsonl", "--source-field",
         "label", "--source-values", "human=real,machine=synthetic", "--model", model],
        check=True, capture_output=True)
    config = write_config(tmp, paths, model)
    figures["documents"] = len(rows)
    figures["text_mb"] = sum(len(r["text"].encode()) for r in rows) / 1e6

    def cli():
        done = subprocess.run([CLI, "report", "--config", config, "--out", tmp / "cli",
                               "--stages", ",".join(STAGES)], capture_output=True)
        assert done.returncode in (0, 1), done.stderr
    _, figures["cli_report_s"] = timed(cli)
    cli_json = next(p for p in (tmp / "cli").iterdir() if p.is_dir()) / "report.json"

    from pyspark.sql import SparkSession
    import os
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session, figures["spark_start_s"] = timed(
        lambda: SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false").getOrCreate())
    df = session.read.parquet(str(tmp / "parquet"))
    df.count()  # the JVM's first job (class loading) is part of its start, not of the report
    figures["spark_partitions"] = df.rdd.getNumPartitions()
    # The first run starts the Python workers; the second finds them started (as a nightly
    # job's second report over a long-lived cluster would).
    report, figures["spark_report_s"] = timed(
        lambda: driftprint.spark.profile(df, config, tmp / "spark", stages=STAGES))
    figures["spark_equals_cli"] = numbers(report) == numbers(json.loads(cli_json.read_text()))
    _, figures["spark_report_warm_s"] = timed(
        lambda: driftprint.spark.profile(df, config, tmp / "spark", stages=STAGES))
    # Where the time goes: observing on the executors (with the states written), the merge
    # and the report on the driver.
    observed, figures["spark_observe_s"] = timed(lambda: driftprint.spark.observe(df, config, STAGES))
    _, figures["driver_report_s"] = timed(lambda: observed.report(tmp / "driver"))
    session.stop()

    # One shard's state, by shard size and stage; the observe throughput of a shard.
    table = pa.concat_tables(pq.read_table(p) for p in paths)
    shards = {}
    for n in (1000, 4000, 16000):
        profile = driftprint.Profile(config, STAGES)
        _, seconds = timed(lambda: profile.observe(table.slice(0, n)))
        state = profile.to_bytes()
        by_stage = {}
        for stage in STAGES:
            one = driftprint.Profile(config, [stage])
            one.observe(table.slice(0, n))
            by_stage[stage] = len(one.to_bytes())
        other = driftprint.Profile.from_bytes(state)
        _, merge_s = timed(lambda: profile.merge(other))
        shards[n] = {"observe_docs_per_s": n / seconds, "state_bytes": len(state),
                     "state_bytes_by_stage": by_stage, "merge_s": merge_s}
    figures["shards"] = shards
    print(json.dumps(figures, indent=2))
    if len(sys.argv) > 1:
        Path(sys.argv[1]).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
