"""Checks a tracking store before anything is written to it, and retries MLflow's store creation
when two processes race to create (migrate) the same fresh store.

A SQLite store must be readable and writable (the file and its folder: SQLite writes a journal
beside it) and intact (``PRAGMA quick_check``); these checks take milliseconds, where MLflow
itself would retry a read-only file for minutes or train into a corrupted one. A server or database
store must answer on its port within seconds (MLflow retries an unreachable one for about two
minutes); its credentials are checked by the first query
:meth:`ganbench.tracking.tracker.Tracker.connect` makes.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy
from sqlalchemy.pool import NullPool

from ganbench.errors import GanbenchError
from ganbench.experiment.masking import mask_text, mask_url

T = TypeVar("T")

#: Error messages of a store-creation race: two processes ran MLflow's migrations at once, or one
#: held the write lock while the other wanted it. Such a first contact is retried, not reported.
RACE_MARKERS = (
    "duplicate column name",
    "already exists",
    "database is locked",
    "unique constraint failed",
    "expected to match one row",  # alembic: the other process moved the schema version on
)
RACE_RETRIES = 6
RACE_BACKOFF_SECONDS = 0.5


DEFAULT_URI = "sqlite:///mlflow.db"


def resolve_uri(uri: str | None) -> str:
    """``--tracking-uri``, else ``MLFLOW_TRACKING_URI``, else the embedded SQLite file."""
    return uri or os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_URI


def sqlite_path(tracking_uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI (None for other stores or in-memory SQLite)."""
    prefix = "sqlite:///"
    if not tracking_uri.startswith(prefix) or tracking_uri[len(prefix) :] in ("", ":memory:"):
        return None
    return Path(tracking_uri[len(prefix) :].split("?", 1)[0])


def check_sqlite_store(uri: str, what: str = "tracking store") -> None:
    """Refuse, with its cause, a SQLite store (``what``: the tracking store or the study storage)
    that cannot be written or is damaged. Writes nothing (but rolls back the hot journal a killed
    writer left, as any opener would): a store that does not exist yet is only
    checked for a writable folder."""
    path = sqlite_path(uri)
    if path is None:
        check_reachable(uri, what)
        return
    folder = path.parent if str(path.parent) else Path(".")
    advice = "Pass a writable SQLite path or a server; nothing was written."
    if not folder.is_dir():
        raise GanbenchError(f"{what} {mask_url(uri)!r}: the folder {str(folder)!r} does not exist. {advice}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise GanbenchError(
            f"{what} {mask_url(uri)!r}: the folder {str(folder)!r} is read-only (SQLite "
            f"writes a journal beside the database). {advice}"
        )
    if not path.exists():
        return
    if not path.is_file() or not os.access(path, os.R_OK | os.W_OK):
        raise GanbenchError(f"{what} {mask_url(uri)!r}: {str(path)!r} is not a writable file. {advice}")
    problem = _quick_check(path)
    if problem:
        raise GanbenchError(
            f"{what} {mask_url(uri)!r} is damaged: SQLite's quick_check says {problem!r}. "
            "Restore it from a copy or pass a fresh store; nothing was written."
        )


#: Default ports of the stores reached over the network (MLflow's database URIs and servers).
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306, "mssql": 1433, "http": 80, "https": 443}
CONNECT_SECONDS = 5.0


#: Database stores whose login is tried once before MLflow or Optuna open them: their own first
#: connection retries for about 100 s (MLflow) or for ever (``mlflow server``) on a wrong password.
LOGIN_SCHEMES = ("postgresql", "mysql")
LOGIN_SECONDS = 10


def check_reachable(uri: str, what: str = "tracking store") -> None:
    """Refuse, with its cause and within seconds, a database or server store whose host does not
    answer on its port (MLflow itself retries such a store for about two minutes before it gives
    up), and a database that refuses the login (a wrong password or database name)."""
    parts = urlsplit(uri)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise GanbenchError(f"{what} {mask_url(uri)!r}: the port is not a number.") from None
    try:
        socket.create_connection((parts.hostname, port), timeout=CONNECT_SECONDS).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise GanbenchError(
            f"{what} {mask_url(uri)!r} is unreachable: nothing answers at {parts.hostname}:{port} "
            f"({reason}). Start the server or pass another store; nothing was trained or written."
        ) from None
    if scheme in LOGIN_SCHEMES:
        _check_login(uri, what)


