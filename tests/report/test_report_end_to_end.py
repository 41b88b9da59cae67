"""``ganbench report`` on a real benchmark store (experiments/quick.yaml): files, numbers against
MLflow, and the page in a real browser."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from browser import screenshot, visit
from mlflow.tracking import MlflowClient

from ganbench.tracking.tracker import COMPLETE

from .conftest import write_report

pytestmark = pytest.mark.slow  # trains the quick benchmark (shared with tests/tracking when on one worker)


@pytest.fixture(scope="module")
def quick_report(quick_store, tmp_path_factory):
    """The report of the quick benchmark, written once for this module."""
    out = tmp_path_factory.mktemp("report") / "quick"
    assert write_report(quick_store, "quick", out) == 0
    return out


@pytest.fixture(scope="module")
def complete_runs(quick_store):
    client = MlflowClient(tracking_uri=f"sqlite:///{quick_store}/mlflow.db")
    exp = client.get_experiment_by_name("quick")
    return {r.info.run_id: r for r in client.search_runs([exp.experiment_id], f"tags.`{COMPLETE}` = 'true'")}


def test_results_csv_equals_the_mlflow_runs(quick_report, complete_runs):
    table = pd.read_csv(quick_report / "results.csv")
    # quick.yaml: 4 configurations × 2 seeds, and the reference rows: real data and noise × 5 draws
    assert len(table) == len(complete_runs) == 8 + 10
    assert set(table["run_id"]) == set(complete_runs)
    assert sorted(table["reference"].fillna("").value_counts().items()) == [
        ("", 8),
        ("noise", 5),
        ("real", 5),
    ]
    metric_columns = [c for c in table.columns if c.startswith(("final/", "stability/"))]
    metric_columns += [
        "g_updates",
        "d_updates",
        "g_grad_evals",
        "d_grad_evals",
        "train_seconds",
        "eval_seconds",
    ]
    assert "final/modes/covered" in metric_columns and "stability/oscillation" in metric_columns
    for row in table.to_dict("records"):
        run = complete_runs[row["run_id"]]
        keys = ("dataset", "loss", "schedule") if not isinstance(row["reference"], str) else ("dataset",)
        assert [row[k] for k in keys] == [run.data.tags[k] for k in keys]
        assert row["configuration"] == run.data.tags["cell"] and row["seed"] == int(run.data.tags["seed"])
        for column in metric_columns:
            logged, value = run.data.metrics.get(column, math.nan), row[column]
            assert (math.isnan(value) and math.isnan(logged)) or value == logged, (row["run_id"], column)


def test_summary_has_the_tables_verdicts_and_figures(quick_report, complete_runs):
    text = (quick_report / "summary.md").read_text()
    assert text.startswith("# Report: quick") and "**Complete: 8 runs of 8 planned.**" in text
    about = "Tiny budgets and networks; checks that everything runs, not which loss is best."
    assert text.splitlines()[2] == about  # the spec's description, from the invocation's spec artifact
    verdicts = re.findall(r"^- on ring, .+$", text, flags=re.M)
    assert len(verdicts) >= 4  # primary + core quality metrics, divergence, stability figures
    assert any("no seed diverged (8 runs)" in v for v in verdicts)
    # the last ones: the convergence note and the ranking-across-the-budget check
    kinds = ("no clear difference", " than ", "diverged", "no verdict", "left out", "settled", "converged")
    kinds += ("the ranking by", "convergence is unknown", "got WORSE")
    assert all(any(k in v for k in kinds) for v in verdicts), verdicts
    notes = ("runs had settled", "had NOT converged", "convergence is unknown", "got WORSE")
    assert sum(any(n in v for n in notes) for v in verdicts) == 1
    went = "modes covered, high-quality samples (%), Fréchet distance (data)"
    title = f"### ring: which way {went} went at the end"
    convergence = text.split(title)[1].split("\n\n")[1].splitlines()
    assert convergence[0].startswith(
        "| configuration | seeds | settled | still improving | got worse | unknown"
    )
    assert len(convergence) == 2 + 4
    assert "| rank | configuration | seeds | not diverged | modes covered mean [95% CI]" in text
    ranking = text.split("### ring: ranking by modes covered")[1].split("\n\n")[1].splitlines()
    assert len(ranking) == 2 + 4 + 2  # header, rule, one row per configuration, the two reference rows
    assert ranking[-2].startswith("| ref | reference: real data | 5 draws |")
    assert ranking[-1].startswith("| ref | reference: uniform noise | 5 draws |")
    for path in re.findall(r"\]\((figures/[^)]+\.png)\)", text):
        assert (quick_report / path).stat().st_size > 10_000
    for run_id in complete_runs:
        assert run_id in text  # every run behind the numbers is named


def test_index_html_in_chromium(quick_report, chromium, tmp_path, complete_runs):
    page = visit(chromium, (quick_report / "index.html").as_uri())
    screenshot(page, tmp_path / "report.png")
    assert page.errors == []
    images = page.page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.src, i.naturalWidth])")
    figures = sorted((quick_report / "figures").glob("*.png"))
    assert len(images) == len(figures) >= 9
    assert all(width > 0 for _, width in images), images
    body = page.page.inner_text("body")
    assert "Verdicts" in body and "Provenance" in body and "git commit" in body
    assert "Tiny budgets and networks; checks that everything runs" in body
    assert all(run_id in page.page.content() for run_id in complete_runs)
    page.page.context.close()


def test_make_report_target_reports_every_experiment_unless_one_is_named():
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    rule = makefile.split("\nreport:")[1].split("\n\n")[0]
    assert "\nEXPERIMENT ?=\n" in makefile  # empty: every experiment (default, quick, …) in the store
    assert "ganbench report $(EXPERIMENT) --tracking-uri $(TRACKING_URI)" in rule
