"""A small name → component registry, one instance per kind (losses, schedules, datasets, networks,
metrics, report sections).

Components register themselves with a decorator::

    from ganbench.registry import losses

    @losses.register("hinge")
    class Hinge(Loss): ...

Each entry remembers where it came from (the file, and the distribution for entry-point plugins),
so runs can record which plugin provided each component. Looking a name up triggers plugin
discovery once (see ``ganbench.discovery``).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from ganbench import discovery
from ganbench.contracts import Dataset, Loss, Metric, Network, ReportSection, Schedule
from ganbench.errors import ContractError, RegistryError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One registered component and its provenance."""

    name: str
    obj: T
    source: str  # file path the component was defined in
    distribution: str | None = None  # set for components from an installed package's entry point

    @property
    def origin(self) -> str:
        """Where it came from, for humans and for run tags: 'dist (file)' or just the file."""
        return f"{self.distribution} ({self.source})" if self.distribution else self.source


class Registry(Generic[T]):
    """Name → component mapping for one kind of component.

    ``base`` and ``required`` are the kind's contract, checked when a component registers: a class
    that does not derive from ``base`` or leaves one of the ``required`` methods to the base (which
    only raises NotImplementedError) is refused with a :class:`ContractError` naming its file, so it
    never shows up in ``ganbench list`` only to fail in the middle of a run.
    """

    def __init__(self, kind: str, base: type | None = None, required: tuple[str, ...] = ()) -> None:
        self.kind = kind
        self.base = base
        self.required = required
        self._entries: dict[str, Entry[T]] = {}
        # name → why its plugin file could not be loaded (filled by discovery), shown when it is asked for
        self.broken: dict[str, str] = {}
        # Set by discovery while it loads an entry-point plugin, so entries record the distribution.
        self.current_distribution: str | None = None

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator registering ``obj`` under ``name``; a duplicate name is an error naming both files."""
        if not name or not name.replace("_", "").isalnum():
            raise RegistryError(
                f"{self.kind} name {name!r} is not allowed: use letters, digits and underscores."
            )

        def decorator(obj: T) -> T:
            source = _source_of(obj)
            self._check_contract(name, obj, source)
            if name in self._entries:
                other = self._entries[name]
                raise RegistryError(
                    f"{self.kind} {name!r} is registered twice: first in {other.origin}, "
                    f"again in {source}. Rename one of them."
                )
            self._entries[name] = Entry(name, obj, source, self.current_distribution)
            return obj

        return decorator

    def _check_contract(self, name: str, obj: object, source: str) -> None:
        """Refuse ``obj`` when it is not a ``base`` subclass implementing every ``required`` method."""
        if self.base is None:
            return
        contract = f"{self.base.__module__.replace('.', '/')}.py"
        if not (inspect.isclass(obj) and issubclass(obj, self.base)):
            raise ContractError(
                f"{self.kind} {name!r} in {source} is refused: it must be a class deriving from "
                f"{self.base.__name__} (see {contract}), got {type(obj).__name__} {obj!r}."
            )
        missing = [m for m in self.required if getattr(obj, m, None) is getattr(self.base, m)]
        if missing:
            methods = " and ".join(f"{m}()" for m in missing)
            raise ContractError(
                f"{self.kind} {name!r} in {source} is refused: it does not define {methods}, which "
                f"every {self.kind} must (the contract is {self.base.__name__} in {contract}). "
                f"Add {'it' if len(missing) == 1 else 'them'} to the class."
            )

    def unregister(self, name: str) -> None:
        """Remove ``name`` (used by tests that register temporary components)."""
        self._entries.pop(name, None)

    def entry(self, name: str) -> Entry[T]:
        """The entry for ``name``; an unknown name is an error listing what is available."""
        _ensure_discovered(self)
        try:
            return self._entries[name]
        except KeyError:
            raise RegistryError(self.unknown(name)) from None

    def unknown(self, name: str) -> str:
        """Why ``name`` is not available: its plugin failed to load, or a "did you mean" and the list."""
        if name in self.broken:
            return f"{self.kind} {name!r} is not available: {self.broken[name]}"
        available = ", ".join(self.names()) or "(none)"
        hint = did_you_mean(name, self.names())
        return f"{self.kind} {name!r} is not registered{hint}; available: {available}."

    def get(self, name: str) -> T:
        """The component registered under ``name``."""
        return self.entry(name).obj

    def names(self) -> list[str]:
        """Registered names, sorted."""
        _ensure_discovered(self)
        return sorted(self._entries)

    def entries(self) -> list[Entry[T]]:
        """All entries, sorted by name."""
        return [self._entries[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        _ensure_discovered(self)
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'ring'?)`` for the closest of ``choices`` to ``word``, or '' when none is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _source_of(obj: object) -> str:
    try:
        return inspect.getfile(obj)  # type: ignore[arg-type]
    except TypeError:
        return "<unknown>"


def _ensure_discovered(reg: Registry) -> None:
    discovery.ensure_discovered(ALL, next((kind for kind, r in ALL.items() if r is reg), None))


def add_directories(folders: list[Path] | list[str]) -> None:
    """Load extra plugin folders (``--registry DIR``, a worker's inherited ones) after the built-ins."""
    discovery.add_directories(folders, ALL)


losses: Registry = Registry("loss", Loss, ("d_loss", "g_loss"))
schedules: Registry = Registry("schedule", Schedule, ("next_step",))
datasets: Registry = Registry("dataset", Dataset, ("sample",))
networks: Registry = Registry("network", Network, ("generator", "discriminator"))
metrics: Registry = Registry("metric", Metric, ("compute",))
reports: Registry = Registry("report", ReportSection, ("build",))  # report sections (registry/reports/)

ALL: dict[str, Registry] = {
    "losses": losses,
    "schedules": schedules,
    "datasets": datasets,
    "networks": networks,
    "metrics": metrics,
    "reports": reports,
}
