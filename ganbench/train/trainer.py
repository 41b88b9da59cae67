"""The training loop: S members — seeds of one configuration, or (configuration, seed) pairs of a
population — in lockstep, as one batched model.

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
from ganbench.train.compiled import updates_for
from ganbench.train.host import MaskCache
from ganbench.train.meter import HOLD_TICKS, Meter, Tally
from ganbench.train.mixed_loss import MixedLoss
from ganbench.train.records import LogFn, LogRecord

Evaluate = Callable[[Tensor], dict[str, Tensor]]


@dataclass
class TrainResult:
    """How each member's run ended. Arrays have shape (S,), in the order of ``seeds``."""

    seeds: list[int]
    g_updates: np.ndarray
    d_updates: np.ndarray
    g_grad_evals: np.ndarray  # gradient evaluations spent, applied or not (a diverging step counts)
    d_grad_evals: np.ndarray
    diverged_at: np.ndarray  # generator update at which the seed diverged, −1 if it did not
    last_train: dict[str, np.ndarray] = field(default_factory=dict)  # latest training statistics
    last_eval: dict[str, np.ndarray] = field(default_factory=dict)  # metrics at the final evaluation
    ticks: int = 0
    seconds: float = 0.0  # wall time of the whole loop, evaluations included
    eval_seconds: float = 0.0  # wall time of its evaluation points (samples, metrics, what they log)
    interrupted: bool = False
    stopped: np.ndarray | None = None  # members ended early by ``stop_members`` (pruned), (S,) bool

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0


