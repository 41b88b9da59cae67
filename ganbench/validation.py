"""Turn raw user input (YAML, ``--set key=value``) into validated objects, or one clear error.

Every error names where the input came from (a file, or "command line"), the key path, what is
wrong and what is allowed — never a traceback from deep inside.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ganbench import registry
from ganbench.contracts.network import NetParams
from ganbench.errors import GanbenchError, RegistryError
from ganbench.registry import Registry, did_you_mean
from ganbench.train.config import ComponentRef, TrainConfig


def format_validation_error(
    exc: ValidationError, where: str, prefix: str = "", model: type[BaseModel] | None = None
) -> str:
    """One paragraph listing each problem as ``where: key.path: message`` (with a "did you mean"
    for an unknown key when ``model`` is given)."""
    problems = []
    for err in exc.errors():
        path = _join(prefix, ".".join(str(p) for p in err["loc"]))
        if err["type"] == "extra_forbidden":
            msg = "is not a known key"
            if model is not None and err["loc"]:
                msg += did_you_mean(str(err["loc"][-1]), _field_names(model, err["loc"][:-1]))
        else:
            msg = err["msg"]
            if "input" in err and not isinstance(err["input"], dict):
                got = err["input"]
                msg += (
                    f" (got {clip(got, quoted=True)})"
                    if isinstance(got, str)
                    else f" (got {clip(shown(got))})"
                )
        problems.append(f"{where}: {path or '(top level)'}: {msg}")
    return "; ".join(problems) + "."


def validate(model: type[BaseModel], raw: Any, where: str, prefix: str = "") -> Any:
    """``model.model_validate(raw)`` with a user-facing error; also lists the allowed keys on a typo."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        message = format_validation_error(exc, where, prefix, model)
        if any(e["type"] == "extra_forbidden" for e in exc.errors()):
            message += f" Allowed keys{' of ' + prefix if prefix else ''}: {describe_fields(model)}."
        raise GanbenchError(message) from None


def describe_fields(model: type[BaseModel], skip: tuple[str, ...] = ()) -> str:
    """``name (default …)`` for each field of ``model`` but ``skip``, for error messages and
    ``ganbench list``."""
    parts = []
    for name, field in model.model_fields.items():
        if name in skip:
            continue
        default = (
            "required"
            if field.is_required()
            else f"default {shown(field.get_default(call_default_factory=True))}"
        )
        extra = field.json_schema_extra
        batchable = ", batchable" if isinstance(extra, dict) and extra.get("batchable") else ""
        parts.append(f"{name} ({default}{batchable})")
    return ", ".join(parts) or "none"


def resolve(registry: Registry, ref: ComponentRef, path: str, where: str) -> tuple[type, Any]:
    """Look a component up and validate its parameters: returns (class, params object)."""
    try:
        cls = registry.get(ref.name)
    except RegistryError as exc:
        raise GanbenchError(f"{where}: {path}.name: {exc}") from None
    params = validate(cls.Params, ref.params, where, prefix=f"{path} ({ref.name})")
    return cls, params


def set_key(raw: dict[str, Any], key: str, value: Any, where: str, source: str = "--set") -> None:
    """Set the dotted ``key`` (``a.b.c``) of ``raw`` to ``value`` in place, as given (typed: a grid's
    or a trial's number stays a number). A missing section is created (validation then names an
    unknown key); a value in the way is an error naming ``source`` (``--set``, ``grid``, ``search``).
    The one setter of ``--set``, a spec's ``grid`` and ``variants``, and a tuning trial's values."""
    node = raw
    parts = key.strip().split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise GanbenchError(f"{where}: {source}: {key}: {part!r} is a value, not a section.")
        node = child
    node[parts[-1]] = value


def apply_overrides(
    raw: dict[str, Any], assignments: list[str], where: str = "command line"
) -> dict[str, Any]:
    """Apply ``a.b.c=value`` assignments (values parsed as YAML scalars) to a copy of ``raw``."""
    out = copy.deepcopy(raw)
    for item in assignments:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise GanbenchError(
                f"{where}: --set {item!r} must look like key.path=value, e.g. loss.clip=0.02."
            )
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        set_key(out, key, value, where)
    return out


COMPONENT_KEYS = ("dataset", "loss", "schedule")


def expand_shorthand(raw: dict[str, Any]) -> dict[str, Any]:
    """``loss: hinge`` is shorthand for ``loss: {name: hinge}``; a component given only parameters
    (``--set schedule.d_steps=5``) keeps the default component's name."""
    out = dict(raw)
    for key in COMPONENT_KEYS:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = {"name": value}
        elif isinstance(value, dict) and "name" not in value:
            out[key] = {"name": TrainConfig.model_fields[key].default.name, **value}
    return out


def train_config(raw: dict[str, Any], where: str) -> TrainConfig:
    """Validate a raw dictionary as a :class:`TrainConfig`."""
    return validate(TrainConfig, expand_shorthand(raw), where)


def shown(value: Any) -> str:
    """A value as a user wrote it in YAML, never a Python repr: ``ring`` for a component
    reference, ``{"width": 128, "depth": 3}`` for a section, ``[0.5, 0.999]`` for a list."""
    if isinstance(value, BaseModel):
        dumped = value.model_dump(mode="json")
        if set(dumped) <= {"name", "params"} and not dumped.get("params"):  # a component reference
            return str(dumped.get("name"))
        return json.dumps(dumped)
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=str)
    if value is None:
        return "null"
    return str(value)


#: Characters of a user's value an error message repeats (a 100,000-character name is not echoed).
SHOWN_CHARS = 80


def clip(text: str, most: int = SHOWN_CHARS, quoted: bool = False) -> str:
    """``text``, or its start and end around ``…`` and its length when longer than ``most``;
    ``quoted``: each part as Python writes a string (the length counts the text, not the quotes)."""
    show = repr if quoted else str
    if len(text) <= most:
        return show(text)
    half = (most - 10) // 2
    return f"{show(text[:half])}…{show(text[-half:])} ({len(text):,} characters)"


def _field_names(model: type[BaseModel], loc: tuple) -> list[str]:
    """The keys allowed at ``loc`` inside ``model`` (nested sections followed), [] when unknown."""
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    if issubclass(model, NetParams):  # a player's network: the keys of every registered family
        families = [registry.networks.get(name).Params for name in registry.networks.names()]
        return sorted({key for family in families for key in family.model_fields})
    return list(model.model_fields)


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix and path else prefix or path
