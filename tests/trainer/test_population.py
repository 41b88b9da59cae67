"""Population batching: configurations that differ in batchable settings train as one model."""

import itertools

import numpy as np
import pytest
import torch

from ganbench.errors import GanbenchError
from ganbench.registry import losses, schedules
from ganbench.testing import population_contract
from ganbench.testing.setups import tiny_config
from ganbench.train.build import build_population
from ganbench.train.mixed_loss import MixedLoss
from ganbench.train.part_streams import PartStreams
from ganbench.train.population import batchable_keys, group
from ganbench.train.trainer import train


@pytest.mark.parametrize("name", losses.names())
def test_member_of_a_population_equals_it_trained_alone_for_every_loss(name):
    population_contract.check_member_equals_alone("loss", name)


@pytest.mark.parametrize("name", schedules.names())
def test_member_of_a_population_equals_it_trained_alone_for_every_schedule(name):
    population_contract.check_member_equals_alone("schedule", name)


@pytest.mark.parametrize("name", schedules.names())
def test_members_leaving_the_model_change_nothing_for_every_schedule(name):
    population_contract.check_member_equals_alone("schedule", name, leave=True)


@pytest.mark.parametrize("name", losses.names())
def test_members_leaving_the_model_change_nothing_for_every_loss(name):
    population_contract.check_member_equals_alone("loss", name, leave=True)


@pytest.mark.parametrize("schedule", ["alternating", "simultaneous"])
@pytest.mark.parametrize("norm", ["batch", "batch_running", "layer"])
def test_normalised_networks_keep_members_apart_in_a_population_and_when_members_leave(norm, schedule):
    shared = (f"generator.norm={norm}", f"discriminator.norm={norm}")
    population_contract.check_member_equals_alone("schedule", schedule, leave=True, shared=shared)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_a_member_with_learning_rate_zero_does_not_move(optimizer):
    sets = [f"{p}_optimizer.name={optimizer}" for p in "dg"] + ["d_optimizer.momentum=0.5"] * (
        optimizer != "adam"
    )
    sets += ["generator.norm=batch"]  # (a bias before batch norm: zero gradients, Adam's v = 0 there)
    cfg = tiny_config(seeds=[0], sets=sets)
    setup = build_population([cfg, cfg.model_copy(update={"seeds": [0]})], "test")
    for optimizer_ in (setup.d_optimizer, setup.g_optimizer):  # (the spec asks lr > 0: set it here)
        optimizer_.settings["lr"][0] = 0.0
        optimizer_.refresh()  # (what a step may skip is read from the settings on the host)
    before = {k: v.clone() for m in (setup.generator, setup.discriminator) for k, v in m.state_dict().items()}
    result = train(setup)
    assert result.g_updates.tolist() == [20, 20]
    after = {k: v for m in (setup.generator, setup.discriminator) for k, v in m.state_dict().items()}
    for key, old in before.items():
        assert torch.equal(after[key][0], old[0]), f"{optimizer}: {key} of the lr = 0 member moved"
    assert any(not torch.equal(after[k][1], before[k][1]) for k in before), "the other member never moved"


def test_batchable_and_non_batchable_differences_split_into_the_right_groups():
    cfgs = [
        tiny_config(loss="wasserstein", sets=["d_optimizer.lr=0.001"]),  # 0
        tiny_config(loss="wasserstein", sets=["d_optimizer.lr=0.002", "loss.clip=0.05"]),  # 1: with 0
        tiny_config(loss="wasserstein", sets=["schedule.d_steps=5"]),  # 2: steps differ → apart
        tiny_config(
            loss="wasserstein", sets=["g_optimizer.betas=[0.0,0.9]", "schedule.d_steps=5"]
        ),  # 3: with 2
        tiny_config(loss="wasserstein", sets=["generator.width=16"]),  # 4: shapes differ → apart
        tiny_config(loss={"name": "wasserstein", "clip": 0.01}),  # 5: the default written out: with 0
        tiny_config(loss="wasserstein", sets=["d_optimizer.name=sgd"]),  # 6: another algorithm → apart
        tiny_config(loss="hinge"),  # 7: another loss → with 0, first (it draws no real batch in G)
        tiny_config(loss="hinge", sets=["discriminator.unroll=1"]),  # 8: unrolled → losses apart
        tiny_config(loss="wasserstein", sets=["discriminator.unroll=1"]),  # 9: apart from 8
    ]
    assert group(cfgs) == [[7, 0, 1, 5], [2, 3], [4], [6], [8], [9]]
    assert group(cfgs, max_members=4) == [[7, 0], [1, 5], [2, 3], [4], [6], [8], [9]]  # 2 seeds each
    assert "loss.clip" in batchable_keys(cfgs[0]) and "schedule.d_steps" not in batchable_keys(cfgs[2])


