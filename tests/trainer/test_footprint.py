"""The size guard: a model's memory is estimated before anything is allocated, models are split to
fit the machine, and a model that cannot fit is refused with one paragraph — at any number of seeds
the dry run stays cheap."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from ganbench.errors import GanbenchError
from ganbench.executor.packing import Budget, pack, pack_configs
from ganbench.experiment import spec
from ganbench.train.config import TrainConfig
from ganbench.train.footprint import footprint
from tests.conftest import GANBENCH_CMD, run_cli

ROOT = Path(__file__).resolve().parents[2]
GB = 10**9


def config(**raw) -> TrainConfig:
    return TrainConfig.model_validate({"device": "cpu", "metrics": ["modes"], **raw})


def budget(device_bytes: int, host_bytes: int = 10**15) -> Budget:
    return Budget(torch.device("cpu"), device_bytes, host_bytes, device_bytes, 1)


def test_the_estimate_grows_with_what_drives_memory():
    base = footprint(config())
    # Each member adds its weights, optimizer state, activations and evaluation samples.
    assert base.device_bytes(100) - base.device_bytes(10) >= 90 * sum(base.member.values()) > 0
    wider = footprint(config(generator={"width": 512}, discriminator={"width": 512}))
    assert wider.member["weights and optimizer state"] > 10 * base.member["weights and optimizer state"]
    # Activations are measured (autograd's saved tensors, carried on from small batches): linear in the batch.
    double = footprint(config(batch_size=512))
    assert double.member["activations"] == 2 * base.member["activations"]
    penalised = footprint(config(loss={"name": "wgan_gp"}))
    assert penalised.member["activations"] > base.member["activations"]


@pytest.mark.parametrize(
    "raw",
    [
        {"batch_size": 250, "discriminator": {"pack": 5, "spectral_norm": True}},
        {
            "dataset": {"name": "stacked_mnist"},
            "generator": {"name": "dcgan", "norm": "layer", "width": 8},
            "discriminator": {"name": "dcgan", "norm": "batch", "width": 8, "pack": 2},
            "batch_size": 74,
        },
    ],
    ids=["mlp", "dcgan"],
)
def test_activations_carried_on_from_small_batches_equal_a_pass_at_the_batch_size(raw):
    from ganbench.train.build import make_networks
    from ganbench.train.footprint import _activations, _dataset, _saved

    cfg = config(**raw, metrics=[])
    data = _dataset(json.dumps(cfg.dataset.model_dump(mode="json"), sort_keys=True))
    g, d = make_networks(cfg, data, [torch.Generator().manual_seed(0)])
    g_full, d_full = _saved(cfg, data, g, d, cfg.batch_size)
    assert _activations(cfg, data, g, d) == (sum(g_full), sum(d_full), max(g_full + d_full))


def test_data_held_on_the_device_and_a_frechet_distance_in_data_space_are_counted(tmp_path):
    np.save(tmp_path / "wide.npy", np.zeros((50, 3000), dtype=np.float32) + np.arange(50)[:, None])
    wide = footprint(config(dataset={"name": "npz", "path": str(tmp_path / "wide.npy")}, metrics=["frechet"]))
    assert wide.model["data on the device"] == 4 * 50 * 3000
    assert wide.parts(1)["metrics"] >= 4 * 50 * 3000  # the reference set
    # Six 3000 × 3000 float64 matrices on the host, whatever the number of members.
    assert wide.device_bytes(1) >= 6 * 3000**2 * 8 and wide.device_bytes(1) < 2 * 6 * 3000**2 * 8


def test_a_cell_with_too_many_seeds_for_one_model_is_split_into_models_that_fit():
    exp = spec.load(ROOT / "experiments" / "quick.yaml", seeds=40, only=["loss=wasserstein"])
    need = footprint(exp.cells[0].config)
    room = budget(need.device_bytes(15))  # 15 members fit, 16 do not
    models = pack([(c, list(c.config.seeds)) for c in exp.cells], budget=room)
    sizes = sorted(sum(len(s) for _, s in m) for m in models)
    assert max(sizes) == 15 and sum(sizes) == 80  # every (cell, seed) once
    trained = sorted((c.key, s) for m in models for c, seeds in m for s in seeds)
    assert trained == sorted((c.key, s) for c in exp.cells for s in c.config.seeds)


def test_a_model_whose_single_member_does_not_fit_is_refused_with_one_paragraph():
    exp = spec.load(ROOT / "experiments" / "quick.yaml", only=["loss=wasserstein"])
    too_small = budget(footprint(exp.cells[0].config).device_bytes(1) - 1)
    with pytest.raises(GanbenchError) as refused:
        pack([(c, list(c.config.seeds)) for c in exp.cells], budget=too_small)
    message = str(refused.value)
    assert "a model of 1 member(s) needs ≈" in message and "weights and optimizer state" in message
    assert "Nothing was allocated, trained or written." in message and "\n" not in message
    # A tuning batch never splits a trial's seeds: a trial too large alone is refused the same way.
    trial = exp.cells[0].config.model_copy(update={"seeds": list(range(20))})
    with pytest.raises(GanbenchError, match="a model of 20 member"):
        pack_configs([trial], None, budget=budget(footprint(trial).device_bytes(10)))


@pytest.mark.slow
def test_a_dry_run_at_100000_seeds_is_cheap():
    # measured through a fresh intermediate process whose only child is the CLI (this pytest
    # worker's own RUSAGE_CHILDREN holds the peak of every earlier child of the suite)
    probe = (
        "import json, resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, "
        "text=True); r = resource.getrusage(resource.RUSAGE_CHILDREN); print(json.dumps([p.returncode, "
        "p.stdout, p.stderr[-3000:], r.ru_maxrss, r.ru_utime + r.ru_stime]))"
    )
    args = ["benchmark", str(ROOT / "experiments" / "quick.yaml"), "--seeds", "100000", "--dry-run"]
    measured = subprocess.run(
        [sys.executable, "-c", probe, *GANBENCH_CMD, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "COLUMNS": "200"},
    )
    code, stdout, stderr, peak_kb, cpu = json.loads(measured.stdout)
    assert code == 0, stderr
    assert "400000 runs" in stdout and "batched model(s)" in stdout
    # CPU time, not wall time: the suite shares 2 cores (measured alone: 22 s wall, 0.87 GB)
    assert cpu < 60 and peak_kb * 1024 < 1 * GB  # ru_maxrss: kB on Linux


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]], ids=["run", "dry-run"])
def test_a_benchmark_too_large_for_the_machine_is_refused_before_anything_is_written(tmp_path, dry_run):
    """Refused at once, the dry run too (it once timed the evaluation first: 16 GB and more than
    10 minutes in the square root of a 20,000 × 20,000 covariance)."""
    np.save(tmp_path / "big.npy", np.random.default_rng(0).normal(size=(300, 20_000)).astype(np.float32))
    (tmp_path / "big.yaml").write_text(
        "name: big\ndatasets: [{name: npz, path: big.npy}]\nlosses: [hinge]\nschedules: [alternating]\n"
        "seeds: 2\ntrain: {g_steps: 10, eval_every: 5, metrics: [frechet]}\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = run_cli("benchmark", "big.yaml", *dry_run, cwd=tmp_path)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and cpu < 60  # CPU s; it once took 600+
    assert "metrics on the host" in proc.stderr and "Nothing was allocated" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.npy", "big.yaml"]  # no store, no run


def test_train_refuses_more_seeds_in_lockstep_than_fit():
    proc = run_cli("train", "--seeds", "100000", "--device", "cpu")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "a model of 100000 member(s)" in proc.stderr and "fit in one model here" in proc.stderr
