"""Write benchmark-shaped runs straight into an MLflow store (no training), laid out as
``ganbench.tracking.tracker`` writes them, so report tests know the right answer in advance."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import yaml
from mlflow.entities import Metric, Param
from mlflow.tracking import MlflowClient

from ganbench.tracking.tracker import CELL, COMPLETE, KEY


def client_for(store: Path) -> MlflowClient:
    """A client on ``store``/mlflow.db (created on first use)."""
    return MlflowClient(tracking_uri=f"sqlite:///{store}/mlflow.db")


def start_invocation(client: MlflowClient, experiment: str, planned: int, status: str = "FINISHED") -> tuple:
    """The experiment and its invocation (parent) run with the spec as artifact; returns (exp id, run id)."""
    found = client.get_experiment_by_name(experiment)
    exp_id = found.experiment_id if found else client.create_experiment(experiment)
    run = client.create_run(
        exp_id, run_name="invocation", tags={"ganbench.role": "invocation", "spec_hash": "h"}
    )
    client.log_batch(run.info.run_id, params=[Param("runs", str(planned)), Param("cells", "1")])
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / f"{experiment}.yaml"
        spec.write_text(f"name: {experiment}\n")
        client.log_artifact(run.info.run_id, str(spec))
    if status != "RUNNING":
        client.set_terminated(run.info.run_id, status)
    return exp_id, run.info.run_id


def log_run(
    client: MlflowClient,
    exp_id: str,
    parent: str,
    dataset: str,
    configuration: str,
    seed: int,
    finals: dict[str, float],
    *,
    diverged: bool = False,
    status: str = "FINISHED",
    complete: bool = True,
    primary: str = "modes/covered",
) -> str:
    """One (configuration, seed) run with final metrics ``finals`` (keys without ``final/``), a few
    curve points, stability figures and, for 2-D datasets, ``final_samples.npy`` and ``config.yaml``."""
    loss, _, schedule = configuration.partition(" + ")
    cell = f"{dataset}-{configuration}".replace(" ", "")
    tags = {
        KEY: f"{cell}-s{seed}",
        CELL: cell,
        "mlflow.parentRunId": parent,
        "loss": loss.split("(")[0],
        "schedule": schedule.split("(")[0],
        "dataset": dataset,
        "seed": str(seed),
        "cell": configuration,
        "configuration": f"{dataset} | {configuration}",
        "spec": "synthetic",
        "spec_hash": "h",
        "git_commit": "c0ffee",
        "torch_version": "test",
        "device": "cpu",
        "primary_metric": primary,
    }
    if diverged:
        tags["failure_reason"] = "diverged: non-finite loss at generator update 50"
    run_id = client.create_run(
        exp_id, run_name=f"{configuration} | {dataset} | seed {seed}", tags=tags
    ).info.run_id
    client.log_batch(run_id, params=[Param("dataset.name", dataset), Param("loss.name", loss.split("(")[0])])
    rng = np.random.default_rng(seed)
    metrics = [Metric(f"final/{k}", float(v), 0, 100) for k, v in finals.items()]
    for step in (25, 50, 75, 100):
        for name in ("d_loss", "g_loss", "d_acc_real", "d_acc_fake"):
            metrics.append(Metric(name, float(rng.uniform(0.3, 0.9)), 0, step))
    for k, v in finals.items():
        metrics += [Metric(k, float(v) / 2, 0, 50), Metric(k, float(v), 0, 100)]
    counts = {
        "g_updates": 100,
        "d_updates": 100,
        "g_grad_evals": 100,
        "d_grad_evals": 100,
        "train_seconds": 2.5,
    }
    counts |= {"stability/oscillation": float(rng.uniform(0, 1)), "stability/peak_to_final_drop": 0.0}
    metrics += [Metric(k, float(v), 0, 100) for k, v in counts.items()]
    client.log_batch(run_id, metrics=metrics)
    if dataset == "ring" and complete:
        with tempfile.TemporaryDirectory() as tmp:
            np.save(Path(tmp) / "final_samples.npy", rng.normal(0, 0.5, (300, 2)))
            (Path(tmp) / "config.yaml").write_text(yaml.safe_dump({"dataset": {"name": "ring"}}))
            client.log_artifact(run_id, str(Path(tmp) / "final_samples.npy"))
            client.log_artifact(run_id, str(Path(tmp) / "config.yaml"))
    if status != "RUNNING":
        client.set_terminated(run_id, "FAILED" if diverged else status)
    if complete:
        client.set_tag(run_id, COMPLETE, "true")
    return run_id
