"""Base model for a component's keyword parameters (validated from the experiment spec), and how a
parameter declares itself *batchable* (one value per member of a batched model)."""

from __future__ import annotations

from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import Tensor

BATCHABLE = "batchable"


class Params(BaseModel):
    """Parameters of one component. Subclass it as a nested ``Params`` class and declare fields
    with types, defaults and bounds (``Field(gt=0)``): misspelt names, wrong types and impossible
    values are then rejected with a clear message before anything trains.

    A float parameter declared with :func:`Batchable` instead of ``Field`` may differ between the
    members of one batched model: configurations that differ only in such parameters (and in
    optimizer settings) train together as one population. The trainer then hands the component an
    (S,) float32 tensor on the training device — member i's value at index i — in place of the
    float; built directly (in a script, a test) it is still the float. Write the code so that
    both work: ``per_member(value, like=x)`` broadcasts either against a tensor whose leading
    axis is the member axis. A parameter that changes shapes or control flow (a width, a number of
    steps) must stay a plain ``Field``: members differing in it train apart.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)


def Batchable(default: Any = ..., **kwargs: Any) -> Any:  # noqa: N802 — reads like pydantic's Field
    """``Field(default, **kwargs)`` for a float parameter that may differ between members."""
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    return Field(default, json_schema_extra={**extra, BATCHABLE: True}, **kwargs)


def batchable_fields(params_cls: type[BaseModel]) -> set[str]:
    """Names of the fields of ``params_cls`` declared with :func:`Batchable`."""
    out = set()
    for name, info in params_cls.model_fields.items():
        extra = info.json_schema_extra
        if isinstance(extra, dict) and extra.get(BATCHABLE):
            out.add(name)
    return out


def per_member(value: float | Tensor, like: Tensor) -> float | Tensor:
    """A batchable parameter, shaped to broadcast against ``like`` (leading member axis): a float
    stays a float; an (S,) tensor becomes (S, 1, …, 1)."""
    if not torch.is_tensor(value):
        return value
    return value.view(-1, *[1] * (like.dim() - 1))


def stack_members(params_cls: type[BaseModel], members: list[BaseModel], device: torch.device) -> BaseModel:
    """One ``params_cls`` object for a population: batchable fields as (S,) float32 tensors of the
    members' values, every other field from the first member (the grouping guarantees they agree)."""
    fields = batchable_fields(params_cls)
    if not fields:
        return members[0]
    values = members[0].model_dump()
    for name in fields:
        values[name] = torch.tensor(
            [float(getattr(m, name)) for m in members], dtype=torch.float32, device=device
        )
    return params_cls.model_construct(**values)


def select_members(params: BaseModel, rows: Tensor, n_members: int) -> BaseModel:
    """``params`` with every per-member (S,) tensor cut down to ``rows``; plain values unchanged."""
    update = {
        name: value[rows.to(value.device)]
        for name, value in params.__dict__.items()
        if torch.is_tensor(value) and value.dim() == 1 and value.shape[0] == n_members
    }
    return params.model_copy(update=update) if update else params
