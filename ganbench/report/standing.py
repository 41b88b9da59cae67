"""Which configurations a verdict may credit on one dataset: never a noise-like or a collapsed one.

A configuration that puts every sample on one mode does not oscillate, loses nothing from its peak
and has sharp samples; a structureless cloud matches the ring's mean and covariance, so its Fréchet
distance in 2-D is small. Neither is a good generator. Two rules, applied before any verdict:

- **noise-like**: not better than the uniform-noise reference on the dataset's *sample-quality
  metric* — the high-quality share where it was logged, else the primary metric — by
  :func:`~ganbench.report.reference_rows.beats_noise` (mean better than noise's, and the 95 %
  interval not reaching it), **nor** on modes covered, **nor** on the Fréchet distance (at most half
  of noise's, the interval included: :func:`_far_from_noise`), each where it was logged too: a
  generator that beats noise on any of them has structure noise lacks. (On the 5 × 5 grid at 2,000
  updates most generators put fewer samples within 3σ of a mode than uniform noise does — a blurred
  grid — yet have a Fréchet distance a tenth of noise's; on stacked MNIST a WGAN at 2,000 updates had
  as few sharp samples as noise and a Fréchet distance just over half of noise's, yet covered 744 of
  the 1,000 digit triples where noise covers 10. Neither is noise; both still win no verdict on a
  metric where they are not better than noise.)
  Without reference rows (runs recorded before ganbench scored them) nothing is called noise-like,
  and the report says that it cannot tell.
- **collapsed**: where modes covered was logged, among the configurations that are not noise-like,
  those that the best by modes covered beats (Welch's t-test, Holm-corrected, as a verdict does):
  they cover fewer modes than it. Those it cannot tell from the best are :attr:`Standing.most_modes`.

Verdicts on modes covered may name a collapsed configuration as the loser (that is how collapse
shows); the high-quality verdict picks its best among :attr:`Standing.most_modes`; every other
verdict (stability, loss from the peak, Fréchet distance, precision, recall, …) is drawn only among
the configurations that are neither, and names those it left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ganbench.contracts.report import Verdict
from ganbench.contracts.report_data import ReportData
from ganbench.report.quality import KNOWN, Quality, quality
from ganbench.report.reference_rows import NOISE, beats_noise, references, summarise, value_range
from ganbench.report.stats import number, ranked, with_interval
from ganbench.report.verdicts import compare

COVERED, HIGH_QUALITY, FRECHET = "modes/covered", "modes/high_quality", "frechet/fd"
NOTE = "note"


@dataclass(frozen=True)
class Standing:
    """One dataset's configurations that no verdict may credit, each with the reason in words."""

    dataset: str
    noise_like: dict[str, str] = field(default_factory=dict)
    collapsed: dict[str, str] = field(default_factory=dict)
    most_modes: set[str] | None = None  # the best by modes covered and those tied with it
    judged_by: Quality | None = None  # the sample-quality metric that decides noise-likeness
    has_noise: bool = False  # whether a noise reference scored judged_by

    @property
    def left_out(self) -> dict[str, str]:
        """Configuration → ``collapsed`` or ``noise-like``: those no verdict but modes covered credits."""
        return {**dict.fromkeys(self.collapsed, "collapsed"), **dict.fromkeys(self.noise_like, "noise-like")}

    def tag(self, configuration: str) -> str:
        """``collapsed``, ``noise-like`` or the empty string."""
        return self.left_out.get(configuration, "")

    def note(self) -> Verdict | None:
        """One sentence naming every configuration left out and why (None when none is)."""
        parts = [f"{c} — noise-like: {why}" for c, why in self.noise_like.items()]
        parts += [f"{c} — collapsed: {why}" for c, why in self.collapsed.items()]
        if not parts:
            return None
        return Verdict(
            f"on {self.dataset}, left out of every verdict but modes covered (no verdict credits a "
            f"noise-like or a collapsed configuration): {'; '.join(parts)}.",
            NOTE,
            self.dataset,
            "standing",
        )

    def missing_noise_note(self) -> Verdict | None:
        """What the report cannot tell without a noise reference (None when it has one)."""
        if self.has_noise or self.judged_by is None:
            return None
        return Verdict(
            f"on {self.dataset}, no uniform-noise reference scored {self.judged_by.label} (runs recorded "
            "before ganbench scored reference rows), so no configuration can be told from noise here; "
            "rerun `ganbench benchmark` on the spec to score them (nothing is retrained).",
            NOTE,
            self.dataset,
            "standing",
        )


def sample_quality_metric(data: ReportData, dataset: str) -> Quality | None:
    """The metric that decides noise-likeness: the high-quality share when logged, else the primary."""
    available = data.final_metrics(dataset)
    if HIGH_QUALITY in available:
        return KNOWN[HIGH_QUALITY]
    primary = data.primary_metric(dataset)
    return quality(primary) if primary and primary in available else None


