"""Assemble the objects of one training run from a validated :class:`TrainConfig`."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ganbench import registry
from ganbench.contracts import Dataset, Loss, Schedule, ScheduleContext
from ganbench.contracts.params import stack_members
from ganbench.contracts.streams import Streams, derive_seed, make_streams
from ganbench.errors import GanbenchError
from ganbench.metrics.evaluator import Evaluator, build_evaluator, default_n_samples
from ganbench.train.config import TrainConfig
from ganbench.train.member_optim import MemberOptimizer, make_member_optimizer
from ganbench.train.networks import Discriminator, Generator
from ganbench.train.population import population_key
from ganbench.validation import resolve


@dataclass
class TrainSetup:
    """Everything the trainer needs, built and ready: S members in one batched model.

    A member is a (configuration, seed) pair: ``configs[member_config[i]]`` trained with seed
    ``seeds[i]``. The configurations differ at most in batchable settings (see ``population``), so
    ``config`` — the first of them — speaks for every shared setting (networks, budget, batch size).
    """

    config: TrainConfig
    configs: list[TrainConfig]
    member_config: list[int]  # member i belongs to configs[member_config[i]]
    device: torch.device
    dataset: Dataset
    loss: Loss
    schedule: Schedule
    generator: Generator
    discriminator: Discriminator
    g_optimizer: MemberOptimizer
    d_optimizer: MemberOptimizer
    streams: Streams  # per-member data, noise and penalty randomness (keyed by the member's seed)
    eval_noise: torch.Tensor  # (S, N_eval, z_dim): a fixed noise batch per member for evaluation

    @property
    def seeds(self) -> list[int]:
        """Each member's seed (a seed repeats when several configurations train it)."""
        return [s for cfg in self.configs for s in cfg.seeds]

    @property
    def n_seeds(self) -> int:
        """The number of members S (the leading axis of every weight)."""
        return len(self.member_config)

    @property
    def g_params(self) -> list[torch.nn.Parameter]:
        """The generator's parameters (the optimizer's list: no module walk per step)."""
        return self.g_optimizer.param_groups[0]["params"]

    @property
    def d_params(self) -> list[torch.nn.Parameter]:
        """The discriminator's parameters (the optimizer's list)."""
        return self.d_optimizer.param_groups[0]["params"]


def resolve_device(name: str) -> torch.device:
    """``auto`` → cuda when available, else cpu; asking for cuda without one is a user error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise GanbenchError(
            "device 'cuda' was asked for, but no CUDA device is available; use 'auto' or 'cpu'."
        )
    return torch.device(name)


def build(config: TrainConfig, where: str = "configuration") -> TrainSetup:
    """Resolve components, check they fit together, and build networks and optimizers for the
    seeds of one configuration (a population of one)."""
    return build_population([config], where)


def build_population(configs: list[TrainConfig], where: str = "configuration") -> TrainSetup:
    """One batched model for every (configuration, seed) pair of ``configs``, which must differ at
    most in batchable settings. Member i gets exactly the networks, random numbers and settings it
    would get trained alone."""
    if not configs:
        raise ValueError("a population needs at least one configuration")
    config = configs[0]
    for c in configs:  # each configuration's components and parameters, with clear errors
        for kind, reg in (
            ("dataset", registry.datasets),
            ("loss", registry.losses),
            ("schedule", registry.schedules),
        ):
            resolve(reg, getattr(c, kind), kind, where)
    if len({population_key(c) for c in configs}) != 1:
        raise GanbenchError(
            f"{where}: these configurations differ in more than batchable settings (optimizer "
            "settings and Batchable loss/schedule parameters) and cannot train as one model."
        )
    device = resolve_device(config.device)
    member_config = [i for i, c in enumerate(configs) for _ in c.seeds]
    seeds = [s for c in configs for s in c.seeds]
    dataset_cls, dataset_params = resolve(registry.datasets, config.dataset, "dataset", where)
    loss_cls, _ = resolve(registry.losses, config.loss, "loss", where)
    schedule_cls, _ = resolve(registry.schedules, config.schedule, "schedule", where)

    def member_params(kind: str, reg, cls) -> object:
        per_config = [resolve(reg, getattr(c, kind), kind, where)[1] for c in configs]
        return stack_members(cls.Params, [per_config[i] for i in member_config], device)

    dataset = dataset_cls(dataset_params, device)
    loss = loss_cls(member_params("loss", registry.losses, loss_cls))
    context = ScheduleContext(len(seeds), dataset.steps_per_epoch(config.batch_size))
    schedule = schedule_cls(member_params("schedule", registry.schedules, schedule_cls), context)

    # Seed s initialises G, then D, from its own CPU generator: identical networks on every device.
    inits = [torch.Generator().manual_seed(derive_seed(s, "init")) for s in seeds]
    generator = Generator(inits, config.z_dim, dataset.dim, config.generator, dataset.bounded).to(device)
    discriminator = Discriminator(inits, dataset.dim, config.discriminator).to(device)

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
        g_optimizer=make_member_optimizer(generator.parameters(), [m.g_optimizer for m in members], device),
        d_optimizer=make_member_optimizer(
            discriminator.parameters(), [m.d_optimizer for m in members], device
        ),
        streams=make_streams(config.streams, seeds, "train", device),
        eval_noise=eval_streams.normal(n_eval, config.z_dim),
    )


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
