"""Kernel-making ATen operators per generator update: ganbench's trainer at S = 1, 8, 64, 1,024
against a plain one-seed PyTorch loop (a benchmark, deterministic on the CPU; not a test).

    .venv/bin/python benchmarks/bench_ops.py [--seeds 1 8 64 1024] [--updates 40] [--batch 32] [--smoke]

The workload is ``bench_seed_batching``'s: ring, modified_minimax, alternating 1:1, default
networks, Adam 2e-4 (0.5, 0.999); the plain loop uses ``torch.optim.Adam(foreach=True)``. The batch
is 32 rather than 256 so that S = 1,024 trains in a minute or two on a CPU: an operator count does
not depend on the batch size, and a random pool refills after as many draws at any batch size. An
alternating 1:1 round is two ticks of the trainer (a D step, then a G step) and one step of the plain
loop, so both are counted per generator update (:mod:`ganbench.train.tick_ops` says how; which
operators count: :mod:`ganbench.train.op_count`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402
from ganbench.train.tick_ops import per_update, plain_ops, trainer_ops  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 8, 64, 1024])
    parser.add_argument("--warm", type=int, default=4, help="updates before the counted ones")
    parser.add_argument("--updates", type=int, default=40, help="generator updates counted")
    parser.add_argument(
        "--batch", type=int, default=32, help="the count does not depend on it; S = 1,024 is slow"
    )
    parser.add_argument("--top", type=int, default=12, help="operators listed per column")
    parser.add_argument(
        "--streams",
        nargs="+",
        default=["philox", "generator"],
        help="random streams: every S with the first (philox: the GPU's default), S = 1 with the others",
    )
    args = smoke.parse(parser, {"seeds": [1, 2], "warm": 1, "updates": 2, "top": 3})
    torch.set_num_threads(1)

    plain = per_update(lambda n: plain_ops(n, args.batch), args.warm, args.updates)
    rows = {"plain loop (foreach Adam)": plain}
    for streams in args.streams:
        for s in args.seeds if streams == args.streams[0] else [1]:
            counted = per_update(
                lambda n, s=s, streams=streams: trainer_ops(s, n, args.batch, streams=streams),
                args.warm,
                args.updates,
            )
            rows[f"ganbench S = {s:,} ({streams} streams)"] = counted
    print_tables(rows, args)


def print_tables(rows: dict[str, dict], args: argparse.Namespace) -> None:
    """The totals table, then the top operators of each row."""
    plain = next(iter(rows.values()))["total"]
    print(
        f"\nkernel-making ATen operators per generator update (one D step + one G step) — ring, "
        f"modified_minimax, alternating 1:1, batch {args.batch}, default networks, torch "
        f"{torch.__version__}; counted over {args.updates} updates after {args.warm}\n"
    )
    print("| run | ops / update | × plain loop | tensors built from host values | host reads |")
    print("| --- | --- | --- | --- | --- |")
    for name, row in rows.items():
        print(
            f"| {name} | {row['total']:,.1f} | {row['total'] / plain:.2f} | {row['factories']:.2f} "
            f"| {row['host_reads']:.1f} |"
        )
    print(f"\ntop operators per update (first {args.top})\n")
    names = [name.removeprefix("ganbench ").replace(" streams", "") for name in rows]
    print("| " + " | ".join(names) + " |")
    print("| " + " | ".join("---" for _ in rows) + " |")
    tops = [sorted(r["ops"].items(), key=lambda kv: (-kv[1], kv[0]))[: args.top] for r in rows.values()]
    for i in range(args.top):
        cells = []
        for top in tops:
            if i < len(top):
                name, count = top[i]
                cells.append(f"{name.removeprefix('aten.')} {count / args.updates:g}")
            else:
                cells.append("")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