def train(
    setup: TrainSetup,
    log: LogFn | None = None,
    evaluate: Evaluate | None = None,
    should_stop: Callable[[], bool] | None = None,
    stop_members: Callable[[], np.ndarray | None] | None = None,
) -> TrainResult:
    """Train every member of ``setup`` for ``config.g_steps`` generator updates (or until it
    diverges). ``should_stop`` ends all of them; ``stop_members``, asked after each evaluation,
    returns a boolean (S,) array of members to end there (a pruned trial) while the rest go on."""
    cfg, n, dev = setup.config, setup.n_seeds, setup.device
    log = log or (lambda record: None)
    on_device = MaskCache(dev)
    per_seed = setup.schedule.per_seed
    reads_accuracy = setup.schedule.reads_accuracy  # else no running accuracy is kept (see Schedule)
    lookahead = cfg.discriminator.unroll  # D gradient evaluations inside each G update (unrolled D)
    updates = updates_for(setup)  # eager, or compiled (``train.compile``)
    torch.set_float32_matmul_precision(cfg.matmul_precision)  # (process-wide: set for every run)

    # (1) Counters, masks and accuracies live on the device; the host reads them only at check
    # points (see (4)). Rows of ``counts``: G updates, D updates, G and D gradient evaluations — one
    # (4, S) tally whose per-tick increments are added when it is read (at a check point, or every
    # tick for a schedule that reads the counts). A seed stops when it diverges (its counts freeze:
    # it diverged at its final G update count) or spends its budget.
    counts = Tally(4, n, dev)
    reads_counts = setup.schedule.reads_counts
    running = torch.ones(n, dtype=torch.bool, device=dev)
    nobody = torch.zeros(n, dtype=torch.bool, device=dev)  # a constant: no tensor built per tick
    acc_real = acc_fake = torch.full((n,), float("nan"), device=dev)
    host_counts = [np.zeros(n, np.int64) for _ in range(4)]
    meter, result = Meter(), TrainResult(setup.seeds, *host_counts, diverged_at=np.full(n, -1))
    # Where only some members' losses have a penalty, its statistic is theirs alone: its own meter
    # and records (the others report none, as each does trained alone).
    penalties = _PenaltyMeter(setup.loss) if isinstance(setup.loss, MixedLoss) else None
    stopped = np.zeros(n, dtype=bool)
    everyone = n  # members at the start; ``n`` shrinks when stopped members leave the model

    def emit(record: LogRecord) -> LogRecord:
        """Log a record of the model's current rows as one of every member."""
        full = _widen(record, setup.rows, everyone)
        log(full)
        return full

    started, tick, next_check = time.perf_counter(), 0, 1
    g_ticks, lockstep_g = 0, True  # G updates asked of every running member; only such so far?

    while True:
        if should_stop is not None and should_stop():
            result.interrupted = True
            break
        # (2) The schedule decides, per seed, who moves this tick. (It gets the counters themselves,
        # not copies: a schedule reads its state and must not keep or modify it.)
        accuracy = (acc_real + acc_fake) / 2 if reads_accuracy else acc_real  # (NaN: not kept)
        now = counts.value if reads_counts else counts.total  # (a schedule that reads none: as it stands)
        state = ScheduleState(tick, now[0], now[1], accuracy)
        step = setup.schedule.next_step(state)
        d_mask, g_mask = on_device.masked(step.d, running, nobody), on_device.masked(step.g, running, nobody)
        ok_d = ok_g = nobody
        d_stats: dict[str, Tensor] = {}
        parts: list[tuple[dict[str, Tensor], Tensor]] = []  # the tick's statistics, metered at once
        if step.joint:
            ok_d, ok_g, d_stats = updates.joint(setup, d_mask, g_mask)
            if penalties is not None:
                penalties.take(d_stats, ok_d & ok_g)
            parts.append((d_stats, ok_d & ok_g))
        else:
            # A player nobody moves is skipped (free to tell on the host for shared decisions). Under
            # per-seed decisions both updates always run, masked: a member's random numbers must not
            # depend on what the members beside it decided (nor on the device).
            if per_seed or on_device.may_any(step.d):
                ok_d, d_stats = updates.d(setup, d_mask)
                if penalties is not None:
                    penalties.take(d_stats, ok_d)
                parts.append((d_stats, ok_d))
            if per_seed or on_device.may_any(step.g):
                ok_g, g_stats = updates.g(setup, g_mask)
                if reads_accuracy:
                    acc_fake = torch.where(ok_g, g_stats.pop("g_acc_fake"), acc_fake)
                parts.append((g_stats, ok_g))
        meter.add_parts(parts)
        if tick % HOLD_TICKS == HOLD_TICKS - 1:  # (a bound on the ticks held; the same ticks alone)
            meter.settle()
            if penalties is not None:
                penalties.meter.settle()
        if d_stats and reads_accuracy:  # the schedule sees the discriminator's latest accuracy
            acc_real = torch.where(ok_d, d_stats["d_acc_real"], acc_real)
            acc_fake = torch.where(ok_d, d_stats["d_acc_fake"], acc_fake)

        if g_mask is not nobody:  # G updates asked of every running member, and only such so far?
            g_ticks, lockstep_g = g_ticks + 1, lockstep_g and g_mask is running

        # (3) A non-finite objective freezes that seed where it stands; the others go on. (ok ⊆ mask,
        # so mask ^ ok is "asked to move and did not"; a failed seed was running, so ^ drops it.)
        asked = [(mask, ok) for mask, ok in ((d_mask, ok_d), (g_mask, ok_g)) if mask is not nobody]
        if asked and all(mask is running for mask, _ in asked):  # every running member was asked:
            running = asked[0][1] if len(asked) == 1 else ok_d & ok_g  # it runs on if it moved
        elif asked:
            failed = None
            for mask, ok in asked:
                failed = mask ^ ok if failed is None else failed | (mask ^ ok)
            running = running ^ failed  # (not in place: a mask may be ``running`` itself)
        if lookahead and g_mask is not nobody:  # an unrolled D's look-ahead steps are D evaluations too
            counts.add(ok_g, ok_d, g_mask, d_mask + lookahead * g_mask)
        else:
            counts.add(ok_g, ok_d, g_mask, d_mask)
        # The budget is exact: a spent seed is masked from now on. While every G update has been
        # asked of all running members (shared decisions), each running member has made exactly
        # ``g_ticks`` of them (one that failed one stopped running), so the host knows when the
        # budget is spent without a kernel a tick.
        if lockstep_g:
            if g_ticks >= cfg.g_steps:
                running = nobody
        elif g_mask is not nobody:
            running = running & (counts.value[0] < cfg.g_steps)
        tick += 1

        # (4) Check points: the host reads the counters only where something can be due.
        if tick < next_check and tick % cfg.log_every != 0:
            continue
        # (numpy from here: what the host works out from what it read launches no kernel)
        g_host, live = _host(counts.value[0]), _host(running)
        # (5) Evaluation points: every eval_every generator updates, and when the budget is spent.
        due = _host(ok_g) & ((g_host % cfg.eval_every == 0) | (g_host >= cfg.g_steps))
        if tick % cfg.log_every == 0 or not live.any() or due.any():
            _report_train(meter, g_host, emit, result)
            if penalties is not None:
                _report_train(penalties.meter, g_host, emit, result)
        if due.any():
            evaluating = time.perf_counter()
            _report_eval(setup, due, g_host, evaluate, emit, result)
            result.eval_seconds += time.perf_counter() - evaluating
            ending = stop_members() if stop_members is not None else None
            leaving = ending[setup.rows] if ending is not None else None
            if leaving is not None and leaving.any():
                # (6) Stopped members (a pruned trial) leave the model: the rest train on without
                # computing them. Their counts are final now.
                stopped[setup.rows] |= leaving & live
                _record_final(result, setup.rows[leaving], counts.value, running, cfg.g_steps, leaving)
                kept = np.flatnonzero(~leaving)
                if not len(kept):
                    break
                rows = torch.as_tensor(kept)
                setup.select(rows)
                at = rows.to(dev)
                running, acc_real, acc_fake = running[at], acc_real[at], acc_fake[at]
                counts.select(at)
                nobody = nobody[at]
                meter.select(at)
                if penalties is not None:
                    penalties.select(at)
                on_device, n = MaskCache(dev), len(kept)
                g_host, live = _host(counts.value[0]), _host(running)
        if not live.any():
            break
        next_check = tick + _ticks_to_next_due(g_host[live], cfg.eval_every, cfg.g_steps)

    if len(setup.rows):
        _report_train(meter, _host(counts.value[0]), emit, result)
        if penalties is not None:
            _report_train(penalties.meter, _host(counts.value[0]), emit, result)
        every = np.ones(len(setup.rows), dtype=bool)
        _record_final(result, setup.rows, counts.value, running, cfg.g_steps, every)
    result.ticks, result.stopped = tick, stopped
    result.seconds = time.perf_counter() - started
    return result


