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
import math
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
            try:
                full = reg.get(ref.name).Params.model_validate(ref.params).model_dump(mode="json")
            except ValueError:  # invalid parameters: building it reports them clearly
                continue
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
    """Indices of ``configs`` in populations: same :func:`population_key`, in first-seen order,
    each holding at most ``max_members`` members (seeds summed; a configuration is never split, so
    one with more seeds than the cap trains alone). A key's configurations are spread evenly over
    as few populations as the cap allows (16 cells of 3 seeds under a cap of 16: 4 × 4, not 5, 5, 5, 1)."""
    by_key: dict[str, list[int]] = {}
    for i, cfg in enumerate(configs):
        by_key.setdefault(population_key(cfg), []).append(i)
    out = []
    for members in by_key.values():
        sizes = [len(configs[i].seeds) for i in members]
        chunks = _fill(members, sizes, max_members)
        if len(chunks) > 1:
            even = _fill(members, sizes, math.ceil(sum(sizes) / len(chunks)))
            chunks = even if len(even) == len(chunks) else chunks
        out += chunks
    return sorted(out, key=lambda chunk: chunk[0])


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
