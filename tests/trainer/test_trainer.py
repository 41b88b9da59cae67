"""The training loop: budgets, counts, divergence, evaluation points, stopping, TTUR."""

import copy

import numpy as np
import pytest
import torch

from ganbench.testing.setups import tiny_setup
from ganbench.train.member_optim import MemberRMSprop
from ganbench.train.records import History
from ganbench.train.trainer import train


def test_alternating_5_to_1_counts_updates_and_gradient_evaluations():
    setup = tiny_setup(loss="wasserstein", schedule="alternating", sets=["schedule.d_steps=5"], g_steps=4)
    result = train(setup)
    assert result.g_updates.tolist() == [4, 4] and result.d_updates.tolist() == [20, 20]
    assert result.g_grad_evals.tolist() == [4, 4] and result.d_grad_evals.tolist() == [20, 20]
    assert result.ticks == 24 and not result.diverged.any()


def test_clipping_holds_after_training():
    setup = tiny_setup(loss="wasserstein", sets=["loss.clip=0.02"], g_steps=5)
    train(setup)
    assert all(p.abs().max() <= 0.02 for p in setup.discriminator.parameters())


class NanAfter:
    """Wraps a loss: seed 1's D loss becomes NaN from the n-th D step on."""

    def __init__(self, setup, n):
        self.inner, self.setup, self.n, self.calls, self.snapshot = setup.loss, setup, n, 0, None

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def d_loss(self, real, fake):
        self.calls += 1
        out = self.inner.d_loss(real, fake)
        if self.calls >= self.n:
            if self.snapshot is None:  # the weights seed 1 must keep from now on
                self.snapshot = copy.deepcopy(self.setup.generator.state_dict())
            out = out.clone()
            out[1] = float("nan")
        return out


def test_diverged_seed_is_marked_and_frozen_while_others_go_on():
    setup = tiny_setup(seeds=[0, 1, 2], g_steps=30)
    setup.loss = NanAfter(setup, n=6)
    history = History(3)
    result = train(setup, log=history)
    assert result.diverged.tolist() == [False, True, False]
    assert result.diverged_at[1] == 5  # 5 generator updates happened before the 6th D step
    assert result.g_updates.tolist() == [30, 5, 30]
    for name, w in setup.generator.state_dict().items():
        assert torch.equal(w[1], setup.loss.snapshot[name][1]), f"seed 1's {name} changed after divergence"
    assert all(np.isfinite(r.values["d_loss"][r.active]).all() for r in history.records if r.kind == "train")


def test_evaluation_points_use_fixed_noise_and_reach_the_callback():
    setup = tiny_setup(g_steps=20, eval_every=10)
    seen = []

    def evaluate(samples):
        seen.append(samples.clone())
        return {"mean_norm": samples.norm(dim=-1).mean(dim=1)}

    history = History(2)
    result = train(setup, log=history, evaluate=evaluate)
    evals = [r for r in history.records if r.kind == "eval"]
    assert [r.step.tolist() for r in evals] == [[10, 10], [20, 20]]
    assert seen[0].shape == (2, 256, 2)
    assert np.allclose(result.last_eval["mean_norm"], evals[-1].values["mean_norm"])
    # the same fixed noise: evaluating the final generator again reproduces the last samples
    with torch.no_grad():
        assert torch.equal(setup.generator(setup.eval_noise), seen[-1])


def test_should_stop_interrupts():
    setup = tiny_setup(g_steps=1000)
    calls = iter(range(10_000))
    result = train(setup, should_stop=lambda: next(calls) >= 7)
    assert result.interrupted and result.ticks == 7


def test_two_time_scale_learning_rates_reach_the_optimizers():
    setup = tiny_setup(sets=["g_optimizer.lr=0.0001", "d_optimizer.lr=0.0004", "d_optimizer.name=rmsprop"])
    n = setup.n_seeds
    assert torch.equal(setup.g_optimizer.settings["lr"], torch.full((n,), 1e-4))
    assert isinstance(setup.d_optimizer, MemberRMSprop)
    assert torch.equal(setup.d_optimizer.settings["lr"], torch.full((n,), 4e-4))


def test_adaptive_schedule_runs_seeds_at_their_own_pace():
    setup = tiny_setup(schedule="adaptive", seeds=[0, 1, 2], g_steps=40, sets=["d_optimizer.lr=0.002"])
    result = train(setup)
    assert result.g_updates.tolist() == [40, 40, 40]
    assert (result.d_updates >= 1).all()


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_members_outside_keep_keep_parameters_and_optimizer_state(optimizer):
    sets = ["d_optimizer.weight_decay=0.01"]
    sets += [f"d_optimizer.name={optimizer}", "d_optimizer.momentum=0.5"] if optimizer != "adam" else []
    setup = tiny_setup(sets=sets)
    opt = setup.d_optimizer
    for warm in (False, True):  # before and after the optimizer state exists
        before = opt.flat.clone()
        state_before = copy.deepcopy(opt.state_dict())
        grad = torch.randn_like(opt.flat)
        grad[1, ::7] = float("nan")  # a frozen member's non-finite gradient must not leak in
        opt.update(grad, keep=torch.tensor([True, False]))
        assert torch.equal(opt.flat[1], before[1]) and not torch.equal(opt.flat[0], before[0])
        for p in setup.discriminator.parameters():  # the layers are views of the flat buffer
            assert p.data_ptr() >= opt.flat.data_ptr() and p.isfinite().all()
        if warm:
            for name, v in opt.state_dict()["state"]["flat"].items():
                assert torch.equal(v[1], state_before["state"]["flat"][name][1]), name
                assert not torch.equal(v[0], state_before["state"]["flat"][name][0]), name
