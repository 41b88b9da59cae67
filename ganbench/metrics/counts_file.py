"""The counts behind a histogram metric's final numbers, as a run artifact (``<metric>_counts.json``).

Modes covered and the reverse KL summarise a histogram — samples per mode, 1,000 digit triples on
stacked MNIST. A run logs that histogram at its final evaluation so that a report can show how the
samples spread over the modes and every bar traces back to a run. The file is plain JSON:

- ``metric``: the metric whose outputs summarise it (``modes``);
- ``g_updates``: the generator updates at the evaluation it comes from;
- ``samples``: generated samples evaluated; ``counted``: those in the histogram (digits: every
  finite one; Gaussian mixtures: the high-quality ones);
- ``bins``: what bin m is (for digits: the digit tuple read as a base-10 number);
- ``counts``: K integers, the histogram.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

BINS = "mode m: the nearest centre m (mixtures) or the digit tuple read as a base-10 number (digits)"


def counts_file(metric: str) -> str:
    """The artifact's file name for ``metric`` (``modes`` → ``modes_counts.json``)."""
    return f"{metric}_counts.json"


def write_counts(folder: Path, metric: str, counts: np.ndarray, g_updates: int, samples: int) -> Path:
    """Write ``counts`` (K,) of ``metric`` as ``folder``/``<metric>_counts.json``; returns the path."""
    values = np.asarray(counts, dtype=np.float64)
    path = Path(folder) / counts_file(metric)
    record = {
        "metric": metric,
        "g_updates": int(g_updates),
        "samples": int(samples),
        "counted": int(values.sum()),
        "bins": BINS,
        "counts": [int(round(v)) for v in values],
    }
    path.write_text(json.dumps(record))
    return path


def read_counts(path: Path) -> dict:
    """The record :func:`write_counts` wrote, with ``counts`` as an int64 array."""
    record = json.loads(Path(path).read_text())
    record["counts"] = np.asarray(record["counts"], dtype=np.int64)
    return record