class _PenaltyMeter:
    """The ``penalty`` statistic of a model of several losses where only some have a penalty:
    taken out of a step's statistics and metered for those members only."""

    def __init__(self, loss: MixedLoss) -> None:
        self.loss, self.meter = loss, Meter()

    def take(self, stats: dict[str, Tensor], mask: Tensor) -> None:
        rows = self.loss.penalty_rows
        if rows is not None and "penalty" in stats:
            self.meter.add({"penalty": stats.pop("penalty")}, mask & rows)

    def select(self, rows: Tensor) -> None:
        self.meter.select(rows)  # (the loss selects its own rows with the model's)


def _host(t: Tensor) -> np.ndarray:
    """A device tensor's values on the host (a copy: the device's may change)."""
    return t.cpu().numpy().copy()


def _ticks_to_next_due(g_updates: np.ndarray, eval_every: int, g_steps: int) -> int:
    """Fewest ticks before any running seed can reach an evaluation point or its budget: a seed
    gains at most one generator update per tick, so seed s needs at least
    min(eval_every − g_s mod eval_every, g_steps − g_s) ticks. (All seeds stopping — budget or
    divergence — is noticed at the next check or log point; stopped seeds do nothing meanwhile.)"""
    to_eval = eval_every - g_updates % eval_every
    return int(np.minimum(to_eval, g_steps - g_updates).min())


