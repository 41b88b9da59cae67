"""Stability of one seed's run, read from its trajectory (per-seed series from ``History.series``).

Quantities (NaN where undefined):

- ``diverged`` (1.0/0.0) and ``diverged_step``: the first generator update at which training broke
  down — the trainer's own record (``diverged_at``, −1 for none) or the first step at which a watched
  series (gradient norms, accuracies, ``watch``) is NaN/±inf or reaches ``blowup`` in absolute value,
  whichever comes first. Benchmarks and tuning pass :data:`DIVERGENCE_BOUND` (1e6) as ``blowup`` and
  watch both losses, and also count a seed whose generated samples reach that magnitude — or
  :data:`SAMPLE_BOUND_FACTOR` times the real data's largest magnitude, if lower — as diverged
  (``ganbench.experiment.cell_run``): at a learning rate of 10 the losses of most built-in losses stay
  finite but reach 1e12–1e15, and such a generator is broken, not "finished". The quality series is
  not watched: a metric may be NaN by definition
  (e.g. the mode KL without high-quality samples).
- On the main quality metric q (evaluated at steps t_1 < … < t_n; ``higher_is_better`` gives its
  direction): ``quality_final`` = q_n; ``quality_peak`` and ``quality_peak_step`` = the best value and
  where it was first reached; ``peak_to_final_drop`` = |q_best − q_n|, how much was lost by training
  on past the peak (≥ 0); ``oscillation`` = sample standard deviation (ddof = 1) of q over the last
  quarter of the evaluations (⌈n/4⌉ of them, at least 2); ``converged``, ``late_improvement``,
  ``late_improvement_p`` and ``late_trend``: whether q (or another quality series given as ``also``)
  was still improving, got worse or had settled over its last evaluations
  (:func:`ganbench.metrics.convergence.run_convergence`; NaN = unknown, always for a diverged seed).
- Discriminator accuracy (fractions in [0, 1]; accuracy = mean of the accuracy on real and on fake
  samples, as the schedule sees it): final values on real, fake and both; ``d_acc_late`` = mean of the
  last quarter; ``d_acc_near_half_step`` = first step at which |accuracy − 0.5| ≤ ``near_half``
  (0.05 = within 5 points of 50 %, where a discriminator sits when it cannot tell the generator's
  samples from data — Goodfellow et al. 2014, D* = 1/2 at equilibrium).
- Gradient norms of D and G: mean, median, max and final value over the logged steps (finite ones).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ganbench.metrics.convergence import run_convergence

#: |loss|, gradient norm or sample magnitude at which a run counts as diverged in benchmarks and
#: tuning (an experiment spec's ``divergence_bound`` changes it). Data and losses of working GANs stay
#: orders of magnitude below: built-in datasets lie within ±10, losses within ±100.
DIVERGENCE_BOUND = 1e6
#: Generated samples also diverge where they reach this multiple of the real data's largest
#: magnitude (or ``DIVERGENCE_BOUND``, whichever is lower): a bound in the data's own units, so a ring
#: of radius 1 and a user's data in the thousands are judged alike. No working generator puts a
#: sample 1,000 times farther out than every data point; WGAN with clipping at a learning rate of 10
#: keeps its losses small while its samples on the unit ring run off to ~6e5.
SAMPLE_BOUND_FACTOR = 1e3

Series = tuple[np.ndarray, np.ndarray]
"""(steps, values), two 1-D arrays of equal length in step order, as ``History.series`` returns."""


def _arrays(series: Series | None) -> tuple[np.ndarray, np.ndarray]:
    if series is None:
        return np.zeros(0, np.int64), np.zeros(0)
    steps, values = (np.asarray(a).reshape(-1) for a in series)
    if steps.shape != values.shape:
        raise ValueError(f"steps and values differ in length: {steps.shape} vs {values.shape}")
    return steps, values.astype(np.float64)


def _late(values: np.ndarray) -> np.ndarray:
    """The last quarter of ``values`` (at least two of them when there are two)."""
    n = len(values)
    return values[n - max(min(2, n), math.ceil(n / 4)) :]


def first_divergence(
    series: Mapping[str, Series], diverged_at: int | None = None, blowup: float = math.inf
) -> float:
    """First step where the trainer, or any series (non-finite or |value| ≥ ``blowup``), diverged; else NaN.

    ``diverged_at``: the trainer's record (``TrainResult.diverged_at[seed]``), negative or None for none.
    """
    candidates = [float(diverged_at)] if diverged_at is not None and diverged_at >= 0 else []
    for s in series.values():
        steps, values = _arrays(s)
        bad = ~np.isfinite(values) | (np.abs(values) >= blowup)
        if bad.any():
            candidates.append(float(steps[np.argmax(bad)]))
    return min(candidates) if candidates else math.nan


def quality_summary(quality: Series | None, higher_is_better: bool = True) -> dict[str, float]:
    """Final value, peak (and its step), peak-to-final drop and late oscillation of a quality metric."""
    steps, q = _arrays(quality)
    nan = math.nan
    out = {"quality_final": nan, "quality_peak": nan, "quality_peak_step": nan, "peak_to_final_drop": nan}
    out["oscillation"] = float(np.std(_late(q), ddof=1)) if len(q) >= 2 else nan
    finite = np.isfinite(q)
    if not finite.any():
        if len(q):
            out["quality_final"] = float(q[-1])
        return out
    best = np.nanargmax(q) if higher_is_better else np.nanargmin(q)
    out.update(quality_final=float(q[-1]), quality_peak=float(q[best]), quality_peak_step=float(steps[best]))
    out["peak_to_final_drop"] = abs(float(q[best]) - float(q[-1]))  # NaN if the final value is NaN
    return out


def accuracy_summary(
    d_acc_real: Series | None, d_acc_fake: Series | None, near_half: float = 0.05
) -> dict[str, float]:
    """Discriminator accuracy on real, on fake and overall; when it first came within ``near_half`` of 0.5."""
    s_r, a_r = _arrays(d_acc_real)
    s_f, a_f = _arrays(d_acc_fake)
    steps, i_r, i_f = np.intersect1d(s_r, s_f, return_indices=True)
    acc = (a_r[i_r] + a_f[i_f]) / 2
    near = np.isfinite(acc) & (np.abs(acc - 0.5) <= near_half)
    late = _late(acc)
    return {
        "d_acc_real_final": float(a_r[-1]) if len(a_r) else math.nan,
        "d_acc_fake_final": float(a_f[-1]) if len(a_f) else math.nan,
        "d_acc_final": float(acc[-1]) if len(acc) else math.nan,
        "d_acc_late": float(np.nanmean(late)) if np.isfinite(late).any() else math.nan,
        "d_acc_near_half_step": float(steps[np.argmax(near)]) if near.any() else math.nan,
    }


def grad_norm_summary(series: Series | None, prefix: str) -> dict[str, float]:
    """``{prefix}_mean/_median/_max`` over the finite logged gradient norms, and ``{prefix}_final``."""
    _, v = _arrays(series)
    f = v[np.isfinite(v)]
    stats = {"mean": np.mean, "median": np.median, "max": np.max}
    out = {f"{prefix}_{k}": float(fn(f)) if len(f) else math.nan for k, fn in stats.items()}
    out[f"{prefix}_final"] = float(v[-1]) if len(v) else math.nan
    return out


def seed_stability(
    quality: Series | None = None,
    *,
    higher_is_better: bool = True,
    d_acc_real: Series | None = None,
    d_acc_fake: Series | None = None,
    grad_norm_d: Series | None = None,
    grad_norm_g: Series | None = None,
    watch: Mapping[str, Series] | None = None,
    diverged_at: int | None = None,
    near_half: float = 0.05,
    blowup: float = math.inf,
    also: list[tuple] | None = None,
    quality_name: str | None = None,
) -> dict[str, float]:
    """Every stability quantity of one seed's run (see the module docstring), as floats.

    Arguments, each a ``(steps, values)`` pair for this seed as ``History.series`` returns, or None:

    - ``quality``: the main quality metric from ``"eval"`` records (e.g. ``Evaluator.primary``), with
      ``higher_is_better`` its direction;
    - ``d_acc_real``, ``d_acc_fake``: discriminator accuracy on real and on generated samples from
      ``"train"`` records, fractions in [0, 1];
    - ``grad_norm_d``, ``grad_norm_g``: gradient norms of the two players;
    - ``watch``: further series checked for divergence (losses, say); the accuracy and gradient-norm
      series are checked too, the quality series is not;
    - ``diverged_at``: the trainer's divergence step for this seed (−1 or None: none);
    - ``near_half``: tolerance around 50 % accuracy; ``blowup``: |value| from which a watched series
      counts as diverged (default: only NaN/±inf; benchmarks pass :data:`DIVERGENCE_BOUND`);
    - ``also``: further quality series with their direction and, optionally, name,
      ``[((steps, values), higher_is_better, name)]``, that the convergence test checks besides
      ``quality`` (named ``quality_name``); named series get their own ``late_trend/<name>``,
      ``late_from/<name>`` and ``late_to/<name>``.

    Every key is always present, NaN where undefined.
    """
    named = {"d_acc_real": d_acc_real, "d_acc_fake": d_acc_fake}
    named |= {"grad_norm_d": grad_norm_d, "grad_norm_g": grad_norm_g, **(watch or {})}
    step = first_divergence({k: v for k, v in named.items() if v is not None}, diverged_at, blowup)
    tested = [(_arrays(quality), higher_is_better, quality_name)] if quality is not None else []
    plateau = run_convergence(tested + [(_arrays(item[0]), *item[1:]) for item in also or []])
    if not math.isnan(step):  # a diverged seed's last evaluations say nothing about convergence
        plateau = dict.fromkeys(plateau, math.nan)
    return {
        "diverged": float(not math.isnan(step)),
        "diverged_step": step,
        **quality_summary(quality, higher_is_better),
        **plateau,
        **accuracy_summary(d_acc_real, d_acc_fake, near_half),
        **grad_norm_summary(grad_norm_d, "grad_norm_d"),
        **grad_norm_summary(grad_norm_g, "grad_norm_g"),
    }
