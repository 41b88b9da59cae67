"""The studies ganbench keeps in an Optuna storage, and what each needs to be worked on anywhere.

Every study ganbench creates carries user attributes that let a worker on another machine take
part with nothing but the storage URL and the MLflow tracking URI:

- ``ganbench.kind``: ``tune`` (one arm of a tuning spec) or ``benchmark`` (the models of a spec);
- ``ganbench.spec``: the validated spec as a mapping, ``ganbench.spec_path`` its file name;
- ``ganbench.label``: what the study trains, for people ("ring | hinge + alternating");
- ``ganbench.arm`` (tune): the arm's configuration key; ``ganbench.n_trials`` (tune): the budget;
- ``ganbench.experiment`` and ``ganbench.parent_run``: the MLflow experiment and the parent run
  that the study's runs nest under.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ganbench.report.quality import shown_value

KIND, SPEC, SPEC_PATH = "ganbench.kind", "ganbench.spec", "ganbench.spec_path"
ARM, N_TRIALS = "ganbench.arm", "ganbench.n_trials"
EXPERIMENT, PARENT_RUN, LABEL = "ganbench.experiment", "ganbench.parent_run", "ganbench.label"
TUNE, BENCHMARK = "tune", "benchmark"
#: A queued benchmark trial's user attributes: its units (``[[cell key, [seeds]], …]``) and the model
#: for people; ``cell`` is the label a trial queued before models were (one cell per trial) carries.
UNITS, MODEL, CELL_LABEL = "ganbench.units", "model", "cell"


@dataclass(frozen=True)
class StudyInfo:
    """A ganbench study found in the storage."""

    name: str
    attrs: dict[str, Any]

    @property
    def label(self) -> str:
        return str(self.attrs.get(LABEL, self.name))

    @property
    def kind(self) -> str:
        return str(self.attrs.get(KIND, ""))


def ganbench_studies(storage, names: list[str] | None = None) -> list[StudyInfo]:
    """The studies in ``storage`` that ganbench created (optionally only those in ``names``)."""
    out = []
    for frozen in storage.get_all_studies():
        attrs = frozen.user_attrs
        if attrs.get(KIND) in (TUNE, BENCHMARK) and (not names or frozen.study_name in names):
            out.append(StudyInfo(frozen.study_name, dict(attrs)))
    return sorted(out, key=lambda s: s.name)


def counted_trials(study) -> list:
    """Trials that use up the study's budget: all but failed trials that were retried (a lost
    worker's trial is failed by the heartbeat check and queued again as a new trial)."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    retried = {n for t in trials for n in t.system_attrs.get("retry_history", [])}
    return [t for t in trials if not (t.state == TrialState.FAIL and t.number in retried)]


def states(study, *wanted) -> list:
    """Trials of ``study`` in any of the given states (``TrialState`` members)."""
    return study.get_trials(deepcopy=False, states=tuple(wanted))


def frozen(trial):
    """The stored record (``FrozenTrial``) of a live ``Trial``: its system attributes say whether it
    was queued with fixed parameters or is the retry of a lost worker's trial."""
    return trial.study.get_trials(deepcopy=False)[trial.number]


def objective_keys(study) -> list[str]:
    """The metric keys of a study's objectives, from the names ganbench gives them
    (``modes/high_quality (mean over seeds)`` → ``modes/high_quality``); [] when unnamed."""
    return [str(name).split(" (")[0] for name in (study.metric_names or [])]


def describe_trial(label: str, trial, metrics: list[str] | None = None) -> str:
    """One line for a finished trial: a benchmark model by its configurations; a tuning trial by its
    state, value(s) (a pruned trial's is the last value it reported; a share in percent, when the
    objectives' ``metrics`` are known) and duration."""
    state = trial.state.name.lower()
    queued = trial.user_attrs.get(MODEL) or trial.user_attrs.get(CELL_LABEL)
    if queued:
        return f"{queued}: {state}"
    keys = list(metrics or [])
    values = ", ".join(
        shown_value(keys[i] if i < len(keys) else "", v) for i, v in enumerate(trial.values or [])
    )
    shown = (
        f" (last reported {values})" if state == "pruned" and values else (f" = {values}" if values else "")
    )
    seconds = f" in {trial.duration.total_seconds():.0f} s" if trial.duration else ""
    return f"{label}: trial {trial.number} {state}{shown}{seconds}"
