"""Population batching: a learning-rate grid trained as one batched model against the same cells
trained one after another (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_population.py [--grid 8] [--seeds 4] [--g-steps 50] [--reps 2]
        [--device auto] [--threads 1] [--csv reports/perf/population.csv] [--smoke]

The workload: ring, modified_minimax, alternating 1:1, batch 256, default networks (3 hidden layers
of 128, z_dim 16), Adam (0.5, 0.999); a ``grid`` × ``grid`` grid of D and G learning rates
(log-spaced 5e-5 … 3.2e-3), ``seeds`` seeds per cell, ``g-steps`` generator updates, no evaluation.

- ``one after another``: each cell built and trained alone (its seeds in lockstep), cell after cell;
- ``population``: every cell and seed as one model (grid² × seeds members);
- ``packed at cap c`` (``--caps``): the cells as the benchmark packs them, models of at most c
  members trained one after another (16 is ``make benchmark``'s default on the CPU).

Repeated ``--reps`` times, interleaved. On the CPU the clock is this process's CPU time (one torch
thread: the training's own work, not what the shared machine gives to other jobs); on a GPU, wall time.
Also checks, at the end, that the population's weights equal the cells' weights bit for bit (CPU).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402
from ganbench.device import resolve_device  # noqa: E402
from ganbench.train.build import build, build_population  # noqa: E402
from ganbench.train.population import group  # noqa: E402
from ganbench.train.tick_ops import WORKLOAD  # noqa: E402 — the workload the op counts use
from ganbench.train.trainer import train  # noqa: E402
from ganbench.validation import train_config  # noqa: E402

clock = time.perf_counter


def configs(grid: int, seeds: int, g_steps: int, device: str) -> list:
    lrs = np.geomspace(5e-5, 3.2e-3, grid)
    base = {
        **WORKLOAD,
        "seeds": list(range(seeds)),
        "g_steps": g_steps,
        "eval_every": 10 * g_steps,
        "eval_samples": 16,
        "device": device,
        "log_every": 50,
    }
    return [
        train_config({**base, "d_optimizer": {"lr": float(d)}, "g_optimizer": {"lr": float(g)}}, "bench")
        for d in lrs
        for g in lrs
    ]


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def one_after_another(cfgs: list) -> tuple[float, list]:
    setups = []
    device = resolve_device(cfgs[0].device)
    sync(device)
    start = clock()
    for cfg in cfgs:
        setup = build(cfg, "bench")
        train(setup)
        setups.append(setup)
    sync(device)
    return clock() - start, setups


def population(cfgs: list, cap: int | None = None) -> tuple[float, object]:
    """Seconds to train ``cfgs`` as populations of at most ``cap`` members (None: one model)."""
    device = resolve_device(cfgs[0].device)
    sync(device)
    start = clock()
    for idx in group(cfgs, cap):
        setup = build_population([cfgs[i] for i in idx], "bench")
        train(setup)
    sync(device)
    return clock() - start, setup


def same_weights(setups: list, pop) -> bool:
    at = 0
    for setup in setups:
        n = setup.n_seeds
        for a, b in zip(
            setup.generator.state_dict().values(), pop.generator.state_dict().values(), strict=True
        ):
            if not torch.equal(a.cpu(), b[at : at + n].cpu()):
                return False
        at += n
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=8, help="learning rates per player (grid² cells)")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--g-steps", type=int, default=50)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--caps", type=int, nargs="*", default=[16], help="also packed at these caps")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--csv", default="reports/perf/population.csv")
    tiny = {"grid": 2, "seeds": 2, "g_steps": 2, "reps": 1, "caps": [4], "csv": os.devnull}
    args = smoke.parse(parser, tiny)
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    global clock
    clock = time.process_time if device.type == "cpu" else time.perf_counter
    what = "process CPU time" if device.type == "cpu" else "wall time"
    cfgs = configs(args.grid, args.seeds, args.g_steps, device.type)
    members = len(cfgs) * args.seeds
    modes = [("one model", None)] + [(f"packed at cap {c}", c) for c in args.caps]
    population(configs(2, 1, 2, device.type))  # warm-up (kernels, allocator)
    rows, check = [], None
    for rep in range(args.reps):
        seq, setups = one_after_another(cfgs)
        rows.append({"rep": rep, "mode": "one after another", "seconds": seq, "ratio": 1.0})
        for name, cap in modes:
            pop, pop_setup = population(cfgs, cap)
            rows.append({"rep": rep, "mode": name, "seconds": pop, "ratio": seq / pop})
            if check is None and cap is None and device.type == "cpu":
                check = same_weights(setups, pop_setup)
        print(
            "rep",
            rep,
            ", ".join(f"{r['mode']} {r['seconds']:.1f} s" for r in rows if r["rep"] == rep),
            flush=True,
        )
    print(
        f"\nPopulation batching — {len(cfgs)} cells ({args.grid}×{args.grid} learning rates) × "
        f"{args.seeds} seeds = {members} members, {args.g_steps} G updates each, on {device} "
        f"(torch {torch.__version__}, {torch.get_num_threads()} thread(s), {what}; median [min, max] "
        f"of {args.reps}, ratios within each repetition):"
    )
    for name in ["one after another"] + [m for m, _ in modes]:
        mine = [r for r in rows if r["mode"] == name]
        sec = [r["seconds"] for r in mine]
        ratio = [r["ratio"] for r in mine]
        print(
            f"  {name:>22}: {statistics.median(sec):7.1f} s [{min(sec):.1f}, {max(sec):.1f}]   "
            f"×{statistics.median(ratio):.2f} [{min(ratio):.2f}, {max(ratio):.2f}]"
        )
    if check is not None:
        print(f"  one model's weights equal the cells' weights bit for bit: {check}")
    path = Path(args.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    fields = ["when", "host", "device", "cells", "seeds", "g_steps", "rep", "mode", "seconds", "ratio"]
    with path.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        if new:
            writer.writeheader()
        when = datetime.now(UTC).isoformat(timespec="seconds")
        host = platform.node() or os.uname().nodename
        for r in rows:
            writer.writerow(
                {
                    "when": when,
                    "host": host,
                    "device": str(device),
                    "cells": len(cfgs),
                    "seeds": args.seeds,
                    "g_steps": args.g_steps,
                    **r,
                }
            )
    print(f"raw figures appended to {path}")


if __name__ == "__main__":
    main()
