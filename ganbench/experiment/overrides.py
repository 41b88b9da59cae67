"""``benchmark --add`` and ``--set``: change a spec from the command line, without writing a new one.

- ``--add KIND=NAME`` (``loss=margin_wasserstein``, ``dataset=npz``, ``schedule=adaptive``) appends a
  component to the spec's ``losses``, ``datasets`` or ``schedules``; ``KIND={name: …, param: …}``
  (YAML) gives it parameters. The other cells are untouched, so their runs already in the store are
  reused: only the new component's cells train. The experiment keeps its name and its report shows
  the newcomer beside the built-ins.
- ``--set KEY=VALUE`` sets one of the spec's own keys, dotted (``seeds=3``, ``train.g_steps=4000``,
  ``per_dataset.ring.eval_every=200``); the value is read as YAML. A setting that changes what an
  existing cell trains gives every cell a new identity: those runs could not be reused anyway, and
  mixed with the old ones under the same labels they would make a report compare unlike runs. So
  such a ``--set`` writes to its own experiment, ``<name>_set-<digest of the settings>`` — unless
  ``--set name=…`` names one. Settings that change no cell (``seeds``, ``description``) keep the name.

Both are applied after the spec's profile, before validation; the spec copy a queued benchmark keeps
already holds them, so workers train the same cells.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import yaml

from ganbench import registry
from ganbench.errors import GanbenchError, RegistryError
from ganbench.validation import apply_overrides, clip

LISTS = {"dataset": ("datasets", registry.datasets), "loss": ("losses", registry.losses)}
LISTS["schedule"] = ("schedules", registry.schedules)


@dataclass(frozen=True)
class CommandLineChanges:
    """The ``--add`` and ``--set`` items of one command, as typed."""

    add: tuple[str, ...] = field(default_factory=tuple)
    set: tuple[str, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.add or self.set)

    @property
    def flags(self) -> str:
        """``--add loss=x --set seeds=3``, for messages (each value clipped: a 100,000-character
        ``--set name=…`` is not echoed whole)."""
        return " ".join([*(f"--add {clip(a)}" for a in self.add), *(f"--set {clip(s)}" for s in self.set)])

    @property
    def names_experiment(self) -> bool:
        """Whether a ``--set name=…`` names the experiment."""
        return any(item.partition("=")[0].strip() == "name" for item in self.set)

    def apply(self, raw: dict[str, Any], where: str) -> dict[str, Any]:
        """A copy of the spec mapping ``raw`` with every ``--add`` then every ``--set`` applied."""
        out = copy.deepcopy(raw)
        for item in self.add:
            add_component(out, item, where)
        return apply_overrides(out, list(self.set), where) if self.set else out


def add_component(raw: dict[str, Any], item: str, where: str) -> None:
    """Append the component of ``--add KIND=NAME`` (or ``KIND={name: …, …}``) to ``raw`` in place."""
    kind, sep, text = item.partition("=")
    kind = kind.strip()
    if not sep or kind not in LISTS or not text.strip():
        raise GanbenchError(
            f"--add {item!r}: use loss=NAME, dataset=NAME or schedule=NAME (or KIND={{name: NAME, "
            "param: value} for parameters), e.g. --add loss=hinge."
        )
    key, reg = LISTS[kind]
    try:
        entry = yaml.safe_load(text)
    except yaml.YAMLError:
        entry = text.strip()
    if not isinstance(entry, (str, dict)) or (isinstance(entry, dict) and "name" not in entry):
        raise GanbenchError(
            f"--add {item!r}: give a {kind} name, or a mapping with a name: {{name: NAME, …}}."
        )
    name = entry if isinstance(entry, str) else entry["name"]
    try:
        reg.get(str(name))
    except RegistryError as exc:
        raise GanbenchError(f"--add {item}: {exc}") from None
    current = raw.get(key)
    if current == "all":
        raise GanbenchError(
            f"{where}: --add {item}: the spec's {key} are 'all' (every registered {kind} that works "
            f"with default parameters), so {name!r} is there already."
        )
    current = list(current or [])
    if entry in current or (isinstance(entry, str) and {"name": entry} in current):
        raise GanbenchError(f"{where}: --add {item}: the spec's {key} already hold {name!r}.")
    raw[key] = [*current, entry]
