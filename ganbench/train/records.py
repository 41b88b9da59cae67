"""What the trainer reports through its ``log`` callback, and the per-seed history built from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch


@dataclass
class LogRecord:
    """One report from the trainer, covering the seeds in ``active``.

    - ``kind``: ``"train"`` (losses, accuracies, gradient norms every ``log_every`` ticks) or
      ``"eval"`` (metrics on a fixed noise batch every ``eval_every`` generator updates and at the end);
    - ``step``: generator updates done by each seed, int64 (S,);
    - ``values``: name → float64 (S,) (entries of inactive seeds are meaningless);
    - ``active``: bool (S,), the seeds this record speaks for;
    - ``samples``: for ``"eval"`` records, the generated samples (S, N, ...) on the CPU.
    """

    kind: str
    step: np.ndarray
    values: dict[str, np.ndarray]
    active: np.ndarray
    samples: torch.Tensor | None = None


LogFn = Callable[[LogRecord], None]


@dataclass
class History:
    """Collects log records into per-seed series: ``series(kind, name, seed)`` → (steps, values)."""

    n_seeds: int
    records: list[LogRecord] = field(default_factory=list)

    def __call__(self, record: LogRecord) -> None:
        # Keep the numbers, not the samples: a long run must not hold every sample batch in memory.
        self.records.append(LogRecord(record.kind, record.step, record.values, record.active))

    def series(self, kind: str, name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Steps and values of ``name`` in ``kind`` records for one seed, in order."""
        steps, values = [], []
        for r in self.records:
            if r.kind == kind and name in r.values and r.active[seed]:
                steps.append(r.step[seed])
                values.append(r.values[name][seed])
        return np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def last(self, kind: str) -> dict[str, np.ndarray]:
        """For each name in ``kind`` records, each seed's latest value (NaN where none)."""
        out: dict[str, np.ndarray] = {}
        for r in self.records:
            if r.kind != kind:
                continue
            for name, v in r.values.items():
                cur = out.setdefault(name, np.full(self.n_seeds, np.nan))
                cur[r.active] = v[r.active]
        return out
