"""Which configurations can train together as one batched model (a *population*).

Members of one model share every shape and every decision of control flow; they may differ in
*batchable* settings — the optimizer settings of either player (learning rate, betas, momentum,
weight decay — the algorithm itself is not) and the parameters a loss or schedule declares with
:func:`~ganbench.contracts.params.Batchable` — and in their loss: each loss computes on its own
members' rows (:mod:`ganbench.train.mixed_loss`), each run of members that draw alike keeps its own
random streams (:mod:`ganbench.train.part_streams`). Seeds differ freely. Everything else —
networks, batch size, budget, dataset, the schedule and its step counts, evaluation cadence — must
be equal. Losses stay apart where mixing them is not covered by the population contract: an
unrolled discriminator (its look-ahead steps on one loss) and ``compile: on`` (a compiled core is
specialised to one loss). Schedules stay apart: see ``docs/populations.md`` for why.
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from ganbench import registry
from ganbench.contracts.params import batchable_fields
from ganbench.train.config import TrainConfig
from ganbench.train.mixed_loss import draw_signature

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


def mixes_losses(config: TrainConfig) -> bool:
    """Whether ``config`` may share a model with configurations of other losses (see the module
    docstring for where it may not)."""
    return config.compile != "on" and not config.discriminator.unroll


def _full_params(config: TrainConfig, kind: str) -> dict[str, Any] | None:
    """A component's parameters with their defaults filled in (None where they are invalid:
    building the configuration reports them clearly)."""
    ref = getattr(config, kind)
    reg = COMPONENTS[kind]
    if ref.name not in reg:
        return None
    try:
        return reg.get(ref.name).Params.model_validate(ref.params).model_dump(mode="json")
    except ValueError:
        return None


def _identity(config: TrainConfig) -> dict[str, Any]:
    """The configuration without its seeds and batchable settings, component parameters with
    their defaults filled in (so ``{name: wasserstein}`` and ``{name: wasserstein, clip: 0.01}``
    agree)."""
    raw = config.model_dump(mode="json", exclude={"seeds"})
    for kind in COMPONENTS:
        full = _full_params(config, kind)
        if full is not None:
            raw[kind] = {"name": getattr(config, kind).name, **full}
    for key in batchable_keys(config):
        section, name = key.split(".")
        raw[section].pop(name, None)
    return raw


def shared_identity(config: TrainConfig, mix_losses: bool = True) -> dict[str, Any]:
    """What members of one population must have in common: the configuration without its seeds,
    its batchable settings and — where losses may mix (:func:`mixes_losses`, and ``mix_losses``
    asks for it) — its loss."""
    raw = _identity(config)
    if mix_losses and mixes_losses(config):
        raw.pop("loss")
    return raw


def loss_part_key(config: TrainConfig) -> str:
    """What members of one part of a model share: the loss's name and its settings that are not
    Batchable (members with equal keys share one loss object)."""
    return json.dumps(_identity(config)["loss"], sort_keys=True, default=str)


def member_order(config: TrainConfig) -> tuple:
    """Where a configuration's members go in a model: grouped by what their loss draws, then by
    loss, so that parts and stream runs are few and long (each run costs its own kernels)."""
    key = loss_part_key(config)
    name = config.loss.name
    if name not in registry.losses:
        return (False, "", key)
    return (*draw_signature(registry.losses.get(name), key), key)


def population_key(config: TrainConfig, mix_losses: bool = True) -> str:
    """A short hash of :func:`shared_identity`: equal keys train together."""
    text = json.dumps(shared_identity(config, mix_losses), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def group(
    configs: list[TrainConfig], max_members: int | None = None, mix_losses: bool = True
) -> list[list[int]]:
    """Indices of ``configs`` in populations: same :func:`population_key`, in order of their
    first configuration, members ordered by :func:`member_order` (first-seen among equals), each
    holding at most ``max_members`` members (seeds summed; a configuration is never split, so one
    with more seeds than the cap trains alone). A key's configurations are spread evenly over
    as few populations as the cap allows (16 cells of 3 seeds under a cap of 16: 4 × 4, not 5, 5, 5, 1).
    ``mix_losses=False`` keeps each loss in models of its own (a device policy may ask for it:
    ``docs/populations.md`` has the measurements)."""
    by_key: dict[str, list[int]] = {}
    for i, cfg in enumerate(configs):
        by_key.setdefault(population_key(cfg, mix_losses), []).append(i)
    out = []
    for members in by_key.values():
        members = sorted(members, key=lambda i: member_order(configs[i]))
        sizes = [len(configs[i].seeds) for i in members]
        chunks = _fill(members, sizes, max_members)
        if len(chunks) > 1:
            even = _fill(members, sizes, math.ceil(sum(sizes) / len(chunks)))
            chunks = even if len(even) == len(chunks) else chunks
        out += chunks
    return sorted(out, key=min)


def _fill(items: list[int], sizes: list[int], cap: int | None) -> list[list[int]]:
    """Consecutive chunks of ``items``, each up to ``cap`` in total size (None: one chunk)."""
    chunks: list[list[int]] = []
    total = 0
    for item, size in zip(items, sizes, strict=True):
        if chunks and (cap is None or total + size <= cap):
            chunks[-1].append(item)
            total += size
        else:
            chunks.append([item])
            total = size
    return chunks
