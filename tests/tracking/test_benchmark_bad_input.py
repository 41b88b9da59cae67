"""Bad benchmark input fails before any training, and never touches results already recorded."""

import shutil

import pytest

from .conftest import QUICK, benchmark, free_port

pytestmark = pytest.mark.slow


def test_unreachable_tracking_uri_fails_fast(tmp_path):
    uri = f"http://127.0.0.1:{free_port()}"
    proc = benchmark(tmp_path, str(QUICK), "--tracking-uri", uri, timeout=120)
    message = " ".join(proc.stderr.split())
    assert (
        proc.returncode == 2
        and uri in message
        and "unreachable" in message
        and "nothing was trained" in message
    )
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: q\ndatasets: [ring\n", "malformed YAML"),
        (
            "name: q\ndatasets: [ring]\nlosses: [hinge]\nschedules: [simultaneous]\nbudget: 3\n",
            "budget: is not a known key",
        ),
        (
            "name: q\ndatasets: [ring]\nlosses: [hinge, wasserstien]\nschedules: [simultaneous]\n",
            "losses[1].name 'wasserstien' is not registered",
        ),
    ],
)
def test_bad_spec_leaves_existing_results_untouched(quick_store, tmp_path, text, expected):
    store = tmp_path / "store"
    shutil.copytree(quick_store, store)
    before = (store / "mlflow.db").read_bytes()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    proc = benchmark(store, str(bad))
    message = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and str(bad) in message and expected in message, message
    assert (store / "mlflow.db").read_bytes() == before
