"""Known answer for the noise-like rule: on the 5 × 5 grid, a *blurred grid* — every mode's samples
spread with 16× the data's sigma — puts fewer samples within 3σ of a mode than uniform noise does
(about 1.7 % against 2.5 %) yet has a Fréchet distance a tenth of noise's: it has the grid's
structure, so it is not noise-like (it is what the default spec's generators look like on the grid
at 2,000 updates). It still wins no high-quality verdict, as no configuration not better than noise
on a metric does; uniform noise stays noise-like."""

from __future__ import annotations

import pandas as pd
import torch

from ganbench import registry
from ganbench.metrics.evaluator import build_evaluator
from ganbench.metrics.reference import draw_noise, reference_scores
from ganbench.report.standing import standing
from ganbench.testing.report_contract import build
from ganbench.testing.report_data import SyntheticRun, reference_frame, synthetic_data

BLURRED, UNIFORM = "blurred + alternating(d_steps=1)", "uniform + alternating(d_steps=1)"
SEEDS, N, BLUR = 3, 1000, 16.0


def _data(tmp_path):
    cls = registry.datasets.get("grid")
    dataset = cls(cls.Params(), torch.device("cpu"))
    evaluator = build_evaluator(dataset, n_samples=N)
    centres, sigma = dataset.modes().centres, dataset.modes().sigma
    runs = []
    for config in (BLURRED, UNIFORM):
        fakes = []
        for seed in range(SEEDS):
            gen = torch.Generator().manual_seed(100 + seed)
            if config == BLURRED:
                idx = torch.randint(len(centres), (N,), generator=gen)
                fakes.append(centres[idx] + BLUR * sigma * torch.randn(N, 2, generator=gen))
            else:
                fakes.append(draw_noise(dataset, evaluator.real, N, draws=1, seed=5000 + seed)[0][0])
        scores = {k: v.numpy() for k, v in evaluator(torch.stack(fakes)).items()}
        for seed in range(SEEDS):
            runs.append(SyntheticRun("grid", config, seed, {k: float(v[seed]) for k, v in scores.items()}))
    data = synthetic_data(runs, tmp_path)
    refs = reference_scores(dataset, evaluator)
    values = {r.kind: {k: list(v) for k, v in r.values.items()} for r in refs}
    data.references = pd.concat([reference_frame("grid", values, evaluator.ranges())], ignore_index=True)
    return data


def test_a_blurred_grid_is_not_noise_like_but_wins_no_high_quality_verdict(tmp_path):
    data = _data(tmp_path)
    hq = data.complete.groupby("configuration")["final/modes/high_quality"].mean()
    fd = data.complete.groupby("configuration")["final/frechet/fd"].mean()
    assert hq[BLURRED] < hq[UNIFORM] and fd[BLURRED] < 0.2 * fd[UNIFORM]  # the premise
    found = standing(data, "grid")
    assert BLURRED not in found.noise_like
    why = found.noise_like[UNIFORM]
    assert "not better than uniform noise's" in why and "; nor Fréchet distance" in why
    assert "not under half of uniform noise's" in why
    verdicts = build("ranking", data, tmp_path / "ranking").verdicts
    claims = [v for v in verdicts if v.winner is not None]
    assert all(v.metric != "modes/high_quality" for v in claims), [v.text for v in claims]
    assert not any(f"{BLURRED} (noise-like)" in v.text for v in verdicts)
    (fd_verdict,) = [v for v in verdicts if v.metric == "frechet/fd"]
    assert f"only {BLURRED} may win it" in fd_verdict.text, fd_verdict.text


def test_a_generator_covering_far_more_modes_than_noise_is_not_noise_like(tmp_path):
    """Stacked MNIST at 2,000 updates (images.yaml): a WGAN with as few sharp samples as noise and a
    Fréchet distance just over half of noise's, yet 744 of 1,000 digit triples covered where noise
    covers 10 — blurred digits, not noise. A generator stuck on one output stays noise-like."""
    spread = {"modes/covered": [560.0, 760.0, 912.0], "modes/high_quality": [0.0, 0.011, 0.0]}
    spread["frechet/fd"] = [8900.0, 6800.0, 4860.0]
    stuck = {"modes/covered": [1.0] * 3, "modes/high_quality": [0.0] * 3, "frechet/fd": [13479.0] * 3}
    runs = [
        SyntheticRun("stacked_mnist", config, seed, {k: v[seed] for k, v in values.items()})
        for config, values in ((BLURRED, spread), (UNIFORM, stuck))
        for seed in range(SEEDS)
    ]
    data = synthetic_data(runs, tmp_path)
    noise = {"modes/covered": [9.0, 10.0, 11.0, 8.0, 11.0], "modes/high_quality": [0.0] * 5}
    noise["frechet/fd"] = [13479.0] * 5
    real = {"modes/covered": [1000.0] * 5, "modes/high_quality": [0.966] * 5, "frechet/fd": [17.5] * 5}
    ranges = {
        "modes/covered": (0.0, 1000.0),
        "modes/high_quality": (0.0, 1.0),
        "frechet/fd": (0.0, float("inf")),
    }
    data.references = reference_frame("stacked_mnist", {"real": real, "noise": noise}, ranges)
    found = standing(data, "stacked_mnist")
    assert BLURRED not in found.noise_like
    why = found.noise_like[UNIFORM]
    assert "; nor modes covered" in why and "; nor Fréchet distance" in why, why
