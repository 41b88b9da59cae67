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
