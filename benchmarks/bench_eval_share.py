"""Evaluation's share of a spec's CPU time, per cell (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_eval_share.py [--spec experiments/images.yaml] [--profile none]
        [--threads 1] [--smoke]

Each distinct setup of the spec is timed as a dry run times it (``ganbench.experiment.timing``: a few
real updates of D and of G, one evaluation — sampling and every metric of the spec, at its sample
count — and one sample image, in one thread), and each cell's time is its schedule's update counts
times those costs (``ganbench.experiment.estimate``). The share is the part spent at evaluation points
(evaluations and the sample images they draw) of that total. A run of the spec records the same split
as measured: ``eval_seconds`` of ``train_seconds`` in every MLflow run (``results.csv`` too).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402
from ganbench.experiment import spec  # noqa: E402
from ganbench.experiment.estimate import cell_seconds, schedule_counts, timed  # noqa: E402
from ganbench.experiment.timing import CostTimer  # noqa: E402


def shares(exp: spec.Experiment, timer: CostTimer) -> list[tuple[str, float, float]]:
    """(cell label, estimated seconds of one seed's run, evaluation's share of it) per cell: the dry
    run's estimate of the cell (:func:`cell_seconds`) against its updates alone."""
    out = []
    for cell in exp.cells:
        config = timed(cell.config)
        total = cell_seconds(cell, timer, exp.spec.sample_images)
        training = (
            schedule_counts(cell).seconds(timer.costs(config), 0) * len(cell.config.seeds) / len(config.seeds)
        )
        label = f"{cell.config.dataset.name} | {cell.label}"
        out.append((label, total / len(cell.config.seeds), (total - training) / total))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(ROOT / "experiments" / "images.yaml"))
    parser.add_argument("--profile", default="none", help="the spec profile to apply (none: its top level)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads while timing")
    args = smoke.parse(parser, {"spec": None, "profile": "none"})
    with tempfile.TemporaryDirectory(prefix="ganbench-eval-share-") as tmp:
        path = Path(args.spec) if args.spec else smoke.tiny_spec(Path(tmp))
        exp = spec.load(path, profile=args.profile)
        timer = CostTimer(threads=args.threads)
        rows = shares(exp, timer)
    print(
        f"{exp.spec.name}{exp.profile_note}: evaluation's share of each cell's time, timed as a dry run "
        f"times it (torch {torch.__version__}, {args.threads} thread(s), {cpu_model()}, "
        f"{os.cpu_count()} cores)\n"
    )
    print("| cell | s per seed (estimate) | evaluation share |")
    print("| --- | --- | --- |")
    for label, seconds, share in rows:
        print(f"| {label} | {seconds:.1f} | {100 * share:.1f} % |")
    total = sum(s for _, s, _ in rows)
    overall = sum(s * f for _, s, f in rows) / total
    low, high = min(f for *_, f in rows), max(f for *_, f in rows)
    print(
        f"\n  evaluation share of the spec: {100 * overall:.1f} % "
        f"(cells {100 * low:.1f} – {100 * high:.1f} %)"
    )


if __name__ == "__main__":
    main()
