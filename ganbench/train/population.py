"""Which configurations can train together as one batched model (a *population*).

Members of one model share every shape and every decision of control flow; they may differ only
in *batchable* settings: the optimizer settings of either player (learning rate, betas, momentum,
weight decay — the algorithm itself is not) and the parameters a loss or schedule declares with
:func:`~ganbench.contracts.params.Batchable`. Seeds differ freely. Everything else — networks,
batch size, budget, dataset, a schedule's step counts, evaluation cadence — must be equal.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ganbench import registry
from ganbench.contracts.params import batchable_fields
from ganbench.train.config import TrainConfig

#: Optimizer settings that may differ between members (see ``member_optim``).
OPTIMIZER_SETTINGS = ("lr", "betas", "momentum", "weight_decay")
#: The components whose ``Batchable`` parameters may differ between members.
COMPONENTS = {"loss": registry.losses, "schedule": registry.schedules}


def batchable_keys(config: TrainConfig) -> list[str]:
    """The dotted settings of ``config`` that may differ within a population."""
    keys = [f"{player}.{k}" for player in ("g_optimizer", "d_optimizer") for k in OPTIMIZER_SETTINGS]
    for kind, reg in COMPONENTS.items():
        ref = getattr(config, kind)
        if ref.name in reg:
            keys += [f"{kind}.{name}" for name in sorted(batchable_fields(reg.get(ref.name).Params))]
    return keys


def shared_identity(config: TrainConfig) -> dict[str, Any]:
    """What members of one population must have in common: the configuration without its seeds,
    its device choice and its batchable settings (component parameters with their defaults filled
    in, so ``{name: wasserstein}`` and ``{name: wasserstein, clip: 0.01}`` agree)."""
    raw = config.model_dump(mode="json", exclude={"seeds"})
    for kind, reg in COMPONENTS.items():
        ref = getattr(config, kind)
        if ref.name in reg:
            full = reg.get(ref.name).Params.model_validate(ref.params).model_dump(mode="json")
            raw[kind] = {"name": ref.name, **full}
    for key in batchable_keys(config):
        section, name = key.split(".")
        raw[section].pop(name, None)
    return raw


def population_key(config: TrainConfig) -> str:
    """A short hash of :func:`shared_identity`: equal keys train together."""
    text = json.dumps(shared_identity(config), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def group(configs: list[TrainConfig], max_members: int | None = None) -> list[list[int]]:
    """Indices of ``configs`` in populations: same :func:`population_key`, first-seen order, each
    holding at most ``max_members`` members (seeds summed; a configuration is never split, so one
    with more seeds than the cap trains alone)."""
    by_key: dict[str, list[list[int]]] = {}
    order: list[list[int]] = []
    for i, cfg in enumerate(configs):
        packs = by_key.setdefault(population_key(cfg), [])
        size = len(cfg.seeds)
        last = packs[-1] if packs else None
        if last is not None and (
            max_members is None or sum(len(configs[j].seeds) for j in last) + size <= max_members
        ):
            last.append(i)
        else:
            packs.append([i])
            order.append(packs[-1])
    return order
