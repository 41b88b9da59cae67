"""Measured costs for a dry run: a few real updates and one evaluation of each distinct setup, timed
on this machine, in one thread as a benchmark worker trains (see ``estimate.py`` for how they add up).

A model of the cost (seconds per seed-tick × network width) was off by 3× for the default networks and
by 8× for the 4 × 400 PacGAN networks on the reference CPU, and knew nothing of GPUs or of how long an
evaluation takes; timing the setup itself is both simpler and right on any machine.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ganbench.experiment.cell_run import reference_samples
from ganbench.train.build import TrainSetup, build, evaluator_for
from ganbench.train.compiled import EAGER, Updates, mode, updates_for
from ganbench.train.config import TrainConfig
from ganbench.train.plots import SampleFigures

# Untimed updates first: lazy allocations, optimizer state, first-call dispatch — and on CUDA the
# recording of each update as a CUDA graph (two eager calls, then the recorded one).
WARMUP = 3
REPEATS = 6  # timed updates of each kind; the median is kept
IMAGE_REPEATS = 3  # timed sample images (after the first, which draws the figure's static part)
IMAGE_TITLE = "minimax + alternating(d_steps=1) on ring: seed 0, 1200 G updates"  # a typical title

# Settings that change what is learnt but not what an update or an evaluation costs, and those an
# evaluation (sampling G, then the metrics) does not depend on.
_NOT_COST = ("g_steps", "eval_every", "log_every", "schedule")
_OPTIMIZER_VALUES = ("lr", "betas", "momentum", "weight_decay")
_NOT_EVALUATION = ("loss", "discriminator", "d_optimizer", "g_optimizer", "batch_size")


@dataclass(frozen=True)
class UpdateCosts:
    """Seconds of one update of every seed of a setup: D alone, G alone, both at once (simultaneous),
    of the final evaluation (sampling and every metric, as the trainer evaluates where the budget is
    spent), and of one seed's sample image (its figure's static part drawn once per model is
    ``image_setup``). ``curve_evaluation``: an evaluation point before the last, where it costs
    less (``curve_samples`` below the evaluation count); None where every point costs the same.
    ``evaluation_setup``: what a run's first evaluation costs once on top (metrics' fixed work on
    the real reference set, e.g. its features and moments), where it was measured apart."""

    d: float
    g: float
    joint: float
    evaluation: float
    image: float = 0.0
    image_setup: float = 0.0
    curve_evaluation: float | None = None
    evaluation_setup: float = 0.0

    def evaluations(self, n: int) -> float:
        """Seconds of a run's ``n`` evaluation points: the last at ``evaluation``, the others at
        ``curve_evaluation``, and the first one's set-up."""
        if n <= 0:
            return 0.0
        earlier = self.evaluation if self.curve_evaluation is None else self.curve_evaluation
        return self.evaluation_setup + self.evaluation + (n - 1) * earlier

    @property
    def full_evaluation(self) -> float:
        """One scoring of the full evaluation count alone, set-up included (a reference draw)."""
        return self.evaluation_setup + self.evaluation - (self.curve_evaluation or 0.0)


