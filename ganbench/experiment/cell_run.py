"""Train one cell of an experiment (in a worker process) and hand back everything tracking needs.

The worker never talks to MLflow: while it trains it streams each log record to the parent (a
``stream`` callback, or across processes the queue :func:`set_outbox` installs), and at the end it
returns numbers and writes artifact files into a folder the parent logs from, so a single process
writes the tracking store (SQLite has one writer at a time).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from ganbench import registry
from ganbench.metrics.convergence import ALSO_TESTED
from ganbench.metrics.counts_file import write_counts
from ganbench.metrics.stability import DIVERGENCE_BOUND, SAMPLE_BOUND_FACTOR, seed_stability
from ganbench.train.build import build_population, evaluator_for
from ganbench.train.config import TrainConfig
from ganbench.train.records import History, LogRecord
from ganbench.train.trainer import TrainResult, train

if TYPE_CHECKING:
    from ganbench.train.plots import SampleFigures

TRAIN_CURVES = ("d_loss", "g_loss", "d_acc_real", "d_acc_fake", "grad_norm_d", "grad_norm_g", "penalty")


@dataclass(frozen=True)
class CellTask:
    """What a worker needs: plain data only (it crosses a process boundary)."""

    config: dict[str, Any]  # TrainConfig as JSON, seeds = the seeds still to run
    out_dir: str  # artifacts go to out_dir/seed-<s>/
    sample_images: str = "every_eval"  # every_eval | final | none
    label: str = ""  # the cell's label, for sample image titles (default: loss + schedule names)
    divergence_bound: float = DIVERGENCE_BOUND  # |loss|, gradient norm or sample magnitude that diverges


@dataclass
class SeedOutcome:
    """One seed's results: curves, summaries and artifact files."""

    seed: int
    curves: dict[str, tuple[np.ndarray, np.ndarray]]  # name → (steps, values)
    final: dict[str, float]  # counts, final eval metrics, stability summary
    diverged_at: int
    artifacts: list[str] = field(default_factory=list)
    diverged_reason: str = ""  # what diverged, in words (empty when it did not)


@dataclass
class CellOutcome:
    """A trained cell."""

    seeds: list[SeedOutcome]
    seconds: float
    device: str
    primary: str | None  # the main quality metric (for stability and summaries)
    plugin_sources: dict[str, str]
    interrupted: bool = False
    population: int = 1  # cells trained together in one batched model (``seconds`` is shared)
    feature_spaces: dict[str, str] = field(default_factory=dict)  # metric → the space it compares in


#: Where a pool worker streams its log records (set by :func:`set_outbox`), None elsewhere.
_outbox: Any = None
Stream = Callable[[int, list[int], LogRecord], None]
"""(cell index in the population, the cell's seeds, the record restricted to them) at each log point."""


def set_outbox(outbox: Any) -> None:
    """In a pool worker (see :mod:`ganbench.executor.processes`): the queue that
    :func:`stream_cells` streams log records into."""
    global _outbox
    _outbox = outbox


def run_cell(
    task: CellTask,
    on_eval: Callable[[LogRecord], bool] | None = None,
    stream: Callable[[list[int], LogRecord], None] | None = None,
) -> CellOutcome:
    """Build, train with evaluation, and summarise every seed of ``task``.

    ``on_eval`` sees each evaluation record and returns True to end training there (tuning prunes a
    trial this way); the outcome then says ``interrupted``. ``stream`` sees every record with the
    cell's seeds."""
    sink = None if stream is None else lambda k, seeds, record: stream(seeds, record)
    return run_cells([task], [on_eval], stream=sink)[0]


def stream_cells(tasks: list[CellTask], token: int) -> list[CellOutcome]:
    """:func:`run_cells` in a pool worker, streaming every log record into the queue that
    :func:`set_outbox` installed as ``("record", token, cell index, seeds, record)`` and, once
    training is over, ``("end", token)``."""

    def send(k: int, seeds: list[int], record: LogRecord) -> None:
        _outbox.put(("record", token, k, seeds, record))

    try:
        return run_cells(tasks, stream=send if _outbox is not None else None)
    finally:
        if _outbox is not None:
            _outbox.put(("end", token))


