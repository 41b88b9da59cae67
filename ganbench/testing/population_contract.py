"""The population contract, run for every registered loss and schedule: a member trained in a
population (one batched model of several configurations) gets exactly — bit for bit on the CPU —
the weights it gets trained alone, when the configurations differ in optimizer settings, in every
parameter the component declares ``Batchable``, and in their loss (every pair of registered losses,
under every registered schedule): the same weights and the same training statistics."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ganbench import registry
from ganbench.contracts.params import batchable_fields
from ganbench.testing.setups import tiny_config
from ganbench.train.build import build, build_population
from ganbench.train.config import TrainConfig
from ganbench.train.population import population_key
from ganbench.train.records import History
from ganbench.train.trainer import train

#: The contract is bit for bit on the CPU; a GPU picks its kernels by batch shape, so a member of a
#: larger model may round differently from the same member alone there.
CPU = "cpu"
REGISTRIES = {"loss": registry.losses, "schedule": registry.schedules}


def varied_params(params_cls: type, base: dict[str, Any]) -> dict[str, Any]:
    """A second valid value for each batchable field (×1.1, else ×0.9, else +0.1)."""
    out = {}
    for name in sorted(batchable_fields(params_cls)):
        value = float(base[name])
        for candidate in (value * 1.1, value * 0.9, value + 0.1):
            try:
                params_cls.model_validate({**base, **out, name: candidate})
            except ValueError:
                continue
            out[name] = candidate
            break
    return out


def _weights(setup, members: list[int]) -> list[torch.Tensor]:
    return [w for i in members for w in setup.member_weights(i).values()]


def check_member_equals_alone(
    kind: str, name: str, g_steps: int = 6, leave: bool = False, shared: tuple[str, ...] = ()
) -> None:
    """Two configurations (different learning rates, betas and batchable parameters; overlapping
    seeds) trained together equal each trained alone. With ``leave``, the first configuration's
    members leave the model after their first evaluation (a pruned trial): they equal it trained
    alone for that many updates, and the second configuration still equals it trained alone.
    ``shared``: ``key=value`` settings both configurations get (e.g. another network norm)."""
    params_cls = REGISTRIES[kind].get(name).Params
    base = params_cls().model_dump()
    ref = {"name": name, **varied_params(params_cls, base)}
    a = tiny_config(
        **{kind: name}, seeds=[0, 1], g_steps=g_steps, eval_every=3, sets=list(shared), device=CPU
    )
    b = tiny_config(
        **{kind: ref},
        seeds=[1, 2],
        g_steps=g_steps,
        eval_every=3,
        device=CPU,
        sets=[
            "d_optimizer.lr=0.0007",
            "g_optimizer.lr=0.00005",
            "g_optimizer.betas=[0.0,0.9]",
            "d_optimizer.weight_decay=0.01",
            *shared,
        ],
    )
    population = build_population([a, b], "test")
    evaluated = np.zeros(population.n_seeds, dtype=bool)

    def log(record) -> None:
        if record.kind == "eval":
            evaluated[:] |= record.active

    first = np.asarray(population.member_config) == 0
    train(population, log=log, stop_members=(lambda: first & evaluated) if leave else None)
    if leave:
        a = a.model_copy(update={"g_steps": 3})  # where its members left (eval_every = 3)
    for k, cfg in enumerate((a, b)):
        alone = build(cfg, "test")
        train(alone)
        mine = [i for i, owner in enumerate(population.member_config) if owner == k]
        for together, apart in zip(
            _weights(population, mine), _weights(alone, list(range(len(mine)))), strict=True
        ):
            assert torch.equal(together, apart), (
                f"{kind} {name!r}: configuration {k} trained in a population differs from it trained "
                f"alone (max |Δ| = {float((together - apart).abs().max()):.3g})"
            )


#: Learning rates, betas and weight decay of the second configuration of a pair (batchable).
OTHER_OPTIMIZERS = (
    "d_optimizer.lr=0.0007",
    "g_optimizer.lr=0.00005",
    "g_optimizer.betas=[0.0,0.9]",
    "d_optimizer.weight_decay=0.01",
)


def check_losses_equal_alone(
    names: tuple[str, ...],
    schedule: str = "alternating",
    streams: str = "auto",
    leave: bool = False,
    g_steps: int = 6,
) -> None:
    """Configurations of the losses ``names`` (in this order; the second with other optimizer
    settings and Batchable values, seeds overlapping) pack into one model (equal population keys)
    and, trained as one, each equals it trained alone: weights and every training statistic it
    reports (no statistic of a neighbour's loss, such as another loss's ``penalty``). With
    ``leave``, the first configuration's members leave the model at their first evaluation."""
    configs = []
    for k, name in enumerate(names):
        params_cls = registry.losses.get(name).Params
        varied = varied_params(params_cls, params_cls().model_dump()) if k % 2 else {}
        configs.append(
            tiny_config(
                loss={"name": name, **varied},
                schedule=schedule,
                seeds=[k, k + 1],
                g_steps=g_steps,
                eval_every=3,
                streams=streams,
                device=CPU,
                sets=list(OTHER_OPTIMIZERS) if k % 2 else [],
            )
        )
    assert len({population_key(c) for c in configs}) == 1, f"losses {names} under {schedule} do not pack"
    check_configs_equal_alone(configs, leave=leave, what=f"losses {names} under {schedule} ({streams})")


def check_configs_equal_alone(configs: list[TrainConfig], leave: bool = False, what: str = "") -> None:
    """``configs`` trained as one model equal each trained alone: weights, the names of the training
    statistics each member reports and — under a schedule whose decisions all members share — their
    values (``leave``: the first configuration's members leave after their first evaluation)."""
    population = build_population(configs, "test")
    history = History(population.n_seeds)
    evaluated = np.zeros(population.n_seeds, dtype=bool)

    def log(record) -> None:
        history(record)
        if record.kind == "eval":
            evaluated[:] |= record.active

    first = np.asarray(population.member_config) == 0
    train(population, log=log, stop_members=(lambda: first & evaluated) if leave else None)
    for k, cfg in enumerate(configs):
        if leave and k == 0:
            cfg = cfg.model_copy(update={"g_steps": cfg.eval_every})  # where its members left
        alone = build(cfg, "test")
        alone_history = History(alone.n_seeds)
        train(alone, log=alone_history)
        mine = [i for i, owner in enumerate(population.member_config) if owner == k]
        for j, i in enumerate(mine):
            together, apart = population.member_weights(i), alone.member_weights(j)
            for key in apart:
                assert torch.equal(together[key], apart[key]), (
                    f"{what}: configuration {k} ({cfg.loss.name}), member {j}: {key} differs from it "
                    f"trained alone (max |Δ| = {float((together[key] - apart[key]).abs().max()):.3g})"
                )
            names = {n for r in alone_history.records if r.kind == "train" and r.active[j] for n in r.values}
            mixed = {n for r in history.records if r.kind == "train" and r.active[i] for n in r.values}
            assert mixed == names, f"{what}: configuration {k} reports {sorted(mixed)}, alone {sorted(names)}"
            if population.schedule.per_seed:
                # Statistics are means over the ticks between check points, and under per-seed
                # decisions those fall where any member reaches an evaluation point: the windows
                # (not the numbers behind them) depend on the neighbours, as in any population.
                continue
            for name in names:
                steps, values = history.series("train", name, i)
                steps_alone, values_alone = alone_history.series("train", name, j)
                assert np.array_equal(steps, steps_alone) and np.array_equal(
                    values, values_alone, equal_nan=True
                ), f"{what}: configuration {k} ({cfg.loss.name}), member {j}: statistic {name} differs"
