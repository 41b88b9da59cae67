"""Everything a plugin file needs, in one import::

from ganbench.api import Field, Loss, batch_mean, losses
"""

from pydantic import Field

from ganbench import contracts
from ganbench.contracts import *  # noqa: F403 — the contracts are the API
from ganbench.contracts.loss import batch_mean
from ganbench.registry import datasets, losses, metrics, networks, reports, schedules

__all__ = [
    *contracts.__all__,
    "Field",
    "batch_mean",
    "datasets",
    "losses",
    "metrics",
    "networks",
    "reports",
    "schedules",
]