def test_building_a_population_of_incompatible_configurations_is_a_clear_error():
    with pytest.raises(GanbenchError, match="batchable"):
        build_population([tiny_config(), tiny_config(sets=["schedule.d_steps=2"])], "test")


def test_batchable_parameters_arrive_per_member_and_plain_ones_as_floats():
    setup = build_population(
        [
            tiny_config(loss="wasserstein", schedule="adaptive", seeds=[0, 1]),
            tiny_config(
                loss={"name": "wasserstein", "clip": 0.03},
                schedule={"name": "adaptive", "threshold": 0.9, "max_d_run": 10},
                seeds=[0],
            ),
        ],
        "test",
    )
    clip = setup.loss.params.clip
    assert torch.allclose(clip, torch.tensor([0.01, 0.01, 0.03]))
    assert torch.allclose(setup.schedule.params.threshold, torch.tensor([0.7, 0.7, 0.9]))
    assert setup.schedule.params.max_d_run == 10 and isinstance(setup.schedule.params.max_d_run, int)
    train(setup)
    weights = [p for p in setup.discriminator.parameters()]
    assert all(float(w[:2].abs().max()) <= 0.01 + 1e-7 for w in weights)
    assert max(float(w[2].abs().max()) for w in weights) > 0.011  # member 2 clips at 0.03


def test_stopping_one_configuration_leaves_the_others_running():
    setup = build_population(
        [tiny_config(seeds=[0]), tiny_config(seeds=[0], sets=["d_optimizer.lr=0.001"])], "test"
    )
    asked = []

    def stop_members():
        asked.append(True)
        return np.array([True, False])

    result = train(setup, stop_members=stop_members)
    assert result.g_updates.tolist() == [10, 20]  # member 0 ended at the first evaluation point
    assert result.stopped.tolist() == [True, False] and not result.interrupted and asked


def test_a_diverging_member_is_frozen_and_its_neighbours_train_as_if_alone():
    sets = ["d_optimizer.name=sgd", "g_optimizer.name=sgd"]
    wild = tiny_config(seeds=[0], sets=[*sets, "d_optimizer.lr=1e12", "g_optimizer.lr=1e12"])
    calm = tiny_config(seeds=[0], sets=sets)
    together = build_population([wild, calm], "test")
    result = train(together)
    assert result.diverged_at[0] >= 0 and result.diverged_at[1] == -1
    assert result.g_updates[1] == 20
    alone = build_population([calm], "test")
    train(alone)
    for a, b in zip(
        together.generator.state_dict().values(), alone.generator.state_dict().values(), strict=True
    ):
        assert torch.equal(a[1], b[0])


@pytest.mark.parametrize("streams", ["generator", "philox"])
def test_stopped_members_leave_the_model_and_the_rest_train_on_as_if_alone(streams):
    def cfg(seeds, g_steps=20, sets=()):
        return tiny_config(
            loss="wasserstein",
            schedule="adaptive",
            seeds=seeds,
            g_steps=g_steps,
            streams=streams,
            sets=list(sets),
            device="cpu",  # bit for bit is the CPU's contract (a GPU picks kernels by batch shape)
        )

    a = cfg([0, 1])
    b = cfg([1, 2], sets=["d_optimizer.lr=0.001", "loss.clip=0.02", "schedule.threshold=0.9"])
    c = cfg([3], sets=["g_optimizer.lr=0.0005"])
    population = build_population([a, b, c], "test")
    records, evaluated = [], np.zeros(5, dtype=bool)
    leave = np.array([False, False, True, True, False])  # b's members leave at their first evaluation

    def log(record):
        records.append(record)
        if record.kind == "eval":
            evaluated[:] |= record.active

    # (adaptive: members reach their evaluation points at different ticks, so b's two leave apart)
    result = train(population, log=log, stop_members=lambda: leave & evaluated)
    assert result.stopped.tolist() == leave.tolist()
    assert result.g_updates.tolist() == [20, 20, 10, 10, 20]
    assert list(population.rows) == [0, 1, 4] and population.generator.net.out.weight.shape[0] == 3
    evals = [r for r in records if r.kind == "eval"]
    assert all(len(r.active) == 5 for r in records)  # records speak for every member, gone or not
    assert all(sum(r.active[i] for r in evals) == 1 for i in (2, 3))  # b: one evaluation each
    assert all(sum(r.active[i] for r in evals) == 2 for i in (0, 1, 4))  # at 10 and at 20
    # b stopped where it would have ended with a budget of 10; a and c went on as if alone.
    for k, alone_cfg in ((0, a), (1, b.model_copy(update={"g_steps": 10})), (2, c)):
        alone = build_population([alone_cfg], "test")
        train(alone)
        mine = [i for i, owner in enumerate(population.member_config) if owner == k]
        for j, i in enumerate(mine):
            together, apart = population.member_weights(i), alone.member_weights(j)
            assert all(torch.equal(together[key], apart[key]) for key in apart), (k, i)
            assert torch.equal(population.member_samples(i), alone.member_samples(j)), (k, i)


