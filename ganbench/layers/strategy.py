"""How a member layer (``MemberConv``) runs its S members: side by side in one kernel, or one
member at a time.

- ``grouped`` — one grouped convolution, groups = members, the members' channels side by side:
  one kernel per layer whatever S, what a GPU, launch-bound on small layers, needs. The default
  on CUDA.
- ``loop`` — one convolution per member on its own slice, the outputs stacked: on the CPU, where a
  convolution is compute-bound and oneDNN's plain convolution outruns its grouped one, this is
  faster per member, and it is bit for bit what the member gets alone. The default elsewhere.
  (Looping over whole members instead — every layer of member 0, then of member 1, through
  ``torch.func.functional_call`` on each member's views — copies a quarter of the elements an
  update, and measured no faster on the CPU: within 1–4 % either way at S = 8, width 16.)
- ``vmap`` — ``torch.func.vmap`` over one member's convolution: measured against the others in
  ``benchmarks/bench_conv.py``; nothing picks it.

``auto`` picks by device; :func:`set_strategy` forces one on every member layer of a network.
Batch norm (``ImageNorm``) runs all members in one call either way.
"""

from __future__ import annotations

from typing import Literal

from torch import Tensor, nn

Strategy = Literal["auto", "grouped", "loop", "vmap"]


def resolve_strategy(strategy: Strategy, x: Tensor) -> str:
    """``auto``: grouped on CUDA, a loop over members elsewhere (see the module docstring)."""
    if strategy != "auto":
        return strategy
    return "grouped" if x.is_cuda else "loop"


class MemberLayer(nn.Module):
    """A layer that runs S members by a :data:`Strategy` (its ``strategy``, ``auto`` at first)."""

    strategy: Strategy = "auto"
    #: its weights are read as one (S·C_out, …) block: the network's parameters go layer-major
    #: (``ganbench.train.member_optim``), so that block is a view, not a copy a forward pass
    contiguous_members = True


def set_strategy(module: nn.Module, strategy: Strategy) -> nn.Module:
    """Make every :class:`MemberLayer` in ``module`` run its members by ``strategy``."""
    for layer in module.modules():
        if isinstance(layer, MemberLayer):
            layer.strategy = strategy
    return module
