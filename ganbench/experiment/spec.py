"""Experiment specs (``experiments/*.yaml``): validated, then expanded into a grid of cells.

A spec lists datasets, losses and schedules (each a name or ``{name: …, <param>: …}``), shared
training settings under ``train`` (any :class:`TrainConfig` key but the components and seeds),
optional per-dataset overrides, optional hyper-parameter lists under ``grid`` (dotted keys), and
optional named ``variants``, each a set of dotted-key settings applied together (``pacgan2:
{discriminator.pack: 2}``; a variant ``{}`` is the plain configuration). The cartesian product of
datasets × losses × schedules × grid values × variants gives the cells; each cell trains ``seeds``
seeds in lockstep. Optional ``profiles`` hold named variants (e.g. a longer budget
on a GPU), applied before validation: see :mod:`ganbench.experiment.profiles`.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ganbench import registry
from ganbench.device import resolve_device
from ganbench.errors import GanbenchError
from ganbench.experiment import profiles
from ganbench.experiment.overrides import CommandLineChanges
from ganbench.experiment.spec_io import read_yaml
from ganbench.metrics.stability import DIVERGENCE_BOUND
from ganbench.train.config import ComponentRef, TrainConfig
from ganbench.validation import resolve, set_key, train_config, validate

ComponentList = Literal["all"] | list[str | dict[str, Any]]
#: Longest experiment name: it names a folder (reports/<name>/, whose temporary twin adds a few
#: characters) and study names, and file systems allow 255 bytes per name.
MAX_NAME = 100


class ExperimentSpec(BaseModel):
    """The schema of an experiment file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+$",
        max_length=MAX_NAME,
        description="MLflow experiment name, also the report's folder name (reports/<name>/)",
    )
    description: str = ""
    notes: str = Field(
        "",
        description="what the spec's budget can and cannot show, in words; the top of its report",
    )
    datasets: ComponentList = Field(min_length=1, description="a list, or 'all' registered")
    losses: ComponentList = Field(min_length=1)
    schedules: ComponentList = Field(min_length=1)
    seeds: int | list[int] = Field(5, description="a count (seeds 0…n−1) or an explicit list")
    train: dict[str, Any] = Field(default_factory=dict, description="shared TrainConfig settings")
    per_dataset: dict[str, dict[str, Any]] = Field(default_factory=dict, description="overrides by dataset")
    sample_images: Literal["every_eval", "final", "none"] = "every_eval"
    grid: dict[str, list[Any]] = Field(default_factory=dict, description="dotted key → values to sweep")
    variants: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="named sets of dotted-key settings (e.g. remedies), one cell each; named in labels",
    )
    divergence_bound: float = Field(
        DIVERGENCE_BOUND,
        gt=0,
        description=(
            "a run whose |loss| or gradient norm reaches this counts as diverged"
            " (samples: 1,000 times the data's largest magnitude, or this if lower)"
        ),
    )

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: int | list[int]) -> int | list[int]:
        if isinstance(v, int) and v < 1:
            raise ValueError("at least one seed")
        return v

    @field_validator("train")
    @classmethod
    def _no_components_in_train(cls, v: dict[str, Any]) -> dict[str, Any]:
        clash = {"dataset", "loss", "schedule", "seeds"} & set(v)
        if clash:
            raise ValueError(f"{sorted(clash)} belong at the top level (datasets/losses/schedules/seeds)")
        return v

    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)


@dataclass(frozen=True)
class Cell:
    """One configuration of the grid: a validated TrainConfig for all its seeds, and its identity."""

    index: int
    config: TrainConfig
    label: str  # e.g. "wasserstein(clip=0.01) + alternating(d_steps=5)"
    key: str  # hash of the configuration without its seeds: the same cell in any invocation
    variant: str = ""  # the spec variant it belongs to, if the spec has variants

    def run_key(self, seed: int) -> str:
        """Deterministic identity of one (configuration, seed) run."""
        return f"{self.key}-s{seed}"


@dataclass(frozen=True)
class Experiment:
    """A loaded spec, its file, and its cells."""

    spec: ExperimentSpec
    path: str
    cells: list[Cell]
    profile: str | None = None  # the spec profile applied, if any

    @property
    def spec_hash(self) -> str:
        return digest(self.spec.model_dump(mode="json"))[:12]

    @property
    def profile_note(self) -> str:
        """`` (profile cuda of default.yaml)`` when a spec profile was applied, else nothing."""
        return f" (profile {self.profile} of {Path(self.path).name})" if self.profile else ""

    @property
    def n_runs(self) -> int:
        return sum(len(c.config.seeds) for c in self.cells)


