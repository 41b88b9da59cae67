"""Tuning specs (``experiments/tune_*.yaml``): an experiment spec plus what to search and optimise.

Each cell of the experiment grid (dataset × loss × schedule × grid values) is one *arm*: it gets
its own Optuna study of ``n_trials`` trials, so every (loss, schedule) pair is compared at the
same tuning budget (Lucic et al. 2018, "Are GANs Created Equal?"). A trial trains the arm's
configuration, with the sampled ``search`` values applied as overrides, for the spec's seeds in
lockstep; its value is each objective's metric aggregated over those seeds.

```yaml
search:
  d_optimizer.lr: {low: 1.0e-5, high: 1.0e-3, log: true}
  schedule.d_steps: {choices: [1, 2, 5]}
objective: [{maximize: modes/covered}, {minimize: frechet/fd, aggregate: mean_plus_sd}]
sampler: tpe                      # or {name: RandomSampler, seed: 1}
pruner: {name: median, n_warmup_steps: 1}
n_trials: 20
timeout: 600                      # seconds per worker and invocation, optional
```
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ganbench import registry
from ganbench.device import resolve_device
from ganbench.errors import GanbenchError
from ganbench.experiment import spec as experiment_spec
from ganbench.experiment.spec import Cell, ExperimentSpec
from ganbench.experiment.spec_io import read_yaml
from ganbench.train.config import TrainConfig
from ganbench.tuning.optuna_parts import make_pruner, make_sampler
from ganbench.validation import resolve, set_key, train_config, validate

Aggregate = Literal["mean", "median", "min", "max", "pessimistic"]
AGGREGATES = ("mean", "median", "min", "max", "pessimistic")


class Range(BaseModel):
    """A numeric range: floats unless ``low`` and ``high`` are both integers (then ints)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float | int
    high: float | int
    log: bool = False
    step: float | int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"an empty or inverted range: low {self.low} must be below high {self.high}")
        if self.log and self.low <= 0:
            raise ValueError("a log range needs low > 0")
        if self.step is not None and (self.step <= 0 or self.log):
            raise ValueError("step must be positive and cannot be combined with log")
        return self

    @property
    def is_int(self) -> bool:
        return isinstance(self.low, int) and isinstance(self.high, int) and not isinstance(self.step, float)


