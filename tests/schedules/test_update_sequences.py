"""Schedules pinned to their exact update sequences."""

import torch

from ganbench.contracts import ScheduleContext, ScheduleState
from ganbench.registry import schedules


def sequence(name, ticks, steps_per_epoch=10, accuracy=None, n_seeds=1, **params):
    cls = schedules.get(name)
    schedule = cls(cls.Params(**params), ScheduleContext(n_seeds, steps_per_epoch))
    zeros = torch.zeros(n_seeds, dtype=torch.long)
    out = []
    for tick in range(ticks):
        acc = torch.full((n_seeds,), float("nan")) if accuracy is None else accuracy(tick)
        out.append(schedule.next_step(ScheduleState(tick, zeros, zeros, acc)))
    return out


def test_alternating_5_to_1_over_12_updates():
    steps = sequence("alternating", 12, d_steps=5)
    assert "".join(s.letters() for s in steps) == "DDDDDGDDDDDG"


def test_alternating_default_is_1_to_1_and_k_g_is_honoured():
    assert "".join(s.letters() for s in sequence("alternating", 6)) == "DGDGDG"
    assert "".join(s.letters() for s in sequence("alternating", 7, d_steps=2, g_steps=3)) == "DDGGGDD"


def test_epochwise_blocks_are_whole_epochs():
    steps = sequence("epochwise", 12, steps_per_epoch=3, d_epochs=1, g_epochs=2)
    assert "".join(s.letters() for s in steps) == "DDDGGGGGGDDD"


def test_simultaneous_moves_both_players_from_one_pass():
    steps = sequence("simultaneous", 3, n_seeds=2)
    assert all(s.joint and s.d.all() and s.g.all() for s in steps)


def test_adaptive_trains_d_below_threshold_and_g_above_per_seed():
    # seed 0's discriminator is weak (acc 0.6 < 0.7), seed 1's is strong (0.9)
    steps = sequence("adaptive", 4, n_seeds=2, accuracy=lambda t: torch.tensor([0.6, 0.9]), max_d_run=100)
    assert [s.letters(0) for s in steps] == ["D"] * 4
    assert [s.letters(1) for s in steps] == ["G"] * 4


def test_adaptive_starts_with_d_and_forces_g_after_max_d_run():
    steps = sequence("adaptive", 8, accuracy=lambda t: torch.tensor([0.5]), max_d_run=3)
    assert "".join(s.letters() for s in steps) == "DDDGDDDG"
    first = sequence("adaptive", 1)  # accuracy unknown (NaN) → D
    assert first[0].letters() == "D"
