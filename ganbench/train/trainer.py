"""The training loop: S seeds of one configuration in lockstep, as one batched model.

It knows nothing of MLflow or Optuna: it reports through ``log`` (a :class:`LogRecord` callback),
asks ``should_stop`` whether to end early, and calls ``evaluate`` at evaluation points.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor

from ganbench.contracts import ScheduleState
from ganbench.train.build import TrainSetup
from ganbench.train.records import LogFn, LogRecord
from ganbench.train.updates import d_update, g_update, joint_update

Evaluate = Callable[[Tensor], dict[str, Tensor]]


@dataclass
class TrainResult:
    """How each seed's run ended. Arrays have shape (S,), in the order of ``seeds``."""

    seeds: list[int]
    g_updates: np.ndarray
    d_updates: np.ndarray
    g_grad_evals: np.ndarray  # gradient evaluations spent, applied or not (a diverging step counts)
    d_grad_evals: np.ndarray
    diverged_at: np.ndarray  # generator update at which the seed diverged, −1 if it did not
    last_train: dict[str, np.ndarray] = field(default_factory=dict)  # latest training statistics
    last_eval: dict[str, np.ndarray] = field(default_factory=dict)  # metrics at the final evaluation
    ticks: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0


class Meter:
    """Running per-seed means of step statistics between two reports (kept on the device)."""

    def __init__(self) -> None:
        self.sums: dict[str, Tensor] = {}
        self.counts: dict[str, Tensor] = {}

    def add(self, stats: dict[str, Tensor], mask: Tensor) -> None:
        for name, value in stats.items():
            m = mask.to(value.device)
            self.sums[name] = self.sums.get(name, 0) + torch.where(m, value.double(), 0.0)
            self.counts[name] = self.counts.get(name, 0) + m.double()

    def flush(self) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
        if not self.sums:
            return None
        sums = torch.stack(list(self.sums.values())).cpu().numpy()
        counts = torch.stack(list(self.counts.values())).cpu().numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            means = {name: sums[i] / counts[i] for i, name in enumerate(self.sums)}
        seen = counts.sum(0) > 0
        self.sums, self.counts = {}, {}
        return means, seen


def train(
    setup: TrainSetup,
    log: LogFn | None = None,
    evaluate: Evaluate | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> TrainResult:
    """Train every seed of ``setup`` for ``config.g_steps`` generator updates (or until it diverges)."""
    cfg, n = setup.config, setup.n_seeds
    log = log or (lambda record: None)
    g_updates, d_updates = torch.zeros(n, dtype=torch.long), torch.zeros(n, dtype=torch.long)
    g_evals, d_evals = torch.zeros(n, dtype=torch.long), torch.zeros(n, dtype=torch.long)
    diverged_at = torch.full((n,), -1, dtype=torch.long)
    running = torch.ones(n, dtype=torch.bool)  # (1) a seed stops when it diverges or spends its budget
    acc_real, acc_fake = torch.full((n,), float("nan")), torch.full((n,), float("nan"))
    counts = [np.zeros(n, np.int64) for _ in range(4)]
    meter, result = Meter(), TrainResult(cfg.seeds, *counts, diverged_at=np.full(n, -1))
    started, tick = time.perf_counter(), 0

    while running.any():
        if should_stop is not None and should_stop():
            result.interrupted = True
            break
        # (2) The schedule decides, per seed, who moves this tick.
        state = ScheduleState(tick, g_updates.clone(), d_updates.clone(), (acc_real + acc_fake) / 2)
        step = setup.schedule.next_step(state)
        d_mask, g_mask = step.d & running, step.g & running
        ok_d, ok_g = torch.zeros(n, dtype=torch.bool), torch.zeros(n, dtype=torch.bool)
        d_stats: dict[str, Tensor] = {}
        if step.joint:
            ok_d, ok_g, d_stats = joint_update(setup, d_mask, g_mask)
            meter.add(d_stats, ok_d & ok_g)
        else:
            if d_mask.any():
                ok_d, d_stats = d_update(setup, d_mask)
                meter.add(d_stats, ok_d)
            if g_mask.any():
                ok_g, g_stats = g_update(setup, g_mask)
                acc_fake = torch.where(ok_g, g_stats.pop("g_acc_fake").cpu(), acc_fake)
                meter.add(g_stats, ok_g)
        if d_stats:  # the schedule sees the discriminator's latest accuracy
            acc_real = torch.where(ok_d, d_stats["d_acc_real"].cpu(), acc_real)
            acc_fake = torch.where(ok_d, d_stats["d_acc_fake"].cpu(), acc_fake)

        # (3) A non-finite objective freezes that seed where it stands; the others go on.
        newly_diverged = (d_mask & ~ok_d) | (g_mask & ~ok_g)
        diverged_at[newly_diverged] = g_updates[newly_diverged]
        running &= ~newly_diverged
        d_evals += d_mask
        g_evals += g_mask
        d_updates += ok_d
        g_updates += ok_g

        # (4) Evaluation points: every eval_every generator updates, and when the budget is spent.
        due = ok_g & ((g_updates % cfg.eval_every == 0) | (g_updates >= cfg.g_steps))
        running &= g_updates < cfg.g_steps
        tick += 1
        if tick % cfg.log_every == 0 or not running.any() or due.any():
            _report_train(meter, g_updates, log, result)
        if due.any():
            _report_eval(setup, due, g_updates, evaluate, log, result)

    _report_train(meter, g_updates, log, result)
    result.g_updates, result.d_updates = g_updates.numpy(), d_updates.numpy()
    result.g_grad_evals, result.d_grad_evals = g_evals.numpy(), d_evals.numpy()
    result.diverged_at, result.ticks = diverged_at.numpy(), tick
    result.seconds = time.perf_counter() - started
    return result


def _report_train(meter: Meter, g_updates: Tensor, log: LogFn, result: TrainResult) -> None:
    flushed = meter.flush()
    if flushed is None:
        return
    values, seen = flushed
    log(LogRecord("train", g_updates.numpy().copy(), values, seen))
    for name, v in values.items():
        cur = result.last_train.setdefault(name, np.full(len(seen), np.nan))
        cur[seen] = v[seen]


@torch.no_grad()
def _report_eval(
    setup: TrainSetup,
    due: Tensor,
    g_updates: Tensor,
    evaluate: Evaluate | None,
    log: LogFn,
    result: TrainResult,
) -> None:
    samples = setup.generator(setup.eval_noise)
    values: dict[str, np.ndarray] = {}
    if evaluate is not None:
        values = {k: v.detach().double().cpu().numpy() for k, v in evaluate(samples).items()}
    active = due.numpy().copy()
    log(LogRecord("eval", g_updates.numpy().copy(), values, active, samples.cpu()))
    for name, v in values.items():
        cur = result.last_eval.setdefault(name, np.full(len(active), np.nan))
        cur[active] = v[active]