LOSS_PAIRS = list(itertools.combinations(losses.names(), 2))


@pytest.mark.parametrize("pair", LOSS_PAIRS, ids=["+".join(p) for p in LOSS_PAIRS])
def test_members_of_every_pair_of_losses_equal_them_trained_alone(pair):
    """Every pair of registered losses, each pair under one schedule and one kind of random
    streams in turn (all schedules and both kinds are covered), members leaving in every third."""
    k = LOSS_PAIRS.index(pair)
    names = schedules.names()
    population_contract.check_losses_equal_alone(
        pair, schedule=names[k % len(names)], streams=("philox", "generator")[k % 2], leave=k % 3 == 0
    )


@pytest.mark.parametrize("streams", ["philox", "generator"])
@pytest.mark.parametrize("schedule", schedules.names())
def test_the_default_benchmarks_three_losses_train_as_one_model_as_if_alone(schedule, streams):
    trio = ("minimax", "modified_minimax", "wasserstein")
    population_contract.check_losses_equal_alone(trio, schedule=schedule, streams=streams)


SCHEDULE_PAIRS = list(itertools.combinations(schedules.names(), 2))


@pytest.mark.parametrize("pair", SCHEDULE_PAIRS, ids=["+".join(p) for p in SCHEDULE_PAIRS])
def test_members_of_different_schedules_never_share_a_model(pair):
    """Schedules stay apart (docs/populations.md: packing 1:1 with 5:1 runs both updates over every
    member at most ticks, 2.8× the CPU time and 1.6× the operators of two models)."""
    cfgs = [tiny_config(schedule=name, seeds=[0]) for name in pair]
    assert group(cfgs) == [[0], [1]]
    with pytest.raises(GanbenchError, match="cannot train as one model"):
        build_population(cfgs, "test")


def test_a_single_loss_model_takes_the_plain_path_and_losses_mix_only_when_asked():
    cfgs = [tiny_config(seeds=[0]), tiny_config(seeds=[1], sets=["d_optimizer.lr=0.001"])]
    single = build_population(cfgs, "test")
    assert not isinstance(single.loss, MixedLoss) and not isinstance(single.streams, PartStreams)
    mixed_cfgs = [tiny_config(loss="minimax", seeds=[0]), tiny_config(loss="wasserstein", seeds=[0])]
    assert group(mixed_cfgs) == [[0, 1]] and group(mixed_cfgs, mix_losses=False) == [[0], [1]]
    mixed = build_population(mixed_cfgs, "test")
    assert isinstance(mixed.loss, MixedLoss) and isinstance(mixed.streams, PartStreams)


def test_members_are_ordered_so_that_losses_that_draw_alike_share_one_stream_run():
    names = ["wasserstein", "minimax", "relativistic", "modified_minimax", "minimax"]
    cfgs = [tiny_config(loss=name, seeds=[i]) for i, name in enumerate(names)]
    (idx,) = group(cfgs)
    ordered = ["minimax", "minimax", "modified_minimax", "relativistic", "wasserstein"]
    assert [names[i] for i in idx] == ordered
    setup = build_population([cfgs[i] for i in idx], "test")
    assert [(p.start, p.stop) for p in setup.loss.parts] == [(0, 2), (2, 3), (3, 4), (4, 5)]
    assert [(r.start, r.stop) for r in setup.streams.runs] == [(0, 3), (3, 5)]  # real batch in G or not


@pytest.mark.parametrize("schedule", ["epochwise", "adaptive"])
def test_statistics_added_up_every_few_ticks_still_equal_members_alone(monkeypatch, schedule):
    """The meters and counters hold ticks and add them up every HOLD_TICKS ticks: with 3 (so a run
    crosses many such points, a penalty metered apart from the other statistics), a member beside
    others still reports bit for bit what it reports alone."""
    import ganbench.train.meter as meter_module
    import ganbench.train.trainer as trainer_module

    monkeypatch.setattr(trainer_module, "HOLD_TICKS", 3)
    monkeypatch.setattr(meter_module, "HOLD_TICKS", 3)
    population_contract.check_losses_equal_alone(
        ("least_squares", "wgan_gp"), schedule=schedule, streams="philox"
    )
