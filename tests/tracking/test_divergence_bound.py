"""Divergence beyond NaN: at a learning rate of 10, every built-in loss is flagged as diverged — most
never produce a non-finite loss, but their losses or gradient norms reach the bound (1e6) or their
samples do (WGAN's clipped critic keeps its losses small while the generator's samples run off to
~6e5 on the unit ring: past the sample bound, 1,000 times the data's largest magnitude)."""

from __future__ import annotations

import pytest
import torch

from ganbench import registry
from ganbench.experiment.cell_run import CellTask, run_cell, sample_bound
from ganbench.metrics.stability import DIVERGENCE_BOUND, SAMPLE_BOUND_FACTOR

pytestmark = pytest.mark.slow


def lr10(loss: str) -> dict:
    return {
        "dataset": {"name": "ring"},
        "loss": {"name": loss},
        "schedule": {"name": "alternating"},
        "seeds": [0],
        "g_steps": 100,
        "eval_every": 50,
        "eval_samples": 200,
        "batch_size": 64,
        "generator": {"width": 32, "depth": 2},
        "discriminator": {"width": 32, "depth": 2},
        "g_optimizer": {"lr": 10.0},
        "d_optimizer": {"lr": 10.0},
        "device": "cpu",
    }


BUILT_IN = [e.name for e in registry.losses.entries() if "registry/losses/" in e.origin]


def test_every_built_in_loss_is_covered():
    assert len(BUILT_IN) >= 7, BUILT_IN


@pytest.mark.parametrize("loss", BUILT_IN)
def test_lr_10_is_flagged_as_diverged(loss, tmp_path):
    task = CellTask(lr10(loss), str(tmp_path), "none", divergence_bound=DIVERGENCE_BOUND)
    (seed,) = run_cell(task).seeds
    assert 0 <= seed.diverged_at <= 100, (seed.diverged_at, seed.diverged_reason)
    assert seed.diverged_reason  # says what diverged: a non-finite loss, the bound on losses or samples
    assert seed.final["stability/diverged"] == 1.0
    assert seed.final["stability/diverged_step"] == seed.diverged_at


def test_the_bound_is_a_setting(tmp_path):
    """A healthy run (lr 2e-4) is flagged once its bound is below its losses, and names that bound."""
    config = {**lr10("modified_minimax"), "g_optimizer": {"lr": 2e-4}, "d_optimizer": {"lr": 2e-4}}
    (healthy,) = run_cell(CellTask(config, str(tmp_path / "a"), "none")).seeds
    (tight,) = run_cell(CellTask(config, str(tmp_path / "b"), "none", divergence_bound=1e-3)).seeds
    assert healthy.diverged_at == -1 and DIVERGENCE_BOUND == 1e6
    assert tight.diverged_at >= 0 and "0.001" in tight.diverged_reason


def test_wgan_at_lr_10_is_caught_by_its_samples_whatever_the_loss_bound(tmp_path):
    """WGAN's clipped critic keeps its losses small: with an enormous bound on them, the samples'
    bound in the data's units (1,000 × the ring's radius) still catches the run."""
    (seed,) = run_cell(CellTask(lr10("wasserstein"), str(tmp_path), "none", divergence_bound=1e300)).seeds
    assert seed.diverged_at >= 0 and seed.diverged_reason.startswith("generated samples reached magnitude")
    assert 1000 <= float(seed.diverged_reason.split()[-1]) <= 1100  # the ring's radius is ~1 (σ 0.01)


def test_the_sample_bound_is_in_the_datas_units():
    """1,000 × the real data's largest magnitude, capped by the spec's bound; all-zero data keeps it."""
    ring = torch.tensor([[1.0, 0.0], [0.0, -2.0]])
    assert sample_bound(1e6, ring) == 2e3 and SAMPLE_BOUND_FACTOR == 1e3
    assert sample_bound(1e6, ring * 1e4) == 1e6  # data in the ten-thousands: the spec's bound is lower
    assert sample_bound(5.0, ring) == 5.0
    assert sample_bound(1e6, torch.zeros(3, 2)) == 1e6
