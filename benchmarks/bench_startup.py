"""What a command costs before it does its work: CPU time of short ganbench commands, each against
importing torch alone (the floor every command pays), in one interleaved run.

    .venv/bin/python benchmarks/bench_startup.py [--rounds 5] [--checkout DIR ...] [--smoke]

Every command runs as its own process (``python -m ganbench …``, one torch thread); its CPU time
(user + system, from the children's resource usage) is the clock — steadier than wall time on a
shared machine. The commands, in turn each round: ``import torch``; ``ganbench --help``;
``ganbench train --loss wasserstien`` (refused: a typo, one paragraph); ``ganbench train`` of 5
generator updates (the whole command: build, train, evaluate, samples figure). ``--checkout`` times
the commands of other source trees too (another commit's worktree), interleaved with this one, so
two versions compare on the same machine at the same moment. A command's process start matters
wherever processes start often: worker processes, SLURM jobs, a user's typo, the test suite (about
230 processes a run).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import smoke  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = {
    "import torch": ["-c", "import torch"],
    "ganbench --help": ["-m", "ganbench", "--help"],
    "train, refused (typo)": ["-m", "ganbench", "train", "--loss", "wasserstien"],
    "train, 5 updates": ["-m", "ganbench", "train", "--g-steps", "5", "--seeds", "1", "--out", "{out}"],
}


def cpu_seconds(args: list[str], cwd: Path, out: Path) -> float:
    """CPU time (user + system) of one process running ``python ARGS`` in ``cwd``."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(cwd), "COLUMNS": "120"}
    env.pop("MLFLOW_TRACKING_URI", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, *[a.format(out=out) for a in args]], cwd=cwd, env=env, capture_output=True, text=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 2):  # 2: the refused typo, as it should be
        raise SystemExit(f"python {' '.join(args)} failed in {cwd}:\n{proc.stderr[-2000:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--checkout", type=Path, nargs="*", default=[], help="other source trees to time")
    parser.add_argument("--commands", nargs="+", default=list(COMMANDS), choices=list(COMMANDS))
    args = smoke.parse(parser, {"rounds": 1, "commands": ["import torch", "train, refused (typo)"]})
    trees = [ROOT, *[c.resolve() for c in args.checkout]]
    times: dict[tuple[str, Path], list[float]] = {(c, t): [] for c in args.commands for t in trees}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(args.rounds):
            for command in args.commands:
                for tree in trees:  # interleaved: each round runs every command of every tree
                    times[command, tree].append(cpu_seconds(COMMANDS[command], tree, Path(scratch) / "out"))
    print(f"CPU: {cpu_model()}; {args.rounds} round(s); CPU seconds a process (median, min–max)")
    floor = (
        {t: statistics.median(times["import torch", t]) for t in trees}
        if "import torch" in args.commands
        else {}
    )
    print("| command | " + " | ".join(str(t) for t in trees) + " |")
    print("|---|" + "---|" * len(trees))
    for command in args.commands:
        cells = []
        for tree in trees:
            xs = times[command, tree]
            ratio = f", {statistics.median(xs) / floor[tree]:.1f}× import torch" if floor.get(tree) else ""
            cells.append(f"{statistics.median(xs):.2f} s ({min(xs):.2f}–{max(xs):.2f}{ratio})")
        print(f"| {command} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
