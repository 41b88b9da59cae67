"""``train.compile``: the tensor work of each update — forward, loss, gradients, optimizer step —
compiled with ``torch.compile(fullgraph=True)``; on CUDA with ``mode="reduce-overhead"`` (CUDA graphs:
a tick's kernels replayed as one launch).

What is compiled is an update's *core* (``d_core``, ``g_core``, ``joint_core`` in ``updates``),
called with the random numbers already drawn: a stream's position is host state, which a graph
cannot hold. Inside a core no mask is read on the host (the masked optimizer path always runs;
the numbers are the same). A loss with a penalty (``wgan_gp``) draws its own random numbers inside
the D step, so that core stays eager. ``graphs`` records each core as a CUDA graph without
compiling it (:mod:`ganbench.train.cuda_graphs`). ``auto`` picks each device's measured best (see
``docs/performance.md``): off on the CPU, where inductor's kernels were measured slower than eager
on this workload and there are no graphs; ``graphs`` on CUDA, measured on an H100: 5.2-6.1x the
eager trainer's updates per second on the default spec's packed models, trained alike (tested).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import torch

from ganbench.contracts.loss import Loss
from ganbench.train.build import TrainSetup
from ganbench.train.cuda_graphs import GraphedCore
from ganbench.train.mixed_loss import MixedLoss, draws_in_penalty
from ganbench.train.updates import d_core, d_update, g_core, g_update, joint_core, joint_update

#: ``compile: auto`` per device type (see the module docstring for why): "off", "on" or "graphs".
AUTO = {"cpu": "off", "cuda": "graphs"}


@dataclass(frozen=True)
class Updates:
    """The three updates the trainer calls: ``d(setup, mask)``, ``g(setup, mask)``,
    ``joint(setup, d_mask, g_mask)``."""

    d: Callable
    g: Callable
    joint: Callable


EAGER = Updates(d_update, g_update, joint_update)


def mode(setting: str, device: torch.device) -> str:
    """What ``train.compile: setting`` does on ``device``: "off", "on" (torch.compile) or "graphs"
    (CUDA graphs, :mod:`ganbench.train.cuda_graphs`; on a device without them: "off")."""
    chosen = AUTO.get(device.type, "off") if setting == "auto" else setting
    return "off" if chosen == "graphs" and device.type != "cuda" else chosen


def compiles(setting: str, device: torch.device) -> bool:
    """Whether ``train.compile: setting`` compiles on ``device`` (torch.compile)."""
    return mode(setting, device) == "on"


def _draws_in_core(loss: Loss) -> bool:
    """Whether the loss — or one of a mixed model's losses — draws random numbers inside the D
    step (a penalty of its own, such as ``wgan_gp``): such a step cannot be compiled or recorded."""
    losses = [p.loss for p in loss.parts] if isinstance(loss, MixedLoss) else [loss]
    return any(draws_in_penalty(type(x)) for x in losses)


def _graphed(setup: TrainSetup) -> Updates:
    """Updates whose cores are replayed as CUDA graphs (an unrolled discriminator stays eager)."""
    if setup.config.discriminator.unroll:
        return EAGER
    eager_d = _draws_in_core(setup.loss)
    d = None if eager_d else GraphedCore(d_core, "discriminator")
    joint = None if eager_d else GraphedCore(joint_core, "simultaneous")
    g = GraphedCore(g_core, "generator")
    return Updates(
        functools.partial(d_update, core=d),
        functools.partial(g_update, core=g),
        functools.partial(joint_update, core=joint),
    )


def compile_core(core: Callable, device: torch.device, backend: str = "inductor") -> Callable:
    """``core`` compiled whole (``fullgraph=True``: a graph break is an error, not a silent split)."""
    options: dict = {"fullgraph": True, "backend": backend}
    if backend == "inductor" and device.type == "cuda":
        options["mode"] = "reduce-overhead"
    compiled = torch.compile(functools.partial(core, read_masks=False), **options)

    def run(*args):
        # torch.autograd.grad inside the graph (the gradients of the members' summed objective)
        with torch._dynamo.config.patch(trace_autograd_ops=True):
            return compiled(*args)

    return run


def updates_for(setup: TrainSetup, backend: str = "inductor") -> Updates:
    """Eager updates, or updates whose cores are compiled or replayed as CUDA graphs, as
    ``setup.config.compile`` asks."""
    chosen = mode(setup.config.compile, setup.device)
    if chosen == "graphs":
        return _graphed(setup)
    if chosen != "on":
        return EAGER
    # A core's graphs are specialised to one model, and dynamo allows eight per code object: the
    # previous models' are dropped here (a process trains one model at a time; nothing else of
    # ganbench is compiled), or the ninth model of a benchmark worker would fail to compile.
    torch._dynamo.reset()
    has_penalty = _draws_in_core(setup.loss)
    d = None if has_penalty else compile_core(d_core, setup.device, backend)
    joint = None if has_penalty else compile_core(joint_core, setup.device, backend)
    g = compile_core(g_core, setup.device, backend)
    return Updates(
        functools.partial(d_update, core=d),
        functools.partial(g_update, core=g),
        functools.partial(joint_update, core=joint),
    )
