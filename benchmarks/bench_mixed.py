"""Members of different losses in one model: the default spec's ring cells with the three losses of
a schedule packed (one model of 15 members) against three models of 5, per schedule; and what
packing two schedules (alternating 1:1 with 5:1) would cost (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_mixed.py [--g-steps 30] [--reps 3] [--threads 1]
        [--csv reports/perf/mixed.csv] [--smoke]

The cells are ``experiments/default.yaml``'s on ``ring`` (its train settings: batch 256, networks
3 × 128, z_dim 16, Adam 2e-4 (0.5, 0.999); its losses minimax, modified_minimax, wasserstein; its
four schedules; 5 seeds), trained for ``--g-steps`` generator updates with no evaluation. Each
repetition trains, per schedule, the three cells one after another and then packed, interleaved.
The clock is this process's CPU time with one torch thread; kernel-making operators per generator
update (a GPU's launches, :mod:`ganbench.train.op_count`) are counted in one further run of each.

Schedules: a model whose members follow alternating 1:1 and 5:1 must run, at every tick where one
group moves D and the other G, both updates over all its members under masks (the trainer's
per-seed path), and keep the 1:1 members (spent after a third of the 5:1 members' ticks) in the
model. This is emulated — a per-seed schedule that gives rows 0–4 the 1:1 and rows 5–9 the 5:1
sequence, on one model of 10 — and timed against the two models of 5 one after another. (The
emulation draws random numbers for both updates at every tick, so its members are not their cells
trained alone: it measures the cost, not a packing.)
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import torch
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import smoke  # noqa: E402
from ganbench.contracts import Step  # noqa: E402
from ganbench.train.build import build, build_population  # noqa: E402
from ganbench.train.op_count import OpCounter  # noqa: E402
from ganbench.train.population import group  # noqa: E402
from ganbench.train.trainer import train  # noqa: E402
from ganbench.validation import train_config  # noqa: E402

SPEC = ROOT / "experiments" / "default.yaml"


def ring_cells(g_steps: int) -> dict[str, list]:
    """The default spec's ring cells by schedule: {schedule label: [one config per loss]}."""
    spec = yaml.safe_load(SPEC.read_text())
    base = {
        **spec["train"],
        "dataset": {"name": "ring"},
        "seeds": list(range(spec["seeds"])),
        "g_steps": g_steps,
        "eval_every": 10 * g_steps,
        "eval_samples": 16,
        "log_every": 50,
        "device": "cpu",
    }
    out = {}
    for schedule in spec["schedules"]:
        ref = {"name": schedule} if isinstance(schedule, str) else schedule
        label = " ".join(f"{k}={v}" for k, v in ref.items() if k != "name") or ref["name"]
        label = f"{ref['name']} {label}" if label != ref["name"] else label
        cell = {**base, "schedule": ref}
        out[label] = [train_config({**cell, "loss": {"name": loss}}, "bench") for loss in spec["losses"]]
    return out


def timed(run) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def models(cfgs: list, pack: bool) -> list:
    """The cells built as one model (``pack``; the check that the three losses pack) or three."""
    if not pack:
        return [build(cfg, "bench") for cfg in cfgs]
    (idx,) = group(cfgs)
    return [build_population([cfgs[i] for i in idx], "bench")]


def apart(cfgs: list) -> None:
    for setup in models(cfgs, pack=False):
        train(setup)


def packed(cfgs: list) -> None:
    for setup in models(cfgs, pack=True):
        train(setup)


def ops_per_update(cfgs: list, pack: bool, warm: int = 4, updates: int = 12) -> float:
    """Kernel-making operators per generator update of all members (training only, set-up and the
    final evaluation cancelling out between two budgets)."""
    totals = []
    for g_steps in (warm, warm + updates):
        setups = models([c.model_copy(update={"g_steps": g_steps}) for c in cfgs], pack)
        with OpCounter() as counter:
            for setup in setups:
                train(setup)
        totals.append(counter.total)
    return (totals[1] - totals[0]) / updates


class TwoSchedules:
    """Per-seed masks: rows < ``split`` alternate 1:1, the others 5:1 (the emulation above)."""

    per_seed = True
    reads_accuracy = False  # the trainer keeps no running accuracy for it (Schedule.reads_accuracy)
    reads_counts = False  # nor adds up the counts for it each tick (Schedule.reads_counts)

    def __init__(self, n: int, split: int) -> None:
        self.first = torch.arange(n) < split

    def next_step(self, state) -> Step:
        d = torch.where(self.first, state.tick % 2 == 0, state.tick % 6 < 5)
        return Step(d, ~d)


