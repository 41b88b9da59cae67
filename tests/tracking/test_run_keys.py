"""Run keys cannot collide: changing any training setting — every field of the configuration,
nested ones such as ``d_optimizer.lr`` included — changes the run key, so the cells of a grid over
any setting get distinct keys (and one complete run each, never two under one key)."""

from __future__ import annotations

from typing import Any

import pytest

from ganbench.contracts.network import REMEDY_OPTIONS, NetParams
from ganbench.errors import GanbenchError
from ganbench.experiment import spec
from ganbench.tracking.tracker import flatten
from ganbench.train.config import TrainConfig

BASE = {
    "name": "keys",
    "datasets": ["ring"],
    "losses": ["wasserstein"],
    "schedules": ["alternating"],
    "seeds": 2,
}
#: Settings that are not part of what a run trains: its seeds (part of the run key instead) and the
#: device (the same run on a CPU or a GPU); components are chosen by the spec's lists, not the grid.
NOT_IN_KEY = {"seeds", "device", "dataset.name", "loss.name", "schedule.name"}
#: Settings whose default holds no value to vary; each gets a valid alternative here.
NON_DEFAULT = {
    "generator.init_std": 0.05,
    "discriminator.init_std": 0.05,
    "eval_samples": 300,
    "metrics": ["modes"],
    "metric_params": {"modes": {"quality_sigmas": 2.0}},
    "streams": "philox",
    "compile": "off",
    "matmul_precision": "high",
    "curve_samples": 200,
    "discriminator.pack": 2,
}
#: Settings left out of a configuration's dump while at their defaults (so that keys recorded before
#: they existed still match): they must change the key once set.
OMITTED_AT_DEFAULT = {
    "compile": "auto",
    "matmul_precision": "highest",
    "curve_samples": None,
    **{f"discriminator.{name}": NetParams.model_fields[name].default for name in REMEDY_OPTIONS},
    "generator.spectral_norm": False,  # generator.pack / unroll must stay at 1 / 0 (refused otherwise)
}


def fields() -> dict[str, Any]:
    cells = spec.expand(spec.ExperimentSpec.model_validate(BASE), "test")
    dumped = flatten(cells[0].config.model_dump(mode="json"))
    assert not set(OMITTED_AT_DEFAULT) & set(dumped)  # they are left out at their defaults
    return {**{k: v for k, v in dumped.items() if k not in NOT_IN_KEY}, **OMITTED_AT_DEFAULT}


def alternatives(name: str, value: Any) -> list[Any]:
    if name in NON_DEFAULT:
        return [NON_DEFAULT[name]]
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value * 2]
    if isinstance(value, float):
        return [value * 2 if value else 0.1, 0.5]
    if isinstance(value, list):
        return [[x * 0.9 for x in value]]
    if isinstance(value, str):
        return ["sgd", "relu", "layer", "batch", "tanh"]
    return []


def keys_for(grid: dict[str, list[Any]], **extra) -> list[str]:
    exp = spec.from_mapping({**BASE, **extra, "grid": grid}, "test")
    return [c.key for c in exp.cells]


def test_every_setting_is_covered():
    names = set(fields())
    assert {
        "d_optimizer.lr",
        "g_optimizer.lr",
        "d_optimizer.betas",
        "discriminator.width",
        "g_steps",
    } <= names
    assert set(TrainConfig.model_fields) - {"seeds", "device", "dataset", "loss", "schedule"} <= {
        n.split(".")[0] for n in names
    }


@pytest.mark.parametrize("name", sorted(fields()))
def test_changing_a_setting_changes_the_run_key(name):
    value = fields()[name]
    for other in alternatives(name, value):
        try:
            keys = keys_for({name: [value, other]})
        except GanbenchError:
            continue  # not a valid value of this setting: try the next
        assert len(keys) == 2 and keys[0] != keys[1], (name, value, other)
        return
    pytest.fail(f"no valid alternative value found for {name} = {value!r}; add one to NON_DEFAULT")


def test_component_parameters_and_grid_cells_get_distinct_keys():
    assert len(set(keys_for({"loss.clip": [0.01, 0.02], "schedule.d_steps": [1, 5]}))) == 4
    lr_grid = keys_for({"d_optimizer.lr": [1e-4, 2e-4, 4e-4], "g_optimizer.lr": [1e-4, 2e-4]})
    assert len(set(lr_grid)) == 6  # the grid of issue 21: a two-value D learning rate, one key each
    exp = spec.from_mapping({**BASE, "grid": {"d_optimizer.lr": [1e-4, 2e-4]}}, "test")
    run_keys = [c.run_key(s) for c in exp.cells for s in c.config.seeds]
    assert len(set(run_keys)) == len(run_keys) == 4
