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
    return mask.device.type == "cpu" and all(mask.tolist())  # (read, not reduced: no kernel)


class MaskCache:
    """Masks the host can read for free — a schedule's CPU masks, or any mask when training on the
    CPU — turned into device masks without a copy or a tensor built per tick: all-True and
    all-False masks become the given ``running`` and ``nobody`` tensors, and any other value is
    copied to the device once per distinct value (shared decisions take only a few values)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cache: dict[tuple[bool, ...], Tensor] = {}

    def _readable(self, mask: Tensor) -> bool:
        return mask.device.type == "cpu"

    def __call__(self, mask: Tensor) -> Tensor:
        """``mask`` on the device (copied once per distinct value)."""
        if mask.device == self.device:
            return mask
        key = tuple(mask.tolist())
        if key not in self.cache:
            self.cache[key] = mask.to(self.device)
        return self.cache[key]

    def masked(self, mask: Tensor, running: Tensor, nobody: Tensor) -> Tensor:
        """``mask & running`` on the device; ``running`` or ``nobody`` themselves where the host
        knows ``mask`` is all True or all False."""
        if self._readable(mask):
            values = mask.tolist()
            if all(values):
                return running
            if not any(values):
                return nobody
        return self(mask) & running

    def may_any(self, mask: Tensor) -> bool:
        """False only when the host knows for free that ``mask`` holds no True."""
        return not self._readable(mask) or any(mask.tolist())
