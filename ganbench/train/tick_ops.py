"""Kernel-making operators per generator update of the trainer and of the plain PyTorch loops, on
two workloads, each with Adam 2e-4 (0.5, 0.999), modified_minimax and alternating 1:1:

- :data:`WORKLOAD`, the MLP one: ring, default networks — against :class:`PlainGAN`
  (``benchmarks/bench_ops.py`` prints it, ``tests/trainer/test_op_counts.py`` pins it);
- :data:`DCGAN_WORKLOAD`, the convolutional one: stacked MNIST, ``dcgan`` of width 16 for both
  players, batch 64, z_dim 100 — against :class:`PlainDCGAN` (``benchmarks/bench_conv.py``,
  ``tests/trainer/test_op_counts_conv.py``).

A count per update is the difference between two runs of ``warm`` and ``warm + updates`` generator
updates, each from a fresh set-up: set-up, the first step's state and the final evaluation cancel
out, random-number pools refilled in between are shared over the updates they serve, and constants
cached per process are made by a throwaway run first. The trainer runs with no log or evaluation
point in between (each adds a few host reads and a flush of the statistics, every ``log_every``
ticks). Counts do not depend on the batch size, except through how often a random pool refills.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch.utils._python_dispatch import _disable_current_modes
from torch.utils._pytree import tree_leaves

from ganbench.data.mnist import mnist_on
from ganbench.layers.conv import Strategy, set_strategy
from ganbench.train import updates
from ganbench.train.build import build
from ganbench.train.op_count import OpCounter
from ganbench.train.reference_loop import PlainDCGAN, PlainGAN
from ganbench.train.trainer import train
from ganbench.validation import train_config

WORKLOAD = {
    "dataset": {"name": "ring"},
    "loss": {"name": "modified_minimax"},
    "schedule": {"name": "alternating", "d_steps": 1},
    "batch_size": 256,
    "z_dim": 16,
}

#: The convolutional workload (``bench_conv.py``): DCGANs of :class:`PlainDCGAN`'s shapes.
DCGAN_WORKLOAD = {
    "dataset": {"name": "stacked_mnist"},
    "loss": {"name": "modified_minimax"},
    "schedule": {"name": "alternating", "d_steps": 1},
    "generator": {"name": "dcgan", "width": 16},
    "discriminator": {"name": "dcgan", "width": 16},
    "batch_size": 64,
    "z_dim": 100,
}


def trainer_ops(
    n_seeds: int,
    g_steps: int,
    batch: int = 256,
    *,
    workload: dict = WORKLOAD,
    conv: Strategy = "auto",
    **settings: object,
) -> OpCounter:
    """Operators of ganbench's ``train`` for ``n_seeds`` members and ``g_steps`` generator updates
    (set-up outside the count; the final evaluation inside) on ``workload`` with ``settings`` over
    it. ``conv`` runs every member convolution by that strategy (:func:`set_strategy`): ``grouped``
    counts on the CPU what CUDA launches, where ``auto`` would loop over members."""
    run = {"seeds": list(range(n_seeds)), "g_steps": g_steps, "device": "cpu", "batch_size": batch}
    cfg = train_config(
        {**workload, **run, **settings, "eval_every": 10**9, "eval_samples": 16, "log_every": 10**9}, "ops"
    )
    setup = build(cfg, "ops")
    set_strategy(setup.generator, conv)
    set_strategy(setup.discriminator, conv)
    with OpCounter() as counter:
        train(setup)
    return counter


def plain_ops(g_steps: int, batch: int = 256) -> OpCounter:
    """Operators of ``g_steps`` steps (one D step, one G step each) of the plain PyTorch loop."""
    gan = PlainGAN(torch.device("cpu"), batch)
    with OpCounter() as counter:
        gan.run(g_steps)
    return counter


def plain_dcgan_ops(g_steps: int, batch: int = 64, width: int = 16, channels: int = 3) -> OpCounter:
    """Operators of ``g_steps`` steps of the plain PyTorch DCGAN loop (:class:`PlainDCGAN`; data
    set-up outside the count)."""
    gan = PlainDCGAN(torch.device("cpu"), mnist_on(torch.device("cpu"))[0], channels, batch, width)
    with OpCounter() as counter:
        gan.run(g_steps)
    return counter


def per_update(run: Callable[[int], OpCounter], warm: int, updates: int) -> dict:
    """Per generator update between ``warm`` and ``warm + updates`` updates of ``run(g_steps)``:
    ``total`` operators, ``ops`` by name (totals over the updates), ``factories`` and ``host_reads``."""
    run(1)  # constants cached per process (a backward pass's seed, a schedule's masks) made here
    a, b = run(warm), run(warm + updates)
    ops = Counter({k: b.ops[k] - a.ops[k] for k in b.ops if b.ops[k] != a.ops[k]})
    factories = sum(b.factories.values()) - sum(a.factories.values())
    return {
        "total": (b.total - a.total) / updates,
        "ops": ops,
        "factories": factories / updates,
        "host_reads": (b.host_reads - a.host_reads) / updates,
    }


def _tensors(tree) -> int:
    return sum(torch.is_tensor(x) for x in tree_leaves(tree))


@contextmanager
def replays_counted() -> Iterator[list[int]]:
    """Inside: the updates' cores run unseen by an enclosing :class:`OpCounter`, and each call adds
    to the yielded ``[launches]`` what the host launches once that core is a recorded CUDA graph
    (:mod:`ganbench.train.cuda_graphs`): one replay, one copy per input tensor and one per output
    tensor. A CPU has no CUDA graphs; this stands in for them in a count."""
    launches = [0]
    saved = updates.d_core, updates.g_core, updates.joint_core

    def replayed(core):
        def run(s, *args, **kwargs):
            with _disable_current_modes():
                out = core(s, *args, **kwargs)
            launches[0] += 1 + _tensors(args) + _tensors(out)
            return out

        return run

    updates.d_core, updates.g_core, updates.joint_core = (replayed(c) for c in saved)
    try:
        yield launches
    finally:
        updates.d_core, updates.g_core, updates.joint_core = saved
