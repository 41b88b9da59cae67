"""Kernel-making operators per generator update (a CPU count that predicts a GPU's launches): the
trainer against the plain PyTorch loop, how the count grows with the number of members, and no
tensor built from host values inside a tick. Counts are deterministic on the CPU; the ceilings sit
at what these short counts measure (S = 1: 118 per update with Philox streams, 120 with generator
streams, over 6 updates; S = 64: 117.55 over 20, as S = 1 — Philox pools are sized per seed; plain
loop 152) so that a change that adds kernels to every tick fails here. (They were 149, 151 and 160.8
before statistics were added up when read, ``ganbench.train.meter``.)"""

from contextlib import nullcontext

import pytest
import torch

from ganbench.train import updates
from ganbench.train.build import build, build_population
from ganbench.train.op_count import OpCounter
from ganbench.train.tick_ops import WORKLOAD, per_update, plain_ops, replays_counted, trainer_ops
from ganbench.train.trainer import train
from ganbench.validation import train_config

BATCH = 16  # counts do not depend on the batch size (but for random pools' refills, the same here)


def counted(n_seeds: int, streams: str, updates: int = 6) -> dict:
    return per_update(lambda n: trainer_ops(n_seeds, n, BATCH, streams=streams), 2, updates)


def test_counter_skips_views_and_host_reads_and_counts_kernels():
    x = torch.randn(4, 3)
    with OpCounter() as c:
        y = x.view(12).unsqueeze(0).t()  # views: nothing
        z = (x + 1).sum()  # two kernels
        float(z)  # a host read
        torch.tensor([1.0, 2.0])  # built from host values
    assert y.shape == (12, 1)
    assert c.ops == {"aten.add": 1, "aten.sum": 1, "aten.lift_fresh": 1}
    assert c.host_reads == 1 and c.factories == {"aten.lift_fresh": 1}


def test_a_tick_costs_about_what_the_plain_loop_costs():
    plain = per_update(lambda n: plain_ops(n, BATCH), 2, 6)
    assert 140 <= plain["total"] <= 160  # (foreach Adam; a change of torch's may move it)
    ceiling = {"philox": 118, "generator": 120}
    for streams in ("philox", "generator"):
        ours = counted(1, streams)
        assert ours["total"] <= ceiling[streams], (streams, ours["ops"])
        assert ours["total"] <= plain["total"]  # the goal: one member costs no more than the plain loop
        assert ours["host_reads"] <= 4  # CPU masks (free there; none on a GPU) and check points


def test_philox_members_cost_no_operators_per_tick():
    one, many = counted(1, "philox", updates=20), counted(64, "philox", updates=20)
    assert many["total"] <= 1.1 * one["total"], many["ops"] - one["ops"]
    assert many["total"] <= 118, many["ops"]


@pytest.mark.parametrize("streams", ["philox", "generator"])
def test_no_tensor_is_built_from_host_values_inside_a_tick(streams):
    assert counted(1, streams)["factories"] == 0
    assert counted(8, streams)["factories"] == 0


@pytest.mark.parametrize("streams", ["philox", "generator"])
def test_nor_on_the_path_that_reads_no_mask(monkeypatch, streams):
    """What runs on a GPU: masks are never read on the host, every step takes the masked path."""
    monkeypatch.setattr(updates, "known_all", lambda mask: False)
    assert counted(2, streams)["factories"] == 0


def test_three_losses_in_one_model_cost_fewer_operators_than_three_models():
    """The default benchmark's three losses packed: each loss computes on its own rows (a few
    slices, concatenations and the critic's clipping on its rows), one network pass serves all —
    measured 394 against 698 operators per update with batch 256; the count does not depend on it."""
    names = ("minimax", "modified_minimax", "wasserstein")

    def run(pack: bool):
        def counted(g_steps: int) -> OpCounter:
            cfgs = [
                train_config(
                    {**WORKLOAD, "loss": {"name": name}, "seeds": [0, 1], "g_steps": g_steps, "device": "cpu"}
                    | {"batch_size": BATCH, "eval_every": 10**9, "eval_samples": 16, "log_every": 10**9},
                    "ops",
                )
                for name in names
            ]
            setups = [build_population(cfgs, "ops")] if pack else [build(c, "ops") for c in cfgs]
            with OpCounter() as counter:
                for setup in setups:
                    train(setup)
            return counter

        return per_update(counted, 2, 6)

    packed, apart = run(True), run(False)
    assert packed["total"] <= 0.65 * apart["total"], (packed["total"], apart["total"])
    assert packed["factories"] <= apart["factories"] + 1  # (the critic's zero real scores in G)


def test_recorded_updates_leave_few_launches_to_the_host():
    """With the updates replayed as CUDA graphs (the GPU's default), what the host still launches per
    G update of a model of the default spec's three losses × 5 seeds: the draws and bookkeeping
    outside the updates, and per update one replay and its copies (counted with a CPU stand-in,
    ``tick_ops.replays_counted``): 49 here, where the same model run eagerly launches 236."""
    losses = ["minimax", "modified_minimax", "wasserstein"]

    def run(n: int, graphs: bool) -> OpCounter:
        raw = {**WORKLOAD, "seeds": list(range(5)), "g_steps": n, "device": "cpu", "batch_size": BATCH}
        raw.update(streams="philox", eval_every=10**9, eval_samples=16, log_every=10**9)
        setup = build_population([train_config({**raw, "loss": {"name": x}}, "ops") for x in losses], "ops")
        with replays_counted() if graphs else nullcontext([0]) as launches, OpCounter() as counter:
            train(setup)
        counter.ops["replays and their copies"] += launches[0]
        return counter

    eager = per_update(lambda n: run(n, False), 2, 6)["total"]
    graphs = per_update(lambda n: run(n, True), 2, 6)["total"]
    assert graphs <= 52, graphs
    assert graphs <= eager / 4, (graphs, eager)
