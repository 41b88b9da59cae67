"""The ranking at half the budget against the ranking at the budget, on histories with a known answer."""

from __future__ import annotations

import pandas as pd

from ganbench.report.budget_ranking import common_checkpoints, compare_checkpoints

from .conftest import write_report
from .mlflow_runs import client_for, log_run, start_invocation


def curves(history: dict[str, dict[int, list[float]]]) -> pd.DataFrame:
    """Rows as ``ReportData.curves`` gives them: configuration → step → one value per seed."""
    rows = [
        {"configuration": c, "run_id": f"{c}-{seed}", "seed": seed, "step": step, "value": v}
        for c, steps in history.items()
        for step, values in steps.items()
        for seed, v in enumerate(values)
    ]
    return pd.DataFrame(rows)


def test_checkpoints_are_the_last_common_step_and_the_one_nearest_half_of_it():
    frame = curves({"a": {500: [1], 1000: [2], 1500: [2], 2000: [3]}, "b": {500: [1], 1000: [2], 2000: [1]}})
    assert common_checkpoints(frame) == (1000, 2000)
    assert common_checkpoints(curves({"a": {2000: [1]}, "b": {2000: [2]}})) is None


def test_a_ranking_that_keeps_its_order_is_settled():
    frame = curves(
        {
            "a": {1000: [5.0, 6.0], 2000: [7.0, 8.0]},
            "b": {1000: [3.0, 4.0], 2000: [5.0, 6.0]},
            "c": {1000: [1.0, 2.0], 2000: [2.0, 2.0]},
        }
    )
    check = compare_checkpoints(frame, higher_is_better=True)
    assert (check.half_step, check.full_step) == (1000, 2000)
    assert check.tau == 1.0 and check.settled
    assert check.leaders_half == check.leaders_full == ["a"]
    assert check.table["configuration"].tolist() == ["a", "b", "c"]
    assert check.table.loc[0, "mean_full"] == 7.5 and check.table.loc[0, "run_ids"] == ["a-0", "a-1"]


def test_a_reversed_ranking_is_not_settled_and_direction_matters():
    frame = curves(
        {"a": {1000: [1.0], 2000: [3.0]}, "b": {1000: [2.0], 2000: [2.0]}, "c": {1000: [3.0], 2000: [1.0]}}
    )
    up = compare_checkpoints(frame, higher_is_better=True)
    assert up.tau == -1.0 and not up.settled
    assert up.leaders_half == ["c"] and up.leaders_full == ["a"]
    down = compare_checkpoints(frame, higher_is_better=False)  # lower is better: leaders swap too
    assert down.leaders_half == ["a"] and down.leaders_full == ["c"]


def test_ties_share_a_rank_and_a_tied_leader_still_counts():
    frame = curves({"a": {1: [8.0], 2: [8.0]}, "b": {1: [7.0], 2: [8.0]}, "c": {1: [2.0], 2: [3.0]}})
    check = compare_checkpoints(frame, higher_is_better=True)
    assert check.leaders_full == ["a", "b"] and check.leaders_half == ["a"]
    assert sorted(check.table["rank_full"]) == [1, 1, 3]
    assert check.settled


def test_the_section_reports_the_check_with_its_runs(tmp_path):
    store = tmp_path / "store"
    client = client_for(store)
    exp_id, parent = start_invocation(client, "synthetic", planned=9)
    for config, covered in {
        "minimax + alternating(d_steps=1)": 3.0,
        "hinge + alternating(d_steps=1)": 6.0,
        "least_squares + alternating(d_steps=1)": 5.0,
    }.items():
        for seed in range(3):
            log_run(client, exp_id, parent, "ring", config, seed, {"modes/covered": covered + 0.1 * seed})
    assert write_report(store, "synthetic", tmp_path / "out", sections=["ranking_budget"]) == 0
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "the ranking by modes covered at 100 updates agrees with the one at 50 updates" in summary
    assert "Kendall τ = 1.00; leader: hinge + alternating(d_steps=1)" in summary


def test_two_configurations_settle_no_budget(tmp_path):
    """Kendall τ of two rankings of two configurations is ±1: agreement there says nothing."""
    store = tmp_path / "store"
    client = client_for(store)
    exp_id, parent = start_invocation(client, "pair", planned=6)
    for config, covered in {
        "minimax + alternating(d_steps=1)": 3.0,
        "hinge + alternating(d_steps=1)": 6.0,
    }.items():
        for seed in range(3):
            log_run(client, exp_id, parent, "ring", config, seed, {"modes/covered": covered + 0.1 * seed})
    assert write_report(store, "pair", tmp_path / "out", sections=["ranking_budget"]) == 0
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "only 2 configurations are ranked by modes covered" in summary
    assert "looks long enough" not in summary
