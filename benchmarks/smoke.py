"""Smoke mode of the benchmark scripts: ``--smoke`` or ``GANBENCH_BENCH_SMOKE=1`` runs a script in
seconds — tiny sizes, one repetition, nothing written into the repository — so that ``make test``
(``tests/benchmarks/test_bench_smoke.py``) checks that every ``benchmarks/bench_*.py`` still runs and
prints its table. Its figures measure nothing.

Each script passes the defaults its smoke run uses; an option given on the command line still wins.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

#: The environment variable that turns smoke mode on (any value but "" and "0").
ENV = "GANBENCH_BENCH_SMOKE"


def parse(parser: argparse.ArgumentParser, tiny: dict, argv: list[str] | None = None) -> argparse.Namespace:
    """``parser``'s arguments, with ``tiny`` as the defaults when smoke mode is on (``args.smoke``)."""
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"a seconds-long run at tiny sizes: checks the script runs, measures nothing (or {ENV}=1)",
    )
    args = parser.parse_args(argv)
    if args.smoke or os.environ.get(ENV, "") not in ("", "0"):
        parser.set_defaults(**tiny)
        args = parser.parse_args(argv)
        args.smoke = True
    return args


#: A spec that trains in a second: one ring cell, one seed, 4 generator updates of tiny networks.
TINY_SPEC = """\
name: {name}
description: The benchmark scripts' smoke runs (benchmarks/smoke.py); measures nothing.
datasets: [ring]
losses: [modified_minimax]
schedules: [{{name: alternating, d_steps: 1}}]
seeds: 1
sample_images: none
train:
  g_steps: 4
  eval_every: 2
  eval_samples: 64
  batch_size: 16
  generator: {{width: 8, depth: 1}}
  discriminator: {{width: 8, depth: 1}}
  metrics: [modes]
"""

#: What a tuning spec adds to :data:`TINY_SPEC`: one searched setting, two trials.
TINY_SEARCH = """\
search:
  d_optimizer.lr: {low: 1.0e-4, high: 1.0e-3, log: true}
objective: {maximize: modes/high_quality, aggregate: mean}
sampler: {name: random, seed: 0}
pruner: none
n_trials: 2
"""


def tiny_spec(folder: Path, tune: bool = False) -> Path:
    """Write the smoke runs' spec (a tuning spec with ``tune``) into ``folder``; its path."""
    name = "smoke_tune" if tune else "smoke"
    path = Path(folder) / f"{name}.yaml"
    path.write_text(TINY_SPEC.format(name=name) + (TINY_SEARCH if tune else ""))
    return path
