"""Read one experiment from MLflow into :class:`ReportData`: its runs into a pandas DataFrame laid
out as ``mlflow.search_runs`` lays it out (``metrics.*``, ``params.*``, ``tags.*``), metric
histories and artifacts through the client. The client is bound to the report's tracking URI, so
reading never changes MLflow's process-wide tracking URI (``mlflow.search_runs`` would need that).
Nothing here knows about training."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pandas as pd

from ganbench.contracts.report_data import CURVE_COLUMNS, ReportData
from ganbench.errors import GanbenchError
from ganbench.tracking.claims import CLOSED
from ganbench.tracking.references import KIND, REF_KEY, REFERENCE
from ganbench.tracking.tracker import CELL, COMPLETE, FEATURE_SPACE, KEY, Tracker
from ganbench.tracking.ui_links import run_link
from ganbench.validation import clip

ROLE = "ganbench.role"
TAGS = {
    "dataset": "dataset",
    "loss": "loss",
    "schedule": "schedule",
    "cell": "configuration",
    CELL: "cell",
    KEY: "key",
    "seed": "seed",
    COMPLETE: "complete",
    "failure_reason": "failure_reason",
    "primary_metric": "primary_metric",
    "device": "device",
    "git_commit": "git_commit",
    "spec_hash": "spec_hash",
    "torch_version": "torch_version",
    "mlflow.parentRunId": "parent_run_id",
}


def experiment_names(tracker: Tracker) -> list[str]:
    """Names of the active experiments in the store."""
    return sorted(e.name for e in tracker.client.search_experiments())


def find_experiment(tracker: Tracker, name: str) -> str:
    """The id of experiment ``name``; an unknown name is a user error listing the existing ones."""
    found = tracker.client.get_experiment_by_name(name)
    if found is None or found.lifecycle_stage == "deleted":
        names = [n for n in experiment_names(tracker) if n != "Default"]
        listed = ", ".join(names) if names else "none — run `ganbench benchmark SPEC` first"
        raise GanbenchError(
            f"experiment {clip(name, quoted=True)} is not in the MLflow store at {tracker.shown}. "
            f"Experiments there: {listed}. Name one of them, or pass the store with --tracking-uri."
        )
    return found.experiment_id


def load(tracker: Tracker, name: str, artifact_dir: Path) -> ReportData:
    """Every run of experiment ``name``; artifacts are downloaded into ``artifact_dir`` on demand."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")  # no bar per small file
    experiment_id = find_experiment(tracker, name)
    raw = runs_frame(tracker.runs(experiment_id))
    role = raw[f"tags.{ROLE}"] if f"tags.{ROLE}" in raw.columns else pd.Series("", index=raw.index)
    cell = raw[f"tags.{CELL}"] if f"tags.{CELL}" in raw.columns else pd.Series(None, index=raw.index)
    parents = raw[role == "invocation"]
    children = raw[cell.notna() & (cell != "")]  # (configuration, seed) runs of `ganbench benchmark`
    trials = raw[role == "trial"]  # runs of `ganbench tune` (a study's trials)
    references = raw[role == REFERENCE]  # what real data and uniform noise score (tracking.references)
    client = tracker.client

    def fetch_curves(runs: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
        rows = []
        for _, run in runs.iterrows():
            for metric in names:
                if metric not in run.index or _missing(run[metric]):
                    continue  # the run never logged it: no query
                for m in client.get_metric_history(run["run_id"], metric):
                    rows.append((run["run_id"], metric, m.step, m.value))
        return pd.DataFrame(rows, columns=CURVE_COLUMNS)

    def fetch_artifact(run_id: str, path: str) -> Path | None:
        target = artifact_dir / run_id
        target.mkdir(parents=True, exist_ok=True)
        try:
            return Path(client.download_artifacts(run_id, path, str(target)))
        except Exception:  # MLflow raises several types for a missing artifact
            return None

    server = tracker.uri.startswith(("http://", "https://"))
    run_links = partial(run_link, tracker.shown, experiment_id) if server else None
    runs, superseded = one_complete_run_per_key(tidy_runs(children))
    return ReportData(
        experiment=name,
        experiment_id=experiment_id,
        tracking_uri=tracker.shown,
        runs=runs,
        superseded=superseded,
        invocations=tidy_invocations(parents),
        trials=tidy_trials(trials, raw[role == "study"]),
        references=tidy_references(references),
        fetch_curves=fetch_curves,
        fetch_artifact=fetch_artifact,
        run_links=run_links,
    )


def runs_frame(runs: list) -> pd.DataFrame:
    """MLflow ``Run`` objects → one row each: run_id, status, start_time, end_time (UTC), then
    ``metrics.<key>`` (latest value), ``params.<key>`` and ``tags.<key>`` columns."""
    rows = []
    for run in runs:
        row = {
            "run_id": run.info.run_id,
            "status": run.info.status,
            "start_time": run.info.start_time,
            "end_time": run.info.end_time,
            "artifact_uri": run.info.artifact_uri,
        }
        row |= {f"metrics.{k}": v for k, v in run.data.metrics.items()}
        row |= {f"params.{k}": v for k, v in run.data.params.items()}
        row |= {f"tags.{k}": v for k, v in run.data.tags.items()}
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in ("start_time", "end_time"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], unit="ms", utc=True)
    return frame


