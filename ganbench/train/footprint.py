"""How much memory a batched model of a configuration will take, estimated before anything is
allocated, so that a model too large for the machine is split or refused with one paragraph instead
of taking a shared machine down (:mod:`ganbench.executor.packing` uses it).

What is counted, for S members (seeds × configurations) of one model:

- **weights and optimizer state**: each member's generator and discriminator parameters, with their
  gradients, the optimizer's flat gradient and its state (Adam: two moments); an unrolled
  discriminator's look-ahead copies;
- **activations**: what one update keeps for its backward pass — measured, not guessed: one member's
  networks (:func:`ganbench.train.build.make_networks`, so any registered architecture is measured
  as it is) run a generator and a discriminator pass on the CPU at two small batch sizes, every
  tensor autograd saves is counted, and each tensor's size is carried on, linearly in the batch, to
  the configuration's batch size (exact for networks whose saved tensors are per-sample or fixed);
  a gradient penalty's double backward and unrolling multiply it;
- **evaluation**: each member's fixed evaluation noise and samples, the widest layer of a generator
  pass over them, and each metric's working memory (:meth:`Metric.memory`: a Fréchet distance's
  D × D matrices live on the host, k-NN blocks on the device);
- **data held on the device** once per model: ``size × sample_shape`` of a finite dataset (the
  Dataset contract's attributes, so an image dataset is counted as it is).

The estimate is per configuration (the first of a population speaks for the shared settings) and
cached: it costs one dataset build and two small CPU passes, whatever the number of seeds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import torch
from torch import nn

from ganbench import registry
from ganbench.contracts import Dataset, Loss
from ganbench.device import human_bytes, resolve_device
from ganbench.metrics.evaluator import build_evaluator, default_n_samples
from ganbench.train.build import make_networks
from ganbench.train.config import TrainConfig
from ganbench.validation import resolve

FLOAT = 4  # bytes of a float32
#: Optimizer state per parameter, in floats, by optimizer (Adam: two moments; RMSprop: the square
#: average and a momentum buffer; SGD: a momentum buffer).
OPTIMIZER_STATE = {"adam": 2, "rmsprop": 2, "sgd": 1}
#: Per parameter besides the state: the weight, its gradient, and the optimizer's flat gradient.
PER_PARAMETER = 3
#: Where a configuration's components are named in errors (it was validated before it got here).
WHERE = "configuration"


@dataclass(frozen=True)
class Footprint:
    """Bytes a model of one configuration needs: ``member`` (on the device, per member, by part),
    ``model`` (on the device, once per model, by part), and the metrics' working memory as a
    function of the number of members (device and host bytes)."""

    member: dict[str, int]
    model: dict[str, int]
    metrics: Callable[[int], tuple[int, int]] = field(repr=False)
    device: torch.device = torch.device("cpu")

    def parts(self, members: int) -> dict[str, int]:
        """Bytes by part for ``members`` members, on the device (and the host for ``metrics on the
        host``)."""
        out = {name: n * members for name, n in self.member.items()}
        out.update(self.model)
        on_device, on_host = self.metrics(members)
        out["metrics"] = on_device
        if on_host:
            out["metrics on the host"] = on_host
        return out

    def device_bytes(self, members: int) -> int:
        """Peak bytes on the training device (on the CPU, everything)."""
        parts = self.parts(members)
        if self.device.type == "cpu":
            return sum(parts.values())
        return sum(v for k, v in parts.items() if k != "metrics on the host")

    def host_bytes(self, members: int) -> int:
        """Peak bytes on the host besides the device (nothing more on the CPU)."""
        return 0 if self.device.type == "cpu" else self.parts(members).get("metrics on the host", 0)

    def members_that_fit(self, device_budget: int, host_budget: int, most: int) -> int:
        """The most members (≤ ``most``) whose model fits both budgets; 0 when not even one does."""

        def fits(n: int) -> bool:
            return self.device_bytes(n) <= device_budget and self.host_bytes(n) <= host_budget

        if fits(most):
            return most
        low, high = 0, most  # fits(low) or low == 0; not fits(high)
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if fits(mid) else (low, mid)
        return low if low and fits(low) else 0

    def describe(self, members: int) -> str:
        """``≈ 7.2 GB: weights and optimizer state 1.1 GB, activations 5.9 GB, …``."""
        parts = self.parts(members)
        shown = ", ".join(f"{k} {human_bytes(v)}" for k, v in parts.items() if v)
        return f"≈ {human_bytes(self.device_bytes(members) + self.host_bytes(members))} ({shown})"


def footprint(config: TrainConfig) -> Footprint:
    """The memory a model of ``config`` needs (cached by everything but seeds, optimizer values
    and budget)."""
    raw = config.model_dump(mode="json", exclude={"seeds", "g_steps", "eval_every", "log_every"})
    for player in ("g_optimizer", "d_optimizer"):
        raw[player] = {"name": raw.get(player, {}).get("name", "adam")}
    return _cached(json.dumps(raw, sort_keys=True, default=str))


@lru_cache(maxsize=256)
def _cached(key: str) -> Footprint:
    config = TrainConfig.model_validate({**json.loads(key), "seeds": [0]})
    device = resolve_device(config.device)
    dataset = _dataset(json.dumps(config.dataset.model_dump(mode="json"), sort_keys=True))
    generator, discriminator = make_networks(config, dataset, [torch.Generator().manual_seed(0)])
    g_params, d_params = _numel(generator), _numel(discriminator)
    g_act, d_act, widest = _activations(config, dataset, generator, discriminator)
    loss_cls, loss_params = resolve(registry.losses, config.loss, "loss", WHERE)
    unroll = config.discriminator.unroll
    if _penalised(loss_cls, loss_params):
        d_act *= 3  # a gradient penalty differentiates through the discriminator's gradient
    weights = FLOAT * (
        g_params * (PER_PARAMETER + OPTIMIZER_STATE[config.g_optimizer.name])
        + d_params * (PER_PARAMETER + OPTIMIZER_STATE[config.d_optimizer.name])
        + 2 * unroll * d_params  # look-ahead weights and their moments
    )
    # One update keeps G's and two D passes' saved tensors (real and fake), and its backward about
    # as much again; each unrolled look-ahead step keeps a D update's worth more.
    activations = 2 * (g_act + 2 * d_act) * (1 + unroll)
    n_eval = config.eval_samples or default_n_samples(dataset)
    batch = config.batch_size
    evaluation = FLOAT * n_eval * (config.z_dim + 2 * dataset.dim) + 2 * math.ceil(widest * n_eval / batch)
    data = FLOAT * dataset.size * dataset.dim if isinstance(dataset.size, int) else 0
    metrics = _metric_memory(
        json.dumps(
            [config.dataset.model_dump(mode="json"), config.metrics, config.metric_params, n_eval],
            sort_keys=True,
            default=str,
        )
    )
    return Footprint(
        member={
            "weights and optimizer state": weights,
            "activations": activations,
            "evaluation samples": evaluation,
        },
        model={"data on the device": data},
        metrics=metrics,
        device=device,
    )


@lru_cache(maxsize=32)
def _metric_memory(key: str) -> Callable[[int], tuple[int, int]]:
    """The metrics' working memory (device, host) as a function of the members evaluated at once,
    for a dataset, its metrics and the evaluation samples per member (the reference set and each
    metric's :meth:`~ganbench.contracts.Metric.memory`; metrics run one after another)."""
    ref, names, params, n_eval = json.loads(key)
    dataset = _dataset(json.dumps(ref, sort_keys=True))
    evaluator = build_evaluator(dataset, names, n_samples=n_eval, params=params, device=torch.device("cpu"))
    n_real = int(evaluator.real.shape[0])
    reference = FLOAT * n_real * dataset.dim

    def metrics(members: int) -> tuple[int, int]:
        needs = [m.memory(members, n_eval, n_real) for m in evaluator.metrics.values()]
        return reference + max((n.device for n in needs), default=0), max((n.host for n in needs), default=0)

    return metrics


@lru_cache(maxsize=32)
def _dataset(ref: str) -> Dataset:
    """The dataset of a configuration, built once on the CPU (what the estimate reads from it:
    ``sample_shape``, ``size``, ``bounded``, the modes)."""
    config = TrainConfig.model_validate({"dataset": json.loads(ref)})
    cls, params = resolve(registry.datasets, config.dataset, "dataset", WHERE)
    return cls(params, torch.device("cpu"))


def _numel(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters()) + sum(b.numel() for b in module.buffers())


def _penalised(loss_cls: type[Loss], params) -> bool:
    """Whether the loss adds a gradient penalty (its own, or R1/R2)."""
    return loss_cls.penalty is not Loss.penalty or bool(getattr(params, "r1", 0) or getattr(params, "r2", 0))


def _activations(
    config: TrainConfig, dataset: Dataset, generator: nn.Module, discriminator: nn.Module
) -> tuple[int, int, int]:
    """Bytes autograd saves in one member's generator pass and discriminator pass at the batch
    size, and the largest single tensor among them (to scale an evaluation pass by).

    Measured on the CPU at two small batches (multiples of ``pack``, two packed groups or more, so
    that batch norm sees more than one value) and carried on linearly to the batch size, tensor by
    tensor — so nothing of the full batch is allocated. A network whose saved tensors do not line up
    between the two batches is measured at the full batch. (PyTorch's ``meta`` device would need no
    extrapolation, but its first use imports torch's Python decompositions: 1.1–1.4 s of every
    command's start, for an estimate the two passes give exactly.)"""
    batch = config.batch_size
    small = 2 * config.discriminator.pack
    measured = _saved(config, dataset, generator, discriminator, min(batch, small))
    if batch > small:
        twice = _saved(config, dataset, generator, discriminator, 2 * small)
        if [len(part) for part in measured] != [len(part) for part in twice]:
            measured = _saved(config, dataset, generator, discriminator, batch)
        else:  # per tensor: size(batch) = size(small) + its growth per `small` samples · steps
            steps = (batch - small) / small
            measured = tuple(
                [round(a + steps * (b - a)) for a, b in zip(one, two, strict=True)]
                for one, two in zip(measured, twice, strict=True)
            )
    g, d = measured
    return sum(g), sum(d), max(g + d, default=FLOAT * batch * dataset.dim)


def _saved(
    config: TrainConfig, dataset: Dataset, g: nn.Module, d: nn.Module, batch: int
) -> tuple[list[int], list[int]]:
    """The bytes of each tensor autograd saves (weights left out) in a generator pass of ``batch``
    samples and a discriminator pass over them, on the CPU."""
    weights = {id(p) for net in (g, d) for p in net.parameters()}
    sizes: list[int] = []

    def keep(t: torch.Tensor):
        if id(t) not in weights:
            sizes.append(t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(keep, lambda t: t):
        fake = g(torch.zeros(1, batch, config.z_dim))
        mark = len(sizes)
        d(fake.detach().requires_grad_(True))
    return sizes[:mark], sizes[mark:]
