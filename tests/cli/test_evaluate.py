"""``ganbench evaluate`` on sample files with known answers, built from real digits
(``ganbench.testing.digit_samples``), run as the installed command.

Stacked digits (the registered 8×8 `stacked_digits`, float files) and stacked MNIST (28×28, uint8
files; a small plugin dataset registered through ``--registry``, so these tests need no other
branch's datasets): real stacks → about all 1,000 modes and a reverse KL near 0; one stack repeated
→ 1 mode, KL = ln 1000; ten stacks equally often → 10 modes, KL = ln 100. Stacked digits' real
stacks are scored at the protocol's 26,000 samples; the degenerate sets, whose answers do not depend
on the count, and stacked MNIST's real stacks at 2,600 (``--n-samples``), the latter against the true
class triples of the same draw (its 26,000-sample answer is checked in-process by
``tests/metrics/test_mnist_modes.py``). Bad files and requests exit 2 with one paragraph.
"""

from __future__ import annotations

import io
import json
import math
import textwrap

import numpy as np
import pytest
from sklearn.datasets import load_digits

from ganbench.data.mnist import load_mnist
from ganbench.testing.digit_samples import one_mode, real_stacks, ten_modes

N_PROTOCOL = 26_000
N_SMALL = "2600"

MNIST_PLUGIN = '''
"""`test_stacked_mnist`: three MNIST digits as channels (3, 28, 28) in [−1, 1] (a test stand-in)."""
import torch
from ganbench.api import ClassifierModes, Dataset, datasets
from ganbench.data.mnist import load_mnist


@datasets.register("test_stacked_mnist")
class TestStackedMnist(Dataset):
    """Stacks of three independent bundled MNIST digits: 1,000 modes."""

    sample_shape = (3, 28, 28)
    image_shape = (3, 28, 28)
    bounded = True

    def __init__(self, params, device):
        super().__init__(params, device)
        self.data = torch.tensor(load_mnist()[0], dtype=torch.float32, device=self.device) / 127.5 - 1

    def sample(self, n, generator):
        return self.data[torch.randint(len(self.data), (n, 3), generator=generator, device=self.device)]

    def modes(self):
        return ClassifierModes(channels=3, side=28)
'''


def digits_float():
    d = load_digits()
    return (d.images / 8 - 1).astype(np.float32), d.target


def evaluate_json(cli, *args) -> dict:
    """``ganbench ARGS --json`` (ARGS: the global options, then ``evaluate …``) as a dict."""
    proc = cli(*args, "--json", timeout=900)  # a loaded 2-core machine: minutes at 26,000 samples
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def mnist_registry(tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "test_stacked_mnist.py").write_text(textwrap.dedent(MNIST_PLUGIN))
    return ["--registry", str(folder)]


def check_degenerate(one: dict, ten: dict) -> None:
    assert one["modes/covered"] == 1 and one["modes/kl"] == pytest.approx(math.log(1000), abs=1e-9)
    assert ten["modes/covered"] == 10 and ten["modes/kl"] == pytest.approx(math.log(100), abs=1e-9)
    assert one["frechet/fd"] > ten["frechet/fd"] > 0  # one stack sits farther from the data than ten


@pytest.mark.slow
def test_stacked_digits_known_answers(cli, tmp_path):
    images, labels = digits_float()
    np.save(tmp_path / "real.npy", real_stacks(images, N_PROTOCOL, seed=0))
    ones = one_mode(images, labels, int(N_SMALL))[0]
    np.savez(tmp_path / "one.npz", samples=ones, labels=np.zeros(len(ones)))
    tens = ten_modes(images, labels, int(N_SMALL))[0]
    np.savez(tmp_path / "ten.npz", samples=np.moveaxis(tens, 1, -1), labels=np.arange(len(tens)))
    real = evaluate_json(cli, "evaluate", "--dataset", "stacked_digits", str(tmp_path / "real.npy"))
    assert real["modes/covered"] >= 995 and real["modes/kl"] < 0.05
    assert real["prdc/coverage"] > 0.9
    # Two files in one command: scored side by side, keyed by file as given, --key for both.
    files = [str(tmp_path / "one.npz"), str(tmp_path / "ten.npz")]
    both = evaluate_json(
        cli, "evaluate", "--dataset", "stacked_digits", *files, "--key", "samples", "--n-samples", N_SMALL
    )
    assert list(both) == files
    check_degenerate(*both.values())
    assert real["frechet/fd"] < 0.01 * both[files[1]]["frechet/fd"]


@pytest.mark.slow
def test_stacked_mnist_known_answers_from_uint8_files(cli, tmp_path, mnist_registry):
    images, labels = load_mnist()
    n = int(N_SMALL)
    np.save(tmp_path / "real.npy", real_stacks(images, n, seed=0))
    np.save(tmp_path / "one.npy", np.moveaxis(one_mode(images, labels, n)[0], 1, -1))
    np.save(tmp_path / "ten.npy", ten_modes(images, labels, n)[0])
    files = [str(tmp_path / f"{name}.npy") for name in ("real", "one", "ten")]
    dataset = [*mnist_registry, "evaluate", "--dataset", "test_stacked_mnist", "--n-samples", N_SMALL]
    scores = evaluate_json(cli, *dataset, *files)
    real, one, ten = (scores[f] for f in files)
    # The same draw's true class triples (real_stacks' generator): what a perfect reader would count.
    # 2,600 uniform draws of 1,000 modes cover about 926 of them with a KL near 0.2; the protocol's
    # 26,000-sample answer (about 1,000 modes, KL near 0) is checked in-process (test_mnist_modes.py).
    triples = labels[np.random.default_rng(0).integers(len(images), size=(n, 3))]
    _, counts = np.unique(triples, axis=0, return_counts=True)
    p = counts / n
    true_kl = float(np.sum(p * np.log(p * 1000)))
    assert abs(real["modes/covered"] - len(counts)) <= 25 and abs(real["modes/kl"] - true_kl) < 0.05
    assert 0.85 < real["modes/high_quality"] < 1
    check_degenerate(one, ten)


