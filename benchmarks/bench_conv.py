"""Convolutional GANs in lockstep: ganbench's ``dcgan`` trainer at S seeds against a plain one-seed
PyTorch DCGAN loop — time per seed, the lockstep strategies compared, and kernel-making operators
per generator update (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_conv.py [--seeds 1 8] [--strategies loop grouped vmap]
        [--rounds 7] [--g-steps 30] [--batch 64] [--width 16] [--dataset stacked_mnist]
        [--op-seeds 1 64] [--op-updates 32] [--device cpu] [--smoke]

The workload (``ganbench.train.tick_ops.DCGAN_WORKLOAD``): stacked MNIST (3×28×28; ``--dataset
mnist``: 1×28×28), ``dcgan`` of width 16 for both players at its defaults (batch norm, no spectral
norm; 28 = 7·2²: a linear map to 32 channels at 7×7, one transposed convolution to 16 channels,
one to the image; a discriminator 3 → 16 → 32 channels and a linear score), z_dim 100,
modified_minimax (non-saturating), alternating 1:1, batch 64, Adam 2e-4 (0.5, 0.999). The
reference (``ganbench.train.reference_loop.PlainDCGAN``): the same shapes as ``nn.Conv2d`` /
``nn.ConvTranspose2d`` / ``nn.BatchNorm2d`` (batch statistics, as ganbench's), real and generated
batches scored in two calls, ``torch.optim.Adam(foreach=True)``, data drawn with ``torch.randint``.

1. **Time per seed.** Every contender trains ``--g-steps`` generator updates (one D step and one
   G step each) from a fresh set-up once per round, in rounds (``--rounds``; the order rotates each
   round, so that background load hits all alike), after one warm-up round that is not counted.
   On the CPU the clock is this process's CPU time (``time.process_time``) with one torch thread:
   the training's own work, whatever else the shared machine runs; on CUDA, wall time between
   synchronisations. Reported: the median time per generator update per seed, and the median over
   rounds of the ratio "plain loop time per seed / ganbench time per seed" (≥ 1: lockstep costs
   less per seed than the plain loop).
2. **Strategies.** The seeds of ``--seeds``' largest S also run with each member-convolution
   strategy forced (``ganbench.layers.strategy``): ``loop``, one convolution per member — the
   CPU's default; ``grouped``, one grouped convolution — CUDA's default; ``vmap``,
   ``torch.func.vmap`` over one member's convolution. All in the same rounds.
3. **Operators** per generator update (:mod:`ganbench.train.tick_ops`, Philox streams): the plain
   loop, S = 1, and each S of ``--op-seeds`` on the grouped path (what CUDA launches, counted on
   the CPU) and on the loop (the CPU's path). An operator count does not depend on the batch
   size (``--op-batch``, smaller than the timed batch so that S = 64 counts in seconds), but for
   how often a random pool refills: once every ~16 updates at any batch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402
from ganbench.data.mnist import mnist_on  # noqa: E402
from ganbench.layers.conv import set_strategy  # noqa: E402
from ganbench.train.build import build  # noqa: E402
from ganbench.train.reference_loop import PlainDCGAN  # noqa: E402
from ganbench.train.tick_ops import DCGAN_WORKLOAD, per_update, plain_dcgan_ops, trainer_ops  # noqa: E402
from ganbench.train.trainer import train  # noqa: E402
from ganbench.validation import train_config  # noqa: E402

PLAIN = "plain DCGAN loop (1 seed)"


def workload(args: argparse.Namespace) -> dict:
    """:data:`DCGAN_WORKLOAD` at this run's dataset, width and batch."""
    net = {"name": "dcgan", "width": args.width}
    return {
        **DCGAN_WORKLOAD,
        "dataset": {"name": args.dataset},
        "generator": net,
        "discriminator": dict(net),
        "batch_size": args.batch,
    }


class Clock:
    """Process CPU time on the CPU; wall time between synchronisations on CUDA."""

    def __init__(self, device: torch.device) -> None:
        self.device = device

    def now(self) -> float:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            return time.perf_counter()
        return time.process_time()


