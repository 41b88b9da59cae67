"""A small name → component registry, one instance per kind (losses, schedules, datasets, metrics,
report sections).

Components register themselves with a decorator::

    from ganbench.registry import losses

    @losses.register("hinge")
    class Hinge(Loss): ...

Each entry remembers where it came from (the file, and the distribution for entry-point plugins),
so runs can record which plugin provided each component. Looking a name up triggers plugin
discovery once (see ``ganbench.discovery``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from ganbench.errors import RegistryError

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
    """Name → component mapping for one kind of component."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}
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
            if name in self._entries:
                other = self._entries[name]
                raise RegistryError(
                    f"{self.kind} {name!r} is registered twice: first in {other.origin}, "
                    f"again in {source}. Rename one of them."
                )
            self._entries[name] = Entry(name, obj, source, self.current_distribution)
            return obj

        return decorator

    def unregister(self, name: str) -> None:
        """Remove ``name`` (used by tests that register temporary components)."""
        self._entries.pop(name, None)

    def entry(self, name: str) -> Entry[T]:
        """The entry for ``name``; an unknown name is an error listing what is available."""
        _ensure_discovered()
        try:
            return self._entries[name]
        except KeyError:
            available = ", ".join(self.names()) or "(none)"
            raise RegistryError(f"{self.kind} {name!r} is not registered; available: {available}.") from None

    def get(self, name: str) -> T:
        """The component registered under ``name``."""
        return self.entry(name).obj

    def names(self) -> list[str]:
        """Registered names, sorted."""
        _ensure_discovered()
        return sorted(self._entries)

    def entries(self) -> list[Entry[T]]:
        """All entries, sorted by name."""
        return [self._entries[n] for n in self.names()]

    def __contains__(self, name: object) -> bool:
        _ensure_discovered()
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())


def _source_of(obj: object) -> str:
    try:
        return inspect.getfile(obj)  # type: ignore[arg-type]
    except TypeError:
        return "<unknown>"


def _ensure_discovered() -> None:
    from ganbench import discovery  # local import: discovery imports plugin files that import us

    discovery.ensure_discovered()


losses: Registry = Registry("loss")
schedules: Registry = Registry("schedule")
datasets: Registry = Registry("dataset")
metrics: Registry = Registry("metric")
reports: Registry = Registry("report")  # report sections (registry/reports/)

ALL: dict[str, Registry] = {
    "losses": losses,
    "schedules": schedules,
    "datasets": datasets,
    "metrics": metrics,
    "reports": reports,
}
