"""Kernel-making operators per seed-update over the default spec's ring cells (the other datasets
alike), as the executor packs them (a benchmark, not a test):

    .venv/bin/python benchmarks/bench_default_ops.py apart   # each cell a model of 5 (CPU policy)
    .venv/bin/python benchmarks/bench_default_ops.py packed  # 3 losses one model of 15 (GPU policy)
    .venv/bin/python benchmarks/bench_default_ops.py graphs  # packed, updates replayed as CUDA graphs

Batch 32 (counts do not depend on it), counted over 20 G updates after 4; deterministic. ``--smoke``:
one loss and one schedule, 1 update after 1.

``graphs`` counts what the host launches once every update is recorded (``train.compile: graphs``,
the GPU's default): the operators outside the updates' cores (random draws, the trainer's
bookkeeping), and for each core call one replay, one copy per input tensor and one per output
tensor — the cores themselves run uncounted (their kernels run on the device, launched by the
replay). A CPU has no CUDA graphs, so the replay is stood in for by that count; the random numbers
come from Philox streams, as on a GPU (``apart`` and ``packed`` keep the CPU's default streams)."""

import argparse
import sys
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import smoke  # noqa: E402
from ganbench.train.build import build_population  # noqa: E402
from ganbench.train.op_count import OpCounter  # noqa: E402
from ganbench.train.tick_ops import replays_counted  # noqa: E402
from ganbench.train.trainer import train  # noqa: E402
from ganbench.validation import train_config  # noqa: E402

LOSSES = ["minimax", "modified_minimax", "wasserstein"]
SCHEDULES = [
    {"name": "alternating", "d_steps": 1},
    {"name": "alternating", "d_steps": 5},
    {"name": "epochwise", "d_epochs": 1, "g_epochs": 1},
    {"name": "simultaneous"},
]


def cfg(loss, schedule, g, streams=None):
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
    if streams:
        raw["streams"] = streams
    return train_config(raw, "ops")


def ops(cfgs_of, graphs: bool = False, warm: int = 4, updates: int = 20):
    counts = []
    for g in (warm, warm + updates):
        setup = build_population(cfgs_of(g), "ops")
        with replays_counted() if graphs else nullcontext([0]) as launches, OpCounter() as c:
            train(setup)
        counts.append(c.total + launches[0])
    return (counts[1] - counts[0]) / updates  # per G update of the model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="apart", choices=["apart", "packed", "graphs"])
    parser.add_argument("--losses", nargs="+", default=LOSSES)
    parser.add_argument("--schedules", type=int, default=len(SCHEDULES), help="the first N schedules")
    parser.add_argument("--warm", type=int, default=4, help="G updates before the counted ones")
    parser.add_argument("--updates", type=int, default=20, help="G updates counted")
    args = smoke.parse(parser, {"losses": LOSSES[1:2], "schedules": 1, "warm": 1, "updates": 1})
    mode, losses_asked, schedules = args.mode, args.losses, SCHEDULES[: args.schedules]
    total = 0.0
    streams = "philox" if mode == "graphs" else None  # the GPU's random streams where graphs run
    for schedule in schedules:
        groups = [losses_asked] if mode in ("packed", "graphs") else [[loss] for loss in losses_asked]
        for losses in groups:
            total += ops(
                lambda g, losses=losses, schedule=schedule: [cfg(x, schedule, g, streams) for x in losses],
                graphs=mode == "graphs",
                warm=args.warm,
                updates=args.updates,
            )
    cells = len(losses_asked) * len(schedules)
    per_seed = total / (cells * 5)
    print(
        f"{mode}: {total:.0f} operators per G update over the ring's {cells} cell(s); "
        f"{per_seed:.1f} per seed-update"
    )


if __name__ == "__main__":
    main()