def standing(data: ReportData, dataset: str) -> Standing:
    """The :class:`Standing` of ``dataset``'s configurations (module docstring)."""
    q = sample_quality_metric(data, dataset)
    noise_like: dict[str, str] = {}
    has_noise = False
    if q is not None:
        has_noise = references(data, dataset, q.final).get(NOISE) is not None
        if has_noise:
            noise_like = _noise_like(data, dataset, _witnesses(data, dataset, q))
    if COVERED not in data.final_metrics(dataset):
        return Standing(dataset, noise_like, {}, None, q, has_noise)
    collapsed, most = _collapsed(data, dataset, set(noise_like))
    return Standing(dataset, noise_like, collapsed, most, q, has_noise)


Beats = Callable[[pd.Series, pd.Series], bool]


def _witnesses(data: ReportData, dataset: str, q: Quality) -> list[tuple[Quality, Beats, str]]:
    """The metrics a configuration must fail to beat noise on, all of them, to be noise-like, each with
    its test and how a failure reads: the sample-quality metric and modes covered (better than noise,
    :func:`beats_noise`), the Fréchet distance (at most half of noise's, :func:`_far_from_noise`) —
    each where it was logged and noise scored it."""

    def better(higher: bool) -> Beats:
        return lambda row, noise: beats_noise(row, noise, higher)

    found = [(q, better(q.higher_is_better), "better than")]
    for name in (COVERED, FRECHET):
        other = quality(name, data, dataset)
        logged = other is not None and other.final != q.final and name in data.final_metrics(dataset)
        if logged and references(data, dataset, other.final).get(NOISE) is not None:
            test = (_far_from_noise, "under half of") if name == FRECHET else (better(True), "better than")
            found.append((other, *test))
    return found


def _noise_like(
    data: ReportData, dataset: str, witnesses: list[tuple[Quality, Beats, str]]
) -> dict[str, str]:
    """Configuration → why it is noise-like: those that fail every witness's test."""
    failed: dict[str, list[str]] = {}
    for i, (q, beats, than) in enumerate(witnesses):
        noise = references(data, dataset, q.final)[NOISE]
        unit = " %" if q.scale == 100 else ""
        for _, row in summarise(data, dataset, q.final).iterrows():
            config = row["configuration"]
            if (i == 0 or config in failed) and not beats(row, noise):
                failed.setdefault(config, []).append(
                    f"{q.label} {with_interval(row, q.scale)}{unit}, not {than} uniform noise's "
                    f"{with_interval(noise, q.scale)}{unit}"
                )
    return {c: "; nor ".join(why) for c, why in failed.items() if len(why) == len(witnesses)}


def _far_from_noise(row: pd.Series, noise: pd.Series) -> bool:
    """Whether a configuration's Fréchet distance is at most half of uniform noise's, its whole 95 %
    interval included: FDs of independent draws of uniform noise differ by ±15 % (5 draws of 1,000
    on the grid: 0.38–0.47), so a uniform generator can beat the noise row by chance, but not by a
    factor of two; a generator with the data's structure does (the grid at 2,000 updates: 0.04 vs
    0.41)."""
    edge = row["ci_high"] if row["ci_high"] is not None and math.isfinite(row["ci_high"]) else row["mean"]
    level = noise["mean"]
    return edge is not None and math.isfinite(edge) and math.isfinite(level) and edge <= level / 2


def _collapsed(
    data: ReportData, dataset: str, noise_like: set[str]
) -> tuple[dict[str, str], set[str] | None]:
    """Configurations (not noise-like) the best by modes covered beats, with the reason, and the
    best with those tied with it."""
    q = KNOWN[COVERED]
    covered = summarise(data, dataset, q.final)
    eligible = set(covered["configuration"]) - noise_like
    found = compare(covered, q, winners=eligible, losers=eligible)
    if found is None:
        return {}, None
    modes = _modes_of(data, dataset)
    best = found.best
    reasons = {
        r["configuration"]: f"covers {with_interval(r)}{modes} modes, fewer than {best['configuration']} "
        f"({number(best['mean'])})"
        for r in found.beaten
    }
    return reasons, found.not_beaten


def _modes_of(data: ReportData, dataset: str) -> str:
    """`` of 8`` when the reference runs recorded the number of modes, else nothing."""
    high = value_range(data, dataset, KNOWN[COVERED].final)[1]
    return f" of {high:g}" if high < float("inf") else ""


def ordered(summary: pd.DataFrame, q: Quality, left_out: dict[str, str]) -> pd.DataFrame:
    """``summary`` best first, the configurations in ``left_out`` after the others."""
    order = ranked(summary, q)
    out = order.assign(_out=order["configuration"].isin(left_out))
    return out.sort_values("_out", kind="stable").drop(columns="_out").reset_index(drop=True)
