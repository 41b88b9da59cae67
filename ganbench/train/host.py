"""What the host may know about device tensors without waiting for the device.

Reading a CUDA tensor on the host (``.item()``, ``.any()`` in a Python ``if``, ``.cpu()``) blocks
until every queued kernel has run, so the training loop must not do it per tick. A tensor that
already lives on the CPU can be read for free — the schedules' masks for shared decisions, and
everything when training on the CPU — so these helpers read it there and otherwise assume the worst.
"""

from __future__ import annotations

import torch
from torch import Tensor


def may_any(*masks: Tensor) -> bool:
    """False only when some mask is known, without synchronising, to hold no True: a CPU mask is
    read; a device mask is assumed to hold one (work for nobody is then done under a mask)."""
    return all(bool(m.any()) for m in masks if m.device.type == "cpu")


def known_all(mask: Tensor) -> bool:
    """True only when ``mask`` is known, without synchronising, to be all True (a CPU mask)."""
    return mask.device.type == "cpu" and bool(mask.all())


class MaskCache:
    """CPU masks copied to the device once per distinct value (a copy per tick would be a
    host-to-device transfer each tick; shared decisions take only a few values)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cache: dict[tuple[bool, ...], Tensor] = {}

    def __call__(self, mask: Tensor) -> Tensor:
        if mask.device == self.device:
            return mask
        key = tuple(mask.tolist())
        if key not in self.cache:
            self.cache[key] = mask.to(self.device)
        return self.cache[key]
