"""A non-editable install finds the built-in plugins: they travel inside the wheel."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_carries_builtin_plugins_and_discovers_them(tmp_path):
    # Build offline with the pinned backend already in the venv (no isolated download).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    wheel = next((tmp_path / "dist").glob("ganbench-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for kind in ("losses", "schedules", "datasets", "metrics"):
        builtin = sorted(p.name for p in (ROOT / "registry" / kind).glob("*.py"))
        packed = sorted(Path(n).name for n in names if n.startswith(f"ganbench/_builtin_registry/{kind}/"))
        assert builtin and packed == builtin, f"{kind}: {packed} != {builtin}"

    # Import the unpacked wheel from a folder outside the checkout: discovery must use the packed copy.
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "from ganbench import discovery, registry;"
        "print(discovery.builtin_dir());"
        "print(','.join(registry.losses.names()));"
        "print(len(discovery.failures))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    ).stdout.split()
    assert out[0] == str(site / "ganbench" / "_builtin_registry")
    assert set(out[1].split(",")) >= {"minimax", "modified_minimax", "wasserstein", "hinge", "wgan_gp"}
    assert out[2] == "0"
