"""Batched tuning: k trials asked at once, trained as populations, pruned per member, told back."""

import tempfile

import numpy as np
import optuna
import pytest
import yaml

from ganbench.experiment.cell_run import CellTask, run_cell, run_cells
from ganbench.testing.setups import tiny_config
from ganbench.tuning import spec as tuning_spec
from ganbench.tuning.objective import objective_values
from ganbench.tuning.spec import with_search_values
from ganbench.tuning.trial import per_seed_finals

from .conftest import TUNE_QUICK, ganbench, mlflow_runs


def test_a_pruned_cell_stops_at_its_evaluation_and_the_others_train_on(tmp_path):
    cfgs = [tiny_config(seeds=[0, 1]), tiny_config(seeds=[0, 1], sets=["d_optimizer.lr=0.001"])]
    tasks = [CellTask(c.model_dump(mode="json"), str(tmp_path / str(i)), "none") for i, c in enumerate(cfgs)]
    seen = []

    def prune_first(record):
        seen.append(record.step.tolist())
        return True

    pruned, kept = run_cells(tasks, [prune_first, None])
    assert seen == [[10, 10]]  # cell 0's own members only, once: it stopped there
    assert pruned.interrupted and not kept.interrupted
    assert [s.final["g_updates"] for s in pruned.seeds] == [10, 10]
    assert [s.final["g_updates"] for s in kept.seeds] == [20, 20]
    assert pruned.population == kept.population == 2


@pytest.mark.slow
def test_tune_in_batches_splits_by_non_batchable_settings_and_matches_trials_run_alone(tmp_path):
    raw = yaml.safe_load(TUNE_QUICK.read_text())
    raw["name"] = "tune_batches"
    raw["schedules"] = ["alternating"]
    raw["search"]["schedule.d_steps"] = {"choices": [1, 2]}
    raw.update(n_trials=6, pruner="none")
    raw["train"].update(g_steps=40, eval_every=20)
    spec = tmp_path / "tune_batches.yaml"
    spec.write_text(yaml.safe_dump(raw))
    proc = ganbench(tmp_path, "tune", str(spec), "--jobs", "1", "--batch", "4")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    (summary,) = optuna.get_all_study_summaries(storage)
    trials = optuna.load_study(study_name=summary.study_name, storage=storage).get_trials()
    assert [t.state.name for t in trials] == ["COMPLETE"] * 6
    runs = {
        int(r.data.tags["optuna.trial_number"]): r
        for r in mlflow_runs(f"sqlite:///{tmp_path / 'mlflow.db'}", "tune_batches", "trial")
    }
    assert sorted(runs) == list(range(6))
    # Batches of 4 then 2; inside a batch, trials with equal d_steps share one model.
    for batch in (trials[:4], trials[4:]):
        for t in batch:
            same = sum(u.params["schedule.d_steps"] == t.params["schedule.d_steps"] for u in batch)
            assert runs[t.number].data.tags["population"] == str(same), t.number
    assert any(runs[n].data.tags["population"] != "1" for n in runs)

    # Every trial's value is what its configuration gives trained alone, bit for bit.
    tuning = tuning_spec.load(spec)
    (arm,) = tuning.arms
    for t in trials:
        cfg = with_search_values(arm, dict(t.params), "test")
        with tempfile.TemporaryDirectory() as tmp:
            outcome = run_cell(CellTask(cfg.model_dump(mode="json"), tmp, "none"))
        (alone,) = objective_values(per_seed_finals(outcome), tuning.objectives)
        assert alone == t.value or (np.isnan(alone) and t.value is None), t.number


def test_trials_of_a_batch_beat_their_heartbeat_while_it_trains(tmp_path):
    import time
    import warnings

    from optuna.storages import RDBStorage, fail_stale_trials
    from optuna.trial import TrialState

    from ganbench.tuning.batch import Heartbeat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        storage = RDBStorage(f"sqlite:///{tmp_path / 'o.db'}", heartbeat_interval=1, grace_period=2)
        study = optuna.create_study(storage=storage)
        trials = [study.ask() for _ in range(2)]
        with Heartbeat(storage, [t._trial_id for t in trials]):
            time.sleep(3.5)  # longer than the grace period: only the beats keep them alive
            fail_stale_trials(study)
            assert [t.state for t in study.get_trials()] == [TrialState.RUNNING] * 2
        time.sleep(3.5)  # no beats any more: a lost worker's trials
        fail_stale_trials(study)
    assert [t.state for t in study.get_trials()] == [TrialState.FAIL] * 2
