"""A dry run's estimate: each distinct setup's updates and evaluation are timed once, and a cell's
estimate is its schedule's update counts times those costs (a fake clock makes the sum exact)."""

import itertools
import math

import torch

from ganbench.experiment import spec
from ganbench.experiment.estimate import cell_seconds, reference_seconds, schedule_counts
from ganbench.experiment.timing import CostTimer, UpdateCosts, cost_key
from ganbench.train.config import TrainConfig

TINY = {"generator": {"width": 8, "depth": 1}, "discriminator": {"width": 8, "depth": 1}, "batch_size": 16}


def experiment(schedules: list, losses=("modified_minimax",), **train):
    raw = {
        "name": "t",
        "datasets": ["ring"],
        "losses": list(losses),
        "schedules": schedules,
        "seeds": 2,
        "train": {**TINY, "eval_samples": 50, **train},
    }
    return spec.from_mapping(raw, "t.yaml")


def ticking_clock():
    """Every timed call lasts exactly one second."""
    counter = itertools.count()
    return lambda: float(next(counter))


def test_update_counts_follow_the_schedule():
    exp = experiment([{"name": "alternating", "d_steps": 5}, "simultaneous"], g_steps=10, eval_every=5)
    alternating, simultaneous = (schedule_counts(c) for c in exp.cells)
    assert (alternating.ticks, alternating.d, alternating.g, alternating.joint) == (60, 50, 10, 0)
    assert (simultaneous.ticks, simultaneous.d, simultaneous.g, simultaneous.joint) == (10, 0, 0, 10)


def test_a_budget_of_millions_is_counted_on_a_part_and_scaled():
    """A budget over SIMULATED_G_STEPS is not run tick by tick (5,000,000 updates took minutes before
    a benchmark started); the counts of a repeating schedule scale exactly."""
    exp = experiment(
        [{"name": "alternating", "d_steps": 5}, "simultaneous"], g_steps=5_000_000, eval_every=10**6
    )
    alternating, simultaneous = (schedule_counts(c) for c in exp.cells)
    assert (alternating.ticks, alternating.d, alternating.g) == (30_000_000, 25_000_000, 5_000_000)
    assert (simultaneous.ticks, simultaneous.joint) == (5_000_000, 5_000_000)


def test_estimate_is_counts_times_measured_costs_and_each_setup_is_timed_once():
    exp = experiment([{"name": "alternating", "d_steps": 5}, "simultaneous"], g_steps=10, eval_every=5)
    timer = CostTimer(clock=ticking_clock())
    alternating, simultaneous = (cell_seconds(c, timer) for c in exp.cells)
    assert alternating == 50 + 10 + 2  # 50 D updates, 10 G updates, 2 evaluations, 1 s each
    assert simultaneous == 10 + 2  # 10 joint updates, 2 evaluations
    assert timer.measured == 1  # the two cells differ only in the schedule: one setup timed


def test_sample_images_and_reference_rows_are_counted():
    """What the trainer draws besides updates and evaluations: a sample image per seed and
    evaluation (every_eval) or per seed (final), and the reference rows, once per experiment."""
    exp = experiment([{"name": "alternating", "d_steps": 5}], g_steps=10, eval_every=5)
    timer = CostTimer(clock=ticking_clock())
    cell = exp.cells[0]
    plain = cell_seconds(cell, timer)
    assert cell_seconds(cell, timer, "every_eval") == plain + 2 * 2  # 2 seeds × 2 evaluations, 1 s each
    assert cell_seconds(cell, timer, "final") == plain + 2
    # real data and noise, 5 draws each, at the cost of evaluating one of the cell's 2 seeds (0.5 s)
    assert reference_seconds(exp, timer) == 2 * 5 * 0.5


def test_cost_key_ignores_what_does_not_change_the_cost():
    base = TrainConfig(**TINY, seeds=[0, 1])
    same = base.model_copy(
        update={
            "seeds": [7, 9],
            "g_steps": 99,
            "eval_every": 3,
            "schedule": {"name": "simultaneous"},
            "g_optimizer": base.g_optimizer.model_copy(update={"lr": 0.1, "betas": (0.0, 0.9)}),
        }
    )
    assert cost_key(base) == cost_key(same)
    wider = TrainConfig(**{**TINY, "generator": {"width": 16, "depth": 1}}, seeds=[0, 1])
    more_seeds = base.model_copy(update={"seeds": [0, 1, 2]})
    other_loss = TrainConfig(**TINY, seeds=[0, 1], loss={"name": "wasserstein"})
    for other in (wider, more_seeds, other_loss):
        assert cost_key(other) != cost_key(base)
    # An evaluation samples G and runs the metrics: the loss and D do not matter to it.
    assert cost_key(other_loss, evaluation=True) == cost_key(base, evaluation=True)
    assert cost_key(wider, evaluation=True) != cost_key(base, evaluation=True)


def test_losses_share_the_evaluation_timing_but_not_the_update_timing():
    exp = experiment(["simultaneous"], losses=("modified_minimax", "wasserstein"), g_steps=4, eval_every=2)
    timer = CostTimer(clock=ticking_clock())
    for cell in exp.cells:
        timer.costs(cell.config)
    assert timer.measured == 2 and len(timer._evaluations) == 1


def test_real_timings_are_positive_and_threads_are_restored():
    before = torch.get_num_threads()
    cell = experiment(["simultaneous"], g_steps=4, eval_every=2).cells[0]
    costs = CostTimer(threads=1).costs(cell.config)
    assert all(
        math.isfinite(v) and v > 0 for v in (costs.d, costs.g, costs.joint, costs.evaluation, costs.image)
    )
    assert torch.get_num_threads() == before


def test_a_runs_evaluations_cost_one_final_point_the_cheaper_earlier_ones_and_one_set_up():
    from ganbench.experiment.timing import UpdateCosts

    plain = UpdateCosts(0.1, 0.1, 0.2, evaluation=10.0)
    assert plain.evaluations(4) == 40.0 and plain.evaluations(0) == 0.0
    curves = UpdateCosts(0.1, 0.1, 0.2, evaluation=10.0, curve_evaluation=1.0, evaluation_setup=3.0)
    assert curves.evaluations(4) == 3.0 + 10.0 + 3 * 1.0
    assert curves.full_evaluation == 3.0 + 10.0 - 1.0  # a reference draw: the full count alone


def test_reference_rows_on_the_curves_count_are_counted_too():
    """With curve_samples below the evaluation count, each reference draw is scored twice: the full
    count alone (``full_evaluation``) and the curves' count (``curve_evaluation``)."""

    class Measured:
        def costs(self, config):
            return UpdateCosts(0.1, 0.1, 0.2, evaluation=10.0, curve_evaluation=1.0, evaluation_setup=3.0)

    exp = experiment(["simultaneous"], g_steps=4, eval_every=2, curve_samples=20)  # 2 seeds
    assert reference_seconds(exp, Measured()) == 2 * 5 * (12.0 + 1.0) / 2