def digest(obj: Any) -> str:
    """SHA-256 of a JSON-serialisable object in canonical form."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def load(
    path: str | Path,
    seeds: int | None = None,
    only: list[str] | None = None,
    profile: str | None = profiles.AUTO,
    changes: CommandLineChanges | None = None,
) -> Experiment:
    """Read, validate and expand a spec file. ``seeds`` overrides the seed count; ``only``
    (``loss=wasserstein``, ``dataset=ring``, ``schedule=alternating``) keeps matching cells;
    ``profile`` names the spec profile to apply (``auto``: ``cuda`` on a GPU if the spec has one);
    ``changes``: ``--add`` and ``--set`` (:mod:`ganbench.experiment.overrides`)."""
    return from_mapping(read_yaml(Path(path)), str(path), seeds, only, profile, changes)


def from_mapping(
    raw: dict[str, Any],
    where: str,
    seeds: int | None = None,
    only: list[str] | None = None,
    profile: str | None = None,
    changes: CommandLineChanges | None = None,
) -> Experiment:
    """Validate and expand a spec given as a mapping (a file's content, or the copy a study keeps),
    with ``profile`` applied (None: no profile), then ``changes`` (``--add``, ``--set``)."""
    chosen = profiles.choose(raw, profile, where)
    raw = profiles.apply(raw, chosen, where)
    said = where  # how messages name the spec: with the command line's changes
    if changes:
        raw = _changed(raw, changes, where)
        said = f"{where} (with {changes.flags})"
    spec = validate(ExperimentSpec, raw, said)
    if seeds is not None:
        spec = spec.model_copy(update={"seeds": seeds})
    cells = expand(spec, said)
    if only:
        cells = select(cells, only, said)
    return Experiment(spec, where, cells, chosen)


def _changed(raw: dict[str, Any], changes: CommandLineChanges, where: str) -> dict[str, Any]:
    """``raw`` with ``changes`` applied, renamed ``<name>_set-<digest>`` when a ``--set`` changed what
    a cell of the spec trains (and no ``--set name=…`` names the experiment): see
    :mod:`ganbench.experiment.overrides`."""
    out = changes.apply(raw, where)
    if not changes.set or changes.names_experiment:
        return out
    flagged = f"{where} (with {changes.flags})"
    added = CommandLineChanges(add=changes.add).apply(raw, where)
    before = {c.label: c.key for c in expand(validate(ExperimentSpec, added, flagged), flagged)}
    after = {c.label: c.key for c in expand(validate(ExperimentSpec, out, flagged), flagged)}
    if any(before[label] != key for label, key in after.items() if label in before):
        out["name"] = f"{out.get('name', 'experiment')}_set-{digest(sorted(changes.set))[:6]}"
    return out


def expand(spec: ExperimentSpec, where: str) -> list[Cell]:
    """The cartesian product of datasets × losses × schedules × grid values, each validated."""
    components = {
        "dataset": _components(spec.datasets, "datasets", registry.datasets, where),
        "loss": _components(spec.losses, "losses", registry.losses, where),
        "schedule": _components(spec.schedules, "schedules", registry.schedules, where),
    }
    unknown = set(spec.per_dataset) - {d["name"] for d in components["dataset"]}
    if unknown:
        raise GanbenchError(f"{where}: per_dataset: {sorted(unknown)} are not among the spec's datasets.")
    grid_keys = list(spec.grid)
    grid_values = list(itertools.product(*spec.grid.values())) if grid_keys else [()]
    variants = list(spec.variants.items()) or [("", {})]
    cells: list[Cell] = []
    for dataset, loss, schedule, values, (variant, settings) in itertools.product(
        *components.values(), grid_values, variants
    ):
        raw = {**spec.train, **spec.per_dataset.get(dataset["name"], {})}
        raw.update(dataset=dataset, loss=loss, schedule=schedule, seeds=spec.seed_list())
        raw = copy.deepcopy(raw)  # set_key writes in place; the components are shared by cells
        sweep = list(zip(grid_keys, values, strict=True))
        label_bits = [_label(loss), _label(schedule)] + [
            f"{k}={json.dumps(v)}".replace('"', "") for k, v in sweep
        ]
        label_bits += [variant] if variant else []
        for key, value in sweep:
            set_key(raw, key, value, where, "grid")
        for key, value in settings.items():
            set_key(raw, key, value, where, f"variants: {variant}")
        cfg = train_config(raw, f"{where} (cell {' + '.join(label_bits)})")
        identity = cfg.model_dump(mode="json", exclude={"seeds", "device"})
        cells.append(Cell(len(cells), cfg, " + ".join(label_bits), digest(identity)[:16], variant))
    for cell in cells:
        resolve_device(cell.config.device)
    return cells


def select(cells: list[Cell], only: list[str], where: str) -> list[Cell]:
    """Keep cells whose component (or variant) names match every ``kind=name`` filter."""
    filters = []
    for item in only:
        kind, sep, name = item.partition("=")
        if not sep or kind not in ("dataset", "loss", "schedule", "variant"):
            raise GanbenchError(
                f"--only {item!r}: use dataset=NAME, loss=NAME, schedule=NAME or variant=NAME."
            )
        filters.append((kind, name))

    def name_of(cell: Cell, kind: str) -> str:
        return cell.variant if kind == "variant" else getattr(cell.config, kind).name

    kept = [c for c in cells if all(name_of(c, k) == n for k, n in filters)]
    if not kept:
        raise GanbenchError(f"{where}: no cell matches --only {' '.join(only)}.")
    return kept


def _components(items: ComponentList, key: str, reg: registry.Registry, where: str) -> list[dict[str, Any]]:
    """Check names and parameters of one component list; return them as dicts. ``all`` means every
    registered component that works with default parameters (so a dropped-in plugin joins too)."""
    if items == "all":
        items = [n for n in reg.names() if _defaults_suffice(reg.get(n))]
    out = []
    for i, item in enumerate(items):
        ref = {"name": item} if isinstance(item, str) else dict(item)
        if "name" not in ref:
            raise GanbenchError(f"{where}: {key}[{i}]: each entry needs a name, e.g. {{name: hinge}}.")
        path = f"{key}[{i}]"
        try:
            resolve(reg, ComponentRef.model_validate(ref), path, where)
        except GanbenchError as exc:  # "losses[2].name: loss 'x' is not…" → "losses[2].name 'x' is not…"
            raise GanbenchError(str(exc).replace(f"{path}.name: {reg.kind} ", f"{path}.name ")) from None
        out.append(ref)
    return out


def _defaults_suffice(cls: type) -> bool:
    return not any(f.is_required() for f in cls.Params.model_fields.values())


def _label(ref: dict[str, Any]) -> str:
    params = ", ".join(f"{k}={v}" for k, v in ref.items() if k != "name")
    return f"{ref['name']}({params})" if params else ref["name"]
