"""Contract tests run by every registered metric, including one a user drops into registry/metrics/.

Parametrised from ``metrics.names()`` (see ``conftest.metric_cases``): for each metric and each toy
dataset it applies to, ``compute`` must return every declared output with shape (S,), finite values
on samples of the data itself, results that depend on each seed's own samples only, and a working
memory estimate the size guard can add up. A metric that needs what this machine lacks
(``UnavailableError``: the Inception metric without torch-fidelity or its weights) is skipped with
the reason.
"""

from __future__ import annotations

import textwrap

import pytest
import torch

from ganbench import discovery
from ganbench.contracts import Dataset, Memory, Metric, Params
from ganbench.errors import UnavailableError
from ganbench.registry import metrics

S, N, M = 3, 160, 200


def _build(name: str, dataset: Dataset) -> tuple[Metric, torch.Tensor, torch.Tensor]:
    try:
        metric = metrics.get(name)(metrics.get(name).Params(), dataset)
    except UnavailableError as exc:  # an optional package or file this machine lacks (it says which)
        pytest.skip(str(exc))
    fake = dataset.batch([torch.Generator().manual_seed(100 + s) for s in range(S)], N)
    real = dataset.sample(M, torch.Generator().manual_seed(7))
    return metric, fake, real


def check_declarations(cls: type[Metric]) -> None:
    assert issubclass(cls, Metric)
    assert issubclass(cls.Params, Params), "the nested Params must subclass ganbench Params"
    assert cls.Params.model_config.get("extra") == "forbid"
    assert cls.outputs and len(set(cls.outputs)) == len(cls.outputs), "declare the output names"
    assert cls.headline in cls.outputs, "headline must be one of the outputs"
    assert isinstance(cls.higher_is_better, bool)
    assert (cls.__doc__ or "").strip(), "document the formula and the paper"


def check_shapes_and_finite(metric: Metric, fake: torch.Tensor, real: torch.Tensor) -> dict:
    out = metric.compute(fake, real)
    assert set(out) == set(metric.outputs)
    for key, value in out.items():
        assert isinstance(value, torch.Tensor) and value.is_floating_point(), key
        assert value.shape == (fake.shape[0],), f"{key}: shape {tuple(value.shape)}"
        assert torch.isfinite(value).all(), f"{key} is not finite on real-looking samples: {value}"
    return out


def check_seed_independence(metric: Metric, fake: torch.Tensor, real: torch.Tensor) -> None:
    out = metric.compute(fake, real)
    perm = torch.tensor([2, 0, 1])
    permuted = metric.compute(fake[perm], real)
    alone = metric.compute(fake[1:2], real)
    for key in metric.outputs:
        a, p = out[key].double().cpu(), permuted[key].double().cpu()
        torch.testing.assert_close(p, a[perm], rtol=1e-6, atol=1e-9, equal_nan=True, msg=key)
        torch.testing.assert_close(alone[key].double().cpu(), a[1:2], rtol=1e-6, atol=1e-9, equal_nan=True)


def check_memory(metric: Metric) -> None:
    """The working-memory estimate the size guard adds up: bytes on the device and the host,
    growing with the members evaluated at once or not at all, never shrinking."""
    one, many = metric.memory(1, N, M), metric.memory(100, N, M)
    assert isinstance(one, Memory) and all(isinstance(v, int) and v >= 0 for v in (*one, *many))
    assert many.device >= one.device and many.host >= one.host and sum(many) > 0


def test_memory_estimate(metric_name, dataset_key, case_dataset):
    check_memory(_build(metric_name, case_dataset)[0])


def test_declarations(metric_name, dataset_key, case_dataset):
    check_declarations(metrics.get(metric_name))
    assert metrics.get(metric_name).applies_to(case_dataset)


def test_output_shape_and_finite(metric_name, dataset_key, case_dataset):
    check_shapes_and_finite(*_build(metric_name, case_dataset))


def test_seeds_are_independent(metric_name, dataset_key, case_dataset):
    check_seed_independence(*_build(metric_name, case_dataset))


def test_a_dropped_in_metric_file_is_registered_and_checked(tmp_path, toys):
    """A file in a plugin folder registers a metric that then passes the same checks."""
    plugin = tmp_path / "mean_norm.py"
    plugin.write_text(
        textwrap.dedent(
            '''
            """`test_mean_norm`: mean Euclidean norm of the samples (a toy user metric)."""
            from ganbench.api import Metric, metrics

            @metrics.register("test_mean_norm")
            class MeanNorm(Metric):
                """mean_j ‖x_j‖₂ per seed."""
                outputs = ("norm",)
                headline = "norm"
                higher_is_better = False

                def compute(self, fake, real):
                    return {"norm": fake.flatten(2).norm(dim=2).mean(dim=1)}
            '''
        )
    )
    try:
        discovery.load_directory(tmp_path)
        assert "test_mean_norm" in metrics.names()
        check_declarations(metrics.get("test_mean_norm"))
        metric, fake, real = _build("test_mean_norm", toys["ring"])
        check_shapes_and_finite(metric, fake, real)
        check_seed_independence(metric, fake, real)
    finally:
        metrics.unregister("test_mean_norm")


def test_builtin_metrics_are_registered():
    assert {"modes", "prdc", "improved_pr", "frechet"} <= set(metrics.names())
    assert not [f for f in discovery.failures if "metrics" in f.where], discovery.failures


@pytest.mark.parametrize("name", ["modes", "prdc", "improved_pr", "frechet"])
def test_params_reject_unknown_keys(name):
    with pytest.raises(ValueError):
        metrics.get(name).Params(no_such_parameter=1)
