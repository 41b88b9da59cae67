"""Partial results are reported as such; an unknown experiment is a clear error (exit code 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from .conftest import write_report
from .mlflow_runs import client_for, log_run, start_invocation

CONFIG = "minimax + alternating(d_steps=1)"


@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    """A benchmark still running: 6 runs planned; 3 complete (one diverged), one RUNNING, one
    crashed (FAILED without the complete tag), one not started."""
    store = tmp_path_factory.mktemp("partial-store")
    client = client_for(store)
    exp_id, parent = start_invocation(client, "halfway", planned=6, status="RUNNING")
    ids = {}
    for seed, covered in enumerate([6.0, 7.0]):
        ids[seed] = log_run(client, exp_id, parent, "ring", CONFIG, seed, {"modes/covered": covered})
    ids["diverged"] = log_run(
        client, exp_id, parent, "ring", CONFIG, 2, {"modes/covered": 0.0}, diverged=True
    )
    ids["running"] = log_run(client, exp_id, parent, "ring", CONFIG, 3, {}, status="RUNNING", complete=False)
    ids["crashed"] = log_run(client, exp_id, parent, "ring", CONFIG, 4, {}, status="FAILED", complete=False)
    out = tmp_path_factory.mktemp("partial-report")
    code = write_report(store, "halfway", out, sections=["ranking", "stability"])
    return store, out, ids, code


def test_partial_results_are_reported_as_such(partial):
    _, out, ids, code = partial
    assert code == 0
    summary = (out / "summary.md").read_text()
    assert "**PARTIAL RESULTS: 3 of 6 planned runs complete" in summary
    assert "is marked RUNNING: it is still training" in summary
    assert "3 of the 6 planned runs have no complete result yet." in summary
    assert "Unfinished runs (not in any table or figure): 1 FAILED, 1 RUNNING." in summary
    assert ids["running"] in summary and ids["crashed"] in summary
    html = (out / "index.html").read_text()
    assert 'class="status partial"' in html and ids["running"] in html


def test_unfinished_runs_stay_out_of_the_numbers_and_diverged_seeds_count_as_failures(partial):
    _, out, ids, _ = partial
    table = pd.read_csv(out / "results.csv")
    assert sorted(table["run_id"]) == sorted([ids[0], ids[1], ids["diverged"]])
    assert table.set_index("run_id").loc[ids["diverged"], "diverged"]
    summary = (out / "summary.md").read_text()
    assert "on ring, 1 of 3 seeds diverged (counted as failures)" in summary
    ranking_row = next(x for x in summary.splitlines() if x.startswith(f"| 1 | {CONFIG} |"))
    assert "| 3 | 67% |" in ranking_row  # 3 complete seeds, 2 of them did not diverge


def test_unknown_experiment_exits_2_listing_the_existing_ones(partial, cli, tmp_path):
    store, *_ = partial
    proc = cli(
        "report",
        "no_such_experiment",
        "--tracking-uri",
        f"sqlite:///{store}/mlflow.db",
        "--out",
        str(tmp_path),
    )
    assert proc.returncode == 2
    assert "experiment 'no_such_experiment' is not in the MLflow store" in proc.stderr
    assert "Experiments there: halfway." in proc.stderr
    assert "Traceback" not in proc.stderr and not any(tmp_path.iterdir())


def test_a_missing_store_is_an_error_not_a_new_empty_store(cli, tmp_path):
    proc = cli("report", "default", cwd=tmp_path)
    assert proc.returncode == 2
    assert (
        "there is no MLflow store at sqlite:///mlflow.db" in proc.stderr and "make benchmark" in proc.stderr
    )
    assert not (tmp_path / "mlflow.db").exists()
