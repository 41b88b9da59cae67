"""Studies read like the report in optuna-dashboard — ``<experiment>:<dataset> | <configuration>``
with named objectives — and a study created under an older name is still found and continued."""

from __future__ import annotations

import optuna

from ganbench.tracking.tracker import Tracker
from ganbench.tuning import spec as tuning_spec
from ganbench.tuning.optuna_parts import open_storage
from ganbench.tuning.setup import prepare_studies
from ganbench.tuning.studies import ARM, EXPERIMENT, KIND, TUNE

from .conftest import TUNE_QUICK


def test_a_new_study_is_named_like_the_report_with_named_objectives(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'optuna.db'}")
    tuning = tuning_spec.load(TUNE_QUICK)
    (info,) = prepare_studies(
        storage, "sqlite:///optuna.db", tuning, Tracker(f"sqlite:///{tmp_path / 'm.db'}")
    )
    assert info.name == "tune_quick:ring | modified_minimax + alternating(d_steps=1)"
    study = optuna.load_study(study_name=info.name, storage=storage)
    assert study.metric_names == ["modes/high_quality (mean over seeds)"]


def test_a_study_under_an_older_name_is_continued_not_duplicated(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'optuna.db'}")
    tuning = tuning_spec.load(TUNE_QUICK)
    (arm,) = tuning.arms
    old = optuna.create_study(study_name=f"tune_quick:{arm.key}", storage=storage, direction="maximize")
    for key, value in {KIND: TUNE, EXPERIMENT: "tune_quick", ARM: arm.key}.items():
        old.set_user_attr(key, value)
    (info,) = prepare_studies(
        storage, "sqlite:///optuna.db", tuning, Tracker(f"sqlite:///{tmp_path / 'm.db'}")
    )
    assert info.name == f"tune_quick:{arm.key}"
    assert [s.study_name for s in optuna.get_all_study_summaries(storage)] == [info.name]
