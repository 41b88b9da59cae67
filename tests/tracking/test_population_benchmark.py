"""`ganbench benchmark` packs cells that differ only in batchable settings into one batched model,
and MLflow records exactly what it records when each cell trains alone."""

from collections import defaultdict

import mlflow
import numpy as np
import optuna
import pytest
import yaml
from mlflow.tracking import MlflowClient

from ganbench.experiment import spec as experiment_spec
from ganbench.experiment.cell_run import TRAIN_CURVES
from ganbench.train.build import build, evaluator_for
from ganbench.train.trainer import train

from .conftest import benchmark

pytestmark = pytest.mark.slow

SPEC = {
    "name": "packed",
    "datasets": ["ring"],
    "losses": ["wasserstein"],
    "schedules": [{"name": "alternating", "d_steps": 2}],
    "seeds": 2,
    "sample_images": "none",
    "grid": {"d_optimizer.lr": [0.001, 0.003], "loss.clip": [0.01, 0.03]},
    "train": {
        "g_steps": 40,
        "eval_every": 10,
        "eval_samples": 300,
        "batch_size": 64,
        "generator": {"width": 16, "depth": 2},
        "discriminator": {"width": 16, "depth": 2},
        "metrics": ["modes"],
    },
}


def _runs(folder, monkeypatch, experiment="packed"):
    # set_tracking_uri also sets MLFLOW_TRACKING_URI for subprocesses: undone after the test.
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{folder / 'mlflow.db'}")
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    df = mlflow.search_runs(experiment_names=[experiment])
    df = df[df["tags.ganbench.role"].isna()]
    return df.set_index("tags.ganbench.key").sort_index()


def _curves(folder, experiment="packed") -> dict[str, dict[str, np.ndarray]]:
    """Every curve of every (cell, seed) run: run key → metric → (step, value) rows in step order."""
    client = MlflowClient(tracking_uri=f"sqlite:///{folder / 'mlflow.db'}")
    experiment_id = client.get_experiment_by_name(experiment).experiment_id
    out = {}
    for run in client.search_runs([experiment_id], max_results=1000):
        if "ganbench.key" not in run.data.tags:
            continue
        out[run.data.tags["ganbench.key"]] = {
            name: np.array(
                sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, name))
            )
            for name in run.data.metrics
            if name not in ("train_seconds", "eval_seconds")
        }
    return out


@pytest.fixture(scope="module")
def packed_and_alone(tmp_path_factory) -> dict:
    """SPEC trained as one model (4 cells × 2 seeds) and with every cell alone: the two folders."""
    base = tmp_path_factory.mktemp("packed")
    spec = base / "packed.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    folders = {}
    for name, extra in (("packed", []), ("alone", ["--population", "1"])):
        folder = base / name
        folder.mkdir()
        proc = benchmark(folder, str(spec), "--jobs", "1", *extra)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        folders[name] = folder
    return {**folders, "spec": spec}


def test_packed_cells_record_what_cells_trained_alone_record(packed_and_alone, monkeypatch):
    packed, alone = (_runs(packed_and_alone[name], monkeypatch) for name in ("packed", "alone"))
    assert len(packed) == 8 and list(packed.index) == list(alone.index)  # one run per (cell, seed)
    assert set(packed["tags.population"]) == {"4"} and set(alone["tags.population"]) == {"1"}
    finals = [c for c in packed.columns if c.startswith("metrics.final/") or c.startswith("metrics.modes/")]
    assert finals
    for column in finals + ["metrics.d_loss", "metrics.g_updates", "metrics.d_updates"]:
        # bit for bit on the CPU (NaN where both are undefined, e.g. a stability figure)
        np.testing.assert_array_equal(packed[column].to_numpy(), alone[column].to_numpy(), err_msg=column)
    clip = packed["params.loss.clip"].astype(float)
    assert sorted(set(clip)) == [0.01, 0.03]
    # The learning rates really differ between members: the same seed ends elsewhere.
    assert packed["metrics.d_loss"].nunique() == 8


