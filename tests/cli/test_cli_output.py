"""What the command line shows a newcomer: its version, the defaults in its help, and whole tables
when its output goes to a file or CI rather than a terminal."""

import os
import subprocess

from conftest import GANBENCH

from ganbench import __version__


def test_version(cli):
    proc = cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"ganbench {__version__}"


def test_help_shows_the_defaults_written_in_help_texts(cli):
    # typer renders help through rich markup, where a bare "[default: ring]" vanished
    text = " ".join(cli("train", "--help").stdout.split())
    for shown in ("[default: ring]", "[default: modified_minimax]", "[default: alternating]"):
        assert shown in text, text


def test_piped_output_is_not_cropped_at_80_columns():
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    proc = subprocess.run([GANBENCH, "list"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    # one table row holds the whole parameter list and the whole source of least_squares
    row = next(line for line in proc.stdout.splitlines() if "least_squares" in line)
    assert "c (default 1.0, batchable)" in row and "losses/least_squares.py" in row
    assert max(len(line) for line in proc.stdout.splitlines()) > 80
