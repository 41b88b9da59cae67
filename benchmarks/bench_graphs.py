"""What ``train.compile: graphs`` gives on a GPU: the default spec's ring cells as the executor packs
them there (minimax, modified minimax and WGAN × 5 seeds, one model of 15) trained by the whole
trainer, eager against recorded CUDA graphs (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_graphs.py [--device cuda] [--updates 300] [--reps 2] [--smoke]

For each schedule of the default spec, each setting trains ``--updates`` generator updates (no
evaluation) after building its model; settings are interleaved within each repetition; wall time
after synchronising. Without CUDA it measures nothing (``--device cpu``: ``graphs`` is the eager path).
``--smoke``: one schedule, 2 updates, one repetition, on the CPU where there is no CUDA.
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
from ganbench.experiment.spec import load  # noqa: E402
from ganbench.train.build import build_population  # noqa: E402
from ganbench.train.trainer import train  # noqa: E402
from ganbench.validation import train_config  # noqa: E402

SPEC = ROOT / "experiments" / "default.yaml"


def configs(schedule: str, setting: str, updates: int, device: str):
    """The default spec's ring cells of one schedule (its three losses, 5 seeds), for ``updates``
    G updates without evaluation, on ``device`` with ``train.compile: setting``."""
    cells = [c for c in load(SPEC, profile=None, only=["dataset=ring"]).cells if label(c) == schedule]
    change = {"g_steps": updates, "eval_every": 10**9, "metrics": [], "device": device, "compile": setting}
    return [train_config({**c.config.model_dump(mode="json"), **change}, "bench") for c in cells]


def label(cell) -> str:
    return cell.label.split(" + ", 1)[1]  # "alternating(d_steps=5)", "simultaneous", …


def timed(schedule: str, setting: str, updates: int, device: str) -> float:
    setup = build_population(configs(schedule, setting, updates, device), "bench")
    if setup.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    train(setup)
    if setup.device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--device", default=None, help="default: cuda where there is one, else nothing to measure"
    )
    ap.add_argument("--updates", type=int, default=300)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--schedules", nargs="*", help="default: every schedule of the default spec")
    tiny = {"updates": 2, "reps": 1, "schedules": ["simultaneous"]}
    args = smoke.parse(ap, {**tiny, "device": "cuda" if torch.cuda.is_available() else "cpu"})
    if args.device is None and not torch.cuda.is_available():
        print("bench_graphs: no CUDA device — CUDA graphs are a GPU path (--device cpu runs it eagerly)")
        return
    args.device = args.device or "cuda"
    print(f"{args.device}, torch {torch.__version__}, {args.updates} G updates a run, 15 members")
    print("| schedule | eager updates/s | graphs updates/s | eager ÷ graphs time |")
    print("| --- | --- | --- | --- |")
    names = args.schedules or sorted(
        {label(c) for c in load(SPEC, profile=None, only=["dataset=ring"]).cells}
    )
    for name in names:
        times: dict[str, list[float]] = {"off": [], "graphs": []}
        for _ in range(args.reps):
            for setting in times:
                times[setting].append(timed(name, setting, args.updates, args.device))
        eager, graphs = (statistics.median(times[k]) for k in ("off", "graphs"))
        print(f"| {name} | {args.updates / eager:.0f} | {args.updates / graphs:.0f} | {eager / graphs:.2f} |")


if __name__ == "__main__":
    main()
