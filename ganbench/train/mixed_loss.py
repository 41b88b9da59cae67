"""Members of different losses in one batched model: each loss computes on its own members' rows.

A *part* is a run of consecutive members that share one loss (its name and every setting that is
not ``Batchable``; the Batchable ones arrive per member, as in a single-loss model). The model's
discriminator scores every member's samples at once; :class:`MixedLoss` then hands each part's
loss the rows of its own members — scores for ``d_loss`` and ``g_loss``, samples and the
discriminator narrowed to those rows (:func:`~ganbench.train.row_view.on_rows`) for ``penalty``
and ``constrain`` — and puts the per-member results back together in member order. Every row
depends on its own member only, so a member computes exactly what it computes trained alone, and a
loss plugin never learns that other losses share its model.

What members draw must agree within a stream run (:mod:`ganbench.train.part_streams`):
:func:`draw_signature` says what a loss draws beyond the data and noise every member draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ganbench.contracts.loss import Loss
from ganbench.contracts.params import select_members
from ganbench.contracts.streams import Streams
from ganbench.train.accuracy import Stats, accuracy
from ganbench.train.part_streams import PartStreams
from ganbench.train.row_view import on_rows


def needs_real_in_g(loss_cls: type[Loss]) -> bool:
    """Whether the generator's step of this loss draws a real batch (to score it)."""
    return bool(loss_cls.uses_real_in_g or loss_cls.relative_scores)


def draws_in_penalty(loss_cls: type[Loss]) -> bool:
    """Whether the loss's penalty may draw random numbers: any penalty of its own may (the default
    R1/R2 penalties draw none)."""
    return loss_cls.penalty is not Loss.penalty


def draw_signature(loss_cls: type[Loss], identity: str) -> tuple[bool, str]:
    """What a member of this loss draws beyond the data and noise every member draws: a real batch
    in the generator's step, and — for a loss with a penalty of its own — whatever that penalty
    draws, which only members of the same loss and settings (``identity``) are known to share."""
    return needs_real_in_g(loss_cls), identity if draws_in_penalty(loss_cls) else ""


def _constrains(loss: Loss) -> bool:
    return getattr(loss.constrain, "__func__", None) is not Loss.constrain


def _has_penalty(loss: Loss) -> bool:
    """A penalty of its own, or the default R1/R2 penalty with a weight set (the part's weights are
    shared settings: the same for all its members)."""
    if draws_in_penalty(type(loss)):
        return True
    return any(bool(torch.as_tensor(getattr(loss.params, g, 0.0)).ne(0).any()) for g in ("r1", "r2"))


def _scores(discriminator: nn.Module, x: Tensor) -> Tensor:
    return discriminator(x)


@dataclass
class LossPart:
    """Members ``start:stop`` of the model and their loss (Batchable parameters per member)."""

    loss: Loss
    start: int
    stop: int

    @property
    def rows(self) -> slice:
        return slice(self.start, self.stop)


