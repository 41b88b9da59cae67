"""Seed batching: what lockstep training of S seeds costs against a plain one-seed PyTorch loop, and
what tracking and evaluation add (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_seed_batching.py [--reps 3] [--g-steps 200] [--seeds 1 8 64]
        [--device auto] [--threads 1] [--csv reports/perf/seed_batching.csv] [--smoke]

The workload is the issue's: ring, modified_minimax, alternating 1:1, batch 256, default networks
(3 hidden layers of 128, z_dim 16), Adam 2e-4 (0.5, 0.999). Measurements, repeated ``--reps`` times
and interleaved (every setting once per repetition) so that background load hits all alike:

- ``plain``: a plain one-seed PyTorch loop — ``nn.Sequential`` MLPs of the same shapes, the same
  loss, ``torch.optim.Adam(foreach=True)``, data from ``torch.randint``/``torch.randn``
  (``ganbench.train.reference_loop``) — in generator updates per second;
- ``S=k``: ganbench's trainer with k seeds in lockstep, no evaluation, in seed-updates per second
  (k × generator updates / s); the ratio to ``plain`` is the speed-up per seed (S = 1: the
  framework's overhead);
- ``tracking``: one benchmark cell (2 seeds, the default evaluation and logging cadence, sample images
  at every evaluation) trained and summarised by the worker, against the same plus logging its runs
  to a fresh MLflow SQLite store as a benchmark does (the invocation run, the claims, then each
  seed's curves, summaries and artifacts; the claim's settle pause left out of the wall time) —
  MLflow's extra time as a share of the cell;
- ``evaluation``: the time inside the metric evaluator as a share of that cell's training time.

Prints one table (medians over repetitions, ratios taken within each repetition) and writes every
raw figure to the CSV. Timings on a shared machine are noisy: read the ratios.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402
from ganbench.device import resolve_device  # noqa: E402
from ganbench.experiment import spec  # noqa: E402
from ganbench.experiment.cell_run import CellTask, run_cell  # noqa: E402
from ganbench.tracking.claims import SETTLE_SECONDS  # noqa: E402
from ganbench.tracking.tracker import Tracker  # noqa: E402
from ganbench.train.build import build  # noqa: E402
from ganbench.train.reference_loop import PlainGAN  # noqa: E402
from ganbench.train.tick_ops import WORKLOAD  # noqa: E402 — the workload the op counts use
from ganbench.train.trainer import train  # noqa: E402
from ganbench.validation import train_config  # noqa: E402


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


#: The clock: wall time on a GPU (what the device spends), this process's CPU time on the CPU — with
#: one torch thread that is the training's own work, and the time the shared machine hands to other
#: jobs is left out (wall-clock ratios there swung by ±40 % between repetitions).
clock = time.perf_counter


def plain_loop(g_steps: int, device: torch.device) -> float:
    """Seconds for ``g_steps`` rounds of one D step and one G step of the plain PyTorch GAN
    (:class:`ganbench.train.reference_loop.PlainGAN`: foreach Adam, as in the operator count)."""
    gan = PlainGAN(device)
    sync(device)
    start = clock()
    gan.run(g_steps)
    sync(device)
    return clock() - start


def lockstep(n_seeds: int, g_steps: int, device: str, streams: str = "auto") -> float:
    """Seconds of ganbench's trainer for ``n_seeds`` seeds × ``g_steps`` updates, no evaluation."""
    run = {"seeds": list(range(n_seeds)), "g_steps": g_steps, "device": device, "log_every": 50}
    run["streams"] = streams
    cfg = train_config({**WORKLOAD, **run, "eval_every": 10 * g_steps, "eval_samples": 16}, "bench")
    setup = build(cfg, "bench")
    sync(setup.device)
    start = clock()
    train(setup)
    sync(setup.device)
    return clock() - start


