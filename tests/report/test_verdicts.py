"""Verdicts on runs whose right answer is known: clearly separated values name the winner,
overlapping values give "no clear difference" — through MLflow and ``ganbench report``; the tests
and intervals behind them checked against scipy; few seeds, ties, undefined τ and collapse."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ganbench.report.budget_ranking import compare_checkpoints
from ganbench.report.quality import KNOWN, STABILITY
from ganbench.report.stats import by_configuration, shared_ranks, t_interval
from ganbench.report.verdicts import holm, verdict, welch_p

from .conftest import write_report
from .mlflow_runs import client_for, log_run, start_invocation

GOOD, BAD = "wasserstein + alternating(d_steps=5)", "minimax + alternating(d_steps=1)"
SEPARATED = {GOOD: [7.9, 8.0, 8.0, 7.8, 8.0], BAD: [2.0, 2.2, 1.9, 2.1, 2.0]}
OVERLAPPING = {GOOD: [3.0, 5.0, 4.0, 6.0, 2.0], BAD: [4.0, 3.0, 5.0, 2.0, 6.5]}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A store with two datasets: on ring the two configurations are far apart in modes covered,
    and the one covering fewer modes has more high-quality samples (collapse); on grid their seeds
    interleave and every high-quality share is 0.5. Returns the summary.md text."""
    store = tmp_path_factory.mktemp("verdict-store")
    client = client_for(store)
    exp_id, parent = start_invocation(client, "synthetic", planned=20)
    for dataset, values in (("ring", SEPARATED), ("grid", OVERLAPPING)):
        for config, covered in values.items():
            for seed, c in enumerate(covered):
                hq = 0.5 if dataset == "grid" else (0.9 if config == BAD else 0.4) + 0.01 * seed
                finals = {"modes/covered": c, "modes/high_quality": hq, "frechet/fd": 1.0 + 0.01 * seed}
                log_run(client, exp_id, parent, dataset, config, seed, finals)
    out = tmp_path_factory.mktemp("verdict-report")
    assert write_report(store, "synthetic", out, sections=["ranking"]) == 0
    return (out / "summary.md").read_text()


def test_separated_values_name_the_winner(report):
    # five seeds a side and p far below 0.05: a finding, in bold
    line = next(x for x in report.splitlines() if x.startswith(f"- **on ring, {GOOD} covers more modes"))
    assert f"than {BAD}: 7.94 [" in line  # mean of 7.9, 8.0, 8.0, 7.8, 8.0
    assert " vs 2.04 [" in line  # mean of 2.0, 2.2, 1.9, 2.1, 2.0
    assert "Welch's t-test, Holm-corrected over the 1 comparison)" in line and line.endswith(".**")


def test_a_higher_share_on_fewer_modes_is_called_collapse_not_better(report):
    ring = report.split("### ring")[1].split("###")[0]
    assert "has more high-quality samples" not in ring
    line = next(x for x in ring.splitlines() if "collapsed onto" in x)
    # BAD: 90–94 % high quality (mean 92.0) on 2.04 modes; GOOD covers 7.94
    assert f"{BAD} (92.0 % high quality) collapsed onto 2.04 modes" in line and "(7.94)" in line


def test_overlapping_values_give_no_clear_difference(report):
    line = next(x for x in report.splitlines() if x.startswith("- on grid, modes covered"))
    assert "no clear difference" in line
    assert "covers more modes" not in report.split("### grid")[1].split("###")[0]


def test_identical_values_give_no_clear_difference(report):
    # modes/high_quality is 0.5 for every run on grid
    line = next(x for x in report.splitlines() if x.startswith("- on grid, high-quality samples"))
    assert (
        "no clear difference" in line and "every seed of all 2 configurations has the same value, 50" in line
    )


def runs_frame(values: dict[str, list[float]], metric: str, diverged: dict[str, list[bool]] | None = None):
    rows = []
    for config, seeds in values.items():
        for seed, v in enumerate(seeds):
            flags = (diverged or {}).get(config, [False] * len(seeds))
            rows.append(
                {
                    "configuration": config,
                    "loss_label": config.split(" + ")[0],
                    "schedule_label": config.split(" + ")[1],
                    "run_id": f"{config}-{seed}",
                    "diverged": flags[seed],
                    metric: v,
                }
            )
    return pd.DataFrame(rows)


def test_lower_is_better_metrics_pick_the_lowest():
    q = KNOWN["frechet/fd"]
    runs = runs_frame({GOOD: [0.10, 0.11, 0.12], BAD: [0.90, 0.95, 1.00]}, q.final)
    found = verdict(by_configuration(runs, q.final), q, "ring")
    assert (found.kind, found.winner, found.loser) == ("tentative", GOOD, BAD)  # 3 seeds: not a finding
    assert found.text.startswith(f"on ring, {GOOD} has a lower Fréchet distance than {BAD}")


def test_stability_verdicts_prefer_the_steadier_configuration():
    q = STABILITY["stability/oscillation"]
    runs = runs_frame({GOOD: [2.0, 2.1, 2.2], BAD: [0.1, 0.1, 0.2]}, q.key)
    found = verdict(by_configuration(runs, q.key), q, "grid")
    assert (found.winner, found.loser) == (BAD, GOOD)


