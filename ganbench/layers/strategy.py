"""How a network runs its S members: side by side in one kernel per layer, or one member at a time.

- ``grouped`` — the members side by side in one call per layer (a grouped convolution, groups =
  members; one batch norm over the members' channels): one kernel per layer whatever S, what a
  GPU, launch-bound on small layers, needs. The default on CUDA.
- ``loop`` — one member at a time, each on its own contiguous slice: on the CPU, where a
  convolution is compute-bound and oneDNN's plain convolution outruns its grouped one, this is
  faster per member, and it is bit for bit what the member gets alone. The default elsewhere. A
  network that runs :func:`each_member` loops over whole members (every layer of member 0, then
  of member 1, …), so activations stay one member's tensors between layers; a layer alone
  (:class:`~ganbench.layers.conv.MemberConv`) loops within itself and stacks its outputs.
- ``vmap`` — ``torch.func.vmap`` over one member's convolution (other layers take it as
  ``grouped``): measured against the others in ``benchmarks/bench_conv.py``; nothing picks it.

``auto`` picks by device; :func:`set_strategy` forces one on every member layer of a network.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn
from torch.func import functional_call

Strategy = Literal["auto", "grouped", "loop", "vmap"]


def resolve_strategy(strategy: Strategy, x: Tensor) -> str:
    """``auto``: grouped on CUDA, a loop over members elsewhere (see the module docstring)."""
    if strategy != "auto":
        return strategy
    return "grouped" if x.is_cuda else "loop"


class MemberLayer(nn.Module):
    """A layer (or a whole network) that runs S members by a :data:`Strategy` (its ``strategy``,
    ``auto`` at first)."""

    strategy: Strategy = "auto"

    def loops(self, x: Tensor) -> bool:
        """Whether this call runs members one at a time: S > 1 and the strategy is ``loop``."""
        return x.shape[0] > 1 and resolve_strategy(self.strategy, x) == "loop"


def set_strategy(module: nn.Module, strategy: Strategy) -> nn.Module:
    """Make every :class:`MemberLayer` in ``module`` (``module`` too) run its members by ``strategy``."""
    for layer in module.modules():
        if isinstance(layer, MemberLayer):
            layer.strategy = strategy
    return module


def each_member(module: nn.Module, x: Tensor) -> Tensor:
    """``module(x)`` for x (S, B, …), one member at a time: member s runs ``module`` with every
    per-member parameter and buffer narrowed to member s — views, so gradients flow into the full
    parameters and in-place updates (spectral norm's vectors) reach the module — on x[s] as a
    model of one member; the outputs are concatenated, (S, …). Each member runs the very code and
    kernels it runs alone, and keeps its activations as its own contiguous tensors from layer to
    layer: no copies between the members' layout and one member's, as a loop inside each layer
    makes (measured in ``benchmarks/bench_conv.py``). ``module.forward`` must not call this again
    for one member (a model of one member has nothing to loop over)."""
    s = x.shape[0]
    per_member = [
        (name, t.unbind(0))
        for name, t in (*module.named_parameters(), *module.named_buffers())
        if t.dim() and t.shape[0] == s
    ]
    outs = []
    for i, member in enumerate(x.unbind(0)):
        tensors = {name: pieces[i].unsqueeze(0) for name, pieces in per_member}
        outs.append(functional_call(module, tensors, (member.unsqueeze(0),), tie_weights=False, strict=False))
    return torch.cat(outs)
