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
