"""Spec profiles: a named variant overlays the spec, renames the experiment, and `auto` follows the
device (a `cuda` profile on a GPU, none on a CPU)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import yaml

from ganbench.errors import GanbenchError
from ganbench.experiment import profiles, spec

ROOT = Path(__file__).resolve().parents[2]

BASE = {
    "name": "tiny",
    "datasets": ["ring"],
    "losses": ["minimax"],
    "schedules": ["simultaneous"],
    "seeds": 2,
    "train": {"g_steps": 100, "eval_every": 25, "generator": {"width": 32, "depth": 2}},
    "profiles": {
        "cuda": {"train": {"g_steps": 800, "eval_every": 200, "generator": {"width": 64}}},
        "wide": {"name": "tiny_wide_named", "seeds": 3, "datasets": ["grid"]},
    },
}


def test_a_profile_merges_train_key_by_key_and_renames_the_experiment():
    exp = spec.from_mapping(BASE, "tiny.yaml", profile="cuda")
    cfg = exp.cells[0].config
    assert exp.profile == "cuda" and exp.spec.name == "tiny_cuda"
    assert (cfg.g_steps, cfg.eval_every) == (800, 200)
    assert (cfg.generator.width, cfg.generator.depth) == (64, 2)  # depth kept from the base spec
    assert exp.profile_note == " (profile cuda of tiny.yaml)"


def test_other_top_level_keys_are_replaced_and_a_profile_may_name_its_experiment():
    exp = spec.from_mapping(BASE, "tiny.yaml", profile="wide")
    assert exp.spec.name == "tiny_wide_named" and exp.spec.seed_list() == [0, 1, 2]
    assert [c.config.dataset.name for c in exp.cells] == ["grid"]
    assert exp.cells[0].config.g_steps == 100


def test_no_profile_leaves_the_spec_as_written_and_changes_every_run_key():
    plain = spec.from_mapping(BASE, "tiny.yaml")
    assert plain.profile is None and plain.spec.name == "tiny" and plain.cells[0].config.g_steps == 100
    assert plain.cells[0].key != spec.from_mapping(BASE, "tiny.yaml", profile="cuda").cells[0].key
    assert spec.from_mapping(BASE, "tiny.yaml", profile="none").spec == plain.spec


def test_auto_picks_cuda_only_when_training_runs_on_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert profiles.choose(BASE, "auto", "x") is None
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert profiles.choose(BASE, "auto", "x") == "cuda"
    assert profiles.choose(BASE, None, "x") == "cuda"
    pinned = {**BASE, "train": {**BASE["train"], "device": "cpu"}}
    assert profiles.choose(pinned, "auto", "x") is None  # the spec asks for the CPU
    no_cuda_profile = {k: v for k, v in BASE.items() if k != "profiles"}
    assert profiles.choose(no_cuda_profile, "auto", "x") is None


def test_load_applies_auto_so_make_benchmark_picks_the_gpu_budget(monkeypatch, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(BASE))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert spec.load(path).spec.name == "tiny"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    exp = spec.load(path)
    assert exp.spec.name == "tiny_cuda" and exp.cells[0].config.g_steps == 800


@pytest.mark.parametrize(
    ("raw_profiles", "asked", "message"),
    [
        ({"cuda": {}}, "gpu", "--profile 'gpu' is not a profile of this spec (cuda)"),
        ({}, "gpu", "--profile 'gpu' is not a profile of this spec (none defined)"),
        ({"auto": {}}, "auto", "profiles.auto: 'auto' is reserved for --profile"),
        ({"cuda": ["g_steps", 8000]}, "cuda", "profiles: expected a mapping of profile name → settings"),
        ({"cuda": {"profiles": {}}}, "cuda", "profiles.cuda: a profile cannot hold profiles"),
    ],
)
def test_bad_profiles_are_one_line_errors_naming_the_file(raw_profiles, asked, message):
    with pytest.raises(GanbenchError) as err:
        spec.from_mapping({**BASE, "profiles": raw_profiles}, "tiny.yaml", profile=asked)
    assert str(err.value).startswith("tiny.yaml: ") and message in str(err.value)


def test_a_typo_inside_a_profile_is_caught_by_the_spec_validation():
    bad = {**BASE, "profiles": {"cuda": {"train": {"g_stepz": 10}}}}
    with pytest.raises(GanbenchError, match="g_stepz"):
        spec.from_mapping(bad, "tiny.yaml", profile="cuda")


def test_the_default_spec_has_a_longer_cuda_budget_in_its_own_experiment():
    cpu = spec.load(ROOT / "experiments" / "default.yaml", profile="none")
    gpu = spec.load(ROOT / "experiments" / "default.yaml", profile="cuda")
    assert gpu.spec.name == "default_cuda" and len(gpu.cells) == len(cpu.cells)
    for a, b in zip(cpu.cells, gpu.cells, strict=True):
        assert b.config.g_steps > a.config.g_steps and b.label == a.label
        assert b.config.g_steps // b.config.eval_every >= 4  # the plateau test needs 4 evaluations
