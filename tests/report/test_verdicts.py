"""Verdicts on runs whose right answer is known: clearly separated values name the winner,
overlapping values give "no clear difference" — through MLflow and ``ganbench report``."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ganbench.report.quality import KNOWN, STABILITY
from ganbench.report.stats import by_configuration
from ganbench.report.verdicts import verdict

from .conftest import write_report
from .mlflow_runs import client_for, log_run, start_invocation

GOOD, BAD = "wasserstein + alternating(d_steps=5)", "minimax + alternating(d_steps=1)"
SEPARATED = {GOOD: [7.9, 8.0, 8.0, 7.8, 8.0], BAD: [2.0, 2.2, 1.9, 2.1, 2.0]}
OVERLAPPING = {GOOD: [3.0, 5.0, 4.0, 6.0, 2.0], BAD: [4.0, 3.0, 5.0, 2.0, 6.5]}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A store with two datasets: on ring the two configurations are far apart in modes covered,
    on grid their seeds interleave. Returns the summary.md text."""
    store = tmp_path_factory.mktemp("verdict-store")
    client = client_for(store)
    exp_id, parent = start_invocation(client, "synthetic", planned=20)
    for dataset, values in (("ring", SEPARATED), ("grid", OVERLAPPING)):
        for config, covered in values.items():
            for seed, c in enumerate(covered):
                finals = {"modes/covered": c, "modes/high_quality": 0.5, "frechet/fd": 1.0 + 0.01 * seed}
                log_run(client, exp_id, parent, dataset, config, seed, finals)
    out = tmp_path_factory.mktemp("verdict-report")
    assert write_report(store, "synthetic", out, sections=["ranking"]) == 0
    return (out / "summary.md").read_text()


def test_separated_values_name_the_winner(report):
    line = next(x for x in report.splitlines() if x.startswith(f"- on ring, {GOOD} covers more modes"))
    assert f"than {BAD}: 7.94 [" in line  # mean of 7.9, 8.0, 8.0, 7.8, 8.0
    assert " vs 2.04 [" in line  # mean of 2.0, 2.2, 1.9, 2.1, 2.0


def test_overlapping_values_give_no_clear_difference(report):
    line = next(x for x in report.splitlines() if x.startswith("- on grid, modes covered"))
    assert "no clear difference" in line
    assert "covers more modes" not in report.split("### grid")[1].split("###")[0]


def test_identical_values_give_no_clear_difference(report):
    # modes/high_quality is 0.5 for every run on both datasets
    for dataset in ("ring", "grid"):
        line = next(x for x in report.splitlines() if x.startswith(f"- on {dataset}, high-quality samples"))
        assert "no clear difference" in line


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
    assert (found.kind, found.winner, found.loser) == ("separated", GOOD, BAD)
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
