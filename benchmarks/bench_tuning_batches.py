"""Batched tuning against trial-by-trial tuning: the same study, the same device (a benchmark).

    .venv/bin/python benchmarks/bench_tuning_batches.py [--spec experiments/tune_default.yaml]
        [--only loss=modified_minimax] [--n-trials 256] [--batch auto] [--sequential-trials 256]
        [--out reports/perf/tuning_batches] [--smoke]

Runs ``ganbench tune SPEC --only … --n-trials N --jobs 1`` twice, each into its own fresh Optuna
and MLflow SQLite stores under ``--out``: once with ``--batch`` (default: the device's default) and
once with ``--batch 1`` (``--sequential-trials`` trials; fewer than N gives a per-trial rate, which
the table then labels as such). Prints wall times, trials per minute, states and the best trial of
each; appends the figures to ``<out>/tuning_batches.csv``. The two studies sample differently
(batches ask k trials before any is told), so their best trials are two results, not one.
``--smoke``: a tuning spec that trains in a second, two trials each way, written under a temporary
folder.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402

GANBENCH = str(Path(sys.executable).parent / "ganbench")


def run(spec: str, only: list[str], n_trials: int, batch: str, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("optuna.db", "mlflow.db"):
        (folder / name).unlink(missing_ok=True)
    cmd = [GANBENCH, "tune", str(Path(spec).resolve()), "--jobs", "1", "--n-trials", str(n_trials)]
    for item in only:
        cmd += ["--only", item]
    if batch != "auto":
        cmd += ["--batch", batch]
    env = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "GANBENCH_STORAGE")}
    started = time.perf_counter()
    with (folder / "tune.log").open("w") as log:
        proc = subprocess.run(cmd, cwd=folder, stdout=log, stderr=subprocess.STDOUT, env=env)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}); see {folder / 'tune.log'}")
    return {"wall_s": wall, **study_figures(folder)}


def study_figures(folder: Path) -> dict:
    import optuna

    storage = f"sqlite:///{folder / 'optuna.db'}"
    (summary,) = optuna.get_all_study_summaries(storage)
    study = optuna.load_study(study_name=summary.study_name, storage=storage)
    trials = study.get_trials()
    states = {s: sum(t.state.name == s for t in trials) for s in ("COMPLETE", "PRUNED", "FAIL")}
    best = study.best_trial if states["COMPLETE"] else None
    return {
        "trials": len(trials),
        "complete": states["COMPLETE"],
        "pruned": states["PRUNED"],
        "failed": states["FAIL"],
        "best_value": best.value if best else float("nan"),
        "best_trial": best.number if best else -1,
        "best_params": dict(best.params) if best else {},
        "direction": study.direction.name.lower(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(ROOT / "experiments" / "tune_default.yaml"))
    parser.add_argument("--only", action="append", default=None, help="as ganbench tune --only")
    parser.add_argument("--n-trials", type=int, default=256)
    parser.add_argument("--batch", default="auto", help="batch size for the batched run (auto: the default)")
    parser.add_argument("--sequential-trials", type=int, default=None, help="trials of the --batch 1 run")
    parser.add_argument("--skip-sequential", action="store_true")
    parser.add_argument("--out", default="reports/perf/tuning_batches")
    args = smoke.parse(parser, {"spec": None, "only": [], "n_trials": 2, "out": None})
    if args.out is None:  # smoke mode: its stores in a folder removed at the end
        with tempfile.TemporaryDirectory(prefix="ganbench-smoke-") as tmp:
            args.out = tmp
            measure(args)
    else:
        measure(args)


def measure(args: argparse.Namespace) -> None:
    """Both tuning runs, their table, the CSV."""
    args.spec = args.spec or str(smoke.tiny_spec(Path(args.out), tune=True))
    only = args.only if args.only is not None else ["loss=modified_minimax"]
    out = Path(args.out)
    rows = [
        {
            "mode": f"batch {args.batch}",
            "n_trials": args.n_trials,
            **run(args.spec, only, args.n_trials, args.batch, out / "batched"),
        }
    ]
    if not args.skip_sequential:
        n_seq = args.sequential_trials or args.n_trials
        rows.append(
            {"mode": "batch 1", "n_trials": n_seq, **run(args.spec, only, n_seq, "1", out / "sequential")}
        )
    print(f"\nTuning {Path(args.spec).name} ({', '.join(only)}), one worker, this machine:")
    for r in rows:
        rate = r["trials"] / (r["wall_s"] / 60)
        print(
            f"  {r['mode']:>10}: {r['trials']} trials in {r['wall_s'] / 60:.1f} min ({rate:.2f} trials/min; "
            f"{r['complete']} complete, {r['pruned']} pruned, {r['failed']} failed); best "
            f"{r['direction']} value {r['best_value']:.4g} at trial {r['best_trial']} {r['best_params']}"
        )
    if len(rows) == 2:
        per_trial = [r["wall_s"] / r["trials"] for r in rows]
        print(f"  wall time per trial, trial by trial ÷ batched: ×{per_trial[1] / per_trial[0]:.2f}")
    path = out / "tuning_batches.csv"
    new = not path.exists()
    with path.open("a", newline="") as fh:
        fields = [
            "when",
            "mode",
            "n_trials",
            "wall_s",
            "trials",
            "complete",
            "pruned",
            "failed",
            "best_value",
            "best_trial",
            "best_params",
            "direction",
        ]
        writer = csv.DictWriter(fh, fields)
        if new:
            writer.writeheader()
        when = datetime.now(UTC).isoformat(timespec="seconds")
        for r in rows:
            writer.writerow({"when": when, **r})
    print(f"figures appended to {path}; each run's stores and log under {out}/")


if __name__ == "__main__":
    main()
