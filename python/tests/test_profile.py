"""Profile: observe pyarrow data, merge, travel as bytes, report like the CLI; bad input is a
ValueError naming column and row, and nothing is observed or written."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import driftprint
from conftest import REPO, STAGES, cli_report, demo_rows, numbers, to_table, write_config, write_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, detector):
    folder = tmp_path_factory.mktemp("dataset")
    rows = demo_rows()
    paths = write_dataset(rows, folder / "parquet", files=4)
    config = write_config(folder, paths, detector)
    whole = numbers(cli_report(config, folder / "cli"))
    return paths, config, whole, len(rows)


def test_profiles_of_parquet_files_merged_give_the_cli_report(dataset, tmp_path):
    paths, config, whole, row_count = dataset
    profiles = []
    for path in paths:
        p = driftprint.Profile(config, STAGES)
        p.observe(pq.read_table(path), origin=path.name)
        profiles.append(p)
    merged = profiles[-1]
    for p in reversed(profiles[:-1]):
        merged.merge(p)
    assert merged.rows == row_count
    report = merged.report(tmp_path / "reports")
    assert numbers(report) == whole
    on_disk = json.loads((tmp_path / "reports" / report["run_id"] / "report.json").read_text())
    assert numbers(on_disk) == whole
    assert (tmp_path / "reports" / "history.jsonl").exists()


def test_bytes_round_trip_keeps_everything(dataset, tmp_path):
    paths, config, whole, row_count = dataset
    p = driftprint.Profile(config, STAGES)
    for path in paths:
        p.observe(pq.read_table(path))
    data = p.to_bytes()
    assert isinstance(data, bytes)
    back = driftprint.Profile.from_bytes(data)
    assert back.rows == p.rows == row_count
    assert back.stages == STAGES
    assert back.to_bytes() == data
    assert numbers(back.report(tmp_path / "out")) == whole
    with pytest.raises(ValueError):
        driftprint.Profile.from_bytes(b"not a profile")


def test_profiles_of_other_settings_do_not_merge(dataset, tmp_path):
    paths, config, _, _ = dataset
    other = tmp_path / "other.toml"
    other.write_text(config.read_text().replace("max_per_side = 150", "max_per_side = 151"))
    a = driftprint.Profile(config, STAGES)
    b = driftprint.Profile(other, STAGES)
    with pytest.raises(ValueError, match="other settings"):
        a.merge(b)
    with pytest.raises(ValueError, match="itself"):
        a.merge(a)


def test_profiles_sharing_documents_do_not_merge(dataset):
    paths, config, _, _ = dataset
    a = driftprint.Profile(config, STAGES)
    a.observe(pq.read_table(paths[0]), origin="first")
    again = driftprint.Profile(config, STAGES)
    again.observe(pq.read_table(paths[0]), origin="first, again")
    with pytest.raises(ValueError, match="merged already"):
        a.merge(again)
    with pytest.raises(ValueError, match="observed twice"):
        a.observe(pq.read_table(paths[0]))


def rows(n=3):
    return [dict(r) for r in demo_rows()[:n]]


@pytest.mark.parametrize(
    "table, fragments",
    [
        # No text column.
        (lambda: to_table(rows()).drop_columns(["text"]), ["text"]),
        # Text of the wrong type.
        (lambda: to_table(rows()).set_column(
            to_table(rows()).schema.get_field_index("text"), "text", pa.array([1, 2, 3])),
         ["text", "row 1"]),
        # A null source in row 2.
        (lambda: to_table(rows()).set_column(
            to_table(rows()).schema.get_field_index("label"), "label",
            pa.array(["human", None, "machine"])),
         ["label", "row 2"]),
        # An unknown source value in row 3.
        (lambda: to_table(rows()).set_column(
            to_table(rows()).schema.get_field_index("label"), "label",
            pa.array(["human", "machine", "robot"])),
         ["label", "row 3", "robot"]),
    ],
)
def test_bad_input_is_a_value_error_naming_column_and_row(dataset, tmp_path, table, fragments):
    _, config, _, _ = dataset
    p = driftprint.Profile(config, STAGES)
    with pytest.raises(ValueError) as e:
        p.observe(table(), origin="part-7")
    for fragment in ["part-7", *fragments]:
        assert fragment in str(e.value), (fragment, str(e.value))
    assert p.rows == 0
    assert not (tmp_path / "reports").exists()


def test_a_bad_config_is_a_value_error_naming_the_key(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("[drift]\nmax_per_side = 0\n")
    with pytest.raises(ValueError, match="drift.max_per_side"):
        driftprint.Profile(config, ["drift"])
    with pytest.raises(ValueError, match="unknown stage"):
        driftprint.Profile(None, ["drfit"])


def test_detector_scores_as_the_cli_writes_them(detector, tmp_path):
    from conftest import run_cli

    out = tmp_path / "scores.jsonl"
    run_cli("fingerprint", "score", REPO / "data" / "demo.jsonl", "--model", detector, "-o", out)
    expected = [json.loads(line) for line in out.read_text().splitlines()]
    table = to_table(rows(len(expected)))
    scored = driftprint.Detector.load(detector).score(table)
    assert scored.column_names == ["id", "probability", "synthetic", "decision"]
    assert scored.to_pylist() == expected
    empty = driftprint.Detector.load(detector).score(table.slice(0, 0))
    assert empty.num_rows == 0 and empty.column_names == scored.column_names
