"""Small, fast training setups for tests."""

from __future__ import annotations

from typing import Any

from ganbench.train.build import TrainSetup, build
from ganbench.validation import apply_overrides, train_config

TINY: dict[str, Any] = {
    "generator": {"width": 32, "depth": 2},
    "discriminator": {"width": 32, "depth": 2},
    "z_dim": 4,
    "batch_size": 64,
    "g_steps": 20,
    "eval_every": 10,
    "eval_samples": 256,
    "device": "cpu",
}


def tiny_config(
    loss: str = "modified_minimax",
    schedule: str = "alternating",
    dataset: str = "ring",
    seeds: list[int] | None = None,
    sets: list[str] | None = None,
    **extra: Any,
):
    """A validated :class:`TrainConfig` with small networks and a short budget."""
    raw = {**TINY, "loss": loss, "schedule": schedule, "dataset": dataset, "seeds": seeds or [0, 1], **extra}
    raw = {
        k: ({"name": v} if k in ("loss", "schedule", "dataset") and isinstance(v, str) else v)
        for k, v in raw.items()
    }
    return train_config(apply_overrides(raw, sets or []), "test")


def tiny_setup(*args: Any, **kwargs: Any) -> TrainSetup:
    """:func:`tiny_config`, built."""
    return build(tiny_config(*args, **kwargs), "test")
