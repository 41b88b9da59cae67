"""Deterministic training of the bundled digit classifiers (the 8×8 one and the 28×28 one).

Same settings, same weights: the model is initialised under a fixed torch seed (the global RNG is
left as it was), minibatch order and augmentation come from one ``torch.Generator`` seeded from the
settings, and training runs on the CPU on one thread (the same reductions in the same order on every
run). Settings (``settings["train"]``):

- ``seed``, ``epochs``, ``batch_size``, ``lr``, ``weight_decay``: Adam on the cross-entropy;
- ``schedule`` (optional): ``"one_cycle"`` anneals the learning rate with PyTorch's ``OneCycleLR``
  peaking at ``lr`` (Smith & Topin 2019), which reaches a given accuracy in fewer epochs than a
  constant rate; absent: constant ``lr``;
- ``shift`` (optional, pixels): each training image is moved by a random offset in
  [−shift, shift]² (background −1 fills the gap), the classic augmentation for handwritten digits
  (Simard et al. 2003); absent or 0: no augmentation;
- ``outlier_weight`` (optional, λ): outlier exposure (Hendrycks, Mazeika & Dietterich 2019, "Deep
  Anomaly Detection with Outlier Exposure"): each batch also shows half as many images that are no digit
  — :func:`outliers`: uniform pixel noise and smooth random blobs — and adds λ times the
  cross-entropy of their prediction to the uniform distribution, λ · E[−(1/10) Σ_k log p_k(x_out)].
  Without it a CNN is as sure of pixel noise as of a digit (measured on the 28×28 one: 99 % of
  uniform-noise images reached the confidence that 90 % of held-out digits reach), and the
  calibrated high-quality share could not tell noise from digits. Absent or 0: none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn


def shifted(padded: Tensor, offsets: Tensor, side: int) -> Tensor:
    """Crops ``side``×``side`` windows at ``offsets`` (B, 2) (row, column) from ``padded`` (B, P, P)."""
    steps = torch.arange(side)
    rows = (offsets[:, :1] + steps)[:, :, None]
    cols = (offsets[:, 1:] + steps)[:, None, :]
    return padded[torch.arange(len(padded))[:, None, None], rows, cols]


def outliers(n: int, side: int, gen: torch.Generator) -> Tensor:
    """``n`` images (n, side²) in [−1, 1] that are no digit: the first half uniform pixel noise, the
    rest smooth blobs (uniform noise on a random 2×2 to 7×7 grid, upsampled bilinearly), both at a
    random contrast in [0.1, 1] about a random grey level."""
    half = n // 2
    noise = torch.rand(half, 1, side, side, generator=gen) * 2 - 1
    grid = int(torch.randint(2, 8, (1,), generator=gen))
    coarse = torch.rand(n - half, 1, grid, grid, generator=gen) * 2 - 1
    blobs = nn.functional.interpolate(coarse, size=(side, side), mode="bilinear", align_corners=False)
    images = torch.cat([noise, blobs])
    contrast = torch.rand(n, 1, 1, 1, generator=gen) * 0.9 + 0.1
    level = (torch.rand(n, 1, 1, 1, generator=gen) * 2 - 1) * (1 - contrast)
    return (images * contrast + level).reshape(n, -1)


def train_deterministically(
    build: Callable[[], nn.Module], x: Tensor, y: Tensor, train: dict[str, Any], side: int
) -> nn.Module:
    """A model from ``build()`` trained on flattened images ``x`` (N, side²) in [−1, 1] with labels ``y``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(train["seed"])
        model = build()
    gen = torch.Generator().manual_seed(train["seed"])
    opt = torch.optim.Adam(model.parameters(), lr=train["lr"], weight_decay=train["weight_decay"])
    batches = -(-len(x) // train["batch_size"])
    sched = None
    if train.get("schedule") == "one_cycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=train["lr"], total_steps=train["epochs"] * batches
        )
    shift = int(train.get("shift", 0))
    outlier_weight = float(train.get("outlier_weight", 0.0))
    pad = 2 * shift + 1
    padded = nn.functional.pad(x.reshape(-1, side, side), (shift,) * 4, value=-1.0) if shift else None
    model.train()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: same result on every run, and no contention on tiny ops
    try:
        for _ in range(train["epochs"]):
            order = torch.randperm(len(x), generator=gen)
            for idx in order.split(train["batch_size"]):
                if padded is None:
                    xb = x[idx]
                else:
                    offsets = torch.randint(0, pad, (len(idx), 2), generator=gen)
                    xb = shifted(padded[idx], offsets, side).reshape(len(idx), -1)
                opt.zero_grad()
                loss = nn.functional.cross_entropy(model(xb), y[idx])
                if outlier_weight:
                    out = model(outliers(len(idx) // 2, side, gen)).log_softmax(dim=1)
                    loss = loss - outlier_weight * out.mean(dim=1).mean()
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
    finally:
        torch.set_num_threads(threads)
    return model.eval()
