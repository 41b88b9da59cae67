"""Assemble the objects of one training run from a validated :class:`TrainConfig`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from ganbench import registry
from ganbench.contracts import (
    Dataset,
    Loss,
    MemberDiscriminator,
    NetParams,
    Network,
    Schedule,
    ScheduleContext,
)
from ganbench.contracts.params import select_members, stack_members
from ganbench.contracts.streams import Streams, derive_seed, make_streams
from ganbench.device import resolve_device
from ganbench.errors import GanbenchError
from ganbench.layers.evaluating import evaluating
from ganbench.metrics.evaluator import Evaluator, build_evaluator, default_n_samples
from ganbench.train.config import TrainConfig
from ganbench.train.member_optim import MemberOptimizer, make_member_optimizer, wants_layer_major
from ganbench.train.mixed_loss import LossPart, MixedLoss, draw_signature
from ganbench.train.part_streams import PartStreams, Run
from ganbench.train.population import loss_part_key, population_key
from ganbench.validation import resolve


@dataclass
class TrainSetup:
    """Everything the trainer needs, built and ready: S members in one batched model.

    A member is a (configuration, seed) pair: ``configs[member_config[i]]`` trained with seed
    ``seeds[i]``. The configurations differ at most in batchable settings and in their loss (see
    ``population``), so ``config`` — the first of them — speaks for every shared setting (networks,
    budget, batch size, schedule). Where losses differ, ``loss`` is a :class:`MixedLoss` (each loss
    on its own members' rows) and ``streams`` a :class:`PartStreams` where their draws differ.
    """

    config: TrainConfig
    configs: list[TrainConfig]
    member_config: list[int]  # member i belongs to configs[member_config[i]]
    device: torch.device
    dataset: Dataset
    loss: Loss
    schedule: Schedule
    generator: nn.Module  # (S, B, z_dim) → (S, B, *sample_shape), see ganbench.contracts.network
    discriminator: MemberDiscriminator  # (S, B, *sample_shape) → (S, B / pack)
    g_optimizer: MemberOptimizer
    d_optimizer: MemberOptimizer
    # Per-member data, noise and penalty randomness (keyed by the member's seed): one stream object,
    # or one per run of members that draw alike where members' losses draw differently.
    streams: Streams | PartStreams
    eval_noise: torch.Tensor  # (S, N_eval, z_dim): a fixed noise batch per member for evaluation
    # The members still in the model, by index (``select`` drops pruned ones), and what the dropped
    # ones left: their generator's weights and evaluation samples when they left.
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    retired: dict[int, tuple[dict[str, torch.Tensor], torch.Tensor]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not len(self.rows):
            self.rows = np.arange(len(self.member_config))

    @property
    def seeds(self) -> list[int]:
        """Each member's seed (a seed repeats when several configurations train it)."""
        return [s for cfg in self.configs for s in cfg.seeds]

    @property
    def n_seeds(self) -> int:
        """The number of members S (the leading axis of every weight)."""
        return len(self.member_config)

    def select(self, rows: torch.Tensor) -> None:
        """Drop every member of the model but those at ``rows`` (indices into the current rows, in
        order): weights, optimizer state and settings, Batchable parameters, schedule state, random
        streams and evaluation noise. Each kept member goes on exactly as before; each dropped one
        leaves its generator weights and evaluation samples (see :meth:`member_weights`)."""
        n, keep = len(self.rows), rows.tolist()
        gone = sorted(set(range(n)) - set(keep))
        if gone:
            samples = self.eval_samples().cpu()
            state = self.generator.state_dict()
            for r in gone:
                weights = {k: v[r : r + 1].detach().clone().cpu() for k, v in state.items()}
                self.retired[int(self.rows[r])] = (weights, samples[r : r + 1])
        at = rows.to(self.device)
        with torch.no_grad():
            for module in (self.generator, self.discriminator):
                for name, buf in list(module.named_buffers()):
                    if buf.dim() and buf.shape[0] == n:
                        owner, _, leaf = name.rpartition(".")
                        module.get_submodule(owner)._buffers[leaf] = buf[at]
            for optimizer in (self.g_optimizer, self.d_optimizer):
                optimizer.select(at)  # the parameters (views of its flat buffer), state, settings
        if isinstance(self.loss, MixedLoss):
            self.loss.select(rows)
        else:
            self.loss.params = select_members(self.loss.params, rows, n)
        self.schedule.select(rows)
        self.streams.select(rows)
        self.eval_noise = self.eval_noise[at]
        self.rows = self.rows[keep]

    def _row(self, i: int) -> int:
        """Where member i sits in the model now."""
        return int(np.flatnonzero(self.rows == i)[0])

    def member_weights(self, i: int) -> dict[str, torch.Tensor]:
        """Member i's generator weights (leading axis of size 1), on the CPU."""
        if i in self.retired:
            return self.retired[i][0]
        r = self._row(i)
        return {k: v[r : r + 1].detach().clone().cpu() for k, v in self.generator.state_dict().items()}

    def member_samples(self, i: int) -> torch.Tensor:
        """Member i's samples from its evaluation noise → (1, N, …), on the CPU."""
        if i in self.retired:
            return self.retired[i][1]
        r = self._row(i)
        return self.eval_samples()[r : r + 1].cpu()

    def eval_samples(self, n: int | None = None) -> torch.Tensor:
        """Every member's samples from (the first ``n`` of) its evaluation noise → (S, N, …),
        drawn in eval mode (batch norm's running averages where the networks keep them)."""
        noise = self.eval_noise if n is None else self.eval_noise[:, :n]
        with evaluating(self.generator) as generator:
            per = sample_chunk(noise.shape[0], tuple(self.dataset.sample_shape), self.device)
            if noise.shape[1] <= per:
                return generator(noise)
            return torch.cat([generator(z) for z in noise.split(per, dim=1)], dim=1)

    @property
    def g_params(self) -> list[torch.nn.Parameter]:
        """The generator's parameters (the optimizer's list: no module walk per step)."""
        return self.g_optimizer.param_groups[0]["params"]

    @property
    def d_params(self) -> list[torch.nn.Parameter]:
        """The discriminator's parameters (the optimizer's list)."""
        return self.d_optimizer.param_groups[0]["params"]


#: Output values (members × samples × sample size) a generator draws at once at evaluation on the
#: CPU: in pieces whose activations stay in the caches, a DCGAN generator (widths 16) drew 3 × 26,000
#: stacked-MNIST samples 3.2× faster than in one batch (5.8 vs 18.7 s; 2²¹: 6.2 s, 2²²: 6.8 s; one
#: thread, Intel Xeon, interleaved on a loaded machine). A CUDA device draws them at once. Each
#: sample depends on its own noise alone (running statistics at evaluation).
EVAL_CHUNK_VALUES = 2**20


def sample_chunk(members: int, sample_shape: tuple[int, ...], device: torch.device) -> int:
    """How many samples per member the generator draws at once at evaluation (at least 64)."""
    if device.type != "cpu":
        return 1 << 62
    return max(64, EVAL_CHUNK_VALUES // max(1, members * int(np.prod(sample_shape))))


def build(config: TrainConfig, where: str = "configuration") -> TrainSetup:
    """Resolve components, check they fit together, and build networks and optimizers for the
    seeds of one configuration (a population of one)."""
    return build_population([config], where)


def build_population(configs: list[TrainConfig], where: str = "configuration") -> TrainSetup:
    """One batched model for every (configuration, seed) pair of ``configs``, which must differ at
    most in batchable settings and in their loss (equal :func:`population_key`). Member i gets
    exactly the networks, random numbers and settings it would get trained alone."""
    if not configs:
        raise ValueError("a population needs at least one configuration")
    config = configs[0]
    # Each configuration's components and parameters, resolved once (with clear errors).
    kinds = {"dataset": registry.datasets, "loss": registry.losses, "schedule": registry.schedules}
    resolved = {
        kind: [resolve(reg, getattr(c, kind), kind, where) for c in configs] for kind, reg in kinds.items()
    }
    if len({population_key(c) for c in configs}) != 1:
        raise GanbenchError(
            f"{where}: these configurations differ in more than batchable settings (optimizer "
            "settings and Batchable loss/schedule parameters) and their loss (which may differ "
            "unless discriminator.unroll or compile: on is set), and cannot train as one model."
        )
    device = resolve_device(config.device)
    member_config = [i for i, c in enumerate(configs) for _ in c.seeds]
    seeds = [s for c in configs for s in c.seeds]
    (dataset_cls, dataset_params), (loss_cls, _), (schedule_cls, _) = (resolved[k][0] for k in kinds)

    def member_params(kind: str, cls) -> object:
        return stack_members(cls.Params, [resolved[kind][i][1] for i in member_config], device)

    dataset = dataset_cls(dataset_params, device)
    # Members of different losses: each run of members of one loss is a part (see ``mixed_loss``),
    # and each run of members that draw alike keeps its own random streams (see ``part_streams``).
    loss_keys = [loss_part_key(configs[i]) for i in member_config]
    parts = _runs(loss_keys)
    if len(parts) == 1:
        loss = loss_cls(member_params("loss", loss_cls))
    else:
        pieces = []
        for start, stop, _ in parts:
            cls = resolved["loss"][member_config[start]][0]
            params = [resolved["loss"][member_config[m]][1] for m in range(start, stop)]
            pieces.append(LossPart(cls(stack_members(cls.Params, params, device)), start, stop))
        loss = MixedLoss(pieces, device)
    losses = [resolved["loss"][i][0] for i in member_config]
    draws = [draw_signature(cls, key) for cls, key in zip(losses, loss_keys, strict=True)]
    runs = _runs(draws)
    if len(runs) == 1:
        streams = make_streams(config.streams, seeds, "train", device)
    else:
        streams = PartStreams(
            [Run(a, b, make_streams(config.streams, seeds[a:b], "train", device), tag) for a, b, tag in runs]
        )
    context = ScheduleContext(len(seeds), dataset.steps_per_epoch(config.batch_size))
    schedule = schedule_cls(member_params("schedule", schedule_cls), context)

    # Seed s initialises G, then D, from its own CPU generator: identical networks on every device.
    inits = [torch.Generator().manual_seed(derive_seed(s, "init")) for s in seeds]
    generator, discriminator = (net.to(device) for net in make_networks(config, dataset, inits, where))

    eval_streams = make_streams(config.streams, seeds, "eval", device)
    n_eval = config.eval_samples or default_n_samples(dataset)
    members = [configs[i] for i in member_config]
    return TrainSetup(
        config=config,
        configs=list(configs),
        member_config=member_config,
        device=device,
        dataset=dataset,
        loss=loss,
        schedule=schedule,
        generator=generator,
        discriminator=discriminator,
        g_optimizer=make_member_optimizer(
            generator.parameters(), [m.g_optimizer for m in members], device, wants_layer_major(generator)
        ),
        d_optimizer=make_member_optimizer(
            discriminator.parameters(),
            [m.d_optimizer for m in members],
            device,
            wants_layer_major(discriminator),
        ),
        streams=streams,
        eval_noise=eval_streams.normal(n_eval, config.z_dim),
    )


def _players(config: TrainConfig) -> list[tuple[str, NetParams]]:
    return [("generator", config.generator), ("discriminator", config.discriminator)]


def _network(params: NetParams, dataset: Dataset, player: str, where: str) -> Network:
    """The network family ``params`` names, built with them, checked against the data's shape."""
    family = registry.networks.get(params.name)(params)
    try:
        family.check(tuple(dataset.sample_shape))
    except ValueError as exc:
        raise GanbenchError(
            f"{where}: {player}.name: the {params.name} network cannot take samples of shape "
            f"{tuple(dataset.sample_shape)}: "
            f"{exc} Choose another network (ganbench list shows them) or other data."
        ) from None
    return family


def make_networks(
    config: TrainConfig, dataset: Dataset, inits: list[torch.Generator], where: str = "configuration"
) -> tuple[torch.nn.Module, torch.nn.Module]:
    """The generator and discriminator of ``config`` for ``dataset`` (the registered networks its
    ``generator`` and ``discriminator`` name), one member per generator in ``inits`` (on the CPU):
    what a model trains, and what its memory estimate measures (:mod:`ganbench.train.footprint`)."""
    g_net, d_net = (_network(cfg, dataset, player, where) for player, cfg in _players(config))
    generator = g_net.generator(inits, config.z_dim, dataset.sample_shape, dataset.bounded)
    return generator, d_net.discriminator(inits, dataset.sample_shape)


def _runs(keys: list) -> list[tuple[int, int, object]]:
    """Maximal runs of equal consecutive ``keys``: (start, stop, key) each."""
    out: list[tuple[int, int, object]] = []
    for i, key in enumerate(keys):
        if out and out[-1][2] == key:
            out[-1] = (out[-1][0], i + 1, key)
        else:
            out.append((i, i + 1, key))
    return out


def evaluator_for(setup: TrainSetup) -> Evaluator:
    """The metric evaluator for a built setup (its dataset, the configured metrics and parameters)."""
    cfg = setup.config
    return build_evaluator(
        setup.dataset,
        cfg.metrics,
        n_samples=setup.eval_noise.shape[1],
        params=cfg.metric_params,
        device=setup.device,
    )
