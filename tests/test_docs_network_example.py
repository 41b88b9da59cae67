"""The one-file network of docs/networks.md works as the page says: dropped into a plugin folder it
is listed, trains from the command line, and the network contract suite runs on it with no edit."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # three subprocesses: about 20 s of CPU
ROOT = Path(__file__).resolve().parent.parent


def docs_network():
    text = (ROOT / "docs" / "networks.md").read_text()
    block = re.search(r"```python\n# registry/networks/(\w+)\.py\n(.*?)```", text, re.S)
    assert block, "docs/networks.md lost its one-file example"
    return block.group(1), block.group(2)


def test_docs_network_is_listed_trainable_and_contract_tested(tmp_path, cli):
    name, code = docs_network()
    plugins = tmp_path / "plugins" / "networks"
    plugins.mkdir(parents=True)
    (plugins / f"{name}.py").write_text(code)
    env = {"GANBENCH_REGISTRY": str(tmp_path / "plugins")}

    listed = cli("list", env=env)
    assert listed.returncode == 0 and name in listed.stdout and "width" in listed.stdout

    sets = [f"generator.name={name}", f"discriminator.name={name}", "discriminator.width=16"]
    args = [x for s in sets for x in ("--set", s)]
    trained = cli("train", "--dataset", "digits", *args, "--g-steps", "4", "--seeds", "2",
                  "--out", str(tmp_path / "o"), env=env)  # fmt: skip
    assert trained.returncode == 0, trained.stderr

    contract = ROOT / "tests" / "contracts" / "test_network_contract.py"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", name, str(contract)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **env},
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    checks = len(re.findall(r"^@pytest.mark.parametrize\(\"case\"", contract.read_text(), flags=re.M))
    expected = checks * 3  # each check on one example variant × plain, spectral norm, packing
    assert checks >= 5 and re.search(rf"\b{expected} passed\b", proc.stdout), proc.stdout[-500:]
