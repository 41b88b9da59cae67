"""The report's mode histogram on a real MLflow store: a tiny stacked-MNIST benchmark (two losses,
two seeds, a few updates) trained for real, then the section read from the store alone — one panel
per configuration, and a table whose every row is one run's logged counts."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.image
import pytest
from tracking.conftest import benchmark

from ganbench import registry
from ganbench.contracts.report import SectionContext
from ganbench.tracking.load import load
from ganbench.tracking.tracker import Tracker

pytestmark = pytest.mark.slow  # trains a tiny benchmark in a subprocess (about 20 s)

SPEC = """
name: tiny_stacked
description: a few updates of a tiny DCGAN on stacked MNIST (report test)
datasets: [stacked_mnist]
losses: [minimax, wasserstein]
schedules: [{name: alternating, d_steps: 1}]
seeds: 2
sample_images: none
train:
  g_steps: 4
  eval_every: 1
  eval_samples: 120
  batch_size: 16
  generator: {name: dcgan, width: 4}
  discriminator: {name: dcgan, width: 4}
  metrics: [modes]
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny_stacked")
    (folder / "tiny_stacked.yaml").write_text(SPEC)
    proc = benchmark(folder, "tiny_stacked.yaml", "--jobs", "1")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return folder


def test_the_section_draws_every_run_of_a_real_store(store, tmp_path):
    data = load(Tracker.connect(f"sqlite:///{store}/mlflow.db"), "tiny_stacked", tmp_path / "artifacts")
    runs = data.for_dataset("stacked_mnist")
    result = registry.reports.get("mode_histogram")().build(data, SectionContext(tmp_path, "mode_histogram"))
    assert not result.notes, result.notes
    (figure,) = result.figures
    image = matplotlib.image.imread(tmp_path / figure.path)
    assert image.shape[1] > 600 and image[..., :3].std() > 0.05  # two panels, drawn
    (table,) = result.tables
    assert sorted(r for (r,) in table.runs) == sorted(runs["run_id"])  # one row a run, traced to it
    for row, (run_id,) in zip(table.frame.to_dict("records"), table.runs, strict=True):
        run = runs.set_index("run_id").loc[run_id]
        assert row["samples counted"] == 120 and row["G updates"] == 4
        assert row["modes covered"] == run["final/modes/covered"]
        assert math.isclose(row["reverse KL (nats)"], run["final/modes/kl"], abs_tol=5e-4)
