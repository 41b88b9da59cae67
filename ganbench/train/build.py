"""Assemble the objects of one training run from a validated :class:`TrainConfig`."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ganbench import registry
from ganbench.contracts import Dataset, Loss, Schedule, ScheduleContext
from ganbench.contracts.streams import Streams, derive_seed, make_streams
from ganbench.errors import GanbenchError
from ganbench.metrics.evaluator import Evaluator, build_evaluator, default_n_samples
from ganbench.train.config import OptimizerConfig, TrainConfig
from ganbench.train.networks import Discriminator, Generator
from ganbench.validation import resolve


@dataclass
class TrainSetup:
    """Everything the trainer needs, built and ready: S seeds of one configuration."""

    config: TrainConfig
    device: torch.device
    dataset: Dataset
    loss: Loss
    schedule: Schedule
    generator: Generator
    discriminator: Discriminator
    g_optimizer: torch.optim.Optimizer
    d_optimizer: torch.optim.Optimizer
    streams: Streams  # per-seed data, noise and penalty randomness
    eval_noise: torch.Tensor  # (S, N_eval, z_dim): a fixed noise batch per seed for evaluation

    @property
    def n_seeds(self) -> int:
        return len(self.config.seeds)

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


def make_optimizer(params, cfg: OptimizerConfig) -> torch.optim.Optimizer:
    """The torch optimizer named by ``cfg`` over ``params``."""
    if cfg.name == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    if cfg.name == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)


def build(config: TrainConfig, where: str = "configuration") -> TrainSetup:
    """Resolve components, check they fit together, and build networks and optimizers."""
    device = resolve_device(config.device)
    dataset_cls, dataset_params = resolve(registry.datasets, config.dataset, "dataset", where)
    loss_cls, loss_params = resolve(registry.losses, config.loss, "loss", where)
    schedule_cls, schedule_params = resolve(registry.schedules, config.schedule, "schedule", where)

    dataset = dataset_cls(dataset_params, device)
    loss = loss_cls(loss_params)
    context = ScheduleContext(len(config.seeds), dataset.steps_per_epoch(config.batch_size))
    schedule = schedule_cls(schedule_params, context)

    # Seed s initialises G, then D, from its own CPU generator: identical networks on every device.
    inits = [torch.Generator().manual_seed(derive_seed(s, "init")) for s in config.seeds]
    generator = Generator(inits, config.z_dim, dataset.dim, config.generator, dataset.bounded).to(device)
    discriminator = Discriminator(inits, dataset.dim, config.discriminator).to(device)

    eval_streams = make_streams(config.streams, config.seeds, "eval", device)
    n_eval = config.eval_samples or default_n_samples(dataset)
    return TrainSetup(
        config=config,
        device=device,
        dataset=dataset,
        loss=loss,
        schedule=schedule,
        generator=generator,
        discriminator=discriminator,
        g_optimizer=make_optimizer(generator.parameters(), config.g_optimizer),
        d_optimizer=make_optimizer(discriminator.parameters(), config.d_optimizer),
        streams=make_streams(config.streams, config.seeds, "train", device),
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
