"""Reference rows in MLflow: scored once per experiment and evaluation setting, invisible to the code
that plans, claims and resumes training, and read back by the report loader."""

from __future__ import annotations

from pathlib import Path

from ganbench.experiment.references import needed, reference_key
from ganbench.experiment.spec import from_mapping
from ganbench.tracking.load import load
from ganbench.tracking.references import ensure_references, recorded_keys
from ganbench.tracking.tracker import Tracker

SPEC = {
    "name": "refs",
    "datasets": ["ring", "grid"],
    "losses": ["minimax", "hinge"],
    "schedules": ["alternating"],
    "seeds": 1,
    "train": {"eval_samples": 200, "metrics": ["modes", "frechet"]},
}


def test_references_are_scored_once_and_read_back(tmp_path: Path):
    exp = from_mapping(SPEC, "refs.yaml")
    assert len(needed(exp)) == 2  # one per dataset: the losses do not change what data or noise score
    tracker = Tracker.connect(f"sqlite:///{tmp_path}/mlflow.db")
    experiment_id = tracker.experiment_id("refs")
    heard = []
    assert ensure_references(tracker, experiment_id, "", exp, on_scoring=heard.append) == 2
    assert heard == ["ring", "grid"]
    assert ensure_references(tracker, experiment_id, "", exp) == 0  # recorded: never scored again
    assert recorded_keys(tracker, experiment_id) == {reference_key(c.config) for c in exp.cells}
    assert tracker.completed_keys(experiment_id) == set()  # no training run key among them

    data = load(tracker, "refs", tmp_path / "artifacts")
    assert data.runs.empty  # the reference runs are not (configuration, seed) runs
    ring = data.references_for("ring")
    assert sorted(ring["configuration"].unique()) == ["reference: real data", "reference: uniform noise"]
    assert len(ring) == 10 and sorted(ring["seed"].unique()) == [0, 1, 2, 3, 4]
    real, noise = (data.references_for("ring", k) for k in ("real", "noise"))
    assert (real["final/modes/covered"] == 8).all()
    assert noise["final/modes/high_quality"].mean() < 0.02 < real["final/modes/high_quality"].mean()
    assert set(ring["param.range.modes/covered"]) == {"0 8"}
    assert set(data.references_for("grid")["param.range.modes/covered"]) == {"0 25"}


def test_a_changed_evaluation_setting_gets_its_own_references_and_the_report_uses_the_newest(tmp_path):
    tracker = Tracker.connect(f"sqlite:///{tmp_path}/mlflow.db")
    experiment_id = tracker.experiment_id("refs")
    first = from_mapping({**SPEC, "datasets": ["ring"]}, "refs.yaml")
    ensure_references(tracker, experiment_id, "", first)
    more = {**SPEC, "datasets": ["ring"], "train": {**SPEC["train"], "eval_samples": 300}}
    assert ensure_references(tracker, experiment_id, "", from_mapping(more, "refs.yaml")) == 1
    ring = load(tracker, "refs", tmp_path / "artifacts").references_for("ring")
    assert len(ring) == 10 and set(ring["param.reference.samples"]) == {"300"}
