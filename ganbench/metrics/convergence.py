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
  otherwise it had **converged** (more updates would not have helped). ``converged`` is 1.0 or 0.0.
- which way: ``late_trend`` is +1 (still improving), −1 (**got worse**: r < −``REL_TOL`` and the
  one-sided test of b < 0 gives p < ``ALPHA``, the mirror of the rule above) or 0 (**settled**:
  neither). A run that got worse is converged — more updates would not help — but it is not
  called settled; ``late_from`` and ``late_to`` are the fitted line's values at the window's first
  and last evaluation, in the metric's own units ("Fréchet distance 270 → 768").
- **unknown** (every output NaN) when fewer than ``WINDOW`` evaluations were made or any of the last
  ``WINDOW`` is not finite (a diverged seed): a run is never called converged on too little evidence.

A run's verdict (:func:`run_convergence`) tests its main quality metric and, where they were
logged, the high-quality share and the Fréchet distance: modes covered saturates (every ring mode
covered by mid-training while the high-quality share still rises) or sits at 0 on a tiny budget
while samples still get better. The run was still improving when *any* of the tested metrics was,
each at ALPHA; ``late_improvement`` is then the largest r and ``late_improvement_p`` the smallest p.
Which way it went (``late_trend``): **got worse** when any tested metric got worse — even while
another still rose: a run collapsing onto fewer modes sharpens the samples on the modes it keeps —,
else still improving when any improved, else settled. Each named metric's
own ``late_trend/<metric>``, ``late_from/<metric>`` and ``late_to/<metric>`` are kept too, so a
report can say which metric went which way.
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

WINDOW = 4
"""Evaluations the plateau test looks at; a run with fewer has an unknown convergence."""
REL_TOL = 0.02
"""Relative rise of the fitted line over the window below which quality counts as flat."""
ALPHA = 0.05
"""Significance level of the one-sided slope test."""

KEYS = ("converged", "late_improvement", "late_improvement_p", "late_trend")
PER_METRIC = ("late_trend", "late_from", "late_to")
"""Outputs kept per named metric, as ``<output>/<metric>``."""
IMPROVING, SETTLED, WORSE = 1.0, 0.0, -1.0
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
    """``converged`` (1.0, 0.0 or NaN = unknown), ``late_improvement``, ``late_improvement_p``,
    ``late_trend`` (+1, 0, −1), ``late_from`` and ``late_to`` of one run's quality series (evaluation
    steps and values, in step order); see the module docstring."""
    unknown = dict.fromkeys(KEYS + PER_METRIC[1:], math.nan)
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
    # Student's t distribution function from scipy.special (what scipy.stats.t computes with), imported
    # here: scipy.stats would add 0.5 s of CPU to the start of every worker process that runs this test.
    from scipy.special import stdtr

    p = float(stdtr(window - 2, -slope / se)) if se > 0 else noiseless  # P(T ≥ t)
    p_worse = float(stdtr(window - 2, slope / se)) if se > 0 else (0.0 if slope < 0 else 1.0)  # P(T ≤ t)
    level = float(np.abs(q).mean())
    rise = slope * float(t[-1] - t[0])
    r = rise / level if level > 0 else 0.0  # level 0: every value is 0, so is the rise
    improving = r > rel_tol and p < alpha
    worse = r < -rel_tol and p_worse < alpha
    sign = 1.0 if higher_is_better else -1.0  # back to the metric's own units
    ends = [sign * (q.mean() + slope * float(x)) for x in (dt[0], dt[-1])]
    return {
        "converged": float(not improving),
        "late_improvement": r,
        "late_improvement_p": p,
        "late_trend": IMPROVING if improving else WORSE if worse else SETTLED,
        "late_from": ends[0],
        "late_to": ends[1],
    }


