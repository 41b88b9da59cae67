"""The `remedies` section on runs whose right answer is known: a remedy that covers clearly more
modes is called better (Welch, Holm-corrected over every remedy × metric), one that changes
nothing is "no clear difference", its cost is read off the runs, and few seeds make it tentative."""

from __future__ import annotations

from ganbench import registry
from ganbench.contracts.report import SectionContext
from ganbench.report.verdicts import holm, welch_p
from ganbench.testing.report_data import SyntheticRun, synthetic_data

BASE = "modified_minimax + alternating(d_steps=1)"
COVERED = {
    "gan": [3.0, 2.0, 4.0, 3.0, 2.0],
    "pacgan2": [8.0, 7.0, 8.0, 8.0, 7.0],
    "r1": [3.0, 4.0, 2.0, 3.0, 3.0],
}
SECONDS = {"gan": 10.0, "pacgan2": 20.0, "r1": 15.0}
D_EVALS = {"gan": 100.0, "pacgan2": 100.0, "r1": 100.0}


def _runs(seeds: int) -> list[SyntheticRun]:
    return [
        SyntheticRun(
            "ring",
            f"{BASE} + {variant}",
            seed,
            {"modes/covered": values[seed]},
            extra={"train_seconds": SECONDS[variant], "d_grad_evals": D_EVALS[variant]},
        )
        for variant, values in COVERED.items()
        for seed in range(seeds)
    ]


def _build(tmp_path, seeds: int):
    data = synthetic_data(_runs(seeds), tmp_path / "artifacts")
    section = registry.reports.get("remedies")()
    assert section.applies_to(data)
    return section.build(data, SectionContext(tmp_path / "report", "remedies"))


def test_a_clearly_better_remedy_is_named_with_its_cost_and_a_null_one_is_not(tmp_path):
    result = _build(tmp_path, seeds=5)
    by_variant = {v.text.split(" against ")[0].split(", ")[-1]: v for v in result.verdicts}
    pac, r1 = by_variant["pacgan2"], by_variant["r1"]
    # the known answer: Welch p of pacgan2 vs gan, Holm over the two comparisons on ring
    p = holm([welch_p(COVERED["pacgan2"], COVERED["gan"]), welch_p(COVERED["r1"], COVERED["gan"])])
    assert p[0] < 0.05 <= p[1]
    assert pac.kind == "separated" and "better on modes covered: 7.60 vs 2.80" in pac.text
    assert pac.winner == f"{BASE} + pacgan2" and pac.loser == f"{BASE} + gan"
    assert "Holm-corrected over the 2 comparisons" in pac.text
    assert "2× the training time, 1× the discriminator gradient evaluations" in pac.text
    assert r1.kind == "no clear difference" and "no clear difference in modes covered" in r1.text
    assert "1.5× the training time" in r1.text
    table = result.tables[0].frame
    assert list(table["variant"]) == ["gan", "pacgan2", "r1"]
    assert list(table["time × baseline"]) == ["1×", "2×", "1.5×"]
    assert all(len(ids) == 5 for ids in result.tables[0].runs)
    assert result.figures and (tmp_path / "report" / result.figures[0].path).is_file()


def test_with_three_seeds_the_same_difference_is_only_tentative(tmp_path):
    result = _build(tmp_path, seeds=3)
    pac = next(v for v in result.verdicts if "pacgan2 against" in v.text)
    assert pac.kind in ("tentative", "no clear difference")
    assert "bold" not in pac.text
    if pac.kind == "tentative":
        assert "Tentative: 3 seeds" in pac.text


def test_without_a_baseline_variant_the_section_says_why_it_is_skipped(tmp_path):
    runs = [SyntheticRun("ring", BASE, s, {"modes/covered": 3.0}) for s in range(3)]
    data = synthetic_data(runs, tmp_path)
    section = registry.reports.get("remedies")()
    assert not section.applies_to(data)
    assert "variant" in section.skip_reason(data)