def tidy_runs(raw: pd.DataFrame) -> pd.DataFrame:
    """``search_runs`` columns → the tidy run table described in ``ganbench.contracts.report_data``."""
    out = pd.DataFrame(
        {
            "run_id": raw.get("run_id", pd.Series(dtype=str)),
            "status": raw.get("status", pd.Series(dtype=str)),
            "start_time": raw.get("start_time", pd.Series(dtype="datetime64[ns, UTC]")),
            "end_time": raw.get("end_time", pd.Series(dtype="datetime64[ns, UTC]")),
        }
    )
    for tag, column in TAGS.items():
        values = raw[f"tags.{tag}"] if f"tags.{tag}" in raw.columns else pd.Series(None, index=raw.index)
        out[column] = values.astype(object).where(values.notna(), "")
    out["complete"] = out["complete"] == "true"
    out["seed"] = pd.to_numeric(out["seed"], errors="coerce").astype("Int64")
    out["diverged"] = out["complete"] & out["failure_reason"].str.startswith("diverged")
    loss_part = out["configuration"].map(lambda label: label.partition(" + ")[0])
    rest = out["configuration"].map(lambda label: label.partition(" + ")[2])
    out["loss_label"] = loss_part.astype(object)
    out["schedule_label"] = rest.where(rest != "", loss_part).astype(object)
    for column in (c for c in raw.columns if c.startswith(f"tags.{FEATURE_SPACE}")):
        out[column[len("tags.") :]] = raw[column].astype(object).where(raw[column].notna(), "")
    metrics = {c[len("metrics.") :]: raw[c] for c in raw.columns if c.startswith("metrics.")}
    params = {"param." + c[len("params.") :]: raw[c] for c in raw.columns if c.startswith("params.")}
    extra = pd.DataFrame({**metrics, **params}, index=raw.index)
    return pd.concat([out, extra], axis=1).reset_index(drop=True)


