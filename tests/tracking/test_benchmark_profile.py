"""`ganbench benchmark --profile NAME`: the profile's settings train, in the profile's own experiment,
and the invocation records which profile it applied."""

from __future__ import annotations

import yaml

from .conftest import benchmark, client

TINY = {
    "name": "tiny",
    "datasets": ["ring"],
    "losses": ["modified_minimax"],
    "schedules": ["simultaneous"],
    "seeds": 1,
    "sample_images": "none",
    "train": {
        "g_steps": 8,
        "eval_every": 2,
        "eval_samples": 200,
        "batch_size": 32,
        "generator": {"width": 16, "depth": 2},
        "discriminator": {"width": 16, "depth": 2},
    },
    "profiles": {"longer": {"train": {"g_steps": 12, "eval_every": 3}}},
}


def test_a_profile_trains_its_budget_in_its_own_experiment(tmp_path):
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    proc = benchmark(tmp_path, "tiny.yaml", "--profile", "longer", "--jobs", "1")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "tiny_longer (profile longer of tiny.yaml): 1 cells" in proc.stdout
    mlflow = client(tmp_path / "mlflow.db")
    assert mlflow.get_experiment_by_name("tiny") is None
    runs = mlflow.search_runs([mlflow.get_experiment_by_name("tiny_longer").experiment_id])
    (invocation,) = [r for r in runs if r.data.tags.get("ganbench.role") == "invocation"]
    (run,) = [r for r in runs if r.data.tags.get("ganbench.role") not in ("invocation", "reference")]
    assert invocation.data.tags["profile"] == "longer"
    assert run.data.params["g_steps"] == "12" and run.data.params["eval_every"] == "3"

    bad = benchmark(tmp_path, "tiny.yaml", "--profile", "gpu", "--jobs", "1")
    assert bad.returncode != 0 and "--profile 'gpu' is not a profile of this spec (longer)" in bad.stderr
