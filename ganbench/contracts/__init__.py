"""The extension points plugin files code against: Loss, Schedule, Dataset, Network, Metric,
ReportSection.

Each base class's docstring is its contract; ``ganbench.testing`` holds the contract tests that every
registered implementation runs automatically.
"""

from ganbench.contracts.dataset import ClassifierModes, Dataset, GaussianModes
from ganbench.contracts.loss import Loss
from ganbench.contracts.metric import Memory, Metric
from ganbench.contracts.network import MemberDiscriminator, NetParams, Network
from ganbench.contracts.params import Batchable, Params, per_member
from ganbench.contracts.report import (
    ReportFigure,
    ReportSection,
    ReportTable,
    SectionContext,
    SectionResult,
    Verdict,
)
from ganbench.contracts.schedule import Schedule, ScheduleContext, ScheduleState, Step
from ganbench.contracts.streams import GeneratorStreams, SeedStreams, Streams, make_streams

__all__ = [
    "Batchable",
    "per_member",
    "ClassifierModes",
    "Dataset",
    "GaussianModes",
    "Loss",
    "MemberDiscriminator",
    "Memory",
    "Metric",
    "NetParams",
    "Network",
    "Params",
    "ReportFigure",
    "ReportSection",
    "ReportTable",
    "Schedule",
    "ScheduleContext",
    "ScheduleState",
    "SectionContext",
    "SectionResult",
    "GeneratorStreams",
    "SeedStreams",
    "Streams",
    "make_streams",
    "Step",
    "Verdict",
]
