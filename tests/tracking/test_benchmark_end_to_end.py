"""`ganbench benchmark experiments/quick.yaml` end to end, read back with mlflow.search_runs."""

from pathlib import Path

import mlflow
import numpy as np
import pytest
import yaml

from ganbench.experiment import spec

from .conftest import QUICK, benchmark, client

pytestmark = pytest.mark.slow


def runs_of(store):
    mlflow.set_tracking_uri(f"sqlite:///{store / 'mlflow.db'}")
    df = mlflow.search_runs(experiment_names=["quick"])
    return df[df["tags.ganbench.role"].isna()], df[df["tags.ganbench.role"] == "invocation"]


def test_one_complete_run_per_configuration_and_seed(quick_store):
    runs, parents = runs_of(quick_store)
    exp = spec.load(QUICK)
    expected = {c.run_key(s) for c in exp.cells for s in c.config.seeds}
    assert sorted(runs["tags.ganbench.key"]) == sorted(expected)  # exactly one run per key
    assert (runs["tags.ganbench.complete"] == "true").all()
    diverged = (
        runs["tags.failure_reason"].fillna("").str.startswith("diverged")
        if "tags.failure_reason" in runs
        else np.zeros(len(runs), bool)
    )
    assert (runs.loc[~diverged, "status"] == "FINISHED").all() and (
        runs.loc[diverged, "status"] == "FAILED"
    ).all()
    assert len(parents) == 1 and (runs["tags.mlflow.parentRunId"] == parents["run_id"].iloc[0]).all()


def test_runs_carry_params_tags_metrics_and_artifacts(quick_store):
    runs, _ = runs_of(quick_store)
    row = runs.iloc[0]
    for tag in (
        "loss",
        "schedule",
        "dataset",
        "seed",
        "spec_hash",
        "git_commit",
        "torch_version",
        "device",
        "plugin.loss",
        "plugin.schedule",
        "plugin.dataset",
    ):
        assert isinstance(row[f"tags.{tag}"], str) and row[f"tags.{tag}"], tag
    assert row["tags.plugin.loss"].endswith(f"losses/{row['tags.loss']}.py")
    assert (runs["tags.feature_space.frechet"] == "data").all()  # distances name their feature space
    assert (runs["tags.feature_space.prdc"] == "data").all()
    assert row["params.g_steps"] == "100" and row["params.loss.name"] == row["tags.loss"]
    for metric in (
        "final/modes/covered",
        "final/modes/high_quality",
        "final/prdc/coverage",
        "stability/oscillation",
        "g_updates",
        "d_grad_evals",
    ):
        assert np.isfinite(runs[f"metrics.{metric}"]).all(), metric
    five_to_one = runs[runs["params.schedule.d_steps"] == "5"]
    assert (five_to_one["metrics.d_grad_evals"] == 500).all() and (
        five_to_one["metrics.g_updates"] == 100
    ).all()

    c = client(quick_store / "mlflow.db")
    run_id = row["run_id"]
    d_loss = c.get_metric_history(run_id, "d_loss")
    assert len(d_loss) >= 3 and [m.step for m in d_loss] == sorted(m.step for m in d_loss)
    assert [m.step for m in c.get_metric_history(run_id, "modes/covered")] == [25, 50, 75, 100]
    names = {a.path for a in c.list_artifacts(run_id)}
    assert {"config.yaml", "final_samples.npy", "generator.pt", "samples"} <= names
    local = c.download_artifacts(run_id, "config.yaml", str(quick_store / "dl"))
    assert yaml.safe_load(Path(local).read_text())["seeds"] == [int(row["tags.seed"])]
    samples = np.load(c.download_artifacts(run_id, "final_samples.npy", str(quick_store / "dl")))
    assert samples.shape == (500, 2)


def test_rerun_skips_everything_and_adds_no_run(quick_store, tmp_path):
    before, _ = runs_of(quick_store)
    proc = benchmark(quick_store, str(QUICK))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "8 already finished, 0 to train" in " ".join(proc.stdout.split())
    after, parents = runs_of(quick_store)
    assert sorted(after["run_id"]) == sorted(before["run_id"]) and len(parents) >= 2
    assert "summary: quick" in proc.stdout
    text = " ".join(proc.stdout.split())
    assert "runs had converged" in text or "runs had NOT converged" in text
    # Each summary row is its cell's runs as MLflow holds them: n, then covered and FD as mean±sd,
    # then converged/tested seeds (four evaluations per run: every non-diverged seed is tested).
    for cell in spec.load(QUICK).cells:
        mine = after[after["tags.ganbench.cell"] == cell.key]
        row = next(line for line in proc.stdout.splitlines() if f" {cell.label} " in line).split()
        n, covered, fd, conv = row[-7], row[-6].split("±"), row[-4].split("±"), row[-2]
        assert int(n) == len(mine) == 2
        converged = mine["metrics.stability/converged"]
        assert conv == f"{int((converged == 1).sum())}/{int(converged.notna().sum())}"
        for shown, values in (
            (covered, mine["metrics.final/modes/covered"]),
            (fd, mine["metrics.final/frechet/fd"]),
        ):
            assert float(shown[0]) == pytest.approx(values.mean(), rel=0.01, abs=0.051)
            assert float(shown[1]) == pytest.approx(values.std(ddof=1), rel=0.01, abs=0.051)


def test_dry_run_lists_cells_and_trains_nothing(tmp_path):
    proc = benchmark(tmp_path, str(QUICK), "--dry-run")
    assert proc.returncode == 0 and "4 cells, 8 runs" in proc.stdout and "est. time" in proc.stdout
    assert "timed on this machine" in " ".join(proc.stdout.split())
    assert not (tmp_path / "mlflow.db").exists()
