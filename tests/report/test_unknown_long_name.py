"""An unknown experiment name is echoed clipped: `ganbench report <100,000 characters>` wrote the
whole name to stderr (100 KB) in its 'is not in the MLflow store' paragraph."""

from types import SimpleNamespace

import pytest

from ganbench.errors import GanbenchError
from ganbench.tracking.load import find_experiment


def test_an_unknown_long_experiment_name_is_echoed_clipped():
    client = SimpleNamespace(
        get_experiment_by_name=lambda name: None,
        search_experiments=lambda: [SimpleNamespace(name="quick")],
    )
    tracker = SimpleNamespace(client=client, shown="sqlite:///mlflow.db")
    with pytest.raises(GanbenchError) as err:
        find_experiment(tracker, "a" * 100_000)
    message = str(err.value)
    assert "is not in the MLflow store" in message and "Experiments there: quick." in message
    assert len(message) < 400 and "(100,000 characters)" in message