def test_diverged_seeds_are_failures_and_non_finite_values_are_left_out():
    q = KNOWN["modes/covered"]
    runs = runs_frame(
        {GOOD: [8.0, 8.0, math.nan], BAD: [3.0, 3.1, 2.9]}, q.final, diverged={GOOD: [False, False, True]}
    )
    stats = by_configuration(runs, q.final).set_index("configuration")
    assert stats.loc[GOOD, "success_rate"] == pytest.approx(2 / 3) and stats.loc[BAD, "success_rate"] == 1.0
    assert stats.loc[GOOD, "n_finite"] == 2 and stats.loc[GOOD, "mean"] == 8.0


def test_a_single_seed_gives_no_verdict():
    q = KNOWN["modes/covered"]
    runs = runs_frame({GOOD: [8.0], BAD: [1.0]}, q.final)
    found = verdict(by_configuration(runs, q.final), q, "ring")
    assert found.kind == "note" and "nothing to compare" in found.text and found.winner is None


def test_welch_p_values_are_scipys_and_holm_adjusts_them_step_down():
    a, b = [7.9, 8.0, 8.0, 7.8, 8.0], [2.0, 2.2, 1.9, 2.1, 2.0]
    assert welch_p(a, b) == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue, rel=1e-12)
    assert math.isnan(welch_p([1.0, 1.0], [1.0, 1.0])) and math.isnan(welch_p([1.0], [2.0, 3.0]))
    # Holm by hand: sorted 0.01, 0.03, 0.04 → ×3, ×2, ×1 = 0.03, 0.06, 0.04 → running max 0.03, 0.06, 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, math.nan]) == pytest.approx([1.0, 1.0])  # NaN counts as 1; capped at 1


def test_few_seeds_get_student_t_intervals_and_tentative_claims():
    # t interval of [1, 3]: mean 2, sd √2, sem 1, t(0.975, 1) = 12.706
    low, high = t_interval(np.array([1.0, 3.0]))
    assert (low, high) == pytest.approx(stats.t.interval(0.95, 1, loc=2.0, scale=1.0))
    assert low == pytest.approx(2 - 12.7062, abs=1e-3) and t_interval(np.array([4.0, 4.0])) == (4.0, 4.0)
    q = KNOWN["frechet/fd"]
    runs = runs_frame({GOOD: [0.10, 0.11, 0.12], BAD: [0.90, 0.95, 1.00]}, q.final)
    summary = by_configuration(runs, q.final).set_index("configuration")
    assert set(summary["ci_method"]) == {"Student t"}
    assert summary.loc[GOOD, "ci_low"] == pytest.approx(
        stats.t.interval(0.95, 2, 0.11, 0.01 / math.sqrt(3))[0]
    )
    found = verdict(by_configuration(runs, q.final), q, "ring")
    assert found.kind == "tentative" and "Tentative: 3 seeds, fewer than the 5" in found.text
    five = runs_frame({GOOD: [0.10, 0.11, 0.12, 0.1, 0.11], BAD: [0.90, 0.95, 1.00, 0.9, 0.95]}, q.final)
    assert set(by_configuration(five, q.final)["ci_method"]) == {"BCa bootstrap"}


def test_holm_correction_withholds_a_claim_a_single_test_would_make():
    # best vs two others, raw p 0.027 and 0.043: alone each would pass 0.05, Holm multiplies by 2 and 1
    q = KNOWN["modes/covered"]
    best, mid1, mid2 = [8.0, 7.0, 8.0, 7.0, 8.0], [6.2, 7.2, 6.2, 7.2, 6.7], [6.3, 7.3, 6.3, 7.3, 6.8]
    runs = runs_frame({GOOD: best, BAD: mid1, "hinge + simultaneous": mid2}, q.final)
    raw = [welch_p(best, mid1), welch_p(best, mid2)]
    assert all(0.025 < p < 0.05 for p in raw), raw
    found = verdict(by_configuration(runs, q.final), q, "ring")
    assert found.kind == "no clear difference" and "Holm-corrected over the 2 comparisons" in found.text


def test_equal_means_share_a_rank():
    assert shared_ranks(pd.Series([0.0, 0.0, 0.0, 0.0, 5.0]), True) == [2, 2, 2, 2, 1]
    assert shared_ranks(pd.Series([1.0, 3.0, 1.0, math.nan]), False) == [1, 3, 1, 4]


def test_an_undefined_kendall_tau_settles_nothing():
    # every configuration at 0 at half the budget: the ranking there is all ties, τ undefined
    curves = pd.DataFrame(
        [
            {"configuration": c, "step": s, "value": v, "run_id": f"{c}-{s}"}
            for c, late in (("a", 1.0), ("b", 2.0), ("c", 3.0))
            for s, v in ((50, 0.0), (100, late))
        ]
    )
    check = compare_checkpoints(curves, higher_is_better=True)
    assert math.isnan(check.tau) and not check.settled


def test_the_budget_verdict_of_an_undefined_tau_makes_no_claim(tmp_path):
    store = tmp_path / "store"
    client = client_for(store)
    exp_id, parent = start_invocation(client, "ties", planned=9)
    for config in (GOOD, BAD, "hinge + alternating(d_steps=1)"):
        for seed in range(3):  # 0 modes at both evaluations (50 and 100) for every configuration
            log_run(client, exp_id, parent, "ring", config, seed, {"modes/covered": 0.0})
    assert write_report(store, "ties", tmp_path / "out", sections=["ranking", "ranking_budget"]) == 0
    text = (tmp_path / "out" / "summary.md").read_text()
    assert "Kendall τ is undefined" in text and "looks long enough" not in text
    assert "| 1 | " in text and "| 2 | " not in text  # three configurations tied at 0 share rank 1
