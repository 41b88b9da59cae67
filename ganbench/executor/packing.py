"""Packing units of work into batched models: which (cell, seeds) train together, and how many
members a model may hold on this device.

A *unit* is a cell with the seeds still to train; a *model* is a list of units trained as one batched
model (one population). Which cells may share a model is :func:`ganbench.train.population.group`'s
decision; the cap on members per model is the packing policy per device, :data:`AUTO_POPULATION`;
and every model must fit the machine's memory (:class:`Budget`, from
:func:`ganbench.train.footprint.footprint`'s estimate made before anything is allocated): a cell
with more seeds than fit is split into models that do, one whose single member does not is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from ganbench.device import available_memory, human_bytes, resolve_device
from ganbench.errors import GanbenchError
from ganbench.experiment.spec import Cell, Experiment
from ganbench.train.config import TrainConfig
from ganbench.train.footprint import footprint
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


#: Share of the memory free now that models may plan to use (the rest: the allocator's slack, the
#: parent process, and the estimate's own error).
MEMORY_SHARE = 0.85


@dataclass(frozen=True)
class Packing:
    """The packing policy of an invocation: ``cap`` members per model and whether losses mix
    (None: the device's default, :data:`AUTO_POPULATION` and :data:`AUTO_MIX_LOSSES`); ``share``
    models train at once on this machine (``--jobs``), each with that share of its free memory."""

    cap: int | None = None
    mix_losses: bool | None = None
    share: int = 1


@dataclass(frozen=True)
class Budget:
    """Bytes one model may use on its device and on the host, and what was free to divide."""

    device: torch.device
    device_bytes: int
    host_bytes: int
    free: int
    share: int

    @classmethod
    def now(cls, device: torch.device, share: int = 1) -> Budget:
        """This machine's budget per model now, for ``share`` models at once."""
        share = max(1, share)
        free = available_memory(device)
        host = free if device.type == "cpu" else available_memory(torch.device("cpu"))
        return cls(device, int(free * MEMORY_SHARE / share), int(host * MEMORY_SHARE / share), free, share)

    def refuse(self, config: TrainConfig, label: str, members: int = 1) -> GanbenchError:
        """The paragraph that refuses a model of ``members`` members of ``config`` (``label``)."""
        need = footprint(config)
        fit = need.members_that_fit(self.device_bytes, self.host_bytes, members)
        at_once = f", one of {self.share} models trained at once (--jobs)" if self.share > 1 else ""
        fewer = f" At most {fit} member(s) fit in one model here." if fit else ""
        return GanbenchError(
            f"{label}: a model of {members} member(s) needs {need.describe(members)}, more than this "
            f"machine can give it: {human_bytes(self.device_bytes)} on {self.device.type}{at_once} "
            f"({human_bytes(self.free)} free now, {MEMORY_SHARE:.0%} of it planned for).{fewer} Lower "
            "what drives it — seeds trained together, batch_size, eval_samples, the networks' width "
            "and depth, the metrics (a Fréchet distance in data space holds D × D matrices)"
            + (" — or train fewer models at once (--jobs)" if self.share > 1 else "")
            + ". Nothing was allocated, trained or written."
        )

    def members(self, config: TrainConfig, label: str, most: int) -> int:
        """The most members (≤ ``most``) of ``config`` one model may hold; refuses when not one fits."""
        fit = footprint(config).members_that_fit(self.device_bytes, self.host_bytes, most)
        if fit == 0:
            raise self.refuse(config, label)
        return fit


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


def pack(units: list[Unit], packing: Packing | None = None, budget: Budget | None = None) -> list[Model]:
    """The units in models that each train as one batched model, under ``packing`` (None: the
    defaults of the first unit's device; a cap of 1: every cell alone) and within this machine's
    memory (``budget``; None: :meth:`Budget.now`): a cell with more seeds than fit in one model is
    split into models that fit, and one whose single member does not fit is refused."""
    if not units:
        return []
    packing = packing or Packing()
    cap = packing.cap or auto_population(units[0][0].config.device)
    budget = budget or Budget.now(resolve_device(units[0][0].config.device), packing.share)
    pieces = []
    for cell, seeds in units:
        fit = budget.members(cell.config, _label(cell), len(seeds))
        pieces += [(cell, seeds[i : i + fit]) for i in range(0, len(seeds), fit)]
    configs = [cell.config.model_copy(update={"seeds": seeds}) for cell, seeds in pieces]
    labels = [_label(cell) for cell, _ in pieces]
    return [
        [pieces[i] for i in idx] for idx in pack_configs(configs, cap, packing.mix_losses, budget, labels)
    ]


def pack_configs(
    configs: list[TrainConfig],
    cap: int | None,
    mix_losses: bool | None = None,
    budget: Budget | None = None,
    labels: list[str] | None = None,
) -> list[list[int]]:
    """Indices of ``configs`` (each with its seeds) in models of at most ``cap`` members (None: no
    cap) that fit this machine's memory (``budget``; None: :meth:`Budget.now` for one model at a
    time) — the rule :func:`pack` applies to units, for work that is not a spec's cells (the
    trials of a tuning batch, whose batch size is their cap). ``mix_losses`` None: the device's
    default for the first configuration. A configuration is never split: one whose seeds do not
    fit in one model is refused (``labels`` name them in the paragraph)."""
    if not configs:
        return []
    device = resolve_device(configs[0].device)
    if mix_losses is None:
        mix_losses = AUTO_MIX_LOSSES[device.type]
    budget = budget or Budget.now(device)
    labels = labels or [f"{c.dataset.name} | {c.loss.name} + {c.schedule.name}" for c in configs]
    out = []
    for idx in group(configs, cap, mix_losses):
        total = sum(len(configs[i].seeds) for i in idx)
        widest = max(idx, key=lambda i: footprint(configs[i]).device_bytes(1))
        fit = budget.members(configs[widest], labels[widest], total)
        if fit >= total:
            out.append(idx)
            continue
        for sub in group([configs[i] for i in idx], fit, mix_losses):  # smaller models that fit
            chunk = [idx[j] for j in sub]
            members = sum(len(configs[i].seeds) for i in chunk)
            if members > fit:  # one configuration alone is too large
                raise budget.refuse(configs[chunk[0]], labels[chunk[0]], members)
            out.append(chunk)
    return sorted(out, key=min)


def _label(cell: Cell) -> str:
    return f"cell {cell.config.dataset.name} | {cell.label}"


def members(model: Model) -> int:
    """Members of a model: its (cell, seed) pairs."""
    return sum(len(seeds) for _, seeds in model)


def model_label(model: Model) -> str:
    """A model for people: ``ring | minimax + alternating(d_steps=1)`` (+ ``(+2 cells as one
    model)`` when it packs several)."""
    cell = model[0][0]
    more = f" (+{len(model) - 1} cells as one model)" if len(model) > 1 else ""
    return f"{cell.config.dataset.name} | {cell.label}{more}"
