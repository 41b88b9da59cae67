"""What the trainer adds up per member between two reads on the host — step statistics
(:class:`Meter`) and update counts (:class:`Tally`) — each held as the ticks' own tensors and added
in a few kernels when read, not a few kernels every tick."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ganbench.train.accuracy import Later, accuracies

#: Ticks held at most before they are added (a bound on what is held, whatever ``log_every`` is):
#: the trainer settles its meters at every multiple of it — the same ticks for a member alone and
#: beside others, so each sum is split at the same places.
HOLD_TICKS = 256


class Meter:
    """Running per-seed means of step statistics between two reports (kept on the device).

    Statistics come in parts, each of one kind (its names) under its own (S,) mask — a D step's
    under ``ok_d``, a G step's under ``ok_g``. A part is held until a part of the same kind comes
    again (the next tick of that kind); the held parts then make a *commit*: a row per statistic and
    a count row per kind, in a fixed order (a kind missing from a commit adds exact zeros). Commits
    are added up only at a flush, a selection or a :meth:`settle` (the trainer's, every
    :data:`HOLD_TICKS` ticks), all at once: one stack of their values, one of their masks, a
    ``where``, a ``cumsum`` over the commits and an ``add_`` — five kernels, where adding each
    commit took four (alternating 1:1 commits once per generator update). Sums are float64: a
    ``cumsum`` on the CPU adds each (row, member) lane in commit order, in double precision, whatever
    the members beside it, so a member's sums are bit for bit what it gets alone (a meter of fewer
    kinds — a penalty metered apart — adds the same values with fewer exact zeros between them).
    The held tensors are the updates' own outputs, which nothing writes to afterwards."""

    def __init__(self) -> None:
        self.kinds: list[tuple[str, ...]] = []  # the rows' order: each kind's names, then its count
        self.sums: Tensor | None = None  # (K, S)
        self.held: dict[tuple[str, ...], tuple[list[Tensor], Tensor]] = {}
        self.commits: list[tuple[list[Tensor], list[Tensor]]] = []  # (values, masks), K of each
        self.constants: tuple[Tensor, Tensor, Tensor] | None = None  # ones (S,), nobody (S,), zero

    def add(self, stats: dict[str, Tensor], mask: Tensor) -> None:
        """Add ``stats`` ((S,) tensors) of the members in ``mask`` ((S,) bool)."""
        self.add_parts([(stats, mask)])

    def add_parts(self, parts: list[tuple[dict[str, Tensor], Tensor]]) -> None:
        """Add each part's ``stats`` where its ``mask`` holds (parts without statistics are skipped)."""
        for stats, mask in parts:
            if not stats:
                continue
            kind = tuple(stats)
            if kind in self.held:
                self._commit()
            self.held[kind] = ([v if isinstance(v, Later) else v.detach() for v in stats.values()], mask)

    def _commit(self) -> None:
        held, self.held = self.held, {}
        if not held:
            return
        first = next(v for values, _ in held.values() for v in values if not isinstance(v, Later))
        if self.constants is None:  # (made once per model size, not per tick)
            self.constants = (
                torch.ones_like(first),
                torch.zeros(first.shape, dtype=torch.bool, device=first.device),
                torch.zeros((), dtype=first.dtype, device=first.device),
            )
        ones, nobody, _ = self.constants
        new = [kind for kind in held if kind not in self.kinds]
        if new:
            self.kinds += new
            extra = sum(len(kind) + 1 for kind in new)
            for values, masks in self.commits:  # (held ones get the new rows as exact zeros)
                values += [ones] * extra
                masks += [nobody] * extra
            if self.sums is not None:
                self.sums = torch.cat((self.sums, self.sums.new_zeros(extra, self.sums.shape[1])))
        values, masks = [], []
        for kind in self.kinds:
            v, m = held.get(kind, (None, nobody))
            values += [ones] * (len(kind) + 1) if v is None else [*v, ones]
            masks += [m.to(first.device)] * (len(kind) + 1)
        self.commits.append((values, masks))

    def settle(self) -> None:
        """Add up every held part and commit now (what the trainer does every HOLD_TICKS ticks)."""
        self._commit()
        self._add_up()

    def _add_up(self) -> None:
        """Add the held commits into ``sums`` (five kernels however many)."""
        commits, self.commits = self.commits, []
        if not commits:
            return
        rows = len(commits[0][0])
        _work_out(commits, rows)
        values = torch.stack([v for vs, _ in commits for v in vs])  # (C·K, S)
        masks = torch.stack([m for _, ms in commits for m in ms])
        zero = self.constants[2]
        added = (
            torch.where(masks, values, zero).view(len(commits), rows, -1).cumsum(0, dtype=torch.float64)[-1]
        )
        if self.sums is None:
            self.sums = added
        else:
            self.sums += added

    def select(self, rows: Tensor) -> None:
        """Keep the running sums of the members at ``rows`` only."""
        self.settle()
        if self.sums is not None:
            self.sums = self.sums[:, rows]
        self.constants = None

    def flush(self) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        self.settle()
        if self.sums is None:
            return None
        s = self.sums.cpu().double().numpy()
        sums: dict[str, np.ndarray] = {}
        counts: dict[str, np.ndarray] = {}
        row = 0
        for names in self.kinds:
            c = s[row + len(names)]
            for i, name in enumerate(names):
                sums[name] = sums.get(name, 0) + s[row + i]
                counts[name] = counts.get(name, 0) + c
            row += len(names) + 1
        with np.errstate(invalid="ignore", divide="ignore"):
            means = {name: sums[name] / counts[name] for name in sums}
        seen = np.sum(list(counts.values()), axis=0) > 0
        self.sums, self.kinds = None, []
        return means, seen


