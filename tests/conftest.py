"""Shared fixtures."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# One CPU thread per torch in every test process and every process a test starts (set before torch is
# imported; children inherit it): `make test` runs 2 pytest workers on 2 cores, and each with torch's
# default of a thread per core, plus the benchmarks' children, oversubscribed the cores with
# spin-waiting OpenMP threads — the trainer tests took 4× as long (44.7 s against 10.8 s). A test about
# threads sets them itself.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from ganbench import discovery, registry  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GANBENCH = str(Path(sys.executable).parent / "ganbench")
#: The console script where the package is installed; ``python -m ganbench`` where it is only on the
#: path (the GPU check puts it on PYTHONPATH).
GANBENCH_CMD = [GANBENCH] if Path(GANBENCH).exists() else [sys.executable, "-m", "ganbench"]


#: What trains the 28×28 digit classifier into the cache, if it is not there yet.
PREWARM = "from ganbench.metrics.classifier import load_classifier; load_classifier(side=28)"
_PREWARM_CHILD = pytest.StashKey[subprocess.Popen]()


@pytest.hookimpl(trylast=True)  # after the cache plugin's configure
def pytest_configure(config: pytest.Config) -> None:
    """With pytest workers (``-n``), the controller — otherwise idle — trains the 28×28 classifier in
    a child process (about a minute of CPU, into the cache folder of :func:`classifier_cache`) while
    the workers start on other tests. Otherwise the first test that needs it trains it, and the other
    worker, needing it too, waits on its file lock: a worker idle for most of a minute of every
    fresh-clone run. A test that asks before the child is done waits on the same lock; one that asks
    before the child has taken it trains the classifier itself, and the child then only loads it."""
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return
    store = getattr(config, "cache", None)
    if store is None:  # -p no:cacheprovider: each worker trains into a folder of its own
        return
    env = {**os.environ, "GANBENCH_CACHE": str(store.mkdir("ganbench_cache"))}
    config.stash[_PREWARM_CHILD] = subprocess.Popen(
        [sys.executable, "-c", PREWARM], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    """The classifier's child ends with the session (no test needed it, or it is done)."""
    child = config.stash.get(_PREWARM_CHILD, None)
    if child is not None and child.poll() is None:
        child.terminate()
        child.wait(timeout=60)


@pytest.fixture(scope="session", autouse=True)
def classifier_cache(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Point GANBENCH_CACHE (the bundled digit classifiers' weights) at one folder for every test:
    pytest's own cache folder (``.pytest_cache/d/ganbench_cache``), never the user's cache.

    The 28×28 classifier takes a minute of CPU to train, so it is trained once — the first test
    that needs it trains it while the other pytest workers wait on its file lock — and later
    sessions reuse it (the file name is a hash of the settings, so changed settings retrain). A
    session without pytest's cache plugin (``-p no:cacheprovider``) trains into a temporary folder."""
    store = getattr(request.config, "cache", None)
    path = store.mkdir("ganbench_cache") if store is not None else tmp_path_factory.mktemp("ganbench_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANBENCH_CACHE", str(path))
        yield path


@pytest.fixture(autouse=True)
def store_variables_restored():
    """Undo what a test leaves in this process's store variables: ``mlflow.set_tracking_uri`` also
    sets ``MLFLOW_TRACKING_URI``, which every later child process of the pytest worker then inherits
    (a SLURM job once logged into an earlier test's store that way)."""
    keys = ("MLFLOW_TRACKING_URI", "GANBENCH_STORAGE", "GANBENCH_REGISTRY")
    before = {key: os.environ.get(key) for key in keys}
    yield
    for key, value in before.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def scratch_registry():
    """Yield nothing; afterwards drop every component and failure that the test added. The built-ins
    are discovered first: found during the test, they would count as its additions and be dropped
    (discovery runs once a process), leaving every later test of the process an empty registry."""
    for reg in registry.ALL.values():  # runs discovery, once per process, the deferred built-ins too
        reg.names()
    before = {kind: set(reg._entries) for kind, reg in registry.ALL.items()}
    broken_before = {kind: dict(reg.broken) for kind, reg in registry.ALL.items()}
    failures_before = list(discovery.failures)
    yield
    for kind, reg in registry.ALL.items():
        for name in set(reg._entries) - before[kind]:
            reg.unregister(name)
        reg.broken.clear()
        reg.broken.update(broken_before[kind])
    discovery.failures[:] = failures_before


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 300):
    """Run the installed ``ganbench`` console script for real and capture its output."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [*GANBENCH_CMD, *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=timeout
    )


def restore_ctrl_c() -> None:
    """``preexec_fn`` for a child that must see Ctrl-C as a terminal delivers it. A shell that starts
    a job in the background (``make test &``, some CI runners) ignores SIGINT, every descendant
    inherits that, and Python then never installs its KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def cli():
    """The :func:`run_cli` helper, as a fixture."""
    return run_cli


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session's browser tests (see ``tests/browser.py``)."""
    from browser import launch  # tests/ is on sys.path (rootdir-relative conftest)

    with launch() as browser:
        yield browser


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL server of the session's own (see ``tests/services.py``): its URL."""
    from services import postgres_server

    with postgres_server() as url:
        yield url
