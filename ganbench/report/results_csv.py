"""``results.csv``: one row per complete (configuration, seed) run and per reference-row draw — or,
for a tuning experiment, one row per trial run — every number as MLflow holds it."""

from __future__ import annotations

import pandas as pd

from ganbench.contracts.report_data import ReportData

KEY_COLUMNS = ["run_id", "dataset", "loss", "schedule", "configuration", "cell", "seed", "status", "diverged"]
COUNTS = ["g_updates", "d_updates", "g_grad_evals", "d_grad_evals", "train_seconds", "eval_seconds"]
TAIL = ["failure_reason", "git_commit", "spec_hash", "device"]


def results_table(data: ReportData) -> pd.DataFrame:
    """Configuration columns, seed, every ``final/*`` and ``stability/*`` metric, update and gradient
    evaluation counts, wall time (``train_seconds``: the cell's lockstep training, all seeds at once;
    ``eval_seconds``: the part of it spent at evaluation points),
    the run's parameters (``param.*``) and its MLflow run id — complete runs only (diverged included)
    — then the reference rows' runs (``reference``: real or noise; ``seed``: the draw; their final
    metrics, their ``curve/*`` ones — scored on the learning curves' sample count, where it is lower —
    and parameters), so every number of the report's reference rows is in the file too."""
    done = data.complete.assign(reference="")
    refs = data.references
    both = pd.concat([done, refs], ignore_index=True) if not refs.empty else done
    finals = sorted(c for c in both.columns if c.startswith("final/"))
    curves = sorted(c for c in both.columns if c.startswith("curve/"))  # reference rows only
    stability = sorted(c for c in both.columns if c.startswith("stability/"))
    params = sorted(c for c in both.columns if c.startswith("param."))
    columns = KEY_COLUMNS + ["reference"] + finals + curves + stability
    columns += [c for c in COUNTS if c in both.columns]
    columns += TAIL + params
    table = both.reindex(columns=columns)
    table["reference"] = table["reference"].fillna("")
    table.insert(1, "experiment", data.experiment)
    return table


TRIAL_COLUMNS = ["run_id", "study", "label", "number", "state", "dataset", "loss", "schedule"]


def trials_table(data: ReportData) -> pd.DataFrame:
    """One row per trial run of a tuning experiment: study, configuration, trial number and state,
    the sampled settings (``param.*``), the objective, intermediate and final metrics, commit and
    device, and the MLflow run id."""
    trials = data.trials
    params = sorted(c for c in trials.columns if c.startswith("param."))
    metrics = sorted(c for c in trials.columns if c.startswith(("objective/", "intermediate/", "final/")))
    table = trials[TRIAL_COLUMNS + params + metrics + ["git_commit", "device"]].rename(
        columns={"label": "configuration", "number": "trial"}
    )
    table.insert(1, "experiment", data.experiment)
    return table


def write_csv(data: ReportData, path) -> pd.DataFrame:
    """Write :func:`results_table` (or, with no benchmark runs but tuning trials, :func:`trials_table`)
    to ``path`` (full float precision) and return it."""
    table = trials_table(data) if data.complete.empty and not data.trials.empty else results_table(data)
    table.to_csv(path, index=False, float_format="%.17g")
    return table