def test_several_files_score_as_each_alone_and_share_one_table(cli, tmp_path):
    from rich.console import Console

    from ganbench.cli.evaluate_cmd import run_evaluate

    images, labels = digits_float()
    np.save(tmp_path / "real.npy", images)
    np.save(tmp_path / "ten.npy", ten_modes(images, labels, 300, channels=1)[0][:, 0])  # (300, 8, 8)
    np.save(tmp_path / "noise.npy", np.random.default_rng(1).uniform(-1, 1, (400, 8, 8)).astype(np.float32))
    files = [tmp_path / f"{name}.npy" for name in ("real", "ten", "noise")]
    together = evaluate_json(cli, "evaluate", "--dataset", "digits", "--n-samples", "300", *map(str, files))
    quiet = Console(file=io.StringIO())
    alone = {str(f): run_evaluate(quiet, quiet, "digits", f, n_samples=300, device="cpu") for f in files}
    assert together == alone  # the command's JSON, keyed by file as given, equals each file alone
    real, ten, noise = (together[str(f)] for f in files)
    assert real["modes/covered"] == ten["modes/covered"] == 10 and real["frechet/fd"] < noise["frechet/fd"]
    shown = Console(file=io.StringIO(), width=200)
    run_evaluate(shown, shown, "digits", files, n_samples=300, device="cpu")
    out = shown.file.getvalue()
    assert "300 samples (the first of each file's) of each file scored as digits" in out
    header = next(line for line in out.splitlines() if "metric" in line)
    assert all(f.name in header for f in files)


def test_the_table_names_metrics_values_and_feature_spaces(cli, tmp_path):
    images, labels = digits_float()
    np.save(tmp_path / "digits.npy", images)  # (1797, 8, 8): grey images of the `digits` layout
    proc = cli("evaluate", "--dataset", "digits", str(tmp_path / "digits.npy"))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "1,797 samples scored as digits, against 1,797 real samples" in out
    for key in ("modes/covered", "modes/high_quality", "modes/kl", "frechet/fd", "prdc/coverage"):
        assert key in out
    assert "8×8 digit classifier features" in out and "Fréchet distance" in out
    covered = next(line for line in out.splitlines() if "modes/covered" in line)
    assert "10" in covered.split()  # the data themselves: all ten digits
    # Every row says what it is: a metric's outputs beyond its headline too.
    density = next(line for line in out.splitlines() if "prdc/density" in line)
    assert "density (prdc)" in density


BAD = [
    (["missing.npy"], ["missing.npy", "does not exist", "takes images of 1 channel(s), 8×8 pixels"]),
    (["wrong.npy"], ["shape (5, 9, 9)", "not the dataset's layout", "(N, 1, 8, 8)"]),
    (["few.npy"], ["holds 5 samples", "the protocol for digits scores 1,797", "--n-samples N (N ≤ 5)"]),
    (["few.npy", "--n-samples", "6"], ["holds 5 samples", "--n-samples 6 asks for 6"]),
    (["few.npy", "--dataset", "stacked_digitz"], ["'stacked_digitz' is not registered", "stacked_digits"]),
    (["few.npy", "--inception"], ["--inception", "natural images", "8×8 digit classifier features"]),
    (["few.npy few.npy", "--key", "x"], ["few.npy", "single .npy array", "--key 'x' does not apply"]),
]


@pytest.mark.parametrize(("args", "expected"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_requests_exit_2_with_one_paragraph(cli, tmp_path, args, expected):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "wrong.npy", rng.uniform(-1, 1, (5, 9, 9)).astype(np.float32))
    np.save(tmp_path / "few.npy", rng.uniform(-1, 1, (5, 8, 8)).astype(np.float32))
    file, *rest = args
    if "--dataset" not in rest:
        rest += ["--dataset", "digits"]
    if "--inception" in rest:
        rest += ["--n-samples", "5"]
    proc = cli("evaluate", *(str(tmp_path / name) for name in file.split()), *rest)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout.count("{") == 0
    message = " ".join(proc.stderr.split())
    for part in expected:
        assert part in message, (part, message)


def test_inception_without_the_extra_says_how_to_install(cli, tmp_path):
    """Natural images (an `npz` dataset of RGB images): --inception needs torch-fidelity; where it does
    not import, one paragraph says how to install it (where it does, a missing weights file is named)."""
    images = np.random.default_rng(0).uniform(-1, 1, (40, 3, 8, 8)).astype(np.float32)
    np.save(tmp_path / "real.npy", images)
    np.save(tmp_path / "fake.npy", np.moveaxis(images, 1, -1))
    proc = cli(
        "evaluate", str(tmp_path / "fake.npy"), "--dataset", "npz", "--set", f"path={tmp_path / 'real.npy'}",
        "--inception", "--inception-weights", str(tmp_path / "no-weights.pth"),
    )  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    message = " ".join(proc.stderr.split())
    assert "pip install -e '.[fid]'" in message or "no-weights.pth' does not exist" in message, message