class Choices(BaseModel):
    """A categorical set of values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    choices: list[Any] = Field(min_length=1)


class ObjectiveItem(BaseModel):
    """One objective: ``{maximize: <metric>}`` or ``{minimize: <metric>}``, aggregated over seeds.

    ``pessimistic`` is mean − sd for a maximised metric and mean + sd for a minimised one (sd over
    the trial's seeds, ddof = 1), so a configuration must be good on every seed to rank well."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    maximize: str | None = None
    minimize: str | None = None
    aggregate: Aggregate | None = None

    @model_validator(mode="after")
    def _one_direction(self) -> ObjectiveItem:
        if (self.maximize is None) == (self.minimize is None):
            raise ValueError("give exactly one of maximize: <metric> or minimize: <metric>")
        return self

    @property
    def metric(self) -> str:
        return self.maximize or self.minimize or ""

    @property
    def direction(self) -> str:
        return "maximize" if self.maximize else "minimize"


class TuningSpec(ExperimentSpec):
    """The schema of a tuning file: an :class:`ExperimentSpec` plus the search."""

    search: dict[str, Range | Choices] = Field(min_length=1, description="dotted key → range or choices")
    objective: ObjectiveItem | list[ObjectiveItem] = Field(description="one objective, or several (Pareto)")
    aggregate: Aggregate = Field("mean", description="default aggregation over seeds")
    sampler: str | dict[str, Any] = "tpe"
    pruner: str | dict[str, Any] = "median"
    n_trials: int = Field(20, ge=1, description="trials per arm (dataset × loss × schedule)")
    timeout: float | None = Field(None, gt=0, description="seconds per worker and invocation")

    def objectives(self) -> list[ObjectiveItem]:
        items = self.objective if isinstance(self.objective, list) else [self.objective]
        return [o.model_copy(update={"aggregate": o.aggregate or self.aggregate}) for o in items]


@dataclass(frozen=True)
class Tuning:
    """A loaded tuning spec and its arms (one Optuna study each)."""

    spec: TuningSpec
    path: str
    arms: list[Cell]

    @property
    def objectives(self) -> list[ObjectiveItem]:
        return self.spec.objectives()

    @property
    def spec_hash(self) -> str:
        return experiment_spec.digest(self.spec.model_dump(mode="json"))[:12]

    def study_name(self, arm: Cell) -> str:
        """The name of a new study for ``arm``, as the report names the configuration:
        ``<experiment>:<dataset> | <loss + schedule>`` (``tune_quick:ring | minimax + alternating``).
        A study already in the storage keeps its name (see ``tuning.setup``): it is found by its arm."""
        return f"{self.spec.name}:{arm.config.dataset.name} | {arm.label}"

    def metric_names(self) -> list[str]:
        """The objectives' names as optuna-dashboard shows them: ``modes/kl (mean over seeds)``."""
        return [f"{o.metric} ({o.aggregate} over seeds)" for o in self.objectives]


def load(path: str | Path, only: list[str] | None = None) -> Tuning:
    """Read and validate a tuning spec: arms, search keys and objectives, before anything trains."""
    return from_mapping(read_yaml(Path(path)), str(path), only)


def from_mapping(raw: dict[str, Any], where: str, only: list[str] | None = None) -> Tuning:
    """Validate a tuning spec given as a mapping (a file's content, or the copy a study stores)."""
    spec = validate(TuningSpec, raw, where)
    arms = experiment_spec.expand(spec, where)
    if only:
        arms = experiment_spec.select(arms, only, where)
    for arm in arms:
        check_search(spec, arm, where)
        check_objectives(spec, arm, where)
    check_optuna_parts(spec, where)
    if len(spec.objectives()) > 1 and pruner_name(spec.pruner) not in ("none", "nop", "NopPruner"):
        raise GanbenchError(
            f"{where}: pruner: Optuna cannot prune a study with several objectives; "
            "set 'pruner: none' or keep one objective."
        )
    return Tuning(spec, where, arms)


def check_optuna_parts(spec: TuningSpec, where: str) -> None:
    """Build the sampler and pruner once: a bad name or argument fails here, before any training."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_sampler(spec.sampler, where)
        make_pruner(spec.pruner, where)


def pruner_name(pruner: str | dict[str, Any]) -> str:
    return pruner if isinstance(pruner, str) else str(pruner.get("name", ""))


def check_search(spec: TuningSpec, arm: Cell, where: str) -> None:
    """Every search key must be a setting of the configuration, and its extreme values valid."""
    base = arm.config.model_dump(mode="json")
    for key, dist in spec.search.items():
        samples = dist.choices if isinstance(dist, Choices) else [dist.low, dist.high]
        for value in samples:
            raw = copy.deepcopy(base)
            set_key(raw, key, value, where, "search")
            try:
                _check_config(train_config(raw, f"{where} (search: {key} = {value!r})"), where)
            except GanbenchError as exc:
                raise GanbenchError(
                    f"{exc} The search key {key!r} must name a setting of the arm "
                    f"'{arm.label}' and every value in its range must be allowed."
                ) from None


def _check_config(cfg: TrainConfig, where: str) -> None:
    """Component parameters are validated by each component's own model, not by TrainConfig."""
    resolve(registry.datasets, cfg.dataset, "dataset", where)
    resolve(registry.losses, cfg.loss, "loss", where)
    resolve(registry.schedules, cfg.schedule, "schedule", where)


def with_search_values(arm: Cell, values: dict[str, Any], where: str) -> TrainConfig:
    """The arm's configuration with a trial's sampled values applied."""
    raw = arm.config.model_dump(mode="json")
    for key, value in values.items():
        set_key(raw, key, value, where, "search")
    return train_config(raw, where)


def available_metrics(arm: Cell) -> list[str]:
    """Metric names an evaluation of this arm records: ``<metric>/<output>`` for every metric that
    applies to the dataset and is selected by ``metrics:`` (or, without it, is on by default), plus
    ``stability/<quantity>``."""
    cfg = arm.config
    dataset_cls, params = resolve(registry.datasets, cfg.dataset, "dataset", "configuration")
    dataset = dataset_cls(params, resolve_device("cpu"))
    names = []
    for name in registry.metrics.names():
        cls = registry.metrics.get(name)
        chosen = cls.by_default if cfg.metrics is None else name in cfg.metrics
        if chosen and cls.applies_to(dataset):
            names += [f"{name}/{out}" for out in cls.outputs]
    return names + [f"stability/{k}" for k in STABILITY_OBJECTIVES]


#: Stability quantities a tuning objective may name (recorded per seed by the runner).
STABILITY_OBJECTIVES = ("oscillation", "peak_to_final_drop", "quality_final", "d_acc_late")


def check_objectives(spec: TuningSpec, arm: Cell, where: str) -> None:
    known = available_metrics(arm)
    for item in spec.objectives():
        if item.metric not in known:
            raise GanbenchError(
                f"{where}: objective: no metric of dataset '{arm.config.dataset.name}' records "
                f"{item.metric!r}; available: {', '.join(known)}."
            )
