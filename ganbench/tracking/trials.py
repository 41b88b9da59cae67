"""MLflow layout of a tuning study: one parent run per study, one run per trial nested under it.

A trial run holds the sampled values (params ``search.<key>``) and the full configuration, the
intermediate values the pruner saw (``intermediate/<metric>`` by generator update), each
objective's value (``objective/<metric>``), the per-seed finals (``seed_<s>/<metric>``) and their
means (``final/<metric>``, ``stability/<quantity>``), and its state (tag ``trial_state``: complete,
pruned or failed; MLflow status FINISHED, KILLED or FAILED). Like benchmark runs it is complete
only with the tag ``ganbench.complete = true``; a worker that dies mid-write leaves an incomplete
run that the retry of the trial deletes. The storage URL appears only with its password masked.
A study's parent run carries an owner and a lease (:mod:`ganbench.tracking.study_leases`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mlflow.entities import RunTag

from ganbench.experiment.cell_run import CellOutcome
from ganbench.experiment.interrupts import deferred_interrupt
from ganbench.tracking.claims import LEASE, lease_tags
from ganbench.tracking.tracker import (
    COMPLETE,
    KEY,
    MAX_METRICS_PER_CALL,
    MAX_PARAMS_PER_CALL,
    Tracker,
    _chunks,
    _metrics,
    _params,
    _series,
    flatten,
    git_commit,
)
from ganbench.train.config import TrainConfig

ROLE, STUDY = "ganbench.role", "optuna.study_name"
STATUS = {"complete": "FINISHED", "pruned": "KILLED", "failed": "FAILED"}


@dataclass
class TrialRecord:
    """What one finished trial hands to MLflow."""

    key: str  # "<study>#<original trial number>": the same for a retried trial
    number: int
    state: str  # complete | pruned | failed
    search: dict[str, Any]
    config: TrainConfig
    values: list[float]
    objective_names: list[str]
    intermediate: tuple[str, list[int], list[float]]  # metric, steps, values
    outcome: CellOutcome | None
    reason: str = ""


@deferred_interrupt()
def start_study_run(
    tracker: Tracker, experiment_id: str, study: str, label: str, tags: dict[str, str]
) -> str:
    """The parent run of one study (its arm's configuration, sampler, pruner, storage)."""
    run = tracker.client.create_run(
        experiment_id,
        run_name=f"study: {label}",
        tags={ROLE: "study", STUDY: study, "git_commit": git_commit(), **tags, **lease_tags()},
    )
    return run.info.run_id


@deferred_interrupt()
def log_trial(tracker: Tracker, experiment_id: str, parent_id: str, record: TrialRecord) -> str:
    """One trial run under the study's parent run, written completely, then tagged complete."""
    client = tracker.client
    cfg = record.config
    tags = {
        KEY: record.key,
        ROLE: "trial",
        "mlflow.parentRunId": parent_id,
        "optuna.trial_number": str(record.number),
        "trial_state": record.state,
        "loss": cfg.loss.name,
        "schedule": cfg.schedule.name,
        "dataset": cfg.dataset.name,
        "git_commit": git_commit(),
    }
    if record.outcome is not None:
        tags["device"] = record.outcome.device
        tags["population"] = str(record.outcome.population)
    if record.reason:
        tags["failure_reason"] = record.reason[:5000]
    run_id = client.create_run(experiment_id, run_name=f"trial {record.number}", tags=tags).info.run_id
    params = {f"search.{k}": v for k, v in record.search.items()}
    params |= flatten(cfg.model_dump(mode="json"))
    for chunk in _chunks(_params(params), MAX_PARAMS_PER_CALL):
        client.log_batch(run_id, params=chunk)
    metric, steps, values = record.intermediate
    metrics = _series(f"intermediate/{metric}", steps, values) if steps else []
    last = int(steps[-1]) if steps else 0
    finite = {f"objective/{n}": v for n, v in zip(record.objective_names, record.values, strict=True)}
    metrics += _metrics({k: v for k, v in finite.items() if np.isfinite(v)}, step=last)
    if record.outcome is not None:
        metrics += _metrics(_seed_finals(record.outcome), step=last)
    for chunk in _chunks(metrics, MAX_METRICS_PER_CALL):
        client.log_batch(run_id, metrics=chunk)
    client.set_terminated(run_id, STATUS[record.state])
    client.set_tag(run_id, COMPLETE, "true")
    return run_id


def _seed_finals(outcome: CellOutcome) -> dict[str, float]:
    """``seed_<s>/<metric>`` for every seed's final metrics and counts, and ``final/<m>`` means."""
    out: dict[str, float] = {}
    names = sorted({k for s in outcome.seeds for k in s.final})
    for name in names:
        per_seed = np.array([s.final.get(name, np.nan) for s in outcome.seeds], dtype=float)
        for s, v in zip(outcome.seeds, per_seed, strict=True):
            if np.isfinite(v):
                out[f"seed_{s.seed}/{name.removeprefix('final/')}"] = float(v)
        finite = per_seed[np.isfinite(per_seed)]
        if len(finite) and name.startswith(("final/", "stability/")):
            out[name] = float(finite.mean())
    out["diverged_seeds"] = float(sum(s.diverged_at >= 0 for s in outcome.seeds))
    out["train_seconds"] = float(outcome.seconds)
    return out


@deferred_interrupt()
def finish_study_run(tracker: Tracker, run_id: str, status: str, tags: dict[str, str]) -> None:
    """Tag the best trial(s) (or the Pareto front) on the parent, end its lease and set its status."""
    for key, value in {**tags, LEASE: "0"}.items():
        tracker.client.set_tag(run_id, key, value[:5000])
    tracker.client.set_terminated(run_id, status, end_time=int(time.time() * 1000))


@deferred_interrupt()
def reopen_study_run(tracker: Tracker, run_id: str) -> None:
    """A continued study's parent run is RUNNING again while its workers train, held by this process
    (owner and lease, see :mod:`ganbench.tracking.study_leases`)."""
    tracker.client.log_batch(run_id, tags=[RunTag(k, v) for k, v in lease_tags().items()])
    tracker.client.update_run(run_id, status="RUNNING")


def study_run_exists(tracker: Tracker, run_id: str) -> bool:
    """Whether a study's parent run is still in the store (and not deleted)."""
    try:
        return tracker.client.get_run(run_id).info.lifecycle_stage == "active"
    except Exception:  # another tracking store, or a deleted run
        return False


def log_study_file(tracker: Tracker, run_id: str, path: Path) -> None:
    """Attach a file (the study's budget curves) to its parent run."""
    tracker.client.log_artifact(run_id, str(path))
