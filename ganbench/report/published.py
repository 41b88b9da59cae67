"""Published results that literature specs reproduce: the model of ``experiments/literature/published.yaml``.

One entry per experiment (a spec's ``name``): the dataset, the paper's training budget and rows of
published values, each ``[mean, ±]`` in the paper's units, with what the ± means (``se``: standard
error over ``n`` runs, ``sd``, or ``none``). :meth:`PublishedRow.sd` turns the ± into a standard
deviation over runs (se × √n), the spread ganbench reports, so both sides compare like with like.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ganbench.experiment.spec_io import read_yaml
from ganbench.validation import validate

DEFAULT_PATH = Path("experiments") / "literature" / "published.yaml"
METRICS = ("modes", "high_quality", "kl")


class PublishedRow(BaseModel):
    """One method's published result on one dataset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: str
    source: str = Field(description="paper, table and row")
    configuration: str | None = Field(None, description="the ganbench configuration that reproduces it")
    protocol: str = Field("same", description="'same' as the spec, or 'other: …'")
    n: int | None = Field(ge=1, description="runs the paper averaged (null: not stated in a source we read)")
    spread: Literal["se", "sd", "none"]
    modes: tuple[float | None, float | None] = (None, None)
    high_quality: tuple[float | None, float | None] = (None, None)  # percent
    kl: tuple[float | None, float | None] = (None, None)

    def mean(self, metric: str) -> float:
        """The published mean of ``metric`` (NaN when not reported)."""
        value = getattr(self, metric)[0]
        return math.nan if value is None else value

    def sd(self, metric: str) -> float:
        """The published spread of ``metric`` as a standard deviation over runs (NaN when none)."""
        value = getattr(self, metric)[1]
        if value is None or self.spread == "none" or (self.spread == "se" and self.n is None):
            return math.nan
        return value * math.sqrt(self.n) if self.spread == "se" else value


class PublishedExperiment(BaseModel):
    """The published rows an experiment is compared with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    budget_updates: int | None = Field(
        ge=1,
        description="the paper's training budget in generator updates (null: not stated in a source we read)",
    )
    rows: list[PublishedRow] = Field(min_length=1)


class Published(BaseModel):
    """Every experiment's published rows, by experiment name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    experiments: dict[str, PublishedExperiment]


def load_published(path: Path = DEFAULT_PATH) -> Published:
    """Read and validate the published values (a bad file is a user error naming the key)."""
    return validate(Published, {"experiments": read_yaml(Path(path))}, str(path))
