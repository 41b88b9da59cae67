"""MLflow tracking: one experiment per spec, one parent run per invocation, one run per (cell, seed).

A (cell, seed) run is created when its training starts, as the claim on its key
(:mod:`ganbench.tracking.claims`: two invocations on one store never train a key twice), its
curves stream in while it trains (:mod:`ganbench.tracking.live`), and it ends FINISHED (FAILED for
a diverged seed) with the tag ``ganbench.complete = true``, set last, after every metric and artifact.
A rerun skips keys with a complete run and deletes unfinished runs whose owner is gone, so exactly
one complete run per key remains. Worker processes never write here: they stream their records to
the parent. Every write method holds Ctrl-C until it has finished (:func:`deferred_interrupt`), so no
write is cut in half. URIs are printed, tagged and logged only through :attr:`Tracker.shown`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
import yaml
from mlflow.entities import Metric, Param, RunTag
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from ganbench.errors import GanbenchError
from ganbench.experiment.cell_run import CellOutcome, SeedOutcome
from ganbench.experiment.interrupts import deferred_interrupt
from ganbench.experiment.masking import mask_argv, mask_text, mask_url
from ganbench.experiment.spec import Cell, Experiment
from ganbench.experiment.store_check import (
    DEFAULT_URI,
    check_sqlite_store,
    creating_lock,
    resolve_uri,
    retry_creation_race,
    root_cause,
)
from ganbench.tracking.claims import (
    CLAIM,
    CLOSED,
    LEASE,
    LOST,
    PENDING,
    SETTLE_SECONDS,
    WON,
    RunView,
    dead_invocations,
    decide,
    is_alive,
    lease_tags,
)

KEY, CELL, COMPLETE, ROLE = "ganbench.key", "ganbench.cell", "ganbench.complete", "ganbench.role"
#: Tag prefix: ``feature_space.<metric>`` = the space a distance metric compared samples in, in words.
FEATURE_SPACE = "feature_space."
MAX_METRICS_PER_CALL, MAX_PARAMS_PER_CALL = 1000, 100


class Tracker:
    """Thin layer over ``MlflowClient`` with the project's run layout."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.client = MlflowClient(tracking_uri=uri)

    @property
    def shown(self) -> str:
        """The URI as it may be printed, tagged or logged: its password masked."""
        return mask_url(self.uri)

    @classmethod
    def connect(cls, uri: str | None) -> Tracker:
        """Check the store (a SQLite file: writable and intact) and prove it answers, before
        anything is written or trained. A race with another process creating the same fresh store
        is retried; any other failure is a user error naming its cause."""
        uri = resolve_uri(uri)
        logging.getLogger("mlflow").setLevel(logging.WARNING)  # no table-creation chatter on first use
        # A failed write is raised to us and said in one paragraph; MLflow's own log of it would
        # repeat it with every SQL parameter.
        logging.getLogger("mlflow.store.db.utils").setLevel(logging.CRITICAL)
        # Fail fast on an unreachable server instead of MLflow's minutes of retries.
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
        check_sqlite_store(uri)

        def open_store() -> Tracker:
            with creating_lock(uri):
                tracker = cls(uri)
                tracker.client.search_experiments(max_results=1)
            return tracker

        try:
            return retry_creation_race(open_store)
        except Exception as exc:  # MLflow raises many types for a bad URI
            detail = mask_text(root_cause(exc), [uri])
            raise GanbenchError(
                f"tracking URI {mask_url(uri)!r} is unreachable or unusable ({detail[:300]}). Use a "
                f"path MLflow can write (default {DEFAULT_URI}) or a running server "
                "(http://127.0.0.1:5000); nothing was trained."
            ) from None

    def experiment_id(self, name: str) -> str:
        """The MLflow experiment for a spec, created on first use (by whichever process is first)."""

        def find_or_create() -> str:
            found = self.client.get_experiment_by_name(name)
            if found is not None:
                if found.lifecycle_stage == "deleted":
                    self.client.restore_experiment(found.experiment_id)
                return found.experiment_id
            return self.client.create_experiment(name)

        return retry_creation_race(find_or_create)

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
        """Run keys that already have a complete run (runs without a key — reference rows — aside)."""
        found = self.runs(experiment_id, f"tags.`{COMPLETE}` = 'true'")
        return {r.data.tags[KEY] for r in found if KEY in r.data.tags}

    @deferred_interrupt()
    def discard_incomplete(self, experiment_id: str, keys: Iterable[str]) -> int:
        """Delete runs of ``keys`` that never completed and whose owner is gone (a crash, a kill or
        Ctrl-C left them); a run another live invocation is training is left alone. Returns how many."""
        wanted, deleted = set(keys), 0
        for run in self.runs(experiment_id):
            tags = run.data.tags
            if tags.get(KEY) in wanted and tags.get(COMPLETE) != "true" and not is_alive(tags):
                self.client.delete_run(run.info.run_id)
                deleted += 1
        return deleted

    @deferred_interrupt()
    def close_dead_invocations(self, experiment_id: str, current: str, by: str = "") -> list[str]:
        """Mark invocation runs and tuning study runs still RUNNING whose processes are gone
        (killed) as KILLED, saying by whom (``by``; default: the invocation run ``current``);
        returns their ids."""
        found = [
            r
            for role in ("invocation", "study")
            for r in self.runs(experiment_id, f"tags.`{ROLE}` = '{role}'")
        ]
        dead = dead_invocations(found, current)
        for run_id in dead:
            closer = by or f"invocation {current}"
            note = f"its process was gone (lease expired or process ended); closed by {closer}"
            self.client.set_tag(run_id, CLOSED, note)
            self.client.set_terminated(run_id, "KILLED")
        return dead

    @deferred_interrupt()
    def start_parent(self, experiment_id: str, exp: Experiment, argv: list[str]) -> str:
        """The run of this invocation: the spec file, the command line (passwords masked), the cells
        asked for, and the lease that tells a later invocation whether this one still lives."""
        run = self.client.create_run(
            experiment_id,
            run_name=f"{exp.spec.name} {time.strftime('%Y-%m-%d %H:%M:%S')}",
            tags={
                ROLE: "invocation",
                "spec_hash": exp.spec_hash,
                "git_commit": git_commit(),
                "command": shlex.join(mask_argv(argv))[:5000],  # re-read by report/planned.py
                **({"profile": exp.profile} if exp.profile else {}),
                **lease_tags(),
            },
        )
        run_id = run.info.run_id
        self.client.log_artifact(run_id, exp.path)
        self.client.log_batch(
            run_id, metrics=[], params=_params({"cells": len(exp.cells), "runs": exp.n_runs})
        )
        return run_id

    @deferred_interrupt()
    def finish_parent(
        self, run_id: str, status: str, counts: dict[str, int], failure: str | None = None
    ) -> None:
        """Log the invocation's counts and close its run with ``status``, its lease ended (a FAILED
        one tagged with why: ``failure_reason``)."""
        tags = [RunTag(LEASE, "0")] + ([RunTag("failure_reason", failure[:5000])] if failure else [])
        self.client.log_batch(
            run_id, metrics=_metrics({k: float(v) for k, v in counts.items()}, step=0), tags=tags
        )
        self.client.set_terminated(run_id, status)

    @deferred_interrupt()
    def claim(
        self, experiment_id: str, parent_id: str, exp: Experiment, pack: list[tuple[Cell, list[int]]]
    ) -> list[dict[int, str]]:
        """Create the (cell, seed) runs of ``pack`` as claims (RUNNING, visible in the UI at once) and
        keep those this invocation wins (:mod:`ganbench.tracking.claims`); returns, per cell, seed →
        run id of the won ones, with their parameters logged. Lost claims are deleted."""
        mine: dict[str, RunView] = {}
        for cell, seeds in pack:
            for seed in seeds:
                tags = {**self._seed_tags(parent_id, exp, cell, seed), **lease_tags(), CLAIM: PENDING}
                run = self.client.create_run(experiment_id, run_name=_run_name(cell, seed), tags=tags)
                mine[cell.run_key(seed)] = RunView.of(run)
        time.sleep(SETTLE_SECONDS)
        found = [
            RunView.of(r)
            for cell_key in dict.fromkeys(cell.key for cell, _ in pack)
            for r in self.runs(experiment_id, f"tags.`{CELL}` = '{cell_key}'")
        ]
        decision = decide(mine, found, KEY, COMPLETE)
        for run_id in decision.stale:
            with contextlib.suppress(MlflowException):  # another claimant deleted it first
                self.client.delete_run(run_id)
        for key in decision.lost:
            self.client.set_tag(mine[key].run_id, CLAIM, LOST)
            self.client.delete_run(mine[key].run_id)
        out = []
        for cell, seeds in pack:
            won = {}
            for seed in seeds:
                run_id = mine[cell.run_key(seed)].run_id
                if cell.run_key(seed) not in decision.won:
                    continue
                cfg = cell.config.model_copy(update={"seeds": [seed]})
                params = _params(flatten(cfg.model_dump(mode="json")))
                for i, chunk in enumerate(_chunks(params, MAX_PARAMS_PER_CALL)):
                    self.client.log_batch(run_id, params=chunk, tags=[RunTag(CLAIM, WON)] if i == 0 else [])
                won[seed] = run_id
            out.append(won)
        return out

    def _seed_tags(self, parent_id: str, exp: Experiment, cell: Cell, seed: int) -> dict[str, str]:
        cfg = cell.config
        return {
            KEY: cell.run_key(seed),
            CELL: cell.key,
            "mlflow.parentRunId": parent_id,
            "loss": cfg.loss.name,
            "schedule": cfg.schedule.name,
            "dataset": cfg.dataset.name,
            "seed": str(seed),
            "cell": cell.label,
            "configuration": f"{cfg.dataset.name} | {cell.label}",  # a group name in the UI: one per cell
            "spec": exp.spec.name,
            "spec_hash": exp.spec_hash,
            "git_commit": git_commit(),
            "torch_version": torch.__version__,
        }

    @deferred_interrupt()
    def finish_seed(
        self, run_id: str, cell: Cell, outcome: CellOutcome, seed: SeedOutcome, streamed: bool = True
    ) -> None:
        """Complete a claimed (cell, seed) run: the curves unless they were streamed while it trained,
        summaries, artifacts, status, then the complete tag (last: a run without it is unfinished)."""
        cfg = cell.config.model_copy(update={"seeds": [seed.seed]})
        tags = {
            "device": outcome.device,
            "primary_metric": outcome.primary or "",
            "population": str(outcome.population),  # cells trained together (train_seconds is theirs)
            **{f"plugin.{kind}": src for kind, src in outcome.plugin_sources.items()},
            **{f"{FEATURE_SPACE}{metric}": space for metric, space in outcome.feature_spaces.items()},
        }
        if seed.diverged_at >= 0:
            reason = seed.diverged_reason or "non-finite loss"
            tags["failure_reason"] = f"diverged: {reason} at generator update {seed.diverged_at}"
        metrics = [] if streamed else [m for n, (st, v) in seed.curves.items() for m in _series(n, st, v)]
        metrics += _metrics(seed.final, step=int(seed.final.get("g_updates", 0)))
        run_tags = [RunTag(k, v) for k, v in tags.items()]
        for i, chunk in enumerate(_chunks(metrics, MAX_METRICS_PER_CALL)):
            self.client.log_batch(run_id, metrics=chunk, tags=run_tags if i == 0 else [])
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "config.yaml").write_text(
                yaml.safe_dump(cfg.model_dump(mode="json"), sort_keys=False)
            )
            self.client.log_artifact(run_id, str(Path(tmp) / "config.yaml"))
        for path in seed.artifacts:
            sub = "samples" if path.endswith(".png") else None
            self.client.log_artifact(run_id, path, sub)
        # Status before the complete tag: a Ctrl-C between the two leaves a run that the next
        # invocation discards and redoes, never a complete run stuck in RUNNING.
        self.client.set_terminated(run_id, "FAILED" if seed.diverged_at >= 0 else "FINISHED")
        self.client.set_tag(run_id, COMPLETE, "true")

    @deferred_interrupt()
    def release(self, run_ids: Iterable[str]) -> None:
        """Close claimed runs this invocation will not finish (Ctrl-C, a failed cell) as KILLED and
        end their lease, so that the next invocation redoes them at once."""
        for run_id in run_ids:
            self.client.log_batch(run_id, tags=[RunTag(LEASE, "0")])
            self.client.set_terminated(run_id, "KILLED")


def _run_name(cell: Cell, seed: int) -> str:
    return f"{cell.label} | {cell.config.dataset.name} | seed {seed}"


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
    return [Param(k, str(v)[:6000]) for k, v in values.items()]


def _metrics(values: dict[str, float], step: int):
    now = int(time.time() * 1000)
    return [Metric(k, float(v), now, step) for k, v in values.items()]


def _series(name: str, steps, values):
    now = int(time.time() * 1000)
    return [Metric(name, float(v), now, int(s)) for s, v in zip(steps, values, strict=True)]


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]
