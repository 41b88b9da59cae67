"""The README's plugin example works as the README says: one file, no other edit."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_plugin():
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n# registry/losses/(\w+)\.py\n(.*?)```", text, re.S)
    assert block, "README lost its plugin example"
    return block.group(1), block.group(2)


def test_readme_loss_example_is_short():
    _, code = readme_plugin()
    assert len([line for line in code.splitlines() if line.strip()]) <= 20


def test_readme_loss_is_listed_trainable_and_contract_tested(tmp_path, cli):
    name, code = readme_plugin()
    plugins = tmp_path / "plugins" / "losses"
    plugins.mkdir(parents=True)
    (plugins / f"{name}.py").write_text(code)
    env = {"GANBENCH_REGISTRY": str(tmp_path / "plugins")}

    listed = cli("list", env=env)
    assert listed.returncode == 0 and name in listed.stdout and "margin" in listed.stdout

    trained = cli(
        "train",
        "--loss",
        name,
        "--set",
        "loss.margin=2",
        "--g-steps",
        "10",
        "--seeds",
        "2",
        "--set",
        "generator.width=16",
        "--set",
        "discriminator.width=16",
        "--out",
        str(tmp_path / "o"),
        env=env,
    )
    assert trained.returncode == 0, trained.stderr
    assert f"{name} + alternating" in trained.stdout

    # The contract suite picks it up from the registry: its tests are collected and pass.
    import os

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            name,
            str(ROOT / "tests" / "contracts" / "test_loss_contract.py"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    contract = (ROOT / "tests" / "contracts" / "test_loss_contract.py").read_text()
    expected = len(re.findall(r"^def test_", contract, flags=re.M))  # one case per check
    assert expected >= 5 and re.search(rf"\b{expected} passed\b", proc.stdout), proc.stdout[-500:]
