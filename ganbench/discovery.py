"""Plugin discovery: find the files and packages that register components.

Order (DESIGN.md):
1. the built-in ``registry/`` folder (inside the package when installed from a wheel);
2. extra folders from ``--registry DIR`` or ``GANBENCH_REGISTRY`` (os.pathsep-separated);
3. installed packages' entry points in the group ``ganbench.plugins``.

The built-in report sections (``registry/reports/``) load when report sections are first looked up:
they need the plotting and statistics stack (matplotlib, seaborn, scipy.stats, pandas: 1.3 s of CPU
at every process's start on a 2-core Xeon), which training, tuning and worker processes never use.
Where user plugins are present (a folder or an entry point) every built-in loads first, as before,
so the order above holds for every name.

Every ``*.py`` file below a plugin folder (names starting with ``_`` are skipped) is imported once.
A file that fails to import, or registers a component that breaks its contract, is recorded in
:data:`failures` with its path and error, and the rest still load; the names the file meant to
register are marked broken in their registry, so asking for one shows that error, not "unknown".
A duplicate component name is not a broken plugin but an ambiguity, so it is raised.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ganbench.errors import ContractError, RegistryError

ENTRY_POINT_GROUP = "ganbench.plugins"
ENV_VAR = "GANBENCH_REGISTRY"


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded: where it is and why."""

    where: str
    error: str

    def __str__(self) -> str:
        return f"{self.where}: {self.error}"


failures: list[PluginFailure] = []
extra_dirs: list[Path] = []  # folders given with --registry, for worker processes to load too
_loaded_files: set[Path] = set()
_state = {"started": False}
#: Built-in sub-folders that load on the first lookup of their kind, not with the rest (see above).
DEFERRED = ("reports",)
_deferred_loaded: set[str] = set()
#: The registries plugins register into, by kind (``losses`` …), handed over by ``ganbench.registry``
#: on its first lookup: discovery marks their broken names and each entry point's distribution.
_registries: dict[str, Any] = {}


def builtin_dir() -> Path:
    """The folder holding the built-in plugins (wheel layout first, then the source checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "_builtin_registry"
    return packaged if packaged.is_dir() else here.parent / "registry"


def ensure_discovered(registries: Mapping[str, Any], kind: str | None = None) -> None:
    """Run discovery once for ``registries`` (``ganbench.registry.ALL``): built-ins,
    ``GANBENCH_REGISTRY`` folders, then entry points; and the deferred built-ins of ``kind`` (a key
    of ``registries``) on its first lookup."""
    _registries.update(registries)
    if not _state["started"]:
        _state["started"] = True  # set first: plugin files look names up while they load
        folders, plugins = env_dirs(), list(entry_points(group=ENTRY_POINT_GROUP))
        if folders or plugins:
            load_builtins()
        else:
            load_directory(builtin_dir(), skip=DEFERRED)
        for folder in folders:
            load_directory(folder)
        load_entry_points(plugins)
    if kind in DEFERRED and kind not in _deferred_loaded:
        _deferred_loaded.add(kind)
        load_directory(builtin_dir() / kind)


def load_builtins() -> None:
    """Every built-in plugin, the deferred ones included (before any user plugin loads)."""
    _deferred_loaded.update(DEFERRED)
    load_directory(builtin_dir())


def env_dirs() -> list[Path]:
    """Folders listed in ``GANBENCH_REGISTRY``."""
    raw = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def add_directories(folders: list[Path] | list[str], registries: Mapping[str, Any]) -> None:
    """Load extra plugin folders (``--registry DIR``) after the built-ins."""
    ensure_discovered(registries)
    load_builtins()
    for folder in folders:
        load_directory(Path(folder))
        extra_dirs.append(Path(folder).expanduser().resolve())


def load_directory(folder: Path, skip: tuple[str, ...] = ()) -> None:
    """Import every plugin file below ``folder`` (but those below its sub-folders named in
    ``skip``); a missing folder is a user error."""
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise RegistryError(
            f"plugin folder {str(folder)!r} does not exist or is not a directory "
            f"(given with --registry or {ENV_VAR})."
        )
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).parts
        if any(part.startswith(("_", ".")) for part in parts) or (len(parts) > 1 and parts[0] in skip):
            continue
        load_file(path)


def load_file(path: Path) -> None:
    """Import one plugin file (once), recording a failure instead of raising."""
    path = path.resolve()
    if path in _loaded_files:
        return
    _loaded_files.add(path)
    module_name = "ganbench_plugins._" + hashlib.sha1(str(path).encode()).hexdigest()[:12] + "_" + path.stem
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        failures.append(PluginFailure(str(path), "not an importable Python file"))
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except RegistryError:
        sys.modules.pop(module_name, None)
        raise
    except ContractError as exc:  # refused at registration: the message names file and method
        sys.modules.pop(module_name, None)
        failures.append(PluginFailure(str(path), str(exc)))
        _mark_broken(path, str(exc))
    except Exception as exc:  # a broken plugin must not take the others down
        sys.modules.pop(module_name, None)
        error = _describe(exc, path)
        failures.append(PluginFailure(str(path), error))
        _mark_broken(path, f"its plugin file {path} failed to load — {error}. Fix or remove that file.")


REGISTER_CALL = re.compile(r"\b(\w+)\.register\(\s*[\"']([A-Za-z0-9_]+)[\"']")


def _mark_broken(path: Path, why: str) -> None:
    """Record ``why`` for every ``<registry>.register("name")`` in ``path`` that did not register."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return
    for kind, name in REGISTER_CALL.findall(text):
        reg = _registries.get(kind)
        if reg is not None and name not in reg:
            reg.broken.setdefault(name, why)


def load_entry_points(plugins: list | None = None) -> None:
    """Import the modules named by installed packages' ``ganbench.plugins`` entry points (``plugins``:
    those already looked up)."""
    for ep in entry_points(group=ENTRY_POINT_GROUP) if plugins is None else plugins:
        dist = getattr(getattr(ep, "dist", None), "name", None) or ep.value
        for reg in _registries.values():
            reg.current_distribution = dist
        try:
            ep.load()
        except RegistryError:
            raise
        except Exception as exc:
            failures.append(PluginFailure(f"entry point {ep.name!r} of {dist}", _describe(exc)))
        finally:
            for reg in _registries.values():
                reg.current_distribution = None


def _describe(exc: BaseException, path: Path | None = None) -> str:
    """``Type: message (line N)``, N being the plugin file's own line where it failed."""
    lines = [
        f.lineno for f in traceback.extract_tb(exc.__traceback__) if path is None or Path(f.filename) == path
    ]
    if isinstance(exc, SyntaxError) and exc.lineno:
        lines.append(exc.lineno)
    where = f" (line {lines[-1]})" if lines and f"line {lines[-1]})" not in str(exc) else ""
    return f"{type(exc).__name__}: {exc}{where}"
