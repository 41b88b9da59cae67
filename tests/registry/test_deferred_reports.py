"""The built-in report sections load on the first lookup of report sections, not with the rest: a
process that trains never imports the plotting and statistics stack; with user plugins present every
built-in loads first, so a user's section that takes a built-in's name is refused naming both files.
Each case runs in a fresh interpreter (discovery runs once a process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

HEAVY = ("matplotlib.pyplot", "seaborn", "scipy.stats")

PROBE = textwrap.dedent(
    f"""
    import json, sys
    from ganbench import registry
    losses = registry.losses.names()
    before = {{name: name in sys.modules for name in {HEAVY!r}}}
    try:
        sections = registry.reports.names()
    except Exception as exc:
        sections = [type(exc).__name__ + ": " + str(exc)]
    print(json.dumps([losses, before, sections]))
    """
)

SECTION = '''
from ganbench.api import ReportSection, reports

@reports.register("{name}")
class Mine(ReportSection):
    """A test section."""
    def build(self, data, out):
        return None
'''


def probe(env: dict | None = None) -> tuple[list, dict, list]:
    full = {k: v for k, v in os.environ.items() if k != "GANBENCH_REGISTRY"}
    env = {**full, **(env or {})}
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_looking_up_losses_leaves_the_plotting_stack_unimported_until_a_section_is_asked_for():
    losses, before, sections = probe()
    assert "wasserstein" in losses
    assert before == dict.fromkeys(HEAVY, False)
    assert {"budget", "samples", "convergence"} <= set(sections)


def test_with_a_user_folder_the_built_in_sections_load_first_and_a_clash_names_both_files(tmp_path):
    (tmp_path / "own.py").write_text(SECTION.format(name="own_section"))
    _, before, sections = probe({"GANBENCH_REGISTRY": str(tmp_path)})
    assert "own_section" in sections and "budget" in sections
    assert before["matplotlib.pyplot"]  # every built-in loaded before the user's folder

    (tmp_path / "clash.py").write_text(SECTION.format(name="budget"))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env={**os.environ, "GANBENCH_REGISTRY": str(tmp_path)},
        timeout=120,
    )
    message = proc.stdout + proc.stderr
    assert "registered twice" in message and "clash.py" in message and "budget.py" in message, message
