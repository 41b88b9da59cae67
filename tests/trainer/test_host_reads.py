"""The trainer reads device counters on the host only at check points, yet evaluates every seed at
exactly its evaluation points and stops it at exactly its budget."""

import numpy as np
import pytest
import torch

from ganbench.testing.setups import tiny_setup
from ganbench.train import trainer
from ganbench.train.host import MaskCache, known_all, may_any
from ganbench.train.records import History


def counting_checks(monkeypatch):
    calls = []
    inner = trainer._ticks_to_next_due

    def spy(*args):
        calls.append(args)
        return inner(*args)

    monkeypatch.setattr(trainer, "_ticks_to_next_due", spy)
    return calls


def eval_steps(history, seed):
    return [int(r.step[seed]) for r in history.records if r.kind == "eval" and r.active[seed]]


def test_check_points_are_few_and_miss_no_evaluation(monkeypatch):
    checks = counting_checks(monkeypatch)
    setup = tiny_setup(g_steps=120, eval_every=40, log_every=10_000, seeds=[0, 1])
    history = History(2)
    result = trainer.train(setup, log=history)
    assert result.ticks == 240 and result.g_updates.tolist() == [120, 120]
    assert len(checks) <= result.ticks / 8  # the host read the counters at a few ticks only
    assert eval_steps(history, 0) == eval_steps(history, 1) == [40, 80, 120]


def test_per_seed_schedule_evaluates_each_seed_at_its_own_points(monkeypatch):
    checks = counting_checks(monkeypatch)
    setup = tiny_setup(schedule="adaptive", g_steps=30, eval_every=7, log_every=10_000, seeds=[0, 1, 2])
    history = History(3)
    result = trainer.train(setup, log=history)
    assert result.g_updates.tolist() == [30, 30, 30]
    for seed in range(3):
        assert eval_steps(history, seed) == [7, 14, 21, 28, 30]
    assert len(checks) < result.ticks


def test_helpers_read_only_cpu_masks():
    yes, no = torch.tensor([True, False]), torch.tensor([False, False])
    assert may_any(yes) and not may_any(no) and not may_any(yes, no)
    assert known_all(torch.tensor([True, True])) and not known_all(yes)
    cache = MaskCache(torch.device("cpu"))
    assert cache(yes) is yes
    running, nobody = torch.tensor([True, True]), torch.zeros(2, dtype=torch.bool)
    assert cache.masked(torch.tensor([True, True]), running, nobody) is running
    assert cache.masked(no, running, nobody) is nobody
    assert cache.masked(yes, running, nobody).tolist() == [True, False]
    assert cache.may_any(yes) and not cache.may_any(no)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_device_masks_are_assumed_live_and_cached_once():
    dev = torch.device("cuda")
    assert may_any(torch.zeros(2, dtype=torch.bool, device=dev))
    assert not known_all(torch.ones(2, dtype=torch.bool, device=dev))
    cache = MaskCache(dev)
    a, b = cache(torch.tensor([True, False])), cache(torch.tensor([True, False]))
    assert a is b and a.device.type == "cuda"
    assert np.array_equal(a.cpu().numpy(), [True, False])


class NanFrom:
    """Wraps a loss: seed 1's D loss is NaN from the n-th D step on."""

    def __init__(self, loss, n):
        self.inner, self.n, self.calls = loss, n, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def d_loss(self, real, fake):
        self.calls += 1
        out = self.inner.d_loss(real, fake)
        if self.calls >= self.n:
            out = out.clone()
            out[1] = float("nan")
        return out


@pytest.mark.parametrize("schedule", ["alternating", "simultaneous"])
def test_the_no_read_path_gives_the_same_training(monkeypatch, schedule):
    """What runs on a GPU — update masks never read, frozen seeds always restored by torch.where —
    trains exactly as the CPU's shortcuts do, a diverging seed included."""

    def run():
        setup = tiny_setup(schedule=schedule, seeds=[0, 1, 2], g_steps=12)
        setup.loss = NanFrom(setup.loss, n=4)
        return setup, trainer.train(setup)

    cpu_setup, cpu_result = run()
    from ganbench.train import updates

    monkeypatch.setattr(updates, "known_all", lambda mask: False)
    gpu_setup, gpu_result = run()
    assert gpu_result.diverged.tolist() == cpu_result.diverged.tolist() == [False, True, False]
    assert gpu_result.g_updates.tolist() == cpu_result.g_updates.tolist()
    for net in ("generator", "discriminator"):
        pairs = zip(getattr(cpu_setup, net).parameters(), getattr(gpu_setup, net).parameters(), strict=True)
        assert all(torch.equal(a, b) for a, b in pairs)