def one_complete_run_per_key(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a tidy run table into the runs to report — at most one complete run per run key, the
    newest (latest end, then latest start, then run id) — and the older complete runs of keys that
    have several (a store written before claims existed, or by hand), which the report names."""
    if not len(runs) or "key" not in runs:
        return runs, runs.iloc[0:0]
    done = runs[runs["complete"] & (runs["key"] != "")]
    order = done.sort_values(["end_time", "start_time", "run_id"], kind="stable", na_position="first")
    older = order.duplicated("key", keep="last")
    dropped = set(order.loc[older, "run_id"])
    keep = ~runs["run_id"].isin(dropped)
    return runs[keep].reset_index(drop=True), runs[~keep].reset_index(drop=True)


def tidy_references(raw: pd.DataFrame) -> pd.DataFrame:
    """Complete reference runs as a tidy run table (``configuration`` is the reference's label,
    ``seed`` its draw) with ``reference`` (real, noise) and ``reference_key`` columns: per dataset,
    only the newest reference key's runs, and of those the newest per (reference, draw)."""
    if raw.empty:
        return pd.DataFrame()
    out = tidy_runs(raw)
    out["reference"] = raw.get(f"tags.{KIND}", pd.Series("", index=raw.index)).to_numpy()
    out["reference_key"] = raw.get(f"tags.{REF_KEY}", pd.Series("", index=raw.index)).to_numpy()
    out = out[out["complete"]].sort_values(["end_time", "start_time", "run_id"], kind="stable")
    newest_key = out.groupby("dataset")["reference_key"].last()
    out = out[out["reference_key"] == out["dataset"].map(newest_key)]
    out = out.drop_duplicates(["dataset", "reference", "seed"], keep="last")
    return out.sort_values(["dataset", "reference", "seed"], kind="stable").reset_index(drop=True)


def tidy_invocations(raw: pd.DataFrame) -> pd.DataFrame:
    """Parent runs: one row per ``ganbench benchmark`` invocation, oldest first."""

    def col(name: str) -> pd.Series:
        return raw[name] if name in raw.columns else pd.Series(None, index=raw.index, dtype=object)

    out = pd.DataFrame(
        {
            "run_id": col("run_id"),
            "status": col("status"),
            "start_time": col("start_time"),
            "end_time": col("end_time"),
            "spec_hash": col("tags.spec_hash"),
            "git_commit": col("tags.git_commit"),
            "command": col("tags.command"),
            "profile": col("tags.profile"),
            "planned_runs": pd.to_numeric(col("params.runs"), errors="coerce"),
            "planned_cells": pd.to_numeric(col("params.cells"), errors="coerce"),
            "closed": col(f"tags.{CLOSED}").astype(object).where(col(f"tags.{CLOSED}").notna(), ""),
        }
    )
    return out.sort_values("start_time", kind="stable").reset_index(drop=True)


def tidy_trials(raw: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Trial runs of tuning studies: run_id, study (Optuna study name, from the parent run), label
    (the study's configuration), objective (the study's tag, e.g. ``maximize modes/high_quality
    (mean)``), number, state, complete, dataset, loss, schedule, git_commit, device, the sampled
    settings as ``param.<key>`` (the trial's ``search.<key>`` parameters), and every metric under its
    own name (``objective/<metric>``, ``intermediate/<metric>``, ``final/<metric>``, …)."""
    names = dict(zip(studies.get("run_id", []), studies.get("tags.optuna.study_name", []), strict=False))
    labels = dict(zip(studies.get("run_id", []), studies.get("tags.mlflow.runName", []), strict=False))
    objectives = dict(zip(studies.get("run_id", []), studies.get("tags.objective", []), strict=False))

    def tag(name: str) -> pd.Series:
        column = f"tags.{name}"
        values = raw[column] if column in raw.columns else pd.Series(None, index=raw.index, dtype=object)
        return values.astype(object).where(values.notna(), "")

    parent = tag("mlflow.parentRunId")
    out = pd.DataFrame(
        {
            "run_id": raw.get("run_id", pd.Series(dtype=str)),
            "status": raw.get("status", pd.Series(dtype=str)),
            "study": parent.map(lambda p: names.get(p) or p),
            "label": parent.map(lambda p: str(labels.get(p) or p).removeprefix("study: ")),
            "objective": parent.map(
                lambda p: objectives.get(p) if isinstance(objectives.get(p), str) else ""
            ),
            "number": pd.to_numeric(tag("optuna.trial_number"), errors="coerce"),
            "state": tag("trial_state"),
            "complete": tag(COMPLETE) == "true",
            "dataset": tag("dataset"),
            "loss": tag("loss"),
            "schedule": tag("schedule"),
            "git_commit": tag("git_commit"),
            "device": tag("device"),
        }
    )
    searched = {
        "param." + c[len("params.search.") :]: raw[c] for c in raw.columns if c.startswith("params.search.")
    }
    metrics = {c[len("metrics.") :]: raw[c] for c in raw.columns if c.startswith("metrics.")}
    out = pd.concat(
        [out, pd.DataFrame(searched, index=raw.index), pd.DataFrame(metrics, index=raw.index)], axis=1
    )
    return out.sort_values(["study", "number"], kind="stable").reset_index(drop=True)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
