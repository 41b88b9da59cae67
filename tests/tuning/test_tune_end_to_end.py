"""``ganbench tune`` for real on the quick tuning spec: the study in Optuna's SQLite storage, one
MLflow run per trial under the study's parent run, the best trial tagged, budget curves written,
and a rerun continuing the study up to ``n_trials``."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from .conftest import TUNE_QUICK, ganbench, mlflow_runs

pytestmark = pytest.mark.slow


def load_study(folder):
    import optuna

    storage = f"sqlite:///{folder / 'optuna.db'}"
    (summary,) = optuna.get_all_study_summaries(storage)
    return optuna.load_study(study_name=summary.study_name, storage=storage)


def test_tune_records_every_trial_in_both_stores_and_continues(tmp_path):
    proc = ganbench(tmp_path, "tune", str(TUNE_QUICK), "--jobs", "1")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    study = load_study(tmp_path)
    trials = study.get_trials()
    assert len(trials) == 5 and all(t.state.is_finished() for t in trials)
    assert study.user_attrs["ganbench.kind"] == "tune"

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (parent,) = mlflow_runs(uri, "tune_quick", "study")
    runs = mlflow_runs(uri, "tune_quick", "trial")
    by_number = {int(r.data.tags["optuna.trial_number"]): r for r in runs}
    assert sorted(by_number) == [t.number for t in trials]  # one run per trial, none lost or doubled
    state_names = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed"}
    for t in trials:
        run = by_number[t.number]
        assert run.data.tags["mlflow.parentRunId"] == parent.info.run_id
        assert run.data.tags["ganbench.complete"] == "true"
        assert run.data.tags["trial_state"] == state_names[t.state.name]
        assert float(run.data.params["d_optimizer.lr"]) == pytest.approx(t.params["d_optimizer.lr"])
        assert float(run.data.params["search.g_optimizer.lr"]) == pytest.approx(t.params["g_optimizer.lr"])
        if t.state.name == "COMPLETE":
            assert run.data.metrics["objective/modes/high_quality"] == pytest.approx(t.value)
            seeds = [run.data.metrics[f"seed_{s}/modes/high_quality"] for s in (0, 1)]
            assert t.value == pytest.approx(sum(seeds) / 2)  # the mean over the trial's seeds
    assert parent.data.tags["best_trial"] == str(study.best_trial.number)
    assert float(parent.data.tags["best_value"]) == pytest.approx(study.best_value, rel=1e-5)
    assert parent.data.tags["storage"] == "sqlite:///optuna.db"

    curves = pd.read_csv(tmp_path / "reports" / "tune_quick" / "tuning" / "budget_curves.csv")
    scored = [
        t
        for t in trials
        if t.state.name == "COMPLETE" or (t.state.name == "PRUNED" and t.intermediate_values)
    ]
    assert list(curves["k"]) == list(range(1, len(scored) + 1))
    assert curves["expected_best"].is_monotonic_increasing
    assert curves["expected_best"].iloc[-1] <= study.best_value + 1e-12
    assert (tmp_path / "reports" / "tune_quick" / "tuning" / "budget_curves.png").stat().st_size > 10_000
    assert "best: " in proc.stdout and "budget curve: expected best" in proc.stdout

    # Again: the study is complete, nothing more is trained.
    again = ganbench(tmp_path, "tune", str(TUNE_QUICK), "--jobs", "1")
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(load_study(tmp_path).get_trials()) == 5
    # A larger budget continues the same study (same name, same arm) with one more trial.
    raw = yaml.safe_load(TUNE_QUICK.read_text())
    raw["n_trials"] = 6
    bigger = tmp_path / "tune_quick_6.yaml"
    bigger.write_text(yaml.safe_dump(raw))
    more = ganbench(tmp_path, "tune", str(bigger), "--jobs", "1")
    assert more.returncode == 0, more.stderr[-3000:]
    assert len(load_study(tmp_path).get_trials()) == 6
    assert len(mlflow_runs(uri, "tune_quick", "trial")) == 6
    assert len(mlflow_runs(uri, "tune_quick", "study")) == 1

    # The report of the tuning experiment: the sections that apply, provenance, the best trial with
    # its settings, one CSV row per trial, the share in percent as everywhere.
    report = ganbench(tmp_path, "report", "tune_quick")
    assert report.returncode == 0, report.stderr[-3000:]
    assert "1 figure," in report.stdout
    folder = tmp_path / "reports" / "tune_quick"
    table = pd.read_csv(folder / "results.csv")
    assert len(table) == 6 and set(table["trial"]) == set(range(6))
    assert {"param.d_optimizer.lr", "param.g_optimizer.lr", "objective/modes/high_quality"} <= set(
        table.columns
    )
    summary = (folder / "summary.md").read_text()
    assert "## Tuning budget" in summary and "Skipped" not in summary and "## Ranking" not in summary
    assert "best score (%)" in summary and "d_optimizer.lr = " in summary
    assert "**git commit**: unknown" not in summary and "6 tuning trial runs in 1 study" in summary
    assert " %" in proc.stdout.split("best: ")[1].splitlines()[0]  # the best value, in percent