def two_schedules(one_one, five_one) -> None:
    setup = build_population([one_one, one_one.model_copy(update={"seeds": five_one.seeds})], "bench")
    setup.schedule = TwoSchedules(setup.n_seeds, len(one_one.seeds))
    train(setup)


def two_schedules_ops(one_one, five_one, warm: int = 4, updates: int = 12) -> tuple[float, float]:
    """Operators per generator update (of every member) of the 1:1 and 5:1 cells apart, and as the
    emulated model of both."""
    out = []
    for run in (lambda a, b: (train(build(a, "bench")), train(build(b, "bench"))), two_schedules):
        totals = []
        for g_steps in (warm, warm + updates):
            with OpCounter() as counter:  # (set-up counted too: it cancels out)
                run(*(c.model_copy(update={"g_steps": g_steps}) for c in (one_one, five_one)))
            totals.append(counter.total)
        out.append((totals[1] - totals[0]) / updates)
    return out[0], out[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--g-steps", type=int, default=30)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--csv", default="reports/perf/mixed.csv")
    parser.add_argument("--op-warm", type=int, default=4, help="G updates before the counted ones")
    parser.add_argument("--op-updates", type=int, default=12, help="G updates whose operators count")
    tiny = {"g_steps": 2, "reps": 1, "csv": os.devnull, "op_warm": 1, "op_updates": 1}
    args = smoke.parse(parser, tiny)
    counted = {"warm": args.op_warm, "updates": args.op_updates}
    torch.set_num_threads(args.threads)
    cells = ring_cells(args.g_steps)
    one_one, five_one = (cells[k][0] for k in ("alternating d_steps=1", "alternating d_steps=5"))
    five_one = five_one.model_copy(update={"seeds": [s + 100 for s in five_one.seeds]})
    packed(next(iter(ring_cells(2).values())))  # warm-up (allocator, cached constants)
    rows = []
    for rep in range(args.reps):
        for label, cfgs in cells.items():
            a, p = timed(lambda cfgs=cfgs: apart(cfgs)), timed(lambda cfgs=cfgs: packed(cfgs))
            rows.append({"rep": rep, "what": label, "apart": a, "packed": p})
        sep = timed(lambda: apart([one_one, five_one]))
        mix = timed(lambda: two_schedules(one_one, five_one))
        rows.append({"rep": rep, "what": "1:1 with 5:1 (emulated)", "apart": sep, "packed": mix})
        print("rep", rep, ", ".join(f"{r['what']} ×{r['apart'] / r['packed']:.2f}" for r in rows[-5:]))
    updates = args.g_steps
    print(
        f"\nThe default spec's ring cells, {updates} G updates each, 5 seeds, CPU ({torch.__version__}, "
        f"{torch.get_num_threads()} thread(s), process time; median [min, max] of {args.reps}):"
    )
    head = f"  {'schedule':<26} {'3 models of 5':>16} {'1 model of 15':>16}"
    print(f"{head} {'speed-up':>18} {'ops/update':>18}")
    for label, cfgs in cells.items():
        mine = [r for r in rows if r["what"] == label]
        a = statistics.median(r["apart"] for r in mine) / updates * 1e3
        p = statistics.median(r["packed"] for r in mine) / updates * 1e3
        ratios = [r["apart"] / r["packed"] for r in mine]
        ops_a, ops_p = (ops_per_update(cfgs, pack=pack, **counted) for pack in (False, True))
        print(
            f"  {label:<26} {a:11.1f} ms/G {p:11.1f} ms/G   ×{statistics.median(ratios):.2f} "
            f"[{min(ratios):.2f}, {max(ratios):.2f}] {ops_a:7.0f} → {ops_p:.0f}"
        )
    mine = [r for r in rows if r["what"] == "1:1 with 5:1 (emulated)"]
    ratios = [r["apart"] / r["packed"] for r in mine]
    print(
        "  1:1 and 5:1 as one model of 10 (emulated) against two models of 5: "
        f"×{statistics.median(ratios):.2f} [{min(ratios):.2f}, {max(ratios):.2f}] "
        "(below 1: packing costs more CPU time)"
    )
    ops_apart, ops_mixed = two_schedules_ops(one_one, five_one, **counted)
    print(f"  operators per generator update: two models {ops_apart:.0f}, one model {ops_mixed:.0f}")
    path = Path(args.csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", newline="") as fh:
        writer = csv.DictWriter(fh, ["when", "host", "g_steps", "rep", "what", "apart", "packed"])
        if new:
            writer.writeheader()
        when = datetime.now(UTC).isoformat(timespec="seconds")
        host = platform.node() or os.uname().nodename
        for r in rows:
            writer.writerow({"when": when, "host": host, "g_steps": updates, **r})
    print(f"raw figures appended to {path}")


if __name__ == "__main__":
    main()
