"""Base model for a component's keyword parameters (validated from the experiment spec)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Params(BaseModel):
    """Parameters of one component. Subclass it as a nested ``Params`` class and declare fields
    with types, defaults and bounds (``Field(gt=0)``): misspelt names, wrong types and impossible
    values are then rejected with a clear message before anything trains."""

    model_config = ConfigDict(extra="forbid", frozen=True)