class MixedLoss(Loss):
    """The losses of a model's parts as one :class:`Loss` over all its members: ``d_loss``,
    ``g_loss`` and ``penalty`` → (S,), each row computed by its member's own loss.

    What differs between parts, and what the trainer asks about it: ``real_in_g`` (True: every
    member's generator step scores a real batch; False: none does; None: some do — see
    :meth:`draw_real_in_g`), ``penalty_rows`` (the members with a penalty, where only some have one:
    the others' ``penalty`` statistic is not theirs to report), :meth:`constraint` and
    :meth:`accuracy` (each part by its own decision rule).
    """

    def __init__(self, parts: list[LossPart], device: torch.device) -> None:
        self.params = None
        self.device = device
        self._set_parts(parts)

    def _set_parts(self, parts: list[LossPart]) -> None:
        self.parts = parts
        self.sizes = [p.stop - p.start for p in parts]
        self.uses_real_in_g = any(p.loss.uses_real_in_g for p in parts)
        wants = {needs_real_in_g(type(p.loss)) for p in parts}
        self.real_in_g = wants.pop() if len(wants) == 1 else None
        self.penalised = [_has_penalty(p.loss) for p in parts]
        self.penalty_rows = None
        if any(self.penalised) and not all(self.penalised):
            rows = [on for p, on in zip(parts, self.penalised, strict=True) for _ in range(p.stop - p.start)]
            self.penalty_rows = torch.tensor(rows, device=self.device)

    # (Rows are handed out with ``split``, not one slice per part: its backward is one
    # concatenation, where slices take a kernel each and additions to put them together.)

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        pairs = zip(self.parts, real.split(self.sizes), fake.split(self.sizes), strict=True)
        return torch.cat([p.loss.d_loss(r, f) for p, r, f in pairs])

    def g_loss(self, fake: Tensor, real: Tensor | None) -> Tensor:
        reals = real.split(self.sizes) if real is not None else [None] * len(self.parts)
        pairs = zip(self.parts, fake.split(self.sizes), reals, strict=True)
        return torch.cat([p.loss.g_loss(f, r if p.loss.uses_real_in_g else None) for p, f, r in pairs])

    def penalty(
        self, discriminator: nn.Module, real_x: Tensor, fake_x: Tensor, rand: Streams | PartStreams
    ) -> Tensor | None:
        """Each penalised part's penalty, from its own rows of the discriminator, the samples and the
        streams; zero for the members of the other parts."""
        if not any(self.penalised):
            return None
        out = []
        for part, penalised in zip(self.parts, self.penalised, strict=True):
            value = None
            if penalised:
                streams = rand
                if isinstance(rand, PartStreams):
                    streams = rand.run_of(part.start, part.stop).streams
                args = (real_x[part.rows], fake_x[part.rows], streams)
                value = on_rows(discriminator, part.start, part.stop, part.loss.penalty, *args)
            out.append(real_x.new_zeros(part.stop - part.start) if value is None else value)
        return torch.cat(out)

    def constraint(self, discriminator: nn.Module) -> Callable[[], None] | None:
        """Every part's ``constrain``, on its own rows of ``discriminator``; None if none has one."""
        parts = [p for p in self.parts if _constrains(p.loss)]
        if not parts:
            return None

        def constrain() -> None:
            for p in parts:
                on_rows(discriminator, p.start, p.stop, p.loss.constrain)

        return constrain

    def accuracy(self, real_scores: Tensor | None, fake_scores: Tensor) -> Stats:
        """:func:`~ganbench.train.accuracy.accuracy` of each part with its own loss's rule."""
        reals = real_scores.split(self.sizes) if real_scores is not None else [None] * len(self.parts)
        pairs = zip(self.parts, reals, fake_scores.split(self.sizes), strict=True)
        each = [accuracy(p.loss, r, f) for p, r, f in pairs]
        return {k: torch.cat([a[k] for a in each]) for k in each[0] if all(k in a for a in each)}

    def draw_real_in_g(self, dataset, streams: PartStreams, n: int) -> tuple[Tensor | None, ...]:
        """Where only some members score real samples in the generator's step (``real_in_g`` is
        None): a real batch of ``n`` for each stream run that does, None for the others."""
        return tuple(dataset.draw(run.streams, n) if run.tag[0] else None for run in streams.runs)

    def real_scores_in_g(
        self, discriminator: nn.Module, real: tuple[Tensor | None, ...], streams: PartStreams, like: Tensor
    ) -> Tensor:
        """Scores of the batches of :meth:`draw_real_in_g` as one (S, K) tensor, each run scored by
        its own rows of the discriminator only. The rows of runs that drew none are ``like``'s
        (placeholders: no loss of theirs reads real scores in the generator's step)."""
        out = []
        for run, x in zip(streams.runs, real, strict=True):
            if x is None:
                out.append(like[run.start : run.stop].detach())
            else:
                out.append(on_rows(discriminator, run.start, run.stop, _scores, x))
        return torch.cat(out)

    def select(self, rows: Tensor) -> None:
        """Keep only the members ``rows`` (indices, in order), each part with its own."""
        index, kept, at = rows.tolist(), [], 0
        for p in self.parts:
            mine = [i - p.start for i in index if p.start <= i < p.stop]
            if mine:
                p.loss.params = select_members(p.loss.params, torch.as_tensor(mine), p.stop - p.start)
                kept.append(LossPart(p.loss, at, at + len(mine)))
                at += len(mine)
        self._set_parts(kept)
