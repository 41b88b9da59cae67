"""How best to use the CPU cores for a benchmark: cells in worker processes (one torch thread each)
against one process with torch's threads (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_parallel.py [--rounds 2] [--spec experiments/default.yaml]
        [--only dataset=ring --only loss=modified_minimax] [--seeds 2] [--smoke]

Runs the same `ganbench benchmark` slice with ``--jobs N`` (N = cores) and with ``--jobs 1``,
alternating between the two so background load hits both alike, each into a fresh SQLite store.
Prints every wall time and the ratio of the medians; timings on a shared machine are noisy, so
read the ratio, not the seconds. ``--smoke``: one round of a spec that trains in a second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402


def run_once(args: argparse.Namespace, jobs: int, store: Path) -> float:
    ganbench = Path(sys.executable).parent / "ganbench"  # the console script of this environment
    spec = str(ROOT / args.spec)  # relative to the checkout; an absolute path stays as it is
    cmd = [str(ganbench), "benchmark", spec, "--jobs", str(jobs)]
    cmd += ["--tracking-uri", f"sqlite:///{store}", "--seeds", str(args.seeds)]
    for only in args.only:
        cmd += ["--only", only]
    start = time.perf_counter()
    # In the store's folder: MLflow puts a SQLite store's artifacts under the working directory.
    proc = subprocess.run(cmd, cwd=store.parent, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"benchmark failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="experiments/default.yaml")
    parser.add_argument("--only", action="append", default=None, help="as ganbench benchmark --only")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="runs of each setting, interleaved")
    args = smoke.parse(parser, {"spec": None, "only": [], "seeds": 1, "rounds": 1})
    args.only = ["dataset=ring", "loss=modified_minimax"] if args.only is None else args.only
    cores = os.cpu_count() or 1
    settings = {f"{cores} processes x 1 thread": cores, f"1 process x {cores} threads": 1}

    times: dict[str, list[float]] = {name: [] for name in settings}
    with tempfile.TemporaryDirectory() as tmp:
        args.spec = args.spec or str(smoke.tiny_spec(Path(tmp)))  # smoke mode
        for r in range(args.rounds):
            for name, jobs in settings.items():
                seconds = run_once(args, jobs, Path(tmp) / f"{jobs}-{r}.db")
                times[name].append(seconds)
                print(f"round {r + 1}: {name}: {seconds:.1f} s", flush=True)

    print(f"{args.spec} {' '.join('--only ' + o for o in args.only)} --seeds {args.seeds}:")
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    for name, ts in times.items():
        print(f"  {name}: median {medians[name]:.1f} s ({', '.join(f'{t:.1f}' for t in ts)})")
    procs, threads = medians.values()
    print(f"  processes take {procs / threads:.2f}x the time of threads (below 1: processes win)")


if __name__ == "__main__":
    main()
