"""A cell with the `modes` metric writes each seed's histogram of its final evaluation beside its
other artifacts (``modes_counts.json``): the counts behind its final modes covered and reverse KL."""

from __future__ import annotations

import math

import numpy as np

from ganbench.experiment.cell_run import CellTask, run_cell
from ganbench.metrics.counts_file import read_counts


def test_each_seed_logs_the_counts_of_its_final_evaluation(tmp_path):
    config = {
        "dataset": {"name": "stacked_mnist"},
        "seeds": [3, 4],
        "g_steps": 2,
        "eval_every": 1,
        "eval_samples": 60,
        "batch_size": 16,
        "metrics": ["modes"],
        "generator": {"name": "dcgan", "width": 4},
        "discriminator": {"name": "dcgan", "width": 4},
        "device": "cpu",
    }
    outcome = run_cell(CellTask(config, str(tmp_path), "none", label="tiny"))
    for seed in outcome.seeds:
        path = tmp_path / f"seed-{seed.seed}" / "modes_counts.json"
        assert str(path) in seed.artifacts
        record = read_counts(path)
        counts = record["counts"]
        assert record["g_updates"] == 2 and record["samples"] == record["counted"] == counts.sum() == 60
        assert len(counts) == 1000 and np.count_nonzero(counts) == seed.final["final/modes/covered"]
        p = counts[counts > 0] / 60
        assert math.isclose((p * np.log(p * 1000)).sum(), seed.final["final/modes/kl"], abs_tol=1e-9)


def test_curves_on_fewer_samples_keep_the_final_values_and_counts_on_all(tmp_path):
    config = {
        "dataset": {"name": "stacked_mnist"},
        "seeds": [1],
        "g_steps": 2,
        "eval_every": 1,
        "eval_samples": 60,
        "curve_samples": 20,  # every point of the curves on the first 20; the final values on all 60
        "batch_size": 16,
        "metrics": ["modes"],
        "generator": {"name": "dcgan", "width": 4},
        "discriminator": {"name": "dcgan", "width": 4},
        "device": "cpu",
    }
    (seed,) = run_cell(CellTask(config, str(tmp_path), "none", label="tiny")).seeds
    steps, covered = seed.curves["modes/covered"]
    assert steps.tolist() == [1, 2] and (covered <= 20).all()
    counts = read_counts(tmp_path / "seed-1" / "modes_counts.json")["counts"]
    assert counts.sum() == 60 and np.count_nonzero(counts) == seed.final["final/modes/covered"]
