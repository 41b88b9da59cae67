"""Packing units of work into batched models: which (cell, seeds) train together, and how many
members a model may hold on this device.

A *unit* is a cell with the seeds still to train; a *model* is a list of units trained as one batched
model (one population). Which cells may share a model is :func:`ganbench.train.population.group`'s
decision; the cap on members per model is the packing policy per device, :data:`AUTO_POPULATION`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ganbench.device import resolve_device
from ganbench.experiment.spec import Cell, Experiment
from ganbench.train.config import TrainConfig
from ganbench.train.population import group

#: Members per batched model when ``--population`` is not given. On a GPU a tick is launch-bound
#: (a tick of 64 seeds costs 1.4× a tick of one on the H100, of 1,024 seeds 2×): pack all that fits.
#: On the CPU every member's arithmetic is still done, and a few dozen members gain little more.
AUTO_POPULATION = {"cpu": 16, "cuda": 512}
#: Whether cells of different losses share a model when ``--pack-losses`` is not given
#: (docs/populations.md). On a GPU the default spec's three losses as one model launch about half
#: the kernels of three models (380 against 698 per G update, alternating 1:1); on the CPU, where the
#: arithmetic is the cost, one model of 15 took 1.05–1.12× the CPU time of three of 5 (measured under
#: load), so losses train apart there.
AUTO_MIX_LOSSES = {"cpu": False, "cuda": True}


@dataclass(frozen=True)
class Packing:
    """The packing policy of an invocation: ``cap`` members per model and whether losses mix
    (None: the device's default, :data:`AUTO_POPULATION` and :data:`AUTO_MIX_LOSSES`)."""

    cap: int | None = None
    mix_losses: bool | None = None


Unit = tuple[Cell, list[int]]
"""A cell and the seeds of it to train."""
Model = list[Unit]
"""Units trained together as one batched model."""


@dataclass
class Plan:
    """What an invocation still has to train: the units (cell → seeds without a complete run)."""

    experiment: Experiment
    pending: list[Unit] = field(default_factory=list)
    skipped_runs: int = 0


def plan(exp: Experiment, done: set[str]) -> Plan:
    """Split every (cell, seed) of ``exp`` into already complete (its run key in ``done``) and
    still to train."""
    out = Plan(exp)
    for cell in exp.cells:
        todo = [s for s in cell.config.seeds if cell.run_key(s) not in done]
        out.skipped_runs += len(cell.config.seeds) - len(todo)
        if todo:
            out.pending.append((cell, todo))
    return out


def auto_population(device: str) -> int:
    """The default cap on members per batched model for a configuration's device setting."""
    return AUTO_POPULATION[resolve_device(device).type]


def pack(units: list[Unit], packing: Packing | None = None) -> list[Model]:
    """The units in models that each train as one batched model, under ``packing`` (None: the
    defaults of the first unit's device; a cap of 1: every cell alone)."""
    if not units:
        return []
    packing = packing or Packing()
    cap = packing.cap or auto_population(units[0][0].config.device)
    configs = [cell.config.model_copy(update={"seeds": seeds}) for cell, seeds in units]
    return [[units[i] for i in idx] for idx in pack_configs(configs, cap, packing.mix_losses)]


def pack_configs(
    configs: list[TrainConfig], cap: int | None, mix_losses: bool | None = None
) -> list[list[int]]:
    """Indices of ``configs`` (each with its seeds) in models of at most ``cap`` members (None: no
    cap) — the rule :func:`pack` applies to units, for work that is not a spec's cells (the
    trials of a tuning batch, whose batch size is their cap). ``mix_losses`` None: the device's
    default for the first configuration."""
    if mix_losses is None:
        mix_losses = bool(configs) and AUTO_MIX_LOSSES[resolve_device(configs[0].device).type]
    return group(configs, cap, mix_losses)


def members(model: Model) -> int:
    """Members of a model: its (cell, seed) pairs."""
    return sum(len(seeds) for _, seeds in model)


def model_label(model: Model) -> str:
    """A model for people: ``ring | minimax + alternating(d_steps=1)`` (+ ``(+2 cells as one
    model)`` when it packs several)."""
    cell = model[0][0]
    more = f" (+{len(model) - 1} cells as one model)" if len(model) > 1 else ""
    return f"{cell.config.dataset.name} | {cell.label}{more}"
