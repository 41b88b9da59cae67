"""Everything a plugin file needs, in one import::

from ganbench.api import Field, Loss, batch_mean, losses
"""

from pydantic import Field

from ganbench.contracts import (
    ClassifierModes,
    Dataset,
    GaussianModes,
    Loss,
    Metric,
    Params,
    Schedule,
    ScheduleContext,
    ScheduleState,
    SeedStreams,
    Step,
)
from ganbench.contracts.loss import batch_mean
from ganbench.registry import datasets, losses, metrics, schedules

__all__ = [
    "ClassifierModes",
    "Dataset",
    "Field",
    "GaussianModes",
    "Loss",
    "Metric",
    "Params",
    "Schedule",
    "ScheduleContext",
    "ScheduleState",
    "SeedStreams",
    "Step",
    "batch_mean",
    "datasets",
    "losses",
    "metrics",
    "schedules",
]
