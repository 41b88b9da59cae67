"""What a partial report says is missing comes from the invocation's own spec and options."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from ganbench.report.planned import planned_runs
from ganbench.report.status import status
from ganbench.testing.report_data import contract_runs, synthetic_data

QUICK = Path(__file__).resolve().parents[2] / "experiments" / "quick.yaml"


def test_planned_runs_follow_the_logged_spec_and_its_options(tmp_path):
    data = synthetic_data(contract_runs(), tmp_path / "a")
    spec_folder = tmp_path / "spec"
    spec_folder.mkdir()
    shutil.copy(QUICK, spec_folder / "quick.yaml")
    data.fetch_artifact = lambda run_id, path: spec_folder if path == "" else None
    data.invocations.loc[0, "command"] = "ganbench benchmark quick.yaml --seeds 3 --only loss=wasserstein"
    plan = planned_runs(data)
    assert sorted(plan["configuration"].unique()) == [
        "wasserstein + alternating(d_steps=1)",
        "wasserstein + alternating(d_steps=5)",
    ]
    assert sorted(plan["seed"]) == [0, 0, 1, 1, 2, 2] and set(plan["dataset"]) == {"ring"}
    data.runs["key"] = ""  # none of the synthetic runs belongs to this plan
    lines = status(data).lines
    assert "Planned but not started: ring | wasserstein + alternating(d_steps=1): seeds 0–2; " in " ".join(
        lines
    )


def test_an_unreadable_spec_gives_no_plan_rather_than_a_wrong_one(tmp_path):
    data = synthetic_data(contract_runs(), tmp_path / "a")
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "x.yaml").write_text("name: x\nlosses: [no_such_loss]\n")
    data.fetch_artifact = lambda run_id, path: tmp_path / "spec" if path == "" else None
    assert planned_runs(data) is None


def test_the_plan_applies_the_profile_the_invocation_recorded(tmp_path):
    from ganbench.experiment.spec import from_mapping

    raw = yaml.safe_load(QUICK.read_text())
    raw["profiles"] = {"long": {"train": {"g_steps": 200, "eval_every": 50}}}
    spec_folder = tmp_path / "spec"
    spec_folder.mkdir()
    (spec_folder / "quick.yaml").write_text(yaml.safe_dump(raw))
    data = synthetic_data(contract_runs(), tmp_path / "a")
    data.fetch_artifact = lambda run_id, path: spec_folder if path == "" else None
    data.invocations.loc[0, "command"] = "ganbench benchmark quick.yaml"
    data.invocations.loc[0, "profile"] = "long"
    expected = from_mapping(raw, "quick.yaml", profile="long")
    keys = {cell.run_key(s) for cell in expected.cells for s in cell.config.seeds}
    assert set(planned_runs(data)["key"]) == keys
    assert keys.isdisjoint(
        cell.run_key(s) for cell in from_mapping(raw, "quick.yaml").cells for s in cell.config.seeds
    )


def test_the_plan_applies_the_add_and_set_options_the_invocation_recorded(tmp_path):
    """A benchmark run with ``--set train.g_steps=…`` trains cells of other run keys than the spec as
    written, and ``--add`` adds cells: the plan follows the recorded options, so a complete run of such
    a benchmark is not reported as "PARTIAL: every run planned but not started"."""
    from ganbench.experiment.overrides import CommandLineChanges
    from ganbench.experiment.spec import from_mapping

    raw = yaml.safe_load(QUICK.read_text())
    spec_folder = tmp_path / "spec"
    spec_folder.mkdir()
    shutil.copy(QUICK, spec_folder / "quick.yaml")
    data = synthetic_data(contract_runs(), tmp_path / "a")
    data.fetch_artifact = lambda run_id, path: spec_folder if path == "" else None
    data.invocations.loc[0, "command"] = (
        "ganbench benchmark quick.yaml --set train.g_steps=1000 --add 'loss={name: hinge}' --set name=q2"
    )
    changes = CommandLineChanges(add=("loss={name: hinge}",), set=("train.g_steps=1000", "name=q2"))
    expected = from_mapping(raw, "quick.yaml", changes=changes)
    keys = {cell.run_key(s) for cell in expected.cells for s in cell.config.seeds}
    plan = planned_runs(data)
    assert set(plan["key"]) == keys and len(plan) == 12  # 3 losses × 2 schedules × 2 seeds
    assert keys.isdisjoint(
        cell.run_key(s) for cell in from_mapping(raw, "quick.yaml").cells for s in cell.config.seeds
    )
