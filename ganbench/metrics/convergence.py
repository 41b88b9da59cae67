"""Whether a run's quality was still improving when its budget ran out: a plateau test over the last
evaluations of its quality metrics.

The rule. Take the last ``WINDOW`` = 4 evaluations (t_i, q_i) of the quality metric, with q turned
so that higher is better (−q for a Fréchet distance), and fit a least-squares line q ≈ a + b·t.

- ``late_improvement`` r = b·(t_last − t_first) / mean|q| — how much the fitted line rose over the
  window, relative to the metric's level (0.25: a quarter better at the end of the window than at its
  start; negative: getting worse);
- ``late_improvement_p`` = the one-sided p-value of b > 0 (t-test of the slope, k − 2 = 2 degrees of
  freedom; 0 for a noiseless rise, 1 for a noiseless fall or a flat line);
- the run was **still improving** when r > ``REL_TOL`` (2 %) *and* p < ``ALPHA`` (0.05): the rise is
  both large enough to matter and larger than the scatter of the points around the line;
  otherwise it had **converged** (plateaued, or getting worse — more updates would not have helped).
  ``converged`` is 1.0 or 0.0.
- **unknown** (every output NaN) when fewer than ``WINDOW`` evaluations were made or any of the last
  ``WINDOW`` is not finite (a diverged seed): a run is never called converged on too little evidence.

A run's verdict (:func:`run_convergence`) tests its main quality metric and, where they were
logged, the high-quality share and the Fréchet distance: modes covered saturates (every ring mode
covered by mid-training while the high-quality share still rises) or sits at 0 on a tiny budget
while samples still get better. The run was still improving when *any* of the tested metrics was,
each at ALPHA; ``late_improvement`` is then the largest r and ``late_improvement_p`` the smallest p.
No multiplicity correction, on purpose: a false "still improving" (train longer) costs less than a
false "converged", and with four points a Bonferroni-corrected test missed runs whose high-quality
share doubled over the window. The price: a run flat on all three metrics, with noise above the
2 % tolerance, is called improving by chance up to 1 − 0.95³ ≈ 14 % of the time (less when the
metrics move together).

Limits. Four points give the slope test little power: a slow or noisy rise (r a few per cent, within
the seed-to-seed noise of the metric) reads as converged, so "converged" means "no clear improvement
over the last four evaluations", not proof of a plateau. The window spans whatever the eval cadence
makes it (``eval_every`` × 3 generator updates): with a cadence much finer than the training
dynamics, four evaluations are a short stretch of a still-rising curve. A metric that saturates (all
8 ring modes covered) is flat, hence converged, which is right: it cannot improve (the other
metrics tested still can). Integer metrics (modes covered) and metrics near 0 (a reverse KL)
make the relative tolerance coarse or strict.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

WINDOW = 4
"""Evaluations the plateau test looks at; a run with fewer has an unknown convergence."""
REL_TOL = 0.02
"""Relative rise of the fitted line over the window below which quality counts as flat."""
ALPHA = 0.05
"""Significance level of the one-sided slope test."""

KEYS = ("converged", "late_improvement", "late_improvement_p")
ALSO_TESTED = {"modes/high_quality": True, "frechet/fd": False}
"""Quality metrics tested besides a run's primary one, where logged, with their direction (higher is
better?)."""


def plateau_test(
    steps: np.ndarray,
    values: np.ndarray,
    higher_is_better: bool = True,
    window: int = WINDOW,
    rel_tol: float = REL_TOL,
    alpha: float = ALPHA,
) -> dict[str, float]:
    """``converged`` (1.0, 0.0 or NaN = unknown), ``late_improvement`` and ``late_improvement_p`` of
    one run's quality series (evaluation steps and values, in step order); see the module docstring."""
    unknown = dict.fromkeys(KEYS, math.nan)
    if window < 3:
        raise ValueError(f"the plateau test needs a window of at least 3 evaluations, got {window}")
    t = np.asarray(steps, dtype=np.float64)[-window:]
    q = np.asarray(values, dtype=np.float64)[-window:]
    if len(q) < window or not np.isfinite(q).all():
        return unknown
    q = q if higher_is_better else -q
    dt = t - t.mean()
    sxx = float(dt @ dt)
    if sxx == 0:
        return unknown
    slope = float(dt @ (q - q.mean())) / sxx
    residuals = q - q.mean() - slope * dt
    se = math.sqrt(float(residuals @ residuals) / (window - 2) / sxx)
    noiseless = 0.0 if slope > 0 else 1.0  # a perfect line: certain of its direction
    p = float(stats.t.sf(slope / se, df=window - 2)) if se > 0 else noiseless
    level = float(np.abs(q).mean())
    rise = slope * float(t[-1] - t[0])
    r = rise / level if level > 0 else 0.0  # level 0: every value is 0, so is the rise
    improving = r > rel_tol and p < alpha
    return {"converged": float(not improving), "late_improvement": r, "late_improvement_p": p}


def run_convergence(series: list[tuple[tuple[np.ndarray, np.ndarray], bool]]) -> dict[str, float]:
    """The plateau test on several quality metrics of one run, ``[((steps, values), higher_is_better),
    …]``: still improving if any is (each at ALPHA), unknown if any is unknown or none is given."""
    tests = [plateau_test(*s, higher_is_better=h) for s, h in series]
    if not tests or any(math.isnan(t["converged"]) for t in tests):
        return dict.fromkeys(KEYS, math.nan)
    return {
        "converged": float(all(t["converged"] == 1 for t in tests)),
        "late_improvement": max(t["late_improvement"] for t in tests),
        "late_improvement_p": min(t["late_improvement_p"] for t in tests),
    }


def convergence_counts(converged) -> tuple[int, int, int]:
    """(converged, still improving, unknown) among runs' ``converged`` values (1.0, 0.0, NaN)."""
    values = np.asarray(converged, dtype=np.float64).reshape(-1)
    return int((values == 1).sum()), int((values == 0).sum()), int(np.isnan(values).sum())


def convergence_note(converged, where: str = "") -> str:
    """One sentence on the runs' convergence (``converged`` values 1.0, 0.0, NaN), saying plainly when
    most runs had not converged or could not be tested. ``where`` prefixes it ("on ring, ")."""
    done, improving, unknown = convergence_counts(converged)
    n = done + improving + unknown
    if improving > n / 2:
        text = (
            f"{where}most runs had NOT converged: {improving} of {n} were still improving at their last "
            f"{WINDOW} evaluations, so final values understate what these configurations reach; "
            "a larger budget (g_steps) would compare them better."
        )
    elif unknown > n / 2:
        text = (
            f"{where}convergence is unknown for most runs ({unknown} of {n}): the plateau test needs "
            f"{WINDOW} finite evaluations (evaluate more often: lower eval_every) and a seed that did "
            "not diverge."
        )
    elif done <= n / 2:
        text = (
            f"{where}only {done} of {n} runs had converged ({improving} still improving, {unknown} "
            f"unknown): final values may understate what these configurations reach."
        )
    else:
        text = (
            f"{where}{done} of {n} runs had converged, {improving} still improving, {unknown} "
            f"unknown (plateau test over the last {WINDOW} evaluations)."
        )
    return text[0].upper() + text[1:] if not where else text
