"""Kernel-making operators per seed-update over the default spec's ring cells (the other datasets
alike), as the executor packs them (a benchmark, not a test):

    .venv/bin/python benchmarks/bench_default_ops.py apart   # each cell a model of 5 (CPU policy)
    .venv/bin/python benchmarks/bench_default_ops.py packed  # 3 losses one model of 15 (GPU policy)

Batch 32 (counts do not depend on it), counted over 20 G updates after 4; deterministic."""

import sys

from ganbench.train.build import build_population
from ganbench.train.op_count import OpCounter
from ganbench.train.trainer import train
from ganbench.validation import train_config

LOSSES = ["minimax", "modified_minimax", "wasserstein"]
SCHEDULES = [
    {"name": "alternating", "d_steps": 1},
    {"name": "alternating", "d_steps": 5},
    {"name": "epochwise", "d_epochs": 1, "g_epochs": 1},
    {"name": "simultaneous"},
]


def cfg(loss, schedule, g):
    raw = {
        "dataset": {"name": "ring"},
        "loss": {"name": loss},
        "schedule": schedule,
        "seeds": list(range(5)),
        "g_steps": g,
        "batch_size": 32,
        "z_dim": 16,
        "eval_every": 10**9,
        "log_every": 10**9,
        "eval_samples": 16,
        "device": "cpu",
        "g_optimizer": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]},
        "d_optimizer": {"name": "adam", "lr": 2e-4, "betas": [0.5, 0.999]},
    }
    return train_config(raw, "ops")


def ops(cfgs_of):
    counts = []
    for g in (4, 24):
        setup = build_population(cfgs_of(g), "ops")
        with OpCounter() as c:
            train(setup)
        counts.append(c.total)
    return (counts[1] - counts[0]) / 20  # per G update of the model


def main(mode: str) -> None:
    total = 0.0
    for schedule in SCHEDULES:
        groups = [LOSSES] if mode == "packed" else [[loss] for loss in LOSSES]
        for losses in groups:
            total += ops(lambda g, losses=losses, schedule=schedule: [cfg(x, schedule, g) for x in losses])
    per_seed = total / (len(LOSSES) * len(SCHEDULES) * 5)
    print(
        f"{mode}: {total:.0f} operators per G update over the ring's 12 cells; {per_seed:.1f} per seed-update"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "apart")
