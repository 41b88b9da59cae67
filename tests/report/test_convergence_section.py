"""The convergence section on synthetic runs with known plateau-test results."""

from __future__ import annotations

import math

from ganbench.testing.report_contract import build, contract_data
from ganbench.testing.report_data import SyntheticRun, synthetic_data


def run(dataset: str, config: str, seed: int, converged: float) -> SyntheticRun:
    return SyntheticRun(
        dataset,
        config,
        seed,
        {"modes/covered": 5.0},
        extra={"stability/converged": converged, "stability/late_improvement": 0.2 * (1 - converged)},
    )


def test_counts_per_configuration_and_a_plain_note_when_most_runs_still_improve(tmp_path):
    runs = [run("ring", "minimax + alternating(d_steps=1)", s, c) for s, c in enumerate([0.0, 0.0, 1.0])]
    runs += [run("grid", "minimax + alternating(d_steps=1)", s, c) for s, c in enumerate([1.0, math.nan])]
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    ring = next(t for t in result.tables if t.dataset == "ring").frame.iloc[0]
    assert (ring["seeds"], ring["converged"], ring["still improving"], ring["unknown"]) == (3, 1, 2, 0)
    assert ring["late improvement (median)"] == "+20.0%"
    notes = {v.dataset: v.text for v in result.verdicts}
    assert notes["ring"].startswith("on ring, most runs had NOT converged: 2 of 3 were still improving")
    assert notes["grid"].startswith("on grid, only 1 of 2 runs had converged (0 still improving, 1 unknown)")
    assert notes[None].startswith("Only 2 of 5 runs had converged (2 still improving, 1 unknown)")


def test_overall_note_counts_every_run(tmp_path):
    runs = [run("ring", "a + b", s, 0.0) for s in range(3)] + [run("grid", "a + b", 0, 1.0)]
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    overall = next(v for v in result.verdicts if v.dataset is None).text
    assert overall.startswith("Most runs had NOT converged: 3 of 4 were still improving")


def test_mostly_converged_is_said_without_alarm(tmp_path):
    runs = [run("ring", "a + b", s, c) for s, c in enumerate([1.0, 1.0, 0.0])]
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    assert result.verdicts[0].text.startswith("on ring, 2 of 3 runs had converged, 1 still improving")


def test_mostly_unknown_says_so(tmp_path):
    runs = [run("ring", "a + b", s, math.nan) for s in range(3)]
    result = build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path)
    assert "convergence is unknown for most runs (3 of 3)" in result.verdicts[0].text


def test_runs_without_a_convergence_test_skip_the_section(tmp_path):
    runs = [SyntheticRun("ring", "a + b", 0, {"modes/covered": 5.0})]
    assert build("convergence", synthetic_data(runs, tmp_path / "a"), tmp_path) is None
    assert build("convergence", contract_data(tmp_path / "c"), tmp_path) is not None