def cell(device: str, g_steps: int, tracker: Tracker | None, tmp: Path, tag: str) -> dict[str, float]:
    """One default-cadence cell of 2 seeds: seconds training (evaluation inside), seconds in the
    evaluator, seconds logging to MLflow (0 without a tracker)."""
    spec_file = tmp / "perf.yaml"
    spec_file.write_text(
        yaml.safe_dump(
            {
                "name": "perf",
                "datasets": ["ring"],
                "losses": ["modified_minimax"],
                "schedules": [{"name": "alternating", "d_steps": 1}],
                "seeds": 2,
                "train": {"g_steps": g_steps, "eval_every": max(1, g_steps // 2), "device": device},
            }
        )
    )
    exp = spec.load(spec_file)
    the_cell = exp.cells[0]
    config = the_cell.config.model_copy(update={"seeds": [0, 1]}).model_dump(mode="json")
    spent = {"evaluator": 0.0}
    import ganbench.experiment.cell_run as cell_run

    real_evaluator_for = cell_run.evaluator_for

    def timed_evaluator_for(setup):
        inner = real_evaluator_for(setup)

        class Timed:
            primary = inner.primary

            def __getattr__(self, name):  # feature_spaces() and whatever else the cell asks of it
                return getattr(inner, name)

            def __call__(self, samples):
                sync(setup.device)
                t = clock()
                out = inner(samples)
                sync(setup.device)
                spent["evaluator"] += clock() - t
                return out

        return Timed()

    cell_run.evaluator_for = timed_evaluator_for
    try:
        start = clock()
        outcome = run_cell(CellTask(config, str(tmp / tag), "every_eval"))
        trained = clock() - start
    finally:
        cell_run.evaluator_for = real_evaluator_for
    logging = logging_wall = 0.0
    if tracker is not None:
        experiment_id = tracker.experiment_id(f"perf {tag}")  # one per repetition: its runs are new
        start, wall = clock(), time.perf_counter()
        parent = tracker.start_parent(experiment_id, exp, ["bench_seed_batching.py"])
        (won,) = tracker.claim(experiment_id, parent, exp, [(the_cell, [s.seed for s in outcome.seeds])])
        for seed in outcome.seeds:
            tracker.finish_seed(won[seed.seed], the_cell, outcome, seed, streamed=False)
        tracker.finish_parent(parent, "FINISHED", {"trained": len(outcome.seeds)})
        logging, logging_wall = clock() - start, time.perf_counter() - wall - SETTLE_SECONDS
    return {"cell": trained, "evaluator": spent["evaluator"], "mlflow": logging, "mlflow_wall": logging_wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--g-steps", type=int, default=100, help="generator updates at S ≤ 8")
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="S values (CPU: 1 8 64)")
    parser.add_argument("--cell-g-steps", type=int, default=500, help="budget of the tracking cell")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--clock", choices=["auto", "wall", "cpu"], default="auto", help="auto: cpu on a CPU")
    parser.add_argument("--csv", default=str(ROOT / "reports" / "perf" / "seed_batching.csv"))
    parser.add_argument("--skip-cell", action="store_true", help="leave out the tracking/evaluation cell")
    tiny = {"reps": 1, "g_steps": 2, "seeds": [1, 2], "cell_g_steps": 4, "csv": os.devnull}
    args = smoke.parse(parser, tiny)
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    global clock
    use_cpu_clock = args.clock == "cpu" or (args.clock == "auto" and device.type == "cpu")
    clock = time.process_time if use_cpu_clock else time.perf_counter
    args.clock = "process CPU time" if use_cpu_clock else "wall time"
    # The streams the device does not use by default, measured beside the default at small S.
    other = "philox" if device.type == "cpu" else "generator"
    args.other_streams = (other, [s for s in sizes_for(args, device) if s <= 8])
    sizes = sizes_for(args, device)
    steps = {s: max(10, args.g_steps * 8 // max(8, s)) if s > 8 else args.g_steps for s in sizes}

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        os.chdir(tmp)  # MLflow puts a SQLite store's artifacts under the working directory
        tracker = Tracker.connect(f"sqlite:///{tmp / 'mlflow.db'}")
        lockstep(1, 5, args.device)  # warm up (allocator, first kernels)
        plain_loop(5, device)
        for rep in range(args.reps):
            seconds = plain_loop(args.g_steps, device)
            rows.append(dict(rep=rep, what="plain", S=1, g_steps=args.g_steps, seconds=seconds))
            for s in sizes:
                seconds = lockstep(s, steps[s], args.device)
                rows.append(dict(rep=rep, what=f"S={s}", S=s, g_steps=steps[s], seconds=seconds))
            other, other_sizes = args.other_streams
            for s in other_sizes:
                seconds = lockstep(s, steps[s], args.device, other)
                rows.append(dict(rep=rep, what=f"S={s} {other}", S=s, g_steps=steps[s], seconds=seconds))
            for tracked in () if args.skip_cell else (False, True):
                t = cell(
                    args.device, args.cell_g_steps, tracker if tracked else None, tmp, f"{rep}-{tracked}"
                )
                what = "cell+mlflow" if tracked else "cell"
                for part, value in t.items():
                    rows.append(
                        dict(rep=rep, what=f"{what}:{part}", S=2, g_steps=args.cell_g_steps, seconds=value)
                    )
            print(f"repetition {rep + 1}/{args.reps} done", file=sys.stderr, flush=True)

    out = Path(args.csv)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["rep", "what", "S", "g_steps", "seconds"])
        writer.writeheader()
        writer.writerows(rows)
    print_table(rows, sizes, args, device)
    print(f"\nraw figures: {out}")


def sizes_for(args: argparse.Namespace, device: torch.device) -> list[int]:
    return args.seeds or ([1, 8, 64, 256, 1024] if device.type == "cuda" else [1, 8, 64])


def print_table(rows: list[dict], sizes: list[int], args: argparse.Namespace, device: torch.device) -> None:
    def sec(rep: int, what: str) -> float:
        return next(r["seconds"] for r in rows if r["rep"] == rep and r["what"] == what)

    reps = range(args.reps)
    plain = [args.g_steps / sec(r, "plain") for r in reps]
    name = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else f"{cpu_model()}, {os.cpu_count()} cores"
    )
    print(
        f"\nseed batching — {datetime.now(UTC):%Y-%m-%d}, {device.type} ({name}), "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), {args.clock}, "
        f"{args.reps} interleaved repetitions: median [min, max]"
    )
    print("ring, modified_minimax, alternating 1:1, batch 256, default networks\n")
    print("| measure | value | × plain loop | goal |")
    print("| --- | --- | --- | --- |")
    print(f"| plain one-seed PyTorch loop | {fmt(plain)} G updates/s | 1 | |")
    goals = GOALS[device.type]
    default_streams = "philox" if device.type == "cuda" else "generator"
    other, other_sizes = args.other_streams
    labelled = [(f"S={s}", s, default_streams) for s in sizes] + [
        (f"S={s} {other}", s, other) for s in other_sizes
    ]
    for what, s, streams in labelled:
        g_steps = next(r["g_steps"] for r in rows if r["what"] == what)
        rate = [s * g_steps / sec(r, what) for r in reps]
        ratio = [x / p for x, p in zip(rate, plain, strict=True)]
        label = ("framework at S = 1" if s == 1 else f"seed batching at S = {s}") + f" ({streams} streams)"
        goal = goals.get(s, "") if streams == default_streams else ""
        print(f"| {label} | {fmt(rate)} seed-updates/s | {fmt(ratio, 2)} | {goal} |")
    if args.skip_cell:
        return
    cell = [sec(r, "cell:cell") for r in reps]
    mlflow = [100 * sec(r, "cell+mlflow:mlflow") / c for r, c in zip(reps, cell, strict=True)]
    mlflow_wall = [100 * sec(r, "cell+mlflow:mlflow_wall") / c for r, c in zip(reps, cell, strict=True)]
    evals = [
        100 * sec(r, "cell:evaluator") / (c - sec(r, "cell:evaluator"))
        for r, c in zip(reps, cell, strict=True)
    ]
    where = f"a cell of 2 seeds × {args.cell_g_steps} G updates, {fmt(cell, 1)} s untracked"
    print(
        f"| tracking: MLflow logging as a share of {where} | {fmt(mlflow, 1)} % "
        f"({fmt(mlflow_wall, 1)} % in wall time) | | ≤ 5 % |"
    )
    print(
        "| evaluation: time in the evaluator as a share of training, same cell "
        f"| {fmt(evals, 1)} % | | ≤ 10 % |"
    )


#: The issue's goals per device, as ratios to the plain loop (seed-updates/s per G update/s).
GOALS = {"cpu": {1: "≥ 0.95", 8: "≥ 1.5"}, "cuda": {1: "≥ 1", 1024: "≥ 500"}}


def fmt(values: list[float], digits: int = 0) -> str:
    med = statistics.median(values)
    return f"{med:,.{digits}f} [{min(values):,.{digits}f}, {max(values):,.{digits}f}]"


if __name__ == "__main__":
    main()