def _trained_here(spec) -> dict[str, dict[str, np.ndarray]]:
    """Each cell of ``spec`` trained here by the trainer itself — no benchmark, no streaming, no
    MLflow — as :func:`_curves` lists them: member i of a cell's model is its i-th seed."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for cell in experiment_spec.load(spec).cells:
        setup = build(cell.config)
        points = defaultdict(list)

        def log(record, seeds=cell.config.seeds, points=points) -> None:
            names = TRAIN_CURVES if record.kind == "train" else record.values
            for i, seed in enumerate(seeds):
                for name in (n for n in names if n in record.values and record.active[i]):
                    points[seed, name].append((int(record.step[i]), float(record.values[name][i])))

        train(setup, log=log, evaluate=evaluator_for(setup))
        for (seed, name), rows in points.items():
            out.setdefault(cell.run_key(seed), {})[name] = np.array(sorted(rows))
    return out


def test_each_run_of_a_model_of_several_cells_gets_its_own_seeds_curves(packed_and_alone):
    """Curve by curve, point by point, the run of (cell, seed) holds what the trainer itself records
    for that cell's seed — not another seed's or another cell's curves — whether the cell trained in
    a model of several cells or alone. (Last values cannot tell: a run's final figures are logged
    apart from the curves streamed while it trains, so a mix-up shows in the curves only.)"""
    reference = _trained_here(packed_and_alone["spec"])
    assert len(reference) == 8
    for store in ("packed", "alone"):
        logged = _curves(packed_and_alone[store])
        assert sorted(logged) == sorted(reference), store
        for key, curves in reference.items():
            assert len(curves["d_loss"]) > 1 and len(curves["modes/covered"]) > 1  # curves, not values
            for name, points in curves.items():
                # the streamed points, and a run's final value of a curve at its last step, if logged
                got = np.unique(logged[key][name], axis=0)
                np.testing.assert_array_equal(got, points, err_msg=f"{store} {key}: {name}")


def test_a_queued_benchmark_trains_the_models_a_local_one_trains(tmp_path, monkeypatch):
    """``--storage``: the same packing (one queued trial per model, here one model of 4 cells × 2
    seeds), and run for run what the local invocation records, bit for bit."""
    spec = tmp_path / "packed.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    dry = benchmark(tmp_path, str(spec), "--dry-run")
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "1 batched model(s), 8 members" in " ".join(dry.stdout.split())
    stores = {}
    for name, extra in (("local", []), ("queued", ["--storage", f"sqlite:///{tmp_path / 'optuna.db'}"])):
        folder = tmp_path / name
        folder.mkdir()
        proc = benchmark(folder, str(spec), "--jobs", "1", *extra)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        stores[name] = _runs(folder, monkeypatch)
        if extra:
            assert "queued now as 1 batched model(s)" in " ".join(proc.stdout.split())
    study = optuna.load_study(study_name="benchmark:packed", storage=f"sqlite:///{tmp_path / 'optuna.db'}")
    assert [t.state.name for t in study.trials] == ["COMPLETE"]
    assert len(study.trials[0].user_attrs["ganbench.units"]) == 4  # the model's 4 cells
    local, queued = stores["local"], stores["queued"]
    assert list(local.index) == list(queued.index) and len(local) == 8
    assert set(queued["tags.population"]) == set(local["tags.population"]) == {"4"}

    def logged(runs, kind):  # the columns the (cell, seed) runs carry (the parents' are left out)
        return sorted(c for c in runs.columns if c.startswith(kind) and runs[c].notna().any())

    for kind in ("params.", "metrics.", "tags."):
        assert logged(local, kind) == logged(queued, kind), kind
    for column in logged(local, "params."):
        assert list(local[column]) == list(queued[column]), column
    for column in logged(local, "metrics."):
        if column not in ("metrics.train_seconds", "metrics.eval_seconds"):  # bit for bit on the CPU
            np.testing.assert_array_equal(local[column].to_numpy(), queued[column].to_numpy(), err_msg=column)


MIXED = {
    **SPEC,
    "name": "mixed",
    "losses": ["minimax", "wasserstein", "wgan_gp"],
    "grid": {},
    "train": {**SPEC["train"], "g_steps": 20},
}


def test_cells_of_different_losses_train_as_one_model_and_record_what_they_record_alone(
    tmp_path, monkeypatch
):
    """Three losses (weight clipping, a gradient penalty that draws its own numbers, neither) as
    one model: every metric of every run — the penalty only where the loss has one — as alone."""
    spec = tmp_path / "mixed.yaml"
    spec.write_text(yaml.safe_dump(MIXED))
    stores = {}
    for name, extra in (("packed", ["--pack-losses"]), ("alone", ["--population", "1"])):
        folder = tmp_path / name
        folder.mkdir()
        proc = benchmark(folder, str(spec), "--jobs", "1", *extra)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        stores[name] = _runs(folder, monkeypatch, "mixed")
    packed, alone = stores["packed"], stores["alone"]
    assert len(packed) == 6 and list(packed.index) == list(alone.index)
    assert set(packed["tags.population"]) == {"3"} and set(alone["tags.population"]) == {"1"}
    metrics = sorted(c for c in packed.columns if c.startswith("metrics."))
    assert metrics == sorted(c for c in alone.columns if c.startswith("metrics.")) and metrics
    for column in metrics:
        if column in ("metrics.train_seconds", "metrics.eval_seconds"):
            continue
        np.testing.assert_array_equal(packed[column].to_numpy(), alone[column].to_numpy(), err_msg=column)
    has_penalty = packed["metrics.penalty"].notna()
    assert (has_penalty == (packed["tags.loss"] == "wgan_gp")).all()
