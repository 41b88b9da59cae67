"""What ``train.compile: on`` gives: the D and G updates (alternating 1:1) eager against compiled
with inductor, at S = 1 and 8 members (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_compile.py [--reps 2] [--updates 100] [--seeds 1 8]
        [--backend inductor] [--smoke]

The workload is ``bench_seed_batching``'s (ring, modified_minimax, batch 256, default networks).
Each setting builds its model, runs a few warm-up updates (compilation happens there and is not
timed; its wall time is printed apart: inductor compiles in worker processes), then times
``--updates`` rounds of one D and one G update — the updates alone, as the trainer calls them; its
bookkeeping is the same either way. Settings are interleaved within each repetition; on the CPU the
clock is this process's CPU time with one torch thread, on a GPU wall time after synchronising.
``--smoke`` traces the updates with dynamo's ``eager`` backend (inductor takes ~25 s to compile even
tiny updates on a 2-core CPU): it checks the script and the compiled path run, not inductor.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402
from ganbench.device import resolve_device  # noqa: E402
from ganbench.train.build import build  # noqa: E402
from ganbench.train.compiled import EAGER, updates_for  # noqa: E402
from ganbench.train.tick_ops import WORKLOAD  # noqa: E402
from ganbench.validation import train_config  # noqa: E402


def timed_updates(
    n_seeds: int, compiled: bool, updates: int, device: str, clock, backend: str = "inductor"
) -> tuple[float, float]:
    """(seconds for ``updates`` D+G rounds, wall seconds of the warm-up rounds that compile)."""
    cfg = train_config(
        {**WORKLOAD, "seeds": list(range(n_seeds)), "device": device, "compile": "on" if compiled else "off"},
        "bench",
    )
    setup = build(cfg, "bench")
    steps = updates_for(setup, backend) if compiled else EAGER
    mask = torch.ones(n_seeds, dtype=torch.bool, device=setup.device)

    def rounds(k: int) -> float:
        sync(setup.device)
        start = clock()
        for _ in range(k):
            steps.d(setup, mask)
            steps.g(setup, mask)
        sync(setup.device)
        return clock() - start

    wall = time.perf_counter()
    rounds(3)
    warm = time.perf_counter() - wall  # compilation (in worker processes too: wall time)
    return rounds(updates), warm


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--backend", default="inductor", help="torch.compile backend")
    args = smoke.parse(parser, {"reps": 1, "updates": 2, "seeds": [1], "backend": "eager"})
    torch.set_num_threads(1)
    device = resolve_device(args.device)
    clock = time.process_time if device.type == "cpu" else time.perf_counter
    rows: dict[tuple[int, bool], list[float]] = {}
    warm: dict[tuple[int, bool], list[float]] = {}
    for rep in range(args.reps):
        for s in args.seeds:
            for compiled in (False, True):
                seconds, warm_seconds = timed_updates(
                    s, compiled, args.updates, str(device), clock, args.backend
                )
                rows.setdefault((s, compiled), []).append(seconds)
                warm.setdefault((s, compiled), []).append(warm_seconds)
        print(f"repetition {rep + 1}/{args.reps} done", file=sys.stderr, flush=True)
    what = "process CPU time, 1 thread" if device.type == "cpu" else "wall time"
    print(
        f"\ncompiled updates ({args.backend}) — {device.type}, torch {torch.__version__}, {what}, "
        f"{args.reps} interleaved repetitions, {args.updates} D+G rounds: median [min, max]\n"
    )
    print("| S | eager ms / round | compiled ms / round | eager ÷ compiled | warm-up, compiled (wall s) |")
    print("| --- | --- | --- | --- | --- |")
    for s in args.seeds:
        eager, comp = rows[(s, False)], rows[(s, True)]
        ratio = [e / c for e, c in zip(eager, comp, strict=True)]
        ms = [1000 * x / args.updates for x in eager], [1000 * x / args.updates for x in comp]
        print(f"| {s} | {fmt(ms[0])} | {fmt(ms[1])} | {fmt(ratio, 2)} | {fmt(warm[(s, True)], 0)} |")


def fmt(values: list[float], digits: int = 2) -> str:
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}, {max(values):.{digits}f}]"


if __name__ == "__main__":
    main()
