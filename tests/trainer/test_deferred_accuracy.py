"""A D step may hand its scores to the meter, which works out the accuracies of many steps at once
(``ganbench.train.accuracy.later``): the logged accuracies are those each step computes itself."""

import numpy as np
import pytest

import ganbench.train.meter as meter_module
import ganbench.train.trainer as trainer_module
import ganbench.train.updates as updates_module
from ganbench.testing.setups import tiny_setup
from ganbench.train.records import History
from ganbench.train.trainer import train


def accuracies(monkeypatch, defer: bool, schedule: str) -> dict[str, np.ndarray]:
    monkeypatch.setattr(updates_module, "defers", lambda loss, reads: defer and not reads)
    history = History(3)
    lr = ["d_optimizer.lr=0.005", "g_optimizer.lr=0.005"]  # (accuracies that move within 40 updates)
    train(tiny_setup(schedule=schedule, seeds=[0, 1, 2], g_steps=40, log_every=7, sets=lr), log=history)
    records = [r for r in history.records if r.kind == "train" and "d_acc_real" in r.values]
    assert len(records) >= 4
    return {
        name: np.stack([r.values[name] for r in records]) for name in ("d_acc_real", "d_acc_fake", "d_loss")
    }


@pytest.mark.parametrize("schedule", ["alternating", "epochwise", "simultaneous"])
def test_accuracies_worked_out_later_equal_each_steps_own(monkeypatch, schedule):
    # added up every 3 ticks (several add-ups a log point) and at each log point
    monkeypatch.setattr(trainer_module, "HOLD_TICKS", 3)
    monkeypatch.setattr(meter_module, "HOLD_TICKS", 3)
    deferred, eager = accuracies(monkeypatch, True, schedule), accuracies(monkeypatch, False, schedule)
    for name, values in eager.items():
        np.testing.assert_array_equal(deferred[name], values, err_msg=name)
    assert 0 < np.nanmean(eager["d_acc_real"]) < 1 and 0 < np.nanmean(eager["d_acc_fake"]) < 1
    assert len(np.unique(eager["d_acc_fake"])) > 3  # (accuracies that vary from one log point to the next)
