"""Some members of a batched module, as the module itself: :func:`on_rows` calls a function with
the module whose per-member tensors (leading axis S) are narrowed to the rows ``start:stop``.

The narrowed tensors are slices — views of the module's own parameters and buffers — so what the
function does to them reaches the module: gradients flow into the full parameters, in-place
updates (weight clipping, spectral-norm vectors, running averages) change those rows and no
others. A plugin's ``penalty`` or ``constrain`` gets the module this way when members of another
loss share the model, and never learns it (see :mod:`ganbench.train.mixed_loss`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from torch import nn
from torch.func import functional_call

T = TypeVar("T")


class _Call(nn.Module):
    """Holds the module, so that ``functional_call`` swaps its tensors while ``fn`` runs."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.inner = module

    def forward(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(self.inner, *args)


def on_rows(module: nn.Module, start: int, stop: int, fn: Callable[..., T], *args: Any) -> T:
    """``fn(module, *args)`` with every per-member parameter and buffer of ``module`` narrowed to
    the members ``start:stop`` (a view: changes made through it are changes to ``module``)."""
    n = next(module.parameters()).shape[0]
    tensors = {
        f"inner.{name}": t[start:stop]
        for name, t in (*module.named_parameters(), *module.named_buffers())
        if t.dim() and t.shape[0] == n
    }
    return functional_call(_Call(module), tensors, (fn, *args), tie_weights=False, strict=False)