def _work_out(commits: list[tuple[list, list]], rows: int) -> None:
    """Replace every :class:`Later` among the commits' values by its value: the accuracies of all
    the steps of a row at once (two stacks and :func:`accuracy`'s five kernels, shared by the rows
    of one step's scores)."""
    done: dict[tuple[int, ...], dict[str, Tensor]] = {}
    for r in range(rows):
        at = [i for i, (values, _) in enumerate(commits) if isinstance(values[r], Later)]
        if not at:
            continue
        steps = [commits[i][0][r].scores for i in at]
        key = tuple(map(id, steps))
        if key not in done:
            done[key] = accuracies(steps)
        for i, value in zip(at, done[key][commits[at[0]][0][r].name].unbind(0), strict=True):
            commits[i][0][r] = value


class Tally:
    """Per-member integer counters, (rows, S) int64 on the device, whose per-tick increments —
    (S,) bool or integer tensors, ``rows`` of them a tick — are held and added when ``value`` is
    read: one stack, one sum and one ``add_`` (two for a single tick), where adding each tick took
    a stack and an ``add_``. Integer sums are exact in any order."""

    def __init__(self, rows: int, n: int, device: torch.device) -> None:
        self.total = torch.zeros(rows, n, dtype=torch.long, device=device)
        self.held: list[Tensor] = []

    def add(self, *increments: Tensor) -> None:
        """One tick's increments, a tensor per row, in row order."""
        assert len(increments) == self.total.shape[0]
        self.held += increments
        if len(self.held) >= HOLD_TICKS * len(increments):
            self._add_up()

    def _add_up(self) -> None:
        held, self.held = self.held, []
        if not held:
            return
        stacked = torch.stack(held)  # (ticks · rows, S)
        rows = self.total.shape[0]
        self.total += stacked if len(held) == rows else stacked.view(-1, rows, stacked.shape[1]).sum(0)

    @property
    def value(self) -> Tensor:
        """The counters now, (rows, S) (the held increments added first)."""
        self._add_up()
        return self.total

    def select(self, rows: Tensor) -> None:
        """Keep the members at ``rows`` only."""
        self.total = self.value[:, rows]
