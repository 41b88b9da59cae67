"""Every distance a report shows names its feature space: the runs' ``feature_space.<metric>`` tags
(data, a digit classifier's features, Inception) are read back and put into the labels."""

from __future__ import annotations

import pandas as pd

from ganbench.registry import reports
from ganbench.report.quality import label, quality, verdict_metrics
from ganbench.testing.report_data import SyntheticRun, synthetic_data
from ganbench.tracking.load import tidy_runs
from ganbench.tracking.tracker import FEATURE_SPACE

SPACE = "28×28 MNIST classifier features"


def two_datasets(tmp_path):
    runs = [
        SyntheticRun(d, c, s, {"modes/covered": 5.0 + s, "frechet/fd": 1.0 + s})
        for d in ("stacked", "plain")
        for c in ("minimax + alternating(d_steps=1)", "hinge + alternating(d_steps=1)")
        for s in range(3)
    ]
    data = synthetic_data(runs, tmp_path)
    data.runs["feature_space.frechet"] = data.runs["dataset"].map({"stacked": SPACE, "plain": ""})
    return data


def test_the_tags_come_back_as_columns():
    raw = pd.DataFrame(
        {
            "run_id": ["a", "b"],
            "tags.dataset": ["stacked_mnist", "ring"],
            f"tags.{FEATURE_SPACE}frechet": [SPACE, None],
            "tags.ganbench.complete": ["true", "true"],
        }
    )
    assert tidy_runs(raw)["feature_space.frechet"].tolist() == [SPACE, ""]


def test_labels_name_the_space_the_datasets_runs_recorded(tmp_path):
    data = two_datasets(tmp_path)
    assert data.feature_space("stacked", "frechet") == SPACE
    assert data.feature_space("plain", "frechet") is None  # runs from before the tag: unchanged label
    assert label("frechet/fd", data, "stacked") == f"Fréchet distance ({SPACE})"
    assert label("frechet/fd", data, "plain") == label("frechet/fd") == "Fréchet distance"
    assert quality("modes/covered", data, "stacked").label == "modes covered"  # no space: no change
    checked = verdict_metrics("modes/covered", ["modes/covered", "frechet/fd"], data, "stacked")
    assert [q.label for q in checked] == ["modes covered", f"Fréchet distance ({SPACE})"]


def test_the_ranking_table_shows_the_space(tmp_path):
    data = two_datasets(tmp_path)
    result = reports.get("ranking")().build(data, None)
    stacked = next(t for t in result.tables if t.title.startswith("stacked"))
    assert f"Fréchet distance ({SPACE}) mean [95% CI]" in stacked.frame.columns
    plain = next(t for t in result.tables if t.title.startswith("plain"))
    assert "Fréchet distance mean [95% CI]" in plain.frame.columns