def _check_login(uri: str, what: str) -> None:
    """One connection to the database, given up after :data:`LOGIN_SECONDS`."""
    engine = sqlalchemy.create_engine(
        uri, connect_args={"connect_timeout": LOGIN_SECONDS}, poolclass=NullPool
    )
    try:
        engine.connect().close()
    except Exception as exc:  # the drivers raise their own types
        detail = mask_text(root_cause(exc), [uri])
        raise GanbenchError(
            f"{what} {mask_url(uri)!r} refused the connection ({detail[:300]}). Check the user, password "
            "and database name; nothing was trained or written."
        ) from None
    finally:
        engine.dispose()


#: What SQLite and the operating system say when a disk is full.
FULL_DISK = ("database or disk is full", "No space left on device")


def full_disk(exc: BaseException, uris: list[str]) -> GanbenchError | None:
    """The paragraph for an error caused by a full disk (found anywhere in its chain), else None.
    ``uris`` are the stores in use: the first SQLite file's folder is where the space is missing."""
    chain, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    if not any(
        any(text in str(e) for text in FULL_DISK) or (isinstance(e, OSError) and e.errno == errno.ENOSPC)
        for e in chain
    ):
        return None
    paths = [p for p in (sqlite_path(u) for u in uris) if p is not None]
    folder = (paths[0].parent if paths and str(paths[0].parent) else Path(".")).resolve()
    try:
        free = f"{shutil.disk_usage(folder).free / 1e6:.1f} MB free there now"
    except OSError:
        free = "its free space unknown"
    return GanbenchError(
        f"the disk holding {folder} is full ({free}): a write to the store failed. The store is intact "
        "(SQLite undid the write that failed) and finished runs are kept. Free some space, or point "
        "--tracking-uri (and --storage) at a disk with room, then rerun the same command to resume."
    )


#: SQLite's answer to a read-only connection that finds a hot journal it would have to roll back.
SQLITE_READONLY_ROLLBACK = 776


def _quick_check(path: Path) -> str:
    """'' when ``PRAGMA quick_check`` finds the database intact, else its first complaint.

    Read-only, except after a process was killed in the middle of a write (SIGKILL, the OOM killer,
    a node lost): its hot journal must be rolled back before anyone reads, which a read-only
    connection cannot do ("attempt to write a readonly database"). Then the check opens the file as
    MLflow and Optuna would, which rolls the journal back (the last committed state), and checks that."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
            rows = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        if getattr(exc, "sqlite_errorcode", None) != SQLITE_READONLY_ROLLBACK:
            return str(exc)
        try:
            with closing(sqlite3.connect(path, timeout=30)) as db:
                rows = db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as again:
            return str(again)
    first = str(rows[0][0]) if rows else "no answer"
    return "" if first == "ok" else first


@contextmanager
def creating_lock(uri: str) -> Iterator[None]:
    """Hold an exclusive lock on a SQLite store's folder (``flock`` on the folder itself: no file is
    written) while the block runs, so that two ganbench processes never run MLflow's table creation
    and migrations on one fresh file at once (that race fails with "duplicate column name" or leaves
    a half-migrated schema). Other stores: no lock (a server migrates its own store)."""
    path = sqlite_path(uri)
    if path is None:
        yield
        return
    fd = os.open(path.parent if str(path.parent) else ".", os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def is_creation_race(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it chains) is a store-creation race (see RACE_MARKERS)."""
    seen: BaseException | None = exc
    while seen is not None:
        if any(marker in str(seen).lower() for marker in RACE_MARKERS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def retry_creation_race(action: Callable[[], T]) -> T:
    """``action()``, retried with a growing pause while it fails with a store-creation race."""
    for attempt in range(RACE_RETRIES):
        try:
            return action()
        except Exception as exc:
            if attempt == RACE_RETRIES - 1 or not is_creation_race(exc):
                raise
            time.sleep(RACE_BACKOFF_SECONDS * (attempt + 1))
    raise AssertionError("unreachable")


def root_cause(exc: BaseException) -> str:
    """The first line of the innermost exception ``exc`` chains (the real cause, not MLflow's
    wrapper), with any URL password masked."""
    inner = exc
    while inner.__cause__ is not None or inner.__context__ is not None:
        inner = inner.__cause__ or inner.__context__
    lines = [line for line in str(inner).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(inner).__name__