def run_convergence(series: list[tuple]) -> dict[str, float]:
    """The plateau test on several quality metrics of one run, ``[((steps, values), higher_is_better,
    name), …]`` (``name`` may be left out): ``converged`` 0 if any is still improving (each at
    ALPHA); ``late_trend`` −1 if any got worse, else +1 if any is still improving, else 0; unknown
    if any is unknown or none is given. Named metrics also
    get their own ``late_trend/<name>``, ``late_from/<name>`` and ``late_to/<name>``."""
    tests = [
        (plateau_test(*item[0], higher_is_better=item[1]), item[2] if len(item) > 2 else None)
        for item in series
    ]
    per_metric = {f"{key}/{name}": test[key] for test, name in tests if name for key in PER_METRIC}
    if not tests or any(math.isnan(t["converged"]) for t, _ in tests):
        return {**dict.fromkeys(KEYS, math.nan), **dict.fromkeys(per_metric, math.nan)}
    trends = [t["late_trend"] for t, _ in tests]
    return {
        "converged": float(all(t["converged"] == 1 for t, _ in tests)),
        "late_improvement": max(t["late_improvement"] for t, _ in tests),
        "late_improvement_p": min(t["late_improvement_p"] for t, _ in tests),
        "late_trend": WORSE if WORSE in trends else IMPROVING if IMPROVING in trends else SETTLED,
        **per_metric,
    }


def trends_of(converged, late_trend=None) -> np.ndarray:
    """Per run, its ``late_trend`` (+1, 0, −1, NaN), taken from ``converged`` (1 → 0, 0 → +1) where a
    run recorded no trend (runs logged before ganbench recorded one: "converged" then may hide a
    run that got worse)."""
    c = np.asarray(converged, dtype=np.float64).reshape(-1)
    derived = np.where(np.isnan(c), np.nan, np.where(c == 1, SETTLED, IMPROVING))
    if late_trend is None:
        return derived
    t = np.asarray(late_trend, dtype=np.float64).reshape(-1)
    return np.where(np.isnan(t), derived, t)


def convergence_counts(converged) -> tuple[int, int, int]:
    """(converged, still improving, unknown) among runs' ``converged`` values (1.0, 0.0, NaN)."""
    values = np.asarray(converged, dtype=np.float64).reshape(-1)
    return int((values == 1).sum()), int((values == 0).sum()), int(np.isnan(values).sum())


def trend_counts(trends) -> tuple[int, int, int, int]:
    """(settled, still improving, got worse, unknown) among runs' ``late_trend`` values."""
    t = np.asarray(trends, dtype=np.float64).reshape(-1)
    return (
        int((t == SETTLED).sum()),
        int((t == IMPROVING).sum()),
        int((t == WORSE).sum()),
        int(np.isnan(t).sum()),
    )


def mostly_improving(trends) -> bool:
    """Whether most runs were still improving at the end (their final values understate them)."""
    settled, improving, worse, unknown = trend_counts(trends)
    return improving > (settled + improving + worse + unknown) / 2


def convergence_note(trends, where: str = "") -> str:
    """One sentence on which way the runs' quality went over their last evaluations (``late_trend``
    values +1, 0, −1, NaN; :func:`trends_of`), saying plainly when most runs had not converged, could
    not be tested, or got worse. ``where`` prefixes it ("on ring, ")."""
    settled, improving, worse, unknown = trend_counts(trends)
    n = settled + improving + worse + unknown
    counts = f"{settled} settled, {improving} still improving, {worse} got worse, {unknown} unknown"
    if improving > n / 2:
        text = (
            f"{where}most runs had NOT converged: {improving} of {n} were still improving at their last "
            f"{WINDOW} evaluations ({counts}), so final values understate what these configurations "
            "reach; a larger budget (g_steps) would compare them better"
        )
    elif unknown > n / 2:
        text = (
            f"{where}convergence is unknown for most runs ({unknown} of {n}): the plateau test needs "
            f"{WINDOW} finite evaluations (evaluate more often: lower eval_every) and a seed that did "
            "not diverge"
        )
    elif worse > n / 2:
        text = (
            f"{where}most runs got WORSE over their last {WINDOW} evaluations ({counts}): their final "
            "values are below what they reached earlier (see the peak-to-final drop); a longer budget "
            "would not help them"
        )
    elif settled <= n / 2:
        text = (
            f"{where}only {settled} of {n} runs had settled ({counts}): final values may not be where "
            "these configurations settle"
        )
    else:
        text = f"{where}{settled} of {n} runs had settled ({counts}; plateau test, last {WINDOW} evaluations)"
    text += "."
    return text[0].upper() + text[1:] if not where else text
