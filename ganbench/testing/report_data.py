"""Synthetic :class:`~ganbench.contracts.report_data.ReportData`, built in memory the way
``tracking.load`` builds it from MLflow, for testing report sections without training anything.

``SyntheticRun`` describes one (configuration, seed) run; :func:`synthetic_data` turns a list of them
into the tidy tables, metric histories (curves rising towards the final values) and artifacts
(``final_samples.npy`` and ``config.yaml`` for datasets that exist in the registry).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ganbench import registry
from ganbench.contracts.report_data import CURVE_COLUMNS, ReportData
from ganbench.metrics.counts_file import counts_file, write_counts

STEPS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
EVAL_STEPS = (50, 100)


@dataclass
class SyntheticRun:
    """One run: configuration label ``"<loss> + <schedule>"``, seed, final metrics (keys without the
    ``final/`` prefix), and whether it diverged or is unfinished (``status`` RUNNING, KILLED)."""

    dataset: str
    configuration: str
    seed: int
    final: dict[str, float]
    primary: str = "modes/covered"
    diverged: bool = False
    status: str = "FINISHED"
    run_id: str = ""
    extra: dict[str, float] = field(default_factory=dict)  # other MLflow metrics, e.g. stability/*

    @property
    def complete(self) -> bool:
        return self.status in ("FINISHED", "FAILED") and (self.status == "FINISHED" or self.diverged)


def synthetic_trials(study: str = "synthetic-study", scores=(0.2, 0.5, 0.4, 0.7, 0.6)) -> pd.DataFrame:
    """Trial runs of one tuning study (as ``tracking.load.tidy_trials`` gives them): the scores of
    completed trials, then one pruned and one failed trial."""
    n = len(scores)
    states = ["complete"] * n + ["pruned", "failed"]
    return pd.DataFrame(
        {
            "run_id": [f"{study}-{i:04d}" for i in range(n + 2)],
            "status": ["FINISHED"] * n + ["KILLED", "FAILED"],
            "study": study,
            "label": "ring | modified_minimax + alternating(d_steps=1)",
            "objective": "maximize modes/high_quality (mean)",
            "number": range(n + 2),
            "state": states,
            "complete": True,
            "dataset": "ring",
            "loss": "modified_minimax",
            "schedule": "alternating",
            "objective/modes/high_quality": [*scores, math.nan, math.nan],
            "intermediate/modes/high_quality": [*scores, 0.1, math.nan],
        }
    )


def synthetic_data(
    runs: list[SyntheticRun], folder: Path, experiment: str = "synthetic", trials: pd.DataFrame | None = None
) -> ReportData:
    """ReportData for ``runs`` (and tuning ``trials``); artifacts are written below ``folder``."""
    rows, curves = [], []
    for i, run in enumerate(runs):
        run_id = run.run_id or f"{i:032x}"
        run.run_id = run_id
        loss, _, schedule = run.configuration.partition(" + ")
        status = "FAILED" if run.diverged else run.status
        row = {
            "run_id": run_id,
            "status": status,
            "start_time": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(seconds=i),
            "end_time": pd.Timestamp("2026-01-01", tz="UTC") + pd.Timedelta(seconds=i + 60),
            "dataset": run.dataset,
            "loss": loss.split("(")[0],
            "schedule": schedule.split("(")[0],
            "configuration": run.configuration,
            "cell": f"cell-{run.dataset}-{run.configuration}",
            "seed": run.seed,
            "complete": run.complete,
            "failure_reason": "diverged: non-finite loss at generator update 40" if run.diverged else "",
            "primary_metric": run.primary,
            "device": "cpu",
            "git_commit": "0" * 40,
            "spec_hash": "abc123",
            "torch_version": "synthetic",
            "parent_run_id": "f" * 32,
            "diverged": run.diverged and run.complete,
            "loss_label": loss,
            "schedule_label": schedule or loss,
            "g_updates": 100.0,
            "d_updates": 100.0 * (5 if "d_steps=5" in schedule else 1),
            "g_grad_evals": 100.0,
            "d_grad_evals": 100.0 * (5 if "d_steps=5" in schedule else 1),
            "train_seconds": 3.0 + i % 3,
            "stability/diverged_step": 40.0 if run.diverged else math.nan,
            **{f"final/{k}": v for k, v in run.final.items()},
            **run.extra,
            "param.dataset.name": run.dataset,
        }
        rows.append(row)
        if not run.complete:
            continue
        rng = np.random.default_rng(run.seed + 1000 * i)
        for step in STEPS:
            t = step / STEPS[-1]
            noise = rng.normal(0, 0.02, 4)
            values = (
                (1 - t) * 0.5 + t * 0.9 + noise[0],
                0.5 + noise[1],
                1.0 - 0.5 * t + noise[2],
                0.8 + noise[3],
            )
            for name, value in zip(("d_acc_real", "d_acc_fake", "d_loss", "g_loss"), values, strict=True):
                curves.append((run_id, name, step, math.nan if run.diverged and step > 40 else float(value)))
        for key, final in run.final.items():
            for step in EVAL_STEPS:
                curves.append((run_id, key, step, final * step / EVAL_STEPS[-1]))
    frame = pd.DataFrame(rows)
    history = pd.DataFrame(curves, columns=CURVE_COLUMNS)
    for key in {k for r in runs if r.complete for k in ("d_acc_real", "d_acc_fake", "d_loss", "g_loss")}:
        frame[key] = frame["complete"].map(lambda done: 0.5 if done else math.nan)
    for key in {k for r in runs for k in r.final}:
        frame[key] = frame[f"final/{key}"]
    invocations = pd.DataFrame(
        {
            "run_id": ["f" * 32],
            "status": ["FINISHED"],
            "start_time": [pd.Timestamp("2026-01-01", tz="UTC")],
            "end_time": [pd.Timestamp("2026-01-01 00:10", tz="UTC")],
            "spec_hash": ["abc123"],
            "git_commit": ["0" * 40],
            "command": ["ganbench benchmark synthetic.yaml"],
            "planned_runs": [float(len(runs))],
            "planned_cells": [float(len({(r.dataset, r.configuration) for r in runs}))],
        }
    )
    artifacts = _write_artifacts(runs, Path(folder))

    def fetch_curves(complete: pd.DataFrame, names) -> pd.DataFrame:
        return history[history["metric"].isin(list(names)) & history["run_id"].isin(complete["run_id"])]

    def fetch_artifact(run_id: str, path: str) -> Path | None:
        return artifacts.get((run_id, path))

    return ReportData(
        experiment,
        "1",
        "sqlite:///synthetic.db",
        frame,
        invocations,
        fetch_curves,
        fetch_artifact,
        trials=trials if trials is not None else pd.DataFrame(),
    )


def reference_frame(
    dataset: str,
    values: dict[str, dict[str, list[float]]],
    ranges: dict[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """``ReportData.references`` rows as ``tracking.load`` reads them: ``values`` is reference kind
    (``real``, ``noise``) → metric key (``modes/covered``) → one value per draw; ``ranges`` → the
    ``param.range.<key>`` parameters."""
    labels = {"real": "reference: real data", "noise": "reference: uniform noise"}
    rows = []
    for kind, metrics in values.items():
        draws = len(next(iter(metrics.values())))
        for draw in range(draws):
            rows.append(
                {
                    "run_id": f"ref-{dataset}-{kind}-{draw}",
                    "status": "FINISHED",
                    "dataset": dataset,
                    "configuration": labels[kind],
                    "loss_label": labels[kind],
                    "schedule_label": labels[kind],
                    "seed": draw,
                    "complete": True,
                    "diverged": False,
                    "reference": kind,
                    "reference_key": f"key-{dataset}",
                    "param.reference.description": f"synthetic {kind} reference",
                    **{f"final/{k}": v[draw] for k, v in metrics.items()},
                    **{f"param.range.{k}": f"{lo:g} {hi:g}" for k, (lo, hi) in (ranges or {}).items()},
                }
            )
    return pd.DataFrame(rows)


def _write_artifacts(runs: list[SyntheticRun], folder: Path) -> dict[tuple[str, str], Path]:
    """final_samples.npy (points around the dataset's own samples) and config.yaml per complete run
    on a registered dataset, built with its example parameters (files it needs go to
    ``folder/data``), and for a run with a finite ``modes/covered`` c on data with modes its
    modes_counts.json (200 samples spread evenly over the first c modes); runs on other datasets
    get none."""
    import torch

    out: dict[tuple[str, str], Path] = {}
    for run in runs:
        if not run.complete or run.dataset not in registry.datasets:
            continue
        cls = registry.datasets.get(run.dataset)
        (folder / "data").mkdir(parents=True, exist_ok=True)
        params = cls.example_params(folder / "data")
        source = cls(cls.Params(**params), torch.device("cpu"))
        fake = source.sample(200, torch.Generator().manual_seed(run.seed)).numpy()
        fake = fake + np.random.default_rng(run.seed).normal(0, 0.1, fake.shape)
        target = folder / run.run_id
        target.mkdir(parents=True, exist_ok=True)
        np.save(target / "final_samples.npy", np.nan * fake if run.diverged else fake)
        (target / "config.yaml").write_text(yaml.safe_dump({"dataset": {"name": run.dataset, **params}}))
        out[(run.run_id, "final_samples.npy")] = target / "final_samples.npy"
        out[(run.run_id, "config.yaml")] = target / "config.yaml"
        covered = run.final.get("modes/covered", math.nan)
        if source.modes() is not None and math.isfinite(covered) and not run.diverged:
            counts = np.zeros(source.modes().n_modes)
            counts[: max(1, int(covered))] = 200 // max(1, int(covered))
            out[(run.run_id, counts_file("modes"))] = write_counts(target, "modes", counts, 100, 200)
    return out


def contract_runs() -> list[SyntheticRun]:
    """Partial, uneven results every section must cope with: on ``ring`` (a registered dataset with
    modes) three configurations — one with three seeds, one with a diverged seed, one with a single
    seed — and an unfinished run; on ``blobs`` (unregistered, no modes) only a Fréchet distance."""
    ring = []
    for seed in range(3):
        ring.append(
            SyntheticRun(
                "ring",
                "minimax + alternating(d_steps=1)",
                seed,
                {"modes/covered": 3.0 + seed, "modes/high_quality": 0.4 + 0.05 * seed, "frechet/fd": 0.8},
                extra={
                    "stability/oscillation": 0.5 + 0.1 * seed,
                    "stability/peak_to_final_drop": 1.0,
                    "stability/converged": float(seed != 1),
                    "stability/late_improvement": 0.3 if seed == 1 else 0.01,
                },
            )
        )
        ring.append(
            SyntheticRun(
                "ring",
                "wasserstein + alternating(d_steps=5)",
                seed,
                {
                    "modes/covered": 7.0 + 0.1 * seed,
                    "modes/high_quality": 0.9,
                    "frechet/fd": 0.1 + 0.01 * seed,
                }
                if seed < 2
                else {"modes/covered": math.nan, "modes/high_quality": math.nan, "frechet/fd": math.nan},
                diverged=seed == 2,
                extra={
                    "stability/oscillation": 0.1,
                    "stability/peak_to_final_drop": 0.0,
                    "stability/converged": 0.0 if seed < 2 else math.nan,  # a diverged seed: unknown
                },
            )
        )
    ring.append(SyntheticRun("ring", "hinge + simultaneous", 0, {"modes/covered": 5.0, "frechet/fd": 0.3}))
    ring.append(SyntheticRun("ring", "hinge + simultaneous", 1, {}, status="RUNNING"))
    blobs = [
        SyntheticRun(
            "blobs", "minimax + alternating(d_steps=1)", s, {"frechet/fd": 2.0 + s}, primary="frechet/fd"
        )
        for s in range(2)
    ]
    return ring + blobs
