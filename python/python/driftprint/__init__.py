"""driftprint for Python: the same engine as the `driftprint` command, over Arrow data.

``Profile`` observes pyarrow batches (one partition of a Spark DataFrame, one block of a Ray
Dataset, or a whole table), merges with other profiles, travels as bytes, and writes the same
report folder as ``driftprint report``. ``Detector`` scores documents with a trained fingerprint
model. ``driftprint.spark`` runs both over a Spark DataFrame.

Bad input raises ``ValueError`` naming the column and row; an output that cannot be written
raises ``OSError``. The work runs in Rust with the GIL released.
"""

from ._driftprint import Detector, Profile, __version__, set_threads

__all__ = ["Detector", "Profile", "__version__", "set_threads"]
