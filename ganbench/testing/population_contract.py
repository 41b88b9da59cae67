"""The population contract, run for every registered loss and schedule: a member trained in a
population (one batched model of several configurations) gets exactly — bit for bit on the CPU —
the weights it gets trained alone, when the configurations differ in optimizer settings and in
every parameter the component declares ``Batchable``."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ganbench import registry
from ganbench.contracts.params import batchable_fields
from ganbench.testing.setups import tiny_config
from ganbench.train.build import build, build_population
from ganbench.train.trainer import train

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
    a = tiny_config(**{kind: name}, seeds=[0, 1], g_steps=g_steps, eval_every=3, sets=list(shared))
    b = tiny_config(
        **{kind: ref},
        seeds=[1, 2],
        g_steps=g_steps,
        eval_every=3,
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