def run_cells(
    tasks: list[CellTask],
    on_eval: list[Callable[[LogRecord], bool] | None] | None = None,
    stream: Stream | None = None,
) -> list[CellOutcome]:
    """Train the cells of ``tasks`` — configurations that differ at most in batchable settings —
    as one population (one batched model), and hand back one outcome per cell, exactly as if each
    had trained alone.

    ``on_eval[k]`` sees cell k's part of each evaluation record (its members only) and returns True
    to end that cell there; the other cells go on. ``stream`` sees every record, cell by cell."""
    cfgs = [TrainConfig.model_validate(t.config) for t in tasks]
    setup = build_population(cfgs)
    evaluator = evaluator_for(setup)
    history = History(setup.n_seeds)
    real = reference_samples(setup)
    from ganbench.train.plots import SampleFigures  # local import: matplotlib is slow to import

    figures = SampleFigures(setup.dataset, real)
    owner = np.asarray(setup.member_config)
    members = [owner == k for k in range(len(tasks))]
    hooks = on_eval or [None] * len(tasks)
    ending = np.zeros(setup.n_seeds, dtype=bool)
    seeds_of = [[int(setup.seeds[i]) for i in np.flatnonzero(mine)] for mine in members]
    bound = sample_bound(min(t.divergence_bound for t in tasks), real)
    blown = np.full(setup.n_seeds, -1, dtype=np.int64)  # first evaluation with |sample| ≥ bound
    counts = LatestCounts(setup.n_seeds)  # each member's histograms at its latest evaluation

    def log(record: LogRecord) -> None:
        history(record)
        if stream is not None:
            for k, mine in enumerate(members):
                if (record.active & mine).any():
                    stream(k, seeds_of[k], _part(record, mine))
        if record.kind != "eval":
            return
        n = record.samples.shape[1] if record.samples is not None else evaluator.n_samples
        counts.keep(evaluator.histograms, setup.rows, record, n)
        if record.samples is not None:
            big = samples_reach(record.samples, bound)
            newly = big & record.active & (blown < 0)
            blown[newly] = record.step[newly]
        for task, mine, hook in zip(tasks, members, hooks, strict=True):
            if task.sample_images == "every_eval":
                out = Path(task.out_dir)
                _save_images(figures, setup, record, out, final=False, only=mine, label=task.label)
            if hook is not None and (record.active & mine).any() and hook(_part(record, mine)):
                ending[mine] = True

    result = train(
        setup,
        log=log,
        evaluate=evaluator,
        stop_members=lambda: ending.copy() if ending.any() else None,
    )
    outcomes = []
    for k, (task, mine) in enumerate(zip(tasks, members, strict=True)):
        seeds = [
            _seed_outcome(
                setup, result, history, evaluator.primary, i, task, real, figures, int(blown[i]), counts
            )
            for i in np.flatnonzero(mine)
        ]
        cfg = setup.configs[k]
        outcomes.append(
            CellOutcome(
                seeds=seeds,
                seconds=result.seconds,
                device=str(setup.device),
                primary=evaluator.primary,
                plugin_sources={
                    "dataset": registry.datasets.entry(cfg.dataset.name).origin,
                    "loss": registry.losses.entry(cfg.loss.name).origin,
                    "schedule": registry.schedules.entry(cfg.schedule.name).origin,
                },
                interrupted=result.interrupted or bool(result.stopped[mine].any()),
                population=len(tasks),
                feature_spaces=evaluator.feature_spaces(),
            )
        )
    return outcomes