def _record_final(
    result: TrainResult, members: np.ndarray, counts: Tensor, running: Tensor, g_steps: int, mask
) -> None:
    """Copy the counts (G, D updates and evaluations) of the rows in ``mask`` into ``result`` at
    their members' places, and where each diverged: a member that stopped short of its budget
    diverged, at its final G update count (its counts froze there)."""
    g, d, g_evals, d_evals = counts.cpu().numpy()[:, mask]
    diverged = ~running.cpu().numpy()[mask] & (g < g_steps)
    result.g_updates[members], result.d_updates[members] = g, d
    result.g_grad_evals[members], result.d_grad_evals[members] = g_evals, d_evals
    result.diverged_at[members] = np.where(diverged, g, -1)


def _widen(record: LogRecord, rows: np.ndarray, n: int) -> LogRecord:
    """A record of the model's rows as a record of all ``n`` members (the others inactive)."""
    if len(rows) == n:
        return record
    step = np.zeros(n, dtype=np.int64)
    step[rows] = record.step
    values = {}
    for name, v in record.values.items():
        values[name] = np.full(n, np.nan)
        values[name][rows] = v
    active = np.zeros(n, dtype=bool)
    active[rows] = record.active
    samples = None
    if record.samples is not None:
        samples = torch.zeros(n, *record.samples.shape[1:], dtype=record.samples.dtype)
        samples[torch.as_tensor(rows)] = record.samples
    return LogRecord(record.kind, step, values, active, samples)


def _report_train(
    meter: Meter, g_updates: np.ndarray, emit: Callable[[LogRecord], LogRecord], result: TrainResult
) -> None:
    flushed = meter.flush()
    if flushed is None:
        return
    values, seen = flushed
    full = emit(LogRecord("train", g_updates.copy(), values, seen))
    for name, v in full.values.items():
        cur = result.last_train.setdefault(name, np.full(len(full.active), np.nan))
        cur[full.active] = v[full.active]


@torch.no_grad()
def _report_eval(
    setup: TrainSetup,
    due: np.ndarray,
    g_updates: np.ndarray,
    evaluate: Evaluate | None,
    emit: Callable[[LogRecord], LogRecord],
    result: TrainResult,
) -> None:
    """Evaluate the due members. With ``curve_samples`` below the evaluation count, every point's
    record (the learning curves) scores the first ``curve_samples`` samples of each member, so the
    curves compare like with like; a point where a member spends its budget also draws the full
    count and scores it (evaluated last, so what the evaluator keeps — its histograms — is the full
    count's), and those are the member's final values (``last_eval``)."""
    n_curve, n_all = setup.config.curve_samples, setup.eval_noise.shape[1]
    curves_only = n_curve is not None and n_curve < n_all
    ending = due & (g_updates >= setup.config.g_steps)
    samples = setup.eval_samples(n_curve if curves_only and not ending.any() else None)
    values: dict[str, np.ndarray] = {}
    protocol: dict[str, np.ndarray] = {}
    if evaluate is not None:
        values = _numpy(evaluate(samples[:, :n_curve] if curves_only else samples))
        if curves_only and samples.shape[1] > n_curve:
            protocol = _numpy(evaluate(samples))
    full = emit(LogRecord("eval", g_updates.copy(), values, due.copy(), samples.cpu()))
    final = _widen(LogRecord("eval", full.step[setup.rows], protocol, ending), setup.rows, len(full.active))
    for name, v in full.values.items():
        cur = result.last_eval.setdefault(name, np.full(len(full.active), np.nan))
        cur[full.active] = v[full.active]
        if name in final.values:
            cur[final.active] = final.values[name][final.active]


def _numpy(values: dict[str, Tensor]) -> dict[str, np.ndarray]:
    return {k: v.detach().double().cpu().numpy() for k, v in values.items()}
