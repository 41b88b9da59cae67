"""Kernel-making ATen operators per generator update: ganbench's trainer at S = 1, 8, 64, 1,024
against a plain one-seed PyTorch loop (a benchmark, deterministic on the CPU; not a test).

    .venv/bin/python benchmarks/bench_ops.py [--seeds 1 8 64 1024] [--updates 20] [--top 12]

The workload is ``bench_seed_batching``'s: ring, modified_minimax, alternating 1:1, batch 256, default
networks, Adam 2e-4 (0.5, 0.999); the plain loop uses ``torch.optim.Adam(foreach=True)``. An
alternating 1:1 round is two ticks of the trainer (a D step, then a G step) and one step of the plain
loop, so both are counted per generator update. Counts come from
:class:`ganbench.train.op_count.OpCounter` (which operators count is said there): the difference
between two runs of ``--warm`` and ``--warm + --updates`` updates, so set-up, the first step's state
and the final evaluation cancel out, and random-number pools refilled in between are shared over
the updates they serve.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganbench.train.build import build  # noqa: E402
from ganbench.train.op_count import OpCounter  # noqa: E402
from ganbench.train.reference_loop import PlainGAN  # noqa: E402
from ganbench.train.trainer import train  # noqa: E402
from ganbench.validation import train_config  # noqa: E402

WORKLOAD = {
    "dataset": {"name": "ring"},
    "loss": {"name": "modified_minimax"},
    "schedule": {"name": "alternating", "d_steps": 1},
    "batch_size": 256,
    "z_dim": 16,
}


def trainer_ops(n_seeds: int, g_steps: int, batch: int = 256, **settings: object) -> OpCounter:
    """Operators of ganbench's ``train`` for ``n_seeds`` members and ``g_steps`` generator updates
    (set-up outside the count; the final evaluation inside)."""
    run = {"seeds": list(range(n_seeds)), "g_steps": g_steps, "device": "cpu", "batch_size": batch}
    cfg = train_config(
        {**WORKLOAD, **run, **settings, "eval_every": 10**9, "eval_samples": 16, "log_every": 10**9}, "ops"
    )
    setup = build(cfg, "ops")
    with OpCounter() as counter:
        train(setup)
    return counter


def plain_ops(g_steps: int, batch: int = 256) -> OpCounter:
    """Operators of ``g_steps`` steps (one D step, one G step each) of the plain PyTorch loop."""
    gan = PlainGAN(torch.device("cpu"), batch)
    with OpCounter() as counter:
        gan.run(g_steps)
    return counter


def per_update(run, warm: int, updates: int) -> tuple[float, Counter[str], float]:
    """(operators, operators by name, factories) per generator update between ``warm`` and
    ``warm + updates`` updates of ``run(g_steps)``."""
    a, b = run(warm), run(warm + updates)
    ops = Counter({k: b.ops[k] - a.ops[k] for k in b.ops if b.ops[k] != a.ops[k]})
    factories = sum(b.factories.values()) - sum(a.factories.values())
    return (b.total - a.total) / updates, ops, factories / updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 8, 64, 1024])
    parser.add_argument("--warm", type=int, default=4, help="updates before the counted ones")
    parser.add_argument("--updates", type=int, default=20, help="generator updates counted")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--top", type=int, default=12, help="operators listed per column")
    args = parser.parse_args()
    torch.set_num_threads(1)

    plain, plain_by_name, plain_f = per_update(lambda n: plain_ops(n, args.batch), args.warm, args.updates)
    columns = [("plain loop", plain, plain_by_name, plain_f)]
    for s in args.seeds:
        total, by_name, factories = per_update(
            lambda n, s=s: trainer_ops(s, n, args.batch), args.warm, args.updates
        )
        columns.append((f"S = {s:,}", total, by_name, factories))
    print(
        f"\nkernel-making ATen operators per generator update (one D step + one G step) — ring, "
        f"modified_minimax, alternating 1:1, batch {args.batch}, default networks, torch "
        f"{torch.__version__}; counted over {args.updates} updates after {args.warm}\n"
    )
    print("| run | ops / update | × plain loop | host-built tensors / update |")
    print("| --- | --- | --- | --- |")
    for name, total, _, factories in columns:
        print(f"| {name} | {total:,.1f} | {total / plain:.2f} | {factories:.2f} |")
    print(f"\ntop operators per update (first {args.top})\n")
    print("| " + " | ".join(name for name, *_ in columns) + " |")
    print("| " + " | ".join("---" for _ in columns) + " |")
    tops = [sorted(c[2].items(), key=lambda kv: (-kv[1], kv[0]))[: args.top] for c in columns]
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
