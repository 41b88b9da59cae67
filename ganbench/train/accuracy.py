"""How often the discriminator tells real from generated samples, per member."""

from __future__ import annotations

import torch
from torch import Tensor

from ganbench.contracts.loss import Loss

Stats = dict[str, Tensor]


def accuracy(loss: Loss, real_scores: Tensor | None, fake_scores: Tensor) -> Stats:
    """Per-seed share of fake (and, given, real) samples the discriminator classifies correctly.

    For a loss with ``relative_scores`` the decision threshold is the midpoint of each seed's mean
    real and mean fake score (so ``real_scores`` are required): adding a constant to a critic
    changes nothing it does, and must not change its accuracy either.
    """
    fake = fake_scores.detach()
    calls_real = loss.predicts_real
    if loss.relative_scores:
        if real_scores is None:
            raise ValueError("accuracy of a loss with relative scores needs the real scores too")
        midpoint = (real_scores.detach().mean(1) + fake.mean(1)).unsqueeze(1) / 2

        def calls_real(scores: Tensor) -> Tensor:
            return scores > midpoint

    # (a mean of booleans as float32: one kernel, where .float().mean(1) takes two)
    out = {"d_acc_fake": torch.mean(~calls_real(fake), dim=1, dtype=torch.float32)}
    if real_scores is not None:
        out["d_acc_real"] = torch.mean(calls_real(real_scores.detach()), dim=1, dtype=torch.float32)
    return out


#: The statistics under which a D step hands its scores over, for the meter to work out the
#: accuracies of many steps at once (see :func:`later`).
SCORES = ("d_scores_real", "d_scores_fake")


def defers(loss: Loss, reads_accuracy: bool) -> bool:
    """Whether a D step may hand its scores over instead of its accuracies: not where the schedule
    reads the accuracy at once, and only under the contract's own rule of what D calls real (a
    loss's override may hold per-member values that fit one step's (S, B) scores only)."""
    return not reads_accuracy and getattr(loss.predicts_real, "__func__", None) is Loss.predicts_real


class Scores:
    """One D step's scores, (S, B) each, whose accuracies are worked out later."""

    def __init__(self, loss: Loss, real: Tensor, fake: Tensor) -> None:
        self.loss, self.real, self.fake = loss, real, fake


class Later:
    """The statistic ``name`` of :func:`accuracy` on ``scores``, worked out when the meter adds up."""

    def __init__(self, scores: Scores, name: str) -> None:
        self.scores, self.name = scores, name


def later(loss: Loss, stats: Stats) -> dict:
    """``stats`` with a D step's scores (under :data:`SCORES`) turned into its two accuracies, to be
    worked out later (:func:`accuracies`); ``stats`` unchanged where there are none."""
    if SCORES[0] not in stats:
        return stats
    stats = dict(stats)
    scores = Scores(loss, stats.pop(SCORES[0]), stats.pop(SCORES[1]))
    return {**stats, "d_acc_fake": Later(scores, "d_acc_fake"), "d_acc_real": Later(scores, "d_acc_real")}


def accuracies(steps: list[Scores]) -> Stats:
    """:func:`accuracy` of several steps' scores in one call: name → (steps, S). Each row of scores
    is reduced on its own (a mean of booleans: a count over B, exact), so a member's values are the
    ones a step computes alone."""
    real = torch.stack([s.real for s in steps])
    fake = torch.stack([s.fake for s in steps])
    out = accuracy(steps[0].loss, real.flatten(0, 1), fake.flatten(0, 1))
    return {name: v.view(fake.shape[:2]) for name, v in out.items()}
