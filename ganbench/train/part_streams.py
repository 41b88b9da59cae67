"""The random streams of a model whose members draw different amounts: one stream object per run
of members that draw alike, seen as one.

Per-member streams keep one position for all their members ("seeds in lockstep draw the same
amounts", :mod:`ganbench.contracts.streams`). Members of different losses may not: a loss that
scores real samples in the generator's step draws a real batch there, a penalty may draw its own
numbers. So a model of such members keeps one stream object per *run* — consecutive members whose
draws agree — and a draw for every member is a draw from each run, in order: member s's numbers
come from its run alone, in the order it draws them alone, so it gets exactly the numbers it gets
trained alone. A draw only some members make (a real batch for the generator's step, a penalty's)
is made from their runs only (:attr:`runs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ganbench.contracts.streams import Streams


@dataclass
class Run:
    """Members ``start:stop`` of the model, their streams and what they draw (``tag``)."""

    start: int
    stop: int
    streams: Streams
    tag: Any


class PartStreams:
    """Streams of several runs of members with the interface of one :class:`SeedStreams`: ``normal``,
    ``uniform`` and ``randint`` return (S, *shape), row s from member s's own stream."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs
        self.device = runs[0].streams.device

    @property
    def seeds(self) -> list[int]:
        return [s for run in self.runs for s in run.streams.seeds]

    def __len__(self) -> int:
        return self.runs[-1].stop if self.runs else 0

    def _each(self, draw: Callable[[Streams], Tensor]) -> Tensor:
        return torch.cat([draw(run.streams) for run in self.runs])

    def normal(self, *shape: int) -> Tensor:
        """Standard normals, shape (S, *shape)."""
        return self._each(lambda s: s.normal(*shape))

    def uniform(self, *shape: int) -> Tensor:
        """Uniforms on (0, 1), shape (S, *shape)."""
        return self._each(lambda s: s.uniform(*shape))

    def randint(self, high: int, *shape: int) -> Tensor:
        """Integers uniform on {0, …, high − 1}, shape (S, *shape)."""
        return self._each(lambda s: s.randint(high, *shape))

    def generators(self) -> list[torch.Generator]:
        """One ``torch.Generator`` per member (each run's, in order)."""
        return [g for run in self.runs for g in run.streams.generators()]

    def run_of(self, start: int, stop: int) -> Run:
        """The run holding members ``start:stop``."""
        return next(run for run in self.runs if run.start <= start and stop <= run.stop)

    def select(self, rows: Tensor) -> None:
        """Keep only the members ``rows`` (indices, in order); each goes on where it was."""
        kept, at = [], 0
        index = rows.tolist()
        for run in self.runs:
            mine = [i - run.start for i in index if run.start <= i < run.stop]
            if mine:
                run.streams.select(torch.as_tensor(mine))
                kept.append(Run(at, at + len(mine), run.streams, run.tag))
                at += len(mine)
        self.runs = kept