@dataclass
class CostTimer:
    """Times each distinct setup once. Configurations that differ only in learning rates, budget or
    schedule share a measurement; ``threads`` is torch's thread count while timing (1: as a worker
    of a multi-worker benchmark on the CPU)."""

    threads: int | None = 1
    clock: Callable[[], float] = time.perf_counter
    _updates: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    _evaluations: dict[str, tuple[float, float | None, float]] = field(default_factory=dict)
    _images: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def measured(self) -> int:
        """Distinct setups whose updates were timed so far."""
        return len(self._updates)

    def costs(self, config: TrainConfig) -> UpdateCosts:
        key, eval_key = cost_key(config), cost_key(config, evaluation=True)
        if key not in self._updates or eval_key not in self._evaluations:
            before = torch.get_num_threads()
            if self.threads:
                torch.set_num_threads(self.threads)
            try:
                setup = build(config)
                if key not in self._updates:
                    self._updates[key] = self._time_updates(setup)
                if eval_key not in self._evaluations:
                    self._evaluations[eval_key] = self._time_evaluations(setup)
                    self._images[eval_key] = self._image_seconds(setup)
            finally:
                torch.set_num_threads(before)
        final, curve, once = self._evaluations[eval_key]
        return UpdateCosts(
            *self._updates[key], final, *self._images[eval_key], curve_evaluation=curve, evaluation_setup=once
        )

    def _time_evaluations(self, setup: TrainSetup) -> tuple[float, float | None, float]:
        """(the final evaluation, an earlier one — None where they cost the same —, the first one's
        set-up), as the trainer runs them: with ``curve_samples`` below the evaluation count an
        earlier point samples and scores that many, the final one samples the full count and scores
        both. The cheap earlier point is timed twice, cold and warm, which separates the set-up;
        without one, the single timed evaluation carries it (every point is then counted cold)."""
        evaluate = evaluator_for(setup)
        n_curve, n_all = setup.config.curve_samples, setup.eval_noise.shape[1]
        if n_curve is None or n_curve >= n_all:
            return self._median(setup, lambda: evaluate(setup.eval_samples()), warmup=0, repeats=1), None, 0.0

        def final() -> None:
            samples = setup.eval_samples()
            evaluate(samples[:, :n_curve])
            evaluate(samples)

        cold = self._median(setup, lambda: evaluate(setup.eval_samples(n_curve)), warmup=0, repeats=1)
        curve = self._median(setup, lambda: evaluate(setup.eval_samples(n_curve)), warmup=0, repeats=1)
        return self._median(setup, final, warmup=0, repeats=1), curve, max(0.0, cold - curve)

    def _image_seconds(self, setup: TrainSetup) -> tuple[float, float]:
        """(one sample image, the first one's extra set-up), drawn as the trainer draws them."""
        figures = SampleFigures(setup.dataset, reference_samples(setup))
        samples = setup.eval_samples()[0, :2500].detach().cpu()
        with tempfile.TemporaryDirectory() as tmp:
            times = []
            for i in range(1 + IMAGE_REPEATS):
                start = self.clock()
                figures.save(samples, Path(tmp) / f"{i}.png", IMAGE_TITLE, "seed 0")
                times.append(self.clock() - start)
        each = sorted(times[1:])[len(times[1:]) // 2]
        return each, max(0.0, times[0] - each)

    def _time_updates(self, setup: TrainSetup) -> tuple[float, float, float]:
        every = torch.ones(setup.n_seeds, dtype=torch.bool, device=setup.device)
        up = _as_trained(setup)
        return (
            self._median(setup, lambda: up.d(setup, every)),
            self._median(setup, lambda: up.g(setup, every)),
            self._median(setup, lambda: up.joint(setup, every, every)),
        )

    def _median(
        self, setup: TrainSetup, work: Callable[[], Any], warmup: int = WARMUP, repeats: int = REPEATS
    ) -> float:
        for _ in range(warmup):
            work()
        times = []
        for _ in range(repeats):
            _sync(setup.device)
            start = self.clock()
            work()
            _sync(setup.device)
            times.append(self.clock() - start)
        return sorted(times)[len(times) // 2]


def cost_key(config: TrainConfig, evaluation: bool = False) -> str:
    """The settings an update's (or with ``evaluation``, an evaluation's) cost depends on, as a
    string: the number of seeds but not which, optimizer names but not their values, no budget, no
    schedule."""
    raw = config.model_dump(mode="json", exclude=set(_NOT_COST + (_NOT_EVALUATION if evaluation else ())))
    raw["seeds"] = len(config.seeds)
    for player in ("g_optimizer", "d_optimizer"):
        if player in raw:
            raw[player] = {k: v for k, v in raw[player].items() if k not in _OPTIMIZER_VALUES}
    return repr(sorted(raw.items()))


def _as_trained(setup: TrainSetup) -> Updates:
    """The updates as the trainer runs them where that costs nothing to set up — replayed CUDA graphs
    (the GPU's default) — else eager (a dry run does not compile: ``compile: on`` is timed eagerly)."""
    return updates_for(setup) if mode(setup.config.compile, setup.device) == "graphs" else EAGER


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
