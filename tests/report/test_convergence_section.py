"""The convergence section on synthetic runs with known plateau-test results: which way each run's
quality went (settled, still improving, got worse — from what to what)."""

from __future__ import annotations

import math

from ganbench.testing.report_contract import build, contract_data
from ganbench.testing.report_data import SyntheticRun, synthetic_data

FD = "frechet/fd"


def run(dataset: str, config: str, seed: int, converged: float, trend: float | None = None) -> SyntheticRun:
    """A run whose plateau test gave ``converged`` (and, when given, ``late_trend``)."""
    extra = {"stability/converged": converged, "stability/late_improvement": 0.2 * (1 - converged)}
    if trend is not None:
        extra["stability/late_trend"] = trend
    return SyntheticRun(dataset, config, seed, {"modes/covered": 5.0}, extra=extra)


def test_counts_per_configuration_and_a_plain_note_when_most_runs_still_improve(tmp_path):
    runs = [run("ring", "minimax + alternating(d_steps=1)", s, c) for s, c in enumerate([0.0, 0.0, 1.0])]
    runs += [run("grid", "minimax + alternating(d_steps=1)", s, c) for s, c in enumerate([1.0, math.nan])]
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    ring = next(t for t in result.tables if t.dataset == "ring").frame.iloc[0]
    counts = ("seeds", "settled", "still improving", "got worse", "unknown")
    assert tuple(ring[c] for c in counts) == (3, 1, 2, 0, 0)
    assert ring["late improvement (median)"] == "+20.0%"
    notes = {v.dataset: v.text for v in result.verdicts}
    assert notes["ring"].startswith("on ring, most runs had NOT converged: 2 of 3 were still improving")
    assert notes["grid"].startswith("on grid, only 1 of 2 runs had settled (1 settled, 0 still improving")
    assert notes[None].startswith("Only 2 of 5 runs had settled (2 settled, 2 still improving, 0 got worse")


def test_a_run_that_got_worse_is_not_called_settled_and_says_from_what_to_what(tmp_path):
    """The case behind the issue: a Fréchet distance rising 270 → 768 was counted as 'converged'."""
    worse = {"stability/late_trend/frechet/fd": -1.0, "stability/late_from/frechet/fd": 270.0}
    worse["stability/late_to/frechet/fd"] = 768.0
    runs = []
    for seed, trend in enumerate([-1.0, -1.0, 0.0]):
        r = run("digits", "wasserstein + alternating(d_steps=5)", seed, 1.0, trend)
        r.final[FD] = 700.0
        r.extra |= worse if trend < 0 else {"stability/late_trend/frechet/fd": 0.0}
        runs.append(r)
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    row = result.tables[0].frame.iloc[0]
    assert (row["settled"], row["got worse"]) == (1, 2)
    assert row["what got worse (fitted, window start → end)"] == "Fréchet distance 270 → 768 (2 seeds)"
    assert result.verdicts[0].text.startswith("on digits, most runs got WORSE over their last 4 evaluations")


def test_overall_note_counts_every_run(tmp_path):
    runs = [run("ring", "a + b", s, 0.0) for s in range(3)] + [run("grid", "a + b", 0, 1.0)]
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    overall = next(v for v in result.verdicts if v.dataset is None).text
    assert overall.startswith("Most runs had NOT converged: 3 of 4 were still improving")


def test_mostly_settled_is_said_without_alarm(tmp_path):
    runs = [run("ring", "a + b", s, c, t) for s, (c, t) in enumerate([(1.0, 0.0), (1.0, 0.0), (0.0, 1.0)])]
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    assert result.verdicts[0].text.startswith(
        "on ring, 2 of 3 runs had settled (2 settled, 1 still improving"
    )


def test_mostly_unknown_says_so(tmp_path):
    runs = [run("ring", "a + b", s, math.nan) for s in range(3)]
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    assert "convergence is unknown for most runs (3 of 3)" in result.verdicts[0].text


def test_runs_without_a_convergence_test_skip_the_section(tmp_path):
    runs = [SyntheticRun("ring", "a + b", 0, {"modes/covered": 5.0})]
    assert build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path) is None
    assert build("convergence", contract_data(tmp_path / "c"), tmp_path) is not None
