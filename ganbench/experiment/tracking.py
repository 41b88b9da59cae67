"""MLflow tracking: one experiment per spec, one parent run per invocation, one run per (cell, seed).

Only the parent process writes here (workers hand their results back), so the default embedded
store, ``sqlite:///mlflow.db``, never sees two writers. A run counts as done when it carries the tag
``ganbench.complete = true`` (set last, after every metric and artifact): a rerun skips such keys
and deletes any other run of the same key, so exactly one complete run per key remains. Every write
method holds Ctrl-C until it has finished (:func:`deferred_interrupt`), so no write is cut in half.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
import yaml

from ganbench.errors import GanbenchError
from ganbench.experiment.cell_run import CellOutcome, SeedOutcome
from ganbench.experiment.interrupts import deferred_interrupt
from ganbench.experiment.spec import Cell, Experiment

DEFAULT_URI = "sqlite:///mlflow.db"
KEY, CELL, COMPLETE = "ganbench.key", "ganbench.cell", "ganbench.complete"
MAX_METRICS_PER_CALL, MAX_PARAMS_PER_CALL = 1000, 100


def resolve_uri(uri: str | None) -> str:
    """``--tracking-uri``, else ``MLFLOW_TRACKING_URI``, else the embedded SQLite file."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_URI


class Tracker:
    """Thin layer over ``MlflowClient`` with the project's run layout."""

    def __init__(self, uri: str) -> None:
        from mlflow.tracking import MlflowClient

        self.uri = uri
        self.client = MlflowClient(tracking_uri=uri)

    @classmethod
    def connect(cls, uri: str | None) -> Tracker:
        """Open the store and prove it answers, before any training starts."""
        uri = resolve_uri(uri)
        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no table-creation chatter on first use
        # Fail fast on an unreachable server instead of MLflow's minutes of retries.
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
        try:
            tracker = cls(uri)
            tracker.client.search_experiments(max_results=1)
        except Exception as exc:  # MLflow raises many types for a bad URI
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise GanbenchError(
                f"tracking URI {uri!r} is unreachable or unusable ({detail[:300]}). Use a path MLflow "
                f"can write (default {DEFAULT_URI}) or a running server (http://127.0.0.1:5000); "
                "nothing was trained."
            ) from None
        return tracker

    def experiment_id(self, name: str) -> str:
        """The MLflow experiment for a spec, created on first use."""
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            if found.lifecycle_stage == "deleted":
                self.client.restore_experiment(found.experiment_id)
            return found.experiment_id
        return self.client.create_experiment(name)

    def runs(self, experiment_id: str, filter_string: str = "") -> list:
        """Every (active) run of the experiment matching ``filter_string``, all pages."""
        out, token = [], None
        while True:
            page = self.client.search_runs([experiment_id], filter_string, max_results=1000, page_token=token)
            out.extend(page)
            token = page.token
            if not token:
                return out

    def completed_keys(self, experiment_id: str) -> set[str]:
        """Run keys that already have a complete run."""
        return {r.data.tags[KEY] for r in self.runs(experiment_id, f"tags.`{COMPLETE}` = 'true'")}

    @deferred_interrupt()
    def discard_incomplete(self, experiment_id: str, keys: Iterable[str]) -> int:
        """Delete runs of ``keys`` that never completed (a crash or Ctrl-C left them); returns how many."""
        wanted, deleted = set(keys), 0
        for run in self.runs(experiment_id):
            tags = run.data.tags
            if tags.get(KEY) in wanted and tags.get(COMPLETE) != "true":
                self.client.delete_run(run.info.run_id)
                deleted += 1
        return deleted

    @deferred_interrupt()
    def start_parent(self, experiment_id: str, exp: Experiment, argv: list[str]) -> str:
        """The run of this invocation: the spec file, the command line, the cells asked for."""
        run = self.client.create_run(
            experiment_id,
            run_name=f"{exp.spec.name} {time.strftime('%Y-%m-%d %H:%M:%S')}",
            tags={
                "ganbench.role": "invocation",
                "spec_hash": exp.spec_hash,
                "git_commit": git_commit(),
                "command": " ".join(argv)[:5000],
                **({"profile": exp.profile} if exp.profile else {}),
            },
        )
        run_id = run.info.run_id
        self.client.log_artifact(run_id, exp.path)
        self.client.log_batch(
            run_id, metrics=[], params=_params({"cells": len(exp.cells), "runs": exp.n_runs})
        )
        return run_id

    @deferred_interrupt()
    def finish_parent(self, run_id: str, status: str, counts: dict[str, int]) -> None:
        self.client.log_batch(run_id, metrics=_metrics({k: float(v) for k, v in counts.items()}, step=0))
        self.client.set_terminated(run_id, status)

    @deferred_interrupt()
    def log_seed(
        self,
        experiment_id: str,
        parent_id: str,
        exp: Experiment,
        cell: Cell,
        outcome: CellOutcome,
        seed: SeedOutcome,
    ) -> str:
        """One (cell, seed) run: params, tags, curves, summaries, artifacts, then the complete tag."""
        cfg = cell.config.model_copy(update={"seeds": [seed.seed]})
        tags = {
            KEY: cell.run_key(seed.seed),
            CELL: cell.key,
            "mlflow.parentRunId": parent_id,
            "loss": cfg.loss.name,
            "schedule": cfg.schedule.name,
            "dataset": cfg.dataset.name,
            "seed": str(seed.seed),
            "cell": cell.label,
            "configuration": f"{cfg.dataset.name} | {cell.label}",  # a group name in the UI: one per cell
            "spec": exp.spec.name,
            "spec_hash": exp.spec_hash,
            "git_commit": git_commit(),
            "torch_version": torch.__version__,
            "device": outcome.device,
            "primary_metric": outcome.primary or "",
            "population": str(outcome.population),  # cells trained together (train_seconds is theirs)
            **{f"plugin.{kind}": src for kind, src in outcome.plugin_sources.items()},
        }
        run = self.client.create_run(
            experiment_id, run_name=f"{cell.label} | {cfg.dataset.name} | seed {seed.seed}", tags=tags
        )
        run_id = run.info.run_id
        params = _params(flatten(cfg.model_dump(mode="json")))
        for chunk in _chunks(params, MAX_PARAMS_PER_CALL):
            self.client.log_batch(run_id, params=chunk)
        metrics = [m for name, (steps, values) in seed.curves.items() for m in _series(name, steps, values)]
        metrics += _metrics(seed.final, step=int(seed.final.get("g_updates", 0)))
        for chunk in _chunks(metrics, MAX_METRICS_PER_CALL):
            self.client.log_batch(run_id, metrics=chunk)
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "config.yaml").write_text(
                yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
            )
            self.client.log_artifact(run_id, str(Path(tmp) / "config.yaml"))
        for path in seed.artifacts:
            sub = "samples" if path.endswith(".png") else None
            self.client.log_artifact(run_id, path, sub)
        if seed.diverged_at >= 0:
            self.client.set_tag(
                run_id, "failure_reason", f"diverged: non-finite loss at generator update {seed.diverged_at}"
            )
        # Status before the complete tag: a Ctrl-C between the two leaves a run that the next
        # invocation discards and redoes, never a complete run stuck in RUNNING.
        self.client.set_terminated(run_id, "FAILED" if seed.diverged_at >= 0 else "FINISHED")
        self.client.set_tag(run_id, COMPLETE, "true")
        return run_id


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"loss": {"name": "x"}}`` → ``{"loss.name": "x"}``."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def git_commit() -> str:
    """The checkout's commit (with ``+dirty`` for local changes), or ``unknown``."""
    root = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5
        )
        if sha.returncode != 0:
            return "unknown"
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return sha.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _params(values: dict[str, Any]):
    from mlflow.entities import Param

    return [Param(k, str(v)[:6000]) for k, v in values.items()]


def _metrics(values: dict[str, float], step: int):
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    return [Metric(k, float(v), now, step) for k, v in values.items()]


def _series(name: str, steps, values):
    from mlflow.entities import Metric

    now = int(time.time() * 1000)
    return [Metric(name, float(v), now, int(s)) for s, v in zip(steps, values, strict=True)]


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]
