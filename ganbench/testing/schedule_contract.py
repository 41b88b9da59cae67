"""The Schedule contract, as checks any registered schedule must pass."""

from __future__ import annotations

import torch

from ganbench import registry
from ganbench.contracts import Schedule, ScheduleContext, ScheduleState, Step

N_SEEDS = 3


def make(name: str, steps_per_epoch: int = 7) -> Schedule:
    """An instance of the registered schedule with default parameters."""
    cls = registry.schedules.get(name)
    return cls(cls.Params(), ScheduleContext(N_SEEDS, steps_per_epoch))


def run(schedule: Schedule, ticks: int, accuracy: float) -> list[Step]:
    """Drive a schedule for ``ticks`` ticks with a fixed discriminator accuracy, counting updates."""
    g = torch.zeros(N_SEEDS, dtype=torch.long)
    d = torch.zeros(N_SEEDS, dtype=torch.long)
    acc = torch.full((N_SEEDS,), accuracy)
    steps = []
    for tick in range(ticks):
        step = schedule.next_step(ScheduleState(tick, g.clone(), d.clone(), acc))
        steps.append(step)
        d += step.d
        g += step.g
    return steps


def check_step_shapes(name: str) -> None:
    """Every step has boolean (S,) masks and moves at least one player for every seed."""
    for step in run(make(name), 50, 0.6):
        for mask in (step.d, step.g):
            assert mask.dtype == torch.bool and mask.shape == (N_SEEDS,), f"{name}: masks must be bool (S,)"
        assert (step.d | step.g).all(), f"{name}: a tick must update D or G for every seed"


def check_generator_progresses(name: str) -> None:
    """Whatever the discriminator's accuracy (unknown, chance, perfect), every seed gets generator
    updates: the budget, counted in G updates, is always reached."""
    for accuracy in (float("nan"), 0.5, 1.0, 0.0):
        steps = run(make(name), 400, accuracy)
        g_counts = torch.stack([s.g for s in steps]).sum(0)
        assert (g_counts >= 10).all(), f"{name}: G starved at D accuracy {accuracy} ({g_counts.tolist()})"


def check_deterministic(name: str) -> None:
    """Two fresh instances given the same states make the same decisions."""
    a, b = run(make(name), 100, 0.6), run(make(name), 100, 0.6)
    assert all(
        torch.equal(x.d, y.d) and torch.equal(x.g, y.g) and x.joint == y.joint
        for x, y in zip(a, b, strict=True)
    )
