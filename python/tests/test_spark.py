"""Spark in local[2]: the report of driftprint.spark.profile over a Parquet dataset equals the
CLI's report over the same files, and driftprint.spark.score equals `fingerprint score`.
The dataset is ../shared/data/dev in 8 files when it is present, else the demo in 4."""

import json
import os
import sys
import time
from pathlib import Path

import pytest

from conftest import STAGES, cli_report, demo_rows, dev_rows, numbers, run_cli, write_config, write_dataset

if os.environ.get("DRIFTPRINT_REQUIRE_SPARK"):
    import pyspark  # noqa: F401  (required: an ImportError fails the run)
else:
    pytest.importorskip("pyspark")

import driftprint.spark  # noqa: E402

def corpus_rows():
    """Dev in 8 files when present, else the demo in 4; with generations."""
    dev = dev_rows()
    return (demo_rows(), 4) if dev is None else (dev, 8)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # The executors' Python is this one (with the wheel), not the first python3 on the PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    started = time.perf_counter()
    session = (
        SparkSession.builder.master("local[2]")
        .appName("driftprint-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    print(f"\nSpark session started in {time.perf_counter() - started:.1f} s")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, detector):
    folder = tmp_path_factory.mktemp("spark")
    rows, files = corpus_rows()
    paths = write_dataset(rows, folder / "parquet", files=files)
    config = write_config(folder, paths, detector)
    started = time.perf_counter()
    whole = cli_report(config, folder / "cli")
    print(f"\nCLI report over {len(rows)} documents: {time.perf_counter() - started:.1f} s")
    return folder, config, numbers(whole), len(rows)


def test_the_spark_report_equals_the_cli_report(spark, dataset):
    folder, config, whole, documents = dataset
    df = spark.read.parquet(str(folder / "parquet"))
    assert df.rdd.getNumPartitions() >= 2
    started = time.perf_counter()
    report = driftprint.spark.profile(df, config, folder / "spark-reports", stages=STAGES)
    print(f"\nSpark report over {documents} documents: {time.perf_counter() - started:.1f} s")
    assert numbers(report) == whole
    assert Path(report["run_dir"], "report.html").exists()


def test_the_spark_scores_equal_fingerprint_score(spark, dataset, detector):
    folder, config, _, documents = dataset
    out = folder / "scores.jsonl"
    paths = sorted((folder / "parquet").glob("*.parquet"))
    run_cli("fingerprint", "score", *paths, "--model", detector, "--config", config, "-o", out)
    expected = sorted(
        (json.loads(line) for line in out.read_text().splitlines()), key=lambda r: r["id"]
    )
    df = spark.read.parquet(str(folder / "parquet"))
    scored = driftprint.spark.score(df, detector, config)
    rows = sorted((r.asDict() for r in scored.collect()), key=lambda r: r["id"])
    assert len(rows) == len(expected) == documents
    assert rows == expected


def test_an_empty_dataframe_profiles_to_an_empty_profile(spark, dataset):
    _, config, _, _ = dataset
    df = spark.read.parquet(str(dataset[0] / "parquet")).limit(0)
    profile = driftprint.spark.observe(df, config, stages=["drift"])
    assert profile.rows == 0