class LatestCounts:
    """Each member's histograms (:attr:`Evaluator.histograms`: samples per mode) at its latest
    evaluation, written beside its other artifacts when it ends (:mod:`ganbench.metrics.counts_file`)."""

    def __init__(self, members: int) -> None:
        self.members = members
        self.counts: dict[str, np.ndarray] = {}  # metric → (members, K)
        self.step = np.full(members, -1, dtype=np.int64)
        self.samples = np.zeros(members, dtype=np.int64)

    def keep(self, histograms: dict[str, torch.Tensor], rows: np.ndarray, record: LogRecord, n: int) -> None:
        """Take the histograms of the evaluation just made (rows: the model's current members,
        ``histograms``' rows) for the members ``record`` speaks for."""
        here = record.active[rows]
        members = rows[here]
        for name, h in histograms.items():
            cur = self.counts.setdefault(name, np.full((self.members, h.shape[1]), np.nan))
            cur[members] = h.numpy()[here]
        if histograms:
            self.step[members] = record.step[members]
            self.samples[members] = n

    def write(self, i: int, folder: Path) -> None:
        """Member ``i``'s latest finite histograms as ``<metric>_counts.json`` in ``folder``."""
        for name, counts in self.counts.items():
            if self.step[i] >= 0 and np.isfinite(counts[i]).all():
                write_counts(folder, name, counts[i], int(self.step[i]), int(self.samples[i]))


def _part(record: LogRecord, mine: np.ndarray) -> LogRecord:
    """The members ``mine`` of a record, as a record of their own (no samples)."""
    return LogRecord(
        record.kind, record.step[mine], {k: v[mine] for k, v in record.values.items()}, record.active[mine]
    )


def sample_bound(divergence_bound: float, real: torch.Tensor) -> float:
    """The magnitude at which generated samples count as diverged: ``divergence_bound``, or
    :data:`SAMPLE_BOUND_FACTOR` times the largest magnitude of the real samples ``real``, whichever is
    lower (data that is all zeros keeps ``divergence_bound``)."""
    scale = float(real.abs().max()) if real.numel() else 0.0
    return min(divergence_bound, SAMPLE_BOUND_FACTOR * scale) if scale > 0 else divergence_bound


def samples_reach(samples: torch.Tensor, bound: float) -> np.ndarray:
    """Per member: does any of its samples (S, n, …) reach ``bound`` in magnitude?"""
    return samples.flatten(1).abs().amax(1).numpy() >= bound


def reference_samples(setup) -> torch.Tensor:
    """Real samples drawn once per cell (a fixed generator): what metrics and bounds compare with."""
    gen = torch.Generator(device=setup.device).manual_seed(12345)
    return setup.dataset.sample(min(2500, setup.eval_noise.shape[1]), gen).cpu()


def _seed_dir(out: Path, seed: int) -> Path:
    path = out / f"seed-{seed}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _save_images(
    figures: SampleFigures,
    setup,
    record: LogRecord,
    out: Path,
    final: bool,
    only: np.ndarray | None = None,
    label: str = "",
) -> None:
    """One PNG per active member's seed (``figures``: the model's :class:`SampleFigures`)."""
    active = record.active if only is None else record.active & only
    for i in np.flatnonzero(active):
        cfg = setup.configs[setup.member_config[i]]
        seed, step = setup.seeds[i], int(record.step[i])
        when = "final" if final else f"{step} G updates"
        what = label or f"{cfg.loss.name} + {cfg.schedule.name}"
        title = f"{what} on {cfg.dataset.name}: seed {seed}, {when}"
        name = "samples_final.png" if final else f"samples_step{step:07d}.png"
        figures.save(record.samples[i, :2500], _seed_dir(out, seed) / name, title, f"seed {seed}")


