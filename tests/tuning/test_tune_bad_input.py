"""Bad tuning input ends with exit code 2 and one paragraph, before any training, writing nothing."""

from __future__ import annotations

import re

import pytest
import yaml

from .conftest import TUNE_QUICK, ganbench


def spec_with(tmp_path, **changes):
    raw = yaml.safe_load(TUNE_QUICK.read_text())
    for key, value in changes.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


CASES = {
    "unknown sampler": ({"sampler": "annealing"}, r"sampler: unknown sampler 'annealing'; allowed: .*random"),
    "unknown pruner": ({"pruner": "impatient"}, r"pruner: unknown pruner 'impatient'; allowed: .*hyperband"),
    "inverted range": (
        {"search": {"d_optimizer.lr": {"low": 1.0e-3, "high": 1.0e-5}}},
        r"search.d_optimizer.lr.*empty or inverted range",
    ),
    "empty choices": ({"search": {"schedule.d_steps": {"choices": []}}}, r"search.schedule.d_steps.*choices"),
    "key the configuration lacks": (
        {"search": {"d_optimizer.momentom": {"low": 0.1, "high": 0.5}}},
        r"d_optimizer.momentom: is not a known key.*search key 'd_optimizer.momentom'",
    ),
    "parameter of another schedule": (
        {"search": {"schedule.d_epochs": {"choices": [1, 2]}}},
        r"schedule.*d_epochs.*is not a known key",
    ),
    "objective no metric records": (
        {"objective": {"maximize": "frechet/fd"}},
        r"objective: no metric of dataset 'ring' records 'frechet/fd'; available: modes/covered",
    ),
    "two objectives with a pruner": (
        {"objective": [{"maximize": "modes/covered"}, {"minimize": "modes/kl"}]},
        r"cannot prune a study with several objectives",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_spec_exits_2_with_one_paragraph_and_writes_nothing(tmp_path, case):
    changes, message = CASES[case]
    spec = spec_with(tmp_path, **changes)
    proc = ganbench(tmp_path, "tune", str(spec))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr
    assert re.search(message, err), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.yaml"]  # no optuna.db, no mlflow.db


def test_unreachable_storage_exits_2_and_hides_the_password(tmp_path):
    url = "postgresql://ganbench:hunter2@127.0.0.1:9/none"
    proc = ganbench(tmp_path, "tune", str(TUNE_QUICK), "--storage", url)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = " ".join(proc.stderr.split())
    assert "study storage 'postgresql://ganbench:***@127.0.0.1:9/none' is unreachable" in err
    assert "hunter2" not in proc.stdout + proc.stderr
    assert list(tmp_path.iterdir()) == []  # the MLflow store was not touched either