def time_plain(args: argparse.Namespace, images: torch.Tensor, clock: Clock) -> float:
    """Seconds per generator update of the plain loop (one seed)."""
    gan = PlainDCGAN(
        clock.device,
        images,
        channels=3 if args.dataset == "stacked_mnist" else 1,
        batch=args.batch,
        width=args.width,
    )
    start = clock.now()
    gan.run(args.g_steps)
    return (clock.now() - start) / args.g_steps


def time_ganbench(args: argparse.Namespace, n_seeds: int, strategy: str, clock: Clock) -> float:
    """Seconds per generator update per seed of ganbench's trainer at ``n_seeds`` members, every
    member convolution run by ``strategy`` (set-up outside the clock; no evaluation but a tiny
    final one)."""
    run = {"seeds": list(range(n_seeds)), "g_steps": args.g_steps, "device": str(clock.device)}
    run |= {"eval_every": 10**9, "eval_samples": 16, "log_every": 50}
    setup = build(train_config({**workload(args), **run}, "bench_conv"), "bench_conv")
    set_strategy(setup.generator, strategy)
    set_strategy(setup.discriminator, strategy)
    start = clock.now()
    train(setup)
    return (clock.now() - start) / args.g_steps / n_seeds


def contenders(args: argparse.Namespace) -> list[tuple[str, int, str]]:
    """(label, seeds, strategy) of every timed ganbench run: each S at ``auto``, then the largest S
    with every strategy that ``auto`` is not on this device."""
    auto = "grouped" if args.device == "cuda" else "loop"
    runs = [(f"ganbench S = {s} ({auto}: the default here)", s, "auto") for s in args.seeds]
    top = max(args.seeds)
    runs += [(f"ganbench S = {top} ({st})", top, st) for st in args.strategies if st != auto and top > 1]
    return runs


def time_all(args: argparse.Namespace, clock: Clock) -> dict[str, list[float]]:
    """Seconds per update per seed of every contender, one list entry per counted round."""
    images = mnist_on(clock.device)[0]
    runs = contenders(args)
    jobs = [(PLAIN, lambda: time_plain(args, images, clock))]
    jobs += [(label, lambda s=s, st=st: time_ganbench(args, s, st, clock)) for label, s, st in runs]
    times: dict[str, list[float]] = {label: [] for label, _ in jobs}
    for r in range(args.rounds + 1):  # round 0 warms up (oneDNN primitives, allocator) and is dropped
        k = r % len(jobs)
        for label, job in jobs[k:] + jobs[:k]:
            t = job()
            if r:
                times[label].append(t)
        if r:
            print(
                f"  round {r}/{args.rounds}: "
                + ", ".join(f"{v[-1] * 1e3:.1f}" for v in times.values())
                + " ms per update per seed",
                flush=True,
            )
    return times


