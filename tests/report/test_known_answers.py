"""Known answers for the verdicts: a collapsed and a uniform configuration beside a mode-covering one,
on ring and grid, scored by the real metrics against the real reference rows. No verdict may rank
either above the mode-covering one, whatever metric it is about.

The three "generators" are samples whose right answer is known:

- ``covering``: the data's own samples, with uneven weights over the modes (60 % on the first) — every
  mode covered, samples sharp, but its mean off centre, so its Fréchet distance in 2-D is *worse*
  than a uniform square's, and its late oscillation is that of a run still moving;
- ``collapsed``: every sample around the first mode — as sharp as data, one mode, and a dead run
  (late oscillation 0, nothing lost from its peak);
- ``uniform``: uniform noise over the data's range (the noise reference, other draws) — a
  structureless cloud, with the best recall of all and a small Fréchet distance.

Each would win some verdict if verdicts ranked by mean alone (the collapsed one: stability and
high-quality share; the uniform one: recall and, on ring, the Fréchet distance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ganbench import registry
from ganbench.metrics.evaluator import build_evaluator
from ganbench.metrics.reference import draw_noise, reference_scores
from ganbench.report.figures import heatmap
from ganbench.testing.report_contract import build
from ganbench.testing.report_data import SyntheticRun, reference_frame, synthetic_data

COVERING, COLLAPSED, UNIFORM = (
    "covering + alternating(d_steps=1)",
    "collapsed + alternating(d_steps=1)",
    "uniform + alternating(d_steps=1)",
)
SEEDS, N = 3, 1000
STABILITY = {  # (oscillation, peak-to-final drop) per seed: a dead run is the steadiest
    COVERING: [(0.30, 0.20), (0.40, 0.25), (0.35, 0.30)],
    COLLAPSED: [(0.0, 0.0), (0.0, 0.0), (0.0, 0.0)],
    UNIFORM: [(0.05, 0.05), (0.06, 0.04), (0.05, 0.05)],
}


def _samples(dataset, kind: str, seed: int, real: torch.Tensor) -> torch.Tensor:
    gen = torch.Generator().manual_seed(1000 + seed)
    centres, sigma = dataset.modes().centres, dataset.modes().sigma
    if kind == COVERING:
        k = len(centres)
        weights = torch.full((k,), 0.4 / (k - 1))
        weights[0] = 0.6
        idx = torch.multinomial(weights, N, replacement=True, generator=gen)
    elif kind == COLLAPSED:
        idx = torch.zeros(N, dtype=torch.long)
    else:
        noise, _ = draw_noise(dataset, real, N, draws=1, seed=5000 + seed)
        return noise[0]
    return centres[idx] + sigma * torch.randn(N, 2, generator=gen)


@pytest.fixture(scope="module", params=["ring", "grid"])
def known(request, tmp_path_factory):
    """ReportData of the three configurations on one dataset, with its reference rows."""
    name = request.param
    cls = registry.datasets.get(name)
    dataset = cls(cls.Params(), torch.device("cpu"))
    evaluator = build_evaluator(dataset, n_samples=N)
    runs = []
    for primary in ("modes/covered", "improved_pr/recall"):
        for config in (COVERING, COLLAPSED, UNIFORM):
            fake = torch.stack([_samples(dataset, config, s, evaluator.real) for s in range(SEEDS)])
            scores = {k: v.numpy() for k, v in evaluator(fake).items()}
            for seed in range(SEEDS):
                oscillation, drop = STABILITY[config][seed]
                runs.append(
                    SyntheticRun(
                        f"{name}-{primary.split('/')[0]}",
                        config,
                        seed,
                        {k: float(v[seed]) for k, v in scores.items()},
                        primary=primary,
                        extra={"stability/oscillation": oscillation, "stability/peak_to_final_drop": drop},
                    )
                )
    data = synthetic_data(runs, tmp_path_factory.mktemp(name))
    refs = reference_scores(dataset, evaluator)
    values = {r.kind: {k: list(v) for k, v in r.values.items()} for r in refs}
    data.references = pd.concat(
        [reference_frame(f"{name}-{p}", values, evaluator.ranges()) for p in ("modes", "improved_pr")],
        ignore_index=True,
    )
    return name, data


SECTIONS = ("ranking", "stability", "mode_collapse", "seeds", "budget")


def _verdicts(data, tmp_path):
    out = []
    for section in SECTIONS:
        result = build(section, data, tmp_path / section)
        out += result.verdicts if result else []
    return out


def test_no_verdict_ranks_a_collapsed_or_uniform_configuration_above_a_mode_covering_one(known, tmp_path):
    name, data = known
    verdicts = _verdicts(data, tmp_path)
    claims = [v for v in verdicts if v.winner is not None]
    assert claims, "the mode-covering configuration wins some verdict (modes covered, at least)"
    for v in claims:
        assert v.winner == COVERING, v.text
    # modes covered: the covering configuration beats both (that is how collapse shows)
    modes = [v for v in claims if v.metric == "modes/covered"]
    assert modes and all(COLLAPSED in v.text.split("references:")[0] for v in modes)


def test_each_exclusion_is_named_with_its_reason(known, tmp_path):
    name, data = known
    verdicts = _verdicts(data, tmp_path)
    notes = [v.text for v in verdicts if v.metric == "standing"]
    assert len(notes) == 2  # one per dataset (primary: modes covered, recall)
    for text in notes:
        assert f"{UNIFORM} — noise-like: high-quality samples (%)" in text
        assert f"{COLLAPSED} — collapsed: covers 1.00" in text
        assert COVERING + " —" not in text
    stability = [v for v in verdicts if v.metric == "stability/oscillation"]
    assert stability and all(f"{COLLAPSED} (collapsed)" in v.text for v in stability)


def test_the_uniform_configuration_is_at_noise_level_and_the_ranking_table_says_so(known, tmp_path):
    name, data = known
    result = build("ranking", data, tmp_path)
    table = next(t for t in result.tables if t.dataset.endswith("-modes")).frame
    rows = table.set_index("configuration")
    assert rows.loc[COVERING, "rank"] == "1"
    assert rows.loc[UNIFORM, "rank"] == "–" and rows.loc[UNIFORM, "standing"] == "noise-like"
    assert rows.loc[COLLAPSED, "rank"] == "–" and rows.loc[COLLAPSED, "standing"] == "collapsed"
    hq = "high-quality samples (%) mean [95% CI]"
    assert rows.loc[UNIFORM, hq].endswith("(noise level)")
    assert not rows.loc[COVERING, hq].endswith("(noise level)")
    assert list(table["rank"].iloc[-2:]) == ["ref", "ref"]
    assert list(table["configuration"].iloc[-2:]) == ["reference: real data", "reference: uniform noise"]


def test_the_heatmap_never_paints_a_left_out_cell_as_the_best():
    """The collapsed cell has the highest high-quality share; it is drawn grey, outside the colours."""
    import matplotlib.pyplot as plt

    means = pd.DataFrame([[90.0, 5.0], [40.0, 0.4]], index=["a", "b"], columns=["x", "y"])
    counts = pd.DataFrame(3, index=means.index, columns=means.columns)
    why = pd.DataFrame([["collapsed", ""], ["", "noise-like"]], index=means.index, columns=means.columns)
    fig, ax = plt.subplots()
    heatmap(ax, means, "share", str, True, counts, why, {"real data": 99.0, "uniform noise": 0.5})
    mesh = ax.collections[-1].get_array()
    coloured = np.ma.masked_invalid(np.asarray(mesh, dtype=float)).reshape(2, 2)
    assert coloured.mask[0, 0] and coloured.mask[1, 1]  # collapsed and noise-like: not coloured
    assert coloured.max() == 40.0  # the brightest coloured cell is a credited one
    texts = [t.get_text() for t in ax.texts]
    assert "90.0\n(collapsed)\nn=3" in texts and "0.4\n(noise-like)\nn=3" in texts
    plt.close(fig)


@pytest.mark.parametrize(
    "marks", [{"real data": 21.3, "uniform noise": 10123.0}, {"real data": 96.0, "uniform noise": 0.0}]
)
def test_a_heatmap_whose_every_cell_is_left_out_draws_them_all_grey_without_a_warning(marks):
    """Every configuration noise-like (a short run): each cell grey and labelled, and seaborn's
    'All-NaN slice' warning (from the empty coloured layer) does not reach the user — on a log colour
    scale (the reference rows span decades) and on a linear one."""
    import warnings

    import matplotlib.pyplot as plt

    means = pd.DataFrame([[10125.0, 10124.0]], index=["minimax"], columns=["1:1", "5:1"])
    counts = pd.DataFrame(2, index=means.index, columns=means.columns)
    why = pd.DataFrame("noise-like", index=means.index, columns=means.columns)
    fig, ax = plt.subplots()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        heatmap(ax, means, "FD", lambda v: f"{v:.0f}", False, counts, why, marks)
    assert [str(w.message) for w in caught] == []
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("10125\n(noise-like)\nn=2") == 1 and "10124\n(noise-like)\nn=2" in texts
    plt.close(fig)
