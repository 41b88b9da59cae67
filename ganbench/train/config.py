"""The configuration of one training run (a "cell" of an experiment), validated with pydantic.

Components are written ``{name: ..., <param>: ...}``: the name picks a registered component and the
other keys are that component's parameters, validated by its own ``Params`` model. ``--set
loss.clip=0.02`` on the command line addresses exactly these keys.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ganbench import registry
from ganbench.contracts.network import DEFAULT_NETWORK, NetParams
from ganbench.errors import RegistryError


class ComponentRef(BaseModel):
    """A registered component by name, with its keyword parameters alongside."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def network_params(raw: Any) -> NetParams:
    """One player's network settings, validated by the ``Params`` of the family they name
    (``name``; ``mlp`` when left out): ``{name: dcgan, width: 32}`` → that family's params."""
    if isinstance(raw, NetParams):
        return raw
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise PydanticCustomError("network", "must be a mapping such as {name: dcgan, width: 32}")
    name = raw.get("name", DEFAULT_NETWORK)
    try:
        family = registry.networks.get(str(name))
    except RegistryError as exc:
        raise PydanticCustomError("network", str(exc)) from None
    return family.Params.model_validate(raw)


def default_network() -> NetParams:
    """The default family (``mlp``) at its default settings."""
    return network_params({})


class OptimizerConfig(BaseModel):
    """One player's optimizer. Two different learning rates are the two-time-scale rule (TTUR)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Literal["adam", "rmsprop", "sgd"] = "adam"
    lr: float = Field(2e-4, gt=0)
    betas: tuple[float, float] = (0.5, 0.999)
    momentum: float = Field(0.0, ge=0, lt=1, description="SGD and RMSprop momentum")
    weight_decay: float = Field(0.0, ge=0)

    @field_validator("betas")
    @classmethod
    def _betas_in_range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not all(0 <= b < 1 for b in v):
            raise ValueError("both betas must lie in [0, 1)")
        return v


class TrainConfig(BaseModel):
    """Everything needed to train one configuration for a list of seeds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: ComponentRef = ComponentRef(name="ring")
    loss: ComponentRef = ComponentRef(name="modified_minimax")
    schedule: ComponentRef = ComponentRef(name="alternating")
    # Each player's network: a registered family (registry/networks/) and its settings.
    generator: SerializeAsAny[NetParams] = Field(default_factory=default_network)
    discriminator: SerializeAsAny[NetParams] = Field(default_factory=default_network)
    z_dim: int = Field(16, ge=1, description="noise dimension")
    g_optimizer: OptimizerConfig = OptimizerConfig()
    d_optimizer: OptimizerConfig = OptimizerConfig()
    batch_size: int = Field(256, ge=2)
    g_steps: int = Field(2000, ge=1, description="training budget, in generator updates per seed")
    seeds: list[int] = Field(default_factory=lambda: [0], min_length=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    streams: Literal["auto", "philox", "generator"] = Field(
        "auto",
        description="per-seed random numbers: philox (one vectorized draw for all seeds), generator "
        "(one torch.Generator per seed); auto = philox on CUDA, generator on the CPU",
    )
    eval_every: int = Field(500, ge=1, description="evaluate every N generator updates (and at the end)")
    eval_samples: int | None = Field(None, ge=2, description="samples per seed at evaluation points")
    curve_samples: int | None = Field(
        None,
        ge=2,
        description="samples per seed for the learning curves (every evaluation point; fewer than "
        "eval_samples makes the points before the last cheaper); the final values still use "
        "eval_samples. None = eval_samples",
    )
    metrics: list[str] | None = Field(None, description="metric names; None = all that apply")
    metric_params: dict[str, dict[str, Any]] = Field(default_factory=dict, description="metric → parameters")
    log_every: int = Field(50, ge=1, description="report training statistics every N ticks")
    compile: Literal["auto", "off", "on", "graphs"] = Field(
        "auto",
        description="on: compile each update with torch.compile(fullgraph=True) (CUDA graphs on CUDA); "
        "graphs: record each update once as a CUDA graph and replay it (CUDA only, nothing compiled); "
        "auto = each device's measured best (see docs/performance.md)",
    )
    matmul_precision: Literal["highest", "high"] = Field(
        "highest", description="float32 matrix products: highest = full FP32; high = TF32 on CUDA"
    )

    @model_serializer(mode="wrap")
    def _omit_default_execution_settings(self, handler):
        """``compile``, ``matmul_precision`` and ``curve_samples`` at their defaults are left out of
        dumps, so runs recorded before they existed keep their parameters and identity; set, they are
        recorded."""
        data = handler(self)
        for name in ("compile", "matmul_precision", "curve_samples"):
            if name in data and data[name] == type(self).model_fields[name].default:
                del data[name]
        return data

    @model_validator(mode="after")
    def _remedies_fit(self) -> TrainConfig:
        if self.generator.pack != 1:
            raise ValueError("generator.pack: packing is a discriminator option (PacGAN); leave it at 1")
        if self.generator.unroll:
            raise ValueError(
                "generator.unroll: unrolling is a discriminator option (Metz 2017); leave it at 0"
            )
        if self.batch_size % self.discriminator.pack:
            raise ValueError(
                f"batch_size {self.batch_size} is not a multiple of discriminator.pack "
                f"{self.discriminator.pack}: the discriminator judges groups of pack samples"
            )
        if self.discriminator.unroll and self.compile == "on":
            raise ValueError(
                "discriminator.unroll with compile: on — the unrolled look-ahead is not compiled; "
                "use compile: off or auto"
            )
        return self

    @field_validator("generator", "discriminator", mode="before")
    @classmethod
    def _network(cls, v: Any) -> NetParams:
        return network_params(v)

    @field_validator("seeds")
    @classmethod
    def _unique_seeds(cls, v: list[int]) -> list[int]:
        if len(set(v)) != len(v) or any(s < 0 for s in v):
            raise ValueError("seeds must be distinct non-negative integers")
        return v
