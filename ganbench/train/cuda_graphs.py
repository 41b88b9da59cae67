"""``train.compile: graphs``: each update's core recorded once as a CUDA graph and replayed.

On a GPU a tick of a small GAN is bound by launching its ~150–400 small kernels from Python, not by
running them (``docs/performance.md``). A CUDA graph replays every kernel of a core with one launch
and no Python, so a tick costs about what its kernels take on the device. Nothing is compiled: the
eager core runs once under capture (``torch.cuda.graph``), which records the kernels it launches —
whatever the loss, the schedule or the mixture of losses in the model — and later calls copy their
inputs into the recorded ones and replay.

What a graph needs, and how it is met:

- *No host reads or host-built tensors inside the core*: the cores take their random numbers as
  inputs (a stream's position is host state) and run with ``read_masks=False`` (the masked
  optimizer path, the same numbers). A core whose loss draws random numbers in its penalty
  (``wgan_gp``) or whose discriminator is unrolled stays eager.
- *Warm-up*: the first calls of each kind run eagerly on a side stream (lazily made state —
  cuBLAS workspaces, autograd's device thread — exists before capture); they are real updates.
- *The same tensors*: a graph replays on the tensors it recorded. It is keyed by the shapes of its
  inputs and the optimizers' flat parameter buffers, which pruning members replaces
  (``MemberOptimizer.select``): a new key records anew.
- *Outputs are overwritten by the next replay*: they are cloned before they are handed back.

If recording fails (a plugin that reads a device tensor on the host, say), that core stays eager
for the rest of the model, with a warning: the update is the same, only slower.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch.utils._pytree import tree_leaves, tree_map

#: Eager calls of each kind before it is recorded.
WARMUP = 2


def _key(s, args: tuple) -> tuple:
    """The shapes of a call's inputs and the optimizers' buffers: what a recorded graph is bound to."""
    shapes = tree_map(lambda a: (tuple(a.shape), a.dtype) if torch.is_tensor(a) else a, args)
    return shapes, s.d_optimizer.store.data_ptr(), s.g_optimizer.store.data_ptr()


def _clone(tree: Any) -> Any:
    """``tree`` (tensors in tuples and dicts, or None) with every tensor copied."""
    return tree_map(lambda t: t.clone() if torch.is_tensor(t) else t, tree)


def _copy_into(static: Any, values: Any) -> None:
    for st, v in zip(tree_leaves(static), tree_leaves(values), strict=True):
        if torch.is_tensor(st):
            st.copy_(v)


class _Recorded:
    """One recorded call: its graph, its input tensors and its outputs."""

    def __init__(self, graph: torch.cuda.CUDAGraph, inputs: tuple, outputs: Any) -> None:
        self.graph, self.inputs, self.outputs = graph, inputs, outputs


class GraphedCore:
    """``core(setup, *inputs)`` replayed as a CUDA graph per key (see the module docstring)."""

    def __init__(self, core: Callable, name: str) -> None:
        self.core = functools.partial(core, read_masks=False)
        self.name = name
        self.calls: dict[tuple, int] = {}
        self.recorded: dict[tuple, _Recorded | None] = {}  # None: recording failed, stay eager
        self.stream: torch.cuda.Stream | None = None

    def __call__(self, s, *args):
        key = _key(s, args)
        if key in self.recorded:
            rec = self.recorded[key]
            if rec is None:
                return self.core(s, *args)
            _copy_into(rec.inputs, args)
            rec.graph.replay()
            return _clone(rec.outputs)
        seen = self.calls.get(key, 0)
        if seen < WARMUP:
            self.calls[key] = seen + 1
            return self._on_side_stream(s, args)
        return self._record(key, s, args)

    def _on_side_stream(self, s, args: tuple):
        if self.stream is None:
            self.stream = torch.cuda.Stream()
        self.stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(self.stream):
            out = self.core(s, *args)
        torch.cuda.current_stream().wait_stream(self.stream)
        return out

    def _record(self, key: tuple, s, args: tuple):
        inputs = _clone(args)
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph):
                outputs = self.core(s, *inputs)
        except RuntimeError as exc:  # e.g. a host read inside a plugin: this core stays eager
            self.recorded[key] = None
            warnings.warn(
                f"train.compile: graphs — the {self.name} update could not be recorded as a CUDA graph "
                f"and runs eagerly ({str(exc).splitlines()[0]})",
                RuntimeWarning,
                stacklevel=2,
            )
            torch.cuda.synchronize()
            return self.core(s, *args)
        rec = self.recorded[key] = _Recorded(graph, inputs, outputs)  # inputs hold this call's values
        graph.replay()  # recording launched nothing: this call's update happens now
        return _clone(rec.outputs)