def _seed_outcome(
    setup,
    result: TrainResult,
    history: History,
    primary: str | None,
    i: int,
    task: CellTask,
    real: torch.Tensor,
    figures: SampleFigures,
    samples_blown_at: int = -1,
    counts: LatestCounts | None = None,
) -> SeedOutcome:
    out = Path(task.out_dir)
    seed = setup.seeds[i]
    curves = {name: history.series("train", name, i) for name in TRAIN_CURVES}
    eval_names = sorted({n for r in history.records if r.kind == "eval" for n in r.values})
    curves.update({name: history.series("eval", name, i) for name in eval_names})
    curves = {k: v for k, v in curves.items() if len(v[0])}
    trainer_diverged_at = int(result.diverged_at[i])
    stability = seed_stability(
        curves.get(primary) if primary else None,
        higher_is_better=_higher_is_better(primary),
        d_acc_real=curves.get("d_acc_real"),
        d_acc_fake=curves.get("d_acc_fake"),
        grad_norm_d=curves.get("grad_norm_d"),
        grad_norm_g=curves.get("grad_norm_g"),
        watch={k: curves[k] for k in ("d_loss", "g_loss") if k in curves},
        diverged_at=trainer_diverged_at,
        blowup=task.divergence_bound,
        also=[(curves[k], up, k) for k, up in ALSO_TESTED.items() if k in curves and k != primary],
        quality_name=primary,
    )
    limits = (task.divergence_bound, sample_bound(task.divergence_bound, real))
    diverged_at, reason = _divergence(stability, trainer_diverged_at, samples_blown_at, *limits)
    if diverged_at >= 0:  # the samples' bound is the trainer's business, not the series'
        stability.update(diverged=1.0, diverged_step=float(diverged_at))
    final = {
        "g_updates": float(result.g_updates[i]),
        "d_updates": float(result.d_updates[i]),
        "g_grad_evals": float(result.g_grad_evals[i]),
        "d_grad_evals": float(result.d_grad_evals[i]),
        "train_seconds": result.seconds,
        "eval_seconds": result.eval_seconds,
        **{f"final/{k}": float(v[i]) for k, v in result.last_eval.items()},
        **{f"stability/{k}": float(v) for k, v in stability.items()},
    }
    if counts is not None:
        counts.write(i, _seed_dir(out, seed))
    artifacts = _seed_artifacts(setup, i, out, figures, task, diverged=diverged_at >= 0)
    return SeedOutcome(seed, curves, final, diverged_at, artifacts, reason)


def _divergence(
    stability: dict[str, float], trainer_at: int, samples_at: int, bound: float, samples_bound: float
) -> tuple[int, str]:
    """The first generator update at which the seed diverged (−1: never) and what did: the trainer's
    non-finite loss, a watched series (losses, gradient norms, accuracies) reaching ``bound`` in
    magnitude or turning non-finite, or the generated samples reaching ``samples_bound``."""
    found = []
    if trainer_at >= 0:
        found.append((trainer_at, "non-finite loss"))
    if not np.isnan(stability["diverged_step"]):
        what = f"a loss or gradient norm reached {bound:g} or turned non-finite"
        found.append((int(stability["diverged_step"]), what))
    if samples_at >= 0:
        found.append((samples_at, f"generated samples reached magnitude {samples_bound:g}"))
    if not found:
        return -1, ""
    return min(found, key=lambda f: (f[0], f[1] != "non-finite loss"))


def _seed_artifacts(
    setup, i: int, out: Path, figures: SampleFigures, task: CellTask, diverged: bool
) -> list[str]:
    seed = setup.seeds[i]
    folder = _seed_dir(out, seed)
    samples = setup.member_samples(i)  # (a pruned member's: where it stopped)
    np.save(folder / "final_samples.npy", samples[0].numpy())
    # Weights of this seed alone, loadable into a one-seed Generator (leading axis of size 1).
    torch.save(setup.member_weights(i), folder / "generator.pt")
    if task.sample_images != "none" and (task.sample_images == "final" or diverged):
        all_samples = torch.zeros(setup.n_seeds, *samples.shape[1:])
        all_samples[i] = samples[0]
        active = np.arange(setup.n_seeds) == i
        steps = np.full(setup.n_seeds, int(setup.config.g_steps) if not diverged else -1)
        record = LogRecord("eval", steps, {}, active, all_samples)
        _save_images(figures, setup, record, out, final=True, label=task.label)
    return sorted(str(p) for p in folder.iterdir())


def _higher_is_better(primary: str | None) -> bool:
    if not primary:
        return True
    metric = registry.metrics.get(primary.split("/")[0])
    return bool(metric.higher_is_better)


def worker_threads(jobs: int) -> int | None:
    """Threads per worker so workers × threads ≈ cores (None: leave torch's default)."""
    if jobs <= 1:
        return None
    return max(1, (os.cpu_count() or 1) // jobs)
