"""Every benchmark script runs: ``benchmarks/bench_*.py`` (found by name, so a new script is picked
up) in its seconds-long smoke mode (``--smoke``, :mod:`benchmarks.smoke`), as a subprocess in a
fresh folder. It must exit 0, print no traceback and print its table or result lines — what
``make perf`` runs whole. Scripts nothing runs rot: ``bench_seed_batching.py`` once called a
``Tracker.log_seed`` that no longer existed, and ``make perf`` failed for everyone."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "benchmarks").glob("bench_*.py"))

#: What each script prints once it has measured (its table's header row or its result line). A script
#: not named here still has to pass the general checks: exit 0, no traceback, a line with a figure.
RESULT = {
    "bench_compile.py": r"^\| S \| eager ms / round \| compiled ms / round",
    "bench_conv.py": r"^  ganbench S = 2 \(loop: the default here\): plain loop time per seed / ganbench "
    r"time per seed = [\d.]+$",
    "bench_default_ops.py": r"^apart: \d+ operators per G update over the ring's \d+ cell",
    "bench_eval_share.py": r"^  evaluation share of the spec: [\d.]+ % \(cells [\d.]+ – [\d.]+ %\)$",
    "bench_graphs.py": r"^\| (simultaneous|alternating\S*) \| \d+ \| \d+ \| [\d.]+ \|$",
    "bench_mixed.py": r"^  operators per generator update: two models \d+, one model \d+$",
    "bench_ops.py": r"^\| ganbench S = 2 \(philox streams\) \| [\d.,]+ \| [\d.]+ \|",
    "bench_parallel.py": r"^  processes take [\d.]+x the time of threads",
    "bench_population.py": r"^  one model's weights equal the cells' weights bit for bit: True$",
    "bench_prdc.py": r"^  precision [\d.]+, recall [\d.]+, density [\d.]+, coverage [\d.]+$",
    "bench_seed_batching.py": r"^\| tracking: MLflow logging as a share of a cell of 2 seeds",
    "bench_startup.py": r"^\| train, refused \(typo\) \| [\d.]+ s \([\d.]+–[\d.]+, [\d.]+× import "
    r"torch\) \|$",
    "bench_tuning_batches.py": r"^ +batch 1: 2 trials in [\d.]+ min .*2 complete",
}
#: Seconds a smoke run may take (they take 1–20 s on a 2-core CPU).
LIMIT = 600  # a loaded 2-core machine: bench_parallel and bench_tuning_batches took over 120 s


def test_there_are_scripts_to_run():
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_benchmark_script_runs_in_smoke_mode(script, tmp_path):
    env = {**os.environ, "GANBENCH_BENCH_SMOKE": "1", "COLUMNS": "160"}
    for key in ("MLFLOW_TRACKING_URI", "GANBENCH_STORAGE"):
        env.pop(key, None)
    proc = subprocess.run(
        [sys.executable, str(script), "--smoke"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=LIMIT,
    )
    said = f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, said
    assert "Traceback" not in proc.stderr, said
    assert any(re.search(r"\d", line) for line in proc.stdout.splitlines()), said
    if script.name in RESULT:
        assert re.search(RESULT[script.name], proc.stdout, re.MULTILINE), said


def test_smoke_mode_sets_tiny_defaults_and_keeps_options_given_on_the_command_line(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks import smoke

    def parser() -> argparse.ArgumentParser:
        p = argparse.ArgumentParser()
        p.add_argument("--reps", type=int, default=3)
        p.add_argument("--n", type=int, default=10_000)
        return p

    monkeypatch.delenv(smoke.ENV, raising=False)
    assert vars(smoke.parse(parser(), {"reps": 1, "n": 300}, [])) == {"reps": 3, "n": 10_000, "smoke": False}
    args = smoke.parse(parser(), {"reps": 1, "n": 300}, ["--smoke", "--n", "50"])
    assert vars(args) == {"reps": 1, "n": 50, "smoke": True}
    monkeypatch.setenv(smoke.ENV, "1")
    assert vars(smoke.parse(parser(), {"reps": 1, "n": 300}, [])) == {"reps": 1, "n": 300, "smoke": True}
