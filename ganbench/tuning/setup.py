"""Creating (or continuing) the studies of a tuning spec, and rebuilding an arm from a stored study."""

from __future__ import annotations

import warnings

import optuna

from ganbench.errors import GanbenchError
from ganbench.experiment.masking import mask_url
from ganbench.experiment.spec import Cell
from ganbench.tracking import trials as tune_tracking
from ganbench.tracking.tracker import Tracker
from ganbench.tuning.spec import Tuning, from_mapping, pruner_name
from ganbench.tuning.studies import (
    ARM,
    EXPERIMENT,
    KIND,
    LABEL,
    N_TRIALS,
    PARENT_RUN,
    SPEC,
    SPEC_PATH,
    TUNE,
    StudyInfo,
    ganbench_studies,
)
from ganbench.tuning.trial import TuneObjective


def prepare_studies(storage, storage_url: str, tuning: Tuning, tracker: Tracker) -> list[StudyInfo]:
    """One study per arm, created on first use, continued afterwards, each with its MLflow parent
    run; the stored spec is refreshed so workers elsewhere use this invocation's settings.

    A study is found by its experiment and arm, whatever its name (so studies created under the
    older ``<experiment>:<hash>`` names are continued); a new one is named by
    :meth:`Tuning.study_name`, and its objectives are named for optuna-dashboard."""
    experiment_id = tracker.experiment_id(tuning.spec.name)
    directions = [o.direction for o in tuning.objectives]
    existing = {
        (info.attrs.get(EXPERIMENT), info.attrs.get(ARM)): info.name
        for info in ganbench_studies(storage)
        if info.kind == TUNE
    }
    names = []
    for arm in tuning.arms:
        name = existing.get((tuning.spec.name, arm.key)) or tuning.study_name(arm)
        study = optuna.create_study(
            study_name=name, storage=storage, directions=directions, load_if_exists=True
        )
        with warnings.catch_warnings():  # set_metric_names is marked experimental in Optuna
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names(tuning.metric_names())
        if [d.name.lower() for d in study.directions] != directions:
            raise GanbenchError(
                f"{tuning.path}: study {name!r} already exists with directions "
                f"{[d.name.lower() for d in study.directions]}, not {directions}; rename the spec "
                "(name:) to start a new study."
            )
        parent = study.user_attrs.get(PARENT_RUN)
        if not parent or not tune_tracking.study_run_exists(tracker, parent):
            parent = tune_tracking.start_study_run(
                tracker,
                experiment_id,
                name,
                f"{arm.config.dataset.name} | {arm.label}",
                {
                    "dataset": arm.config.dataset.name,
                    "loss": arm.config.loss.name,
                    "schedule": arm.config.schedule.name,
                    "cell": arm.label,
                    "configuration": f"{arm.config.dataset.name} | {arm.label}",
                    "storage": mask_url(storage_url),
                    "sampler": str(tuning.spec.sampler),
                    "pruner": pruner_name(tuning.spec.pruner),
                    "objective": ", ".join(
                        f"{o.direction} {o.metric} ({o.aggregate})" for o in tuning.objectives
                    ),
                },
            )
        else:
            tune_tracking.reopen_study_run(tracker, parent)
        attrs = {
            KIND: TUNE,
            SPEC: tuning.spec.model_dump(mode="json"),
            SPEC_PATH: tuning.path,
            ARM: arm.key,
            LABEL: f"{arm.config.dataset.name} | {arm.label}",
            N_TRIALS: tuning.spec.n_trials,
            EXPERIMENT: tuning.spec.name,
            PARENT_RUN: parent,
        }
        for key, value in attrs.items():
            study.set_user_attr(key, value)
        names.append(name)
    return ganbench_studies(storage, names)


def arm_of(info: StudyInfo) -> tuple[Tuning, Cell]:
    """The tuning spec and arm a stored study was created for."""
    tuning = from_mapping(info.attrs[SPEC], str(info.attrs.get(SPEC_PATH, info.name)))
    for arm in tuning.arms:
        if arm.key == info.attrs[ARM]:
            return tuning, arm
    raise GanbenchError(
        f"study {info.name!r}: its arm is not among the cells of its stored spec; was a plugin "
        "changed? Start it again with `ganbench tune`."
    )


def objective_for(tuning: Tuning, arm: Cell, info: StudyInfo, tracker: Tracker) -> TuneObjective:
    """The objective a worker runs for this study, logging to the study's MLflow parent run."""
    experiment_id = tracker.experiment_id(str(info.attrs[EXPERIMENT]))
    return TuneObjective(tuning, arm, info.name, tracker, experiment_id, str(info.attrs[PARENT_RUN]))