def count_ops(args: argparse.Namespace) -> dict[str, dict]:
    """Operators per generator update: the plain loop, then ganbench at each S of ``--op-seeds`` on
    the grouped path (CUDA's) and on the loop (the CPU's; S = 1: one path)."""
    channels = 3 if args.dataset == "stacked_mnist" else 1
    wl = {**workload(args), "batch_size": args.op_batch}
    rows = {
        PLAIN: per_update(
            lambda n: plain_dcgan_ops(n, args.op_batch, args.width, channels), args.op_warm, args.op_updates
        )
    }
    for s in args.op_seeds:
        for strategy in ("grouped", "loop") if s > 1 else ("auto",):
            label = f"ganbench S = {s}" + (f" ({strategy})" if s > 1 else "")
            rows[label] = per_update(
                lambda n, s=s, strategy=strategy: trainer_ops(
                    s, n, args.op_batch, workload=wl, conv=strategy, streams="philox"
                ),
                args.op_warm,
                args.op_updates,
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 8], help="S timed against the plain loop")
    parser.add_argument(
        "--strategies",
        nargs="+",
        default=["loop", "grouped", "vmap"],
        choices=["loop", "grouped", "vmap"],
    )
    parser.add_argument("--rounds", type=int, default=7, help="counted rounds (after one warm-up round)")
    parser.add_argument("--g-steps", type=int, default=30, help="generator updates per timed run")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--width", type=int, default=16, help="dcgan width of both players")
    parser.add_argument("--dataset", default="stacked_mnist", choices=["stacked_mnist", "mnist"])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (CPU)")
    parser.add_argument(
        "--op-seeds", type=int, nargs="+", default=[1, 64], help="S whose operators are counted"
    )
    parser.add_argument("--op-batch", type=int, default=16, help="batch of the operator counts")
    parser.add_argument("--op-warm", type=int, default=2, help="updates before the counted ones")
    parser.add_argument("--op-updates", type=int, default=32, help="generator updates counted")
    parser.add_argument("--skip-time", action="store_true", help="operator counts only")
    args = smoke.parse(
        parser,
        {"seeds": [1, 2], "rounds": 1, "g_steps": 2, "batch": 8, "width": 4, "op_seeds": [1, 2]}
        | {"op_batch": 8, "op_warm": 1, "op_updates": 2},
    )
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    print(
        f"bench_conv: {args.dataset}, dcgan width {args.width}, batch {args.batch}, z_dim 100, "
        f"modified_minimax, alternating 1:1; torch {torch.__version__}, {args.threads} thread(s), "
        f"{cpu_model()} ({os.cpu_count()} cores), load average {os.getloadavg()[0]:.2f} at the start"
    )
    if not args.skip_time:
        clock = Clock(device)
        what = "process CPU time" if device.type == "cpu" else "wall time"
        print(f"\ntiming ({what}), {args.rounds} rounds of {args.g_steps} generator updates each:")
        times = time_all(args, clock)
        print_times(times, args, what)
    print_ops(count_ops(args), args)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


def print_times(times: dict[str, list[float]], args: argparse.Namespace, what: str) -> None:
    """The timing table, then one line per ganbench contender with its ratio to the plain loop."""
    plain = times[PLAIN]
    print(f"\n{what} per generator update per seed, medians over {args.rounds} rounds\n")
    print("| run | ms / update / seed | plain / this (median of rounds) | min–max of rounds |")
    print("| --- | --- | --- | --- |")
    ratios = {}
    for label, ts in times.items():
        r = [p / t for p, t in zip(plain, ts, strict=True)]
        ratios[label] = statistics.median(r)
        ms = statistics.median(ts) * 1e3
        print(f"| {label} | {ms:.2f} | {ratios[label]:.2f} | {min(r):.2f}–{max(r):.2f} |")
    print()
    for label in list(times)[1:]:
        print(f"  {label}: plain loop time per seed / ganbench time per seed = {ratios[label]:.2f}")


def print_ops(rows: dict[str, dict], args: argparse.Namespace) -> None:
    """The operator table (totals, × plain, × S = 1) and each row's top operators."""
    plain, one = rows[PLAIN]["total"], rows.get("ganbench S = 1", {}).get("total")
    print(
        f"\nkernel-making ATen operators per generator update (one D step + one G step), Philox streams, "
        f"batch {args.op_batch}; counted over {args.op_updates} updates after {args.op_warm}\n"
    )
    print("| run | ops / update | × plain loop | × S = 1 | host reads |")
    print("| --- | --- | --- | --- | --- |")
    for label, row in rows.items():
        vs_one = f"{row['total'] / one:.2f}" if one and label != PLAIN else ""
        total, reads = row["total"], row["host_reads"]
        print(f"| {label} | {total:.1f} | {total / plain:.2f} | {vs_one} | {reads:.1f} |")
    print()
    for label, row in rows.items():
        top = sorted(row["ops"].items(), key=lambda kv: (-kv[1], kv[0]))[:8]
        listed = ", ".join(f"{name.removeprefix('aten.')} {n / args.op_updates:g}" for name, n in top)
        print(f"  {label}: {listed}")
    print(
        f"\n  operators per G update: plain {plain:.1f}"
        + "".join(
            f", {label.removeprefix('ganbench ')} {row['total']:.1f}"
            for label, row in rows.items()
            if label != PLAIN
        )
    )


if __name__ == "__main__":
    main()
