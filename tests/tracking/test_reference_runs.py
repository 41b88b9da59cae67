"""Reference rows in MLflow: scored once per experiment and evaluation setting, invisible to the code
that plans, claims and resumes training, and read back by the report loader."""

from __future__ import annotations

from pathlib import Path

from ganbench.experiment.references import needed, reference_key
from ganbench.experiment.spec import digest, from_mapping
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


def test_curves_on_fewer_samples_get_references_on_that_count(tmp_path):
    """curve_samples below eval_samples: the reference runs also record every output on the curves'
    count (``curve/…``). 20 samples of the grid's data cover at most 20 of its 25 modes; 400 cover all."""
    train = {**SPEC["train"], "eval_samples": 400, "curve_samples": 20}
    exp = from_mapping({**SPEC, "datasets": ["grid"], "train": train}, "refs.yaml")
    tracker = Tracker.connect(f"sqlite:///{tmp_path}/mlflow.db")
    assert ensure_references(tracker, tracker.experiment_id("refs"), "", exp) == 1
    grid = load(tracker, "refs", tmp_path / "artifacts").references_for("grid")
    real = grid[grid["reference"] == "real"]
    assert (real["final/modes/covered"] == 25).all()
    assert (real["curve/modes/covered"] <= 20).all()
    assert grid["curve/frechet/fd"].notna().all()
    assert set(grid["param.reference.curve_samples"]) == {"20"}
    assert set(grid["param.reference.samples"]) == {"400"}


def test_the_reference_key_changes_only_where_the_curves_score_fewer_samples():
    """Stores recorded before curve references keep their references: a configuration without
    curve_samples (or with one at or above eval_samples) has the key of the settings without it."""
    train = SPEC["train"]

    def config(**extra):
        raw = {**SPEC, "datasets": ["ring"], "train": {**train, **extra}}
        return from_mapping(raw, "refs.yaml").cells[0].config

    before = {
        "dataset": {"name": "ring"},
        "metrics": train["metrics"],
        "metric_params": {},
        "eval_samples": train["eval_samples"],
        "draws": 5,
        "version": 1,
    }
    assert config().dataset.model_dump(mode="json") == before["dataset"]
    assert reference_key(config()) == digest(before)[:16] == "4c47ed5a403a181f"  # as recorded before
    assert reference_key(config(curve_samples=200)) == digest(before)[:16]  # the curves score all 200
    assert reference_key(config(curve_samples=50)) == digest({**before, "curve_samples": 50})[:16]
