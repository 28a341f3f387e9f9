"""driftprint over a Spark DataFrame.

``profile(df, config)`` observes every partition on the executors (``mapInArrow``), each into a
small serialised state; the states are merged on the executors as a tree (``treeReduce``), so the
driver only ever holds one, and the driver writes the report. ``score(df, model)`` adds the
detector's per-document scores as a DataFrame.

The config's files (a trained ``[fingerprint] model``, the ``[policy]`` eval set, ...) must be
readable at the same paths on the executors, as they are for the CLI on one machine.
"""

from __future__ import annotations

import os
from typing import Optional, Sequence, Union

from ._driftprint import Detector, Profile, set_threads

PathLike = Union[str, "os.PathLike[str]"]

#: The schema of ``score``'s DataFrame (as ``driftprint fingerprint score -o`` writes rows).
SCORE_SCHEMA = "id string, probability double, synthetic boolean, decision double"


def _task() -> str:
    """Names the partition (for errors) and keeps this task to its share of the cores: tasks
    run side by side, and each would otherwise spread over every core."""
    from pyspark import TaskContext

    context = TaskContext.get()
    if context is None:
        return "partition"
    set_threads(context.cpus())
    return f"partition {context.partitionId()}"


def _merge(a: bytes, b: bytes) -> bytes:
    left = Profile.from_bytes(a)
    left.merge(Profile.from_bytes(b))
    return left.to_bytes()


def observe(df, config: Optional[PathLike] = None, stages: Optional[Sequence[str]] = None,
            depth: int = 2) -> Profile:
    """The merged profile of every row of ``df`` (its columns as the config's ``[ingest]``
    mapping names them). ``depth`` is the depth of the merge tree (``RDD.treeReduce``)."""
    import pyarrow as pa

    empty = Profile(os.fspath(config) if config is not None else None,
                    list(stages) if stages is not None else None)
    # The empty profile carries the config's text: executors need no copy of the file itself.
    seed = empty.to_bytes()

    def observe_partition(batches):
        profile = Profile.from_bytes(seed)
        origin = _task()
        for batch in batches:
            profile.observe(batch, origin=origin)
        yield pa.RecordBatch.from_arrays([pa.array([profile.to_bytes()], pa.binary())],
                                         names=["state"])

    states = df.mapInArrow(observe_partition, "state binary").rdd.map(lambda row: row.state)
    # Every partition yields one state: the states are empty only without partitions (isEmpty
    # would observe the first partition once more).
    if states.getNumPartitions() == 0:
        return empty
    return Profile.from_bytes(states.treeReduce(_merge, depth=depth))


def profile(df, config: Optional[PathLike] = None, out_dir: PathLike = "reports",
            stages: Optional[Sequence[str]] = None, depth: int = 2) -> dict:
    """Observes ``df`` on the executors, merges the states and writes the report under
    ``out_dir`` on the driver (as ``driftprint report --out``); returns report.json as a dict
    (with ``run_dir``, the run's folder)."""
    return observe(df, config, stages, depth).report(os.fspath(out_dir))


def score(df, model: PathLike, config: Optional[PathLike] = None):
    """Per-document scores of the fingerprint detector at ``model``: a DataFrame of ``id``,
    ``probability``, ``synthetic`` and ``decision``, one row per document of ``df``."""
    model = os.fspath(model)
    config = os.fspath(config) if config is not None else None

    def score_partition(batches):
        detector = Detector.load(model, config)
        origin = _task()
        for batch in batches:
            yield from detector.score(batch, origin=origin).to_batches()

    return df.mapInArrow(score_partition, SCORE_SCHEMA)
