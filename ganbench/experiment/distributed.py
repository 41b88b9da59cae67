"""``ganbench benchmark SPEC --storage URL``: the benchmark's cells as queued trials of one Optuna study,
taken by any number of ``ganbench worker`` processes on any machines that reach the same storage
and MLflow tracking server.

Each pending cell is enqueued as a trial with the fixed parameter ``cell`` (its configuration key);
a worker claims it atomically through the storage, trains the seeds that still lack a complete run
(read from MLflow when it starts, so a retried cell trains only what is missing), deletes any
unfinished run of those keys and logs each seed exactly as the one-machine runner does: MLflow ends
with one complete run per (cell, seed), and rerunning resumes. A worker that dies mid-cell is
caught by Optuna's heartbeat and the cell is queued again.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

from rich.console import Console

from ganbench.experiment import spec
from ganbench.experiment.cell_run import CellTask, run_cell
from ganbench.experiment.masking import mask_url
from ganbench.experiment.preflight import check_datasets
from ganbench.experiment.store_check import check_sqlite_store
from ganbench.tracking.live import LiveRuns
from ganbench.tracking.summary import summary_table
from ganbench.tracking.tracker import Tracker
from ganbench.tracking.ui_links import print_ui_link
from ganbench.tuning.local_workers import run_local_workers
from ganbench.tuning.optuna_parts import open_storage
from ganbench.tuning.studies import (
    BENCHMARK,
    EXPERIMENT,
    KIND,
    LABEL,
    PARENT_RUN,
    SPEC,
    SPEC_PATH,
    StudyInfo,
    frozen,
    ganbench_studies,
    states,
)
from ganbench.tuning.worker import StudyUnit, run_worker

ONLY = "ganbench.only"


def study_name(exp: spec.Experiment) -> str:
    return f"benchmark:{exp.spec.name}"


def run_distributed(
    console: Console,
    path: Path,
    tracking_uri: str | None,
    storage_url: str,
    seeds: int | None,
    only: list[str],
    jobs: int,
    profile: str | None = None,
) -> int:
    """Queue the pending cells, run ``jobs`` local workers (0: none), print the summary. The study
    keeps the spec with ``profile`` already applied, so workers train what was queued."""
    import optuna
    from optuna.trial import TrialState

    exp = spec.load(path, seeds=seeds, only=only, profile=profile)
    check_datasets(exp)  # bad data and bad stores end here, before anything is written
    check_sqlite_store(storage_url, "study storage")
    tracker = Tracker.connect(tracking_uri)
    storage = open_storage(storage_url)
    experiment_id = tracker.experiment_id(exp.spec.name)
    done = tracker.completed_keys(experiment_id)
    pending = [c for c in exp.cells if any(c.run_key(s) not in done for s in c.config.seeds)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = optuna.create_study(
            study_name=study_name(exp),
            storage=storage,
            load_if_exists=True,
            sampler=optuna.samplers.RandomSampler(),
        )
    queued = {
        t.system_attrs.get("fixed_params", {}).get("cell")
        for t in states(study, TrialState.WAITING, TrialState.RUNNING)
    }
    parent = tracker.start_parent(experiment_id, exp, sys.argv)
    tracker.close_dead_invocations(experiment_id, parent)
    attrs = {
        KIND: BENCHMARK,
        SPEC: exp.spec.model_dump(mode="json"),
        SPEC_PATH: exp.path,
        ONLY: only,
        EXPERIMENT: exp.spec.name,
        PARENT_RUN: parent,
        LABEL: f"benchmark {exp.spec.name}",
    }
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    new = [c for c in pending if c.key not in queued]
    for cell in new:
        study.enqueue_trial(
            {"cell": cell.key}, user_attrs={"cell": f"{cell.config.dataset.name} | {cell.label}"}
        )
    console.print(
        f"[bold]{exp.spec.name}[/]{exp.profile_note}: {len(exp.cells)} cells, {len(pending)} "
        "with runs to train "
        f"({len(new)} queued now, {len(pending) - len(new)} already queued or running) in study "
        f"'{study.study_name}' at {mask_url(storage_url)}; tracking at {tracker.shown}.",
        highlight=False,
    )
    info = ganbench_studies(storage, [study.study_name])
    status = "KILLED"
    try:
        if jobs == 0:
            console.print(
                f"No local worker (--jobs 0). Start workers anywhere: ganbench worker --storage URL "
                f"--tracking-uri {tracker.shown} --study '{study.study_name}'",
                highlight=False,
            )
            status = "FINISHED"
            return 0
        if jobs == 1:
            run_worker(storage, tracker, console, [study.study_name])
        else:
            lease = LiveRuns(tracker, parent)  # renews this invocation's lease while workers train
            run_local_workers(
                console, storage_url, tracker.uri, info, jobs, None, storage, len(new), on_poll=lease.tick
            )
        status = "FINISHED"
    finally:
        tracker.finish_parent(parent, status, {"cells_queued": len(new)})
    console.print(summary_table(tracker, experiment_id, exp), width=None if console.is_terminal else 140)
    print_ui_link(console, tracker.uri, exp.spec.name, experiment_id)
    return 0


def benchmark_unit(storage, tracker: Tracker, console: Console, info: StudyInfo) -> StudyUnit:
    """The worker's unit for a benchmark study: one queued cell per trial."""
    import optuna
    from optuna.trial import TrialState

    where = str(info.attrs.get(SPEC_PATH, info.name))
    exp = spec.from_mapping(info.attrs[SPEC], where, only=list(info.attrs.get(ONLY) or []))
    cells = {c.key: c for c in exp.cells}
    study = optuna.load_study(study_name=info.name, storage=storage, sampler=optuna.samplers.RandomSampler())
    experiment_id = tracker.experiment_id(str(info.attrs[EXPERIMENT]))
    parent = str(info.attrs[PARENT_RUN])

    def objective(trial) -> float:
        if "cell" not in frozen(trial).system_attrs.get("fixed_params", {}):
            # Two workers saw the last queued cell; this one lost the race and got a fresh trial.
            raise optuna.TrialPruned("no queued cell was left for this worker")
        cell = cells[trial.suggest_categorical("cell", sorted(cells))]
        done = tracker.completed_keys(experiment_id)
        todo = [s for s in cell.config.seeds if cell.run_key(s) not in done]
        tracker.discard_incomplete(experiment_id, [cell.run_key(s) for s in todo])
        won = tracker.claim(experiment_id, parent, exp, [(cell, todo)])[0] if todo else {}
        if won:
            live = LiveRuns(tracker)
            live.add(cell.key, won)
            try:
                with tempfile.TemporaryDirectory(prefix="ganbench-") as tmp:
                    config = cell.config.model_copy(update={"seeds": sorted(won)}).model_dump(mode="json")
                    task = CellTask(
                        config,
                        str(Path(tmp) / cell.key),
                        exp.spec.sample_images,
                        cell.label,
                        exp.spec.divergence_bound,
                    )
                    outcome = run_cell(task, stream=lambda s, record: live.record(cell.key, s, record))
                    for seed in outcome.seeds:
                        tracker.finish_seed(live.done(cell.key, seed.seed), cell, outcome, seed)
                        live.completed(cell.key, seed.seed)
            finally:
                tracker.release(live.unfinished())
        console.print(f"{cell.config.dataset.name} | {cell.label}: {len(won)} run(s) logged", highlight=False)
        return float(len(won))

    def has_work() -> bool:
        return bool(states(study, TrialState.WAITING))

    return StudyUnit(study, objective, has_work, console, info.label, say=False)
