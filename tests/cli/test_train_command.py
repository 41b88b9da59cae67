"""``ganbench train`` and ``ganbench list`` for real, as a user runs them."""

import os
import signal
import subprocess
import time

import matplotlib.image

from tests.conftest import GANBENCH, restore_ctrl_c


def test_train_shows_per_seed_table_and_saves_samples(cli, tmp_path):
    proc = cli(
        "train",
        "--dataset",
        "ring",
        "--loss",
        "wasserstein",
        "--schedule",
        "alternating",
        "--set",
        "schedule.d_steps=5",
        "--seeds",
        "3",
        "--g-steps",
        "20",
        "--set",
        "generator.width=32",
        "--set",
        "discriminator.width=32",
        "--out",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "per-seed results" in out and "100/20" in out  # 5:1 → 100 D updates for 20 G updates
    table = out[out.index("per-seed results") : out.index("final metrics")].splitlines()
    rows = [line.split() for line in table if line.split() and line.split()[0].isdigit()]
    assert [row[0] for row in rows] == ["0", "1", "2"]
    for row in rows:  # seed, D loss, G loss, acc real " %", acc fake " %", updates, diverged
        assert row[4] == row[6] == "%" and row[7] == "100/20" and row[8] in ("no", "at"), row
        assert 0 <= float(row[3]) <= 100 and 0 <= float(row[5]) <= 100, row
    image = matplotlib.image.imread(tmp_path / "samples.png")
    assert image.shape[0] > 200 and image.shape[1] > 600  # three seed panels side by side


def test_train_on_a_folder_of_pngs_draws_an_image_grid(cli, tmp_path):
    from ganbench.registry import datasets

    params = datasets.get("image_folder").example_params(tmp_path)  # 12 small PNGs in two classes
    args = ["--dataset", "image_folder", "--set", f"dataset.path={params['path']}", "--set", "dataset.side=8"]
    proc = cli("train", *args, "--seeds", "2", "--g-steps", "3", "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    image = matplotlib.image.imread(tmp_path / "o" / "samples.png")[..., :3]
    assert image.shape[1] > 900  # real images and two seeds' grids side by side
    assert ((image.max(axis=-1) - image.min(axis=-1)) > 0.3).mean() > 0.05  # in colour


def test_config_file_and_overrides_combine(cli, tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("loss: {name: hinge}\nschedule: simultaneous\ng_steps: 5\nbatch_size: 32\n")
    proc = cli("train", "--config", str(cfg), "--set", "g_steps=7", "--out", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    assert "hinge + simultaneous" in proc.stdout and "7/7" in proc.stdout


def test_list_names_every_builtin_and_its_source(cli):
    proc = cli("list")
    assert proc.returncode == 0, proc.stderr
    for name in (
        "minimax",
        "modified_minimax",
        "wasserstein",
        "hinge",
        "least_squares",
        "wgan_gp",
        "relativistic",
        "alternating",
        "epochwise",
        "simultaneous",
        "adaptive",
        "ring",
        "grid",
        "highdim",
        "digits",
        "stacked_digits",
        "npz",
    ):
        assert name in proc.stdout
    assert "built-in losses/wasserstein.py" in proc.stdout
    dcgan = next(line for line in proc.stdout.splitlines() if "│ dcgan" in line)
    assert "width (default 64)" in dcgan and "name (default" not in dcgan  # `name` picks the family


def test_ctrl_c_during_training_says_so_and_exits_130(tmp_path):
    env = {**os.environ, "COLUMNS": "200"}
    args = [GANBENCH, "train", "--g-steps", "1000000", "--out", str(tmp_path)]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, preexec_fn=restore_ctrl_c
    )
    try:
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:  # wait for the line that opens training
            if proc.stdout.readline().startswith("Training"):
                break
        assert proc.poll() is None, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()  # a no-op once it has exited; never leave a million-step run behind
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert not (tmp_path / "samples.png").exists()


def test_train_flags_a_finite_blow_up_as_diverged(cli, tmp_path):
    """WGAN-clip at lr 10 never produces a non-finite loss, but its losses and samples run off: the
    command applies the benchmark's bounds (1e6 on losses, 1,000 × the data's scale on samples)."""
    small = ["--set", "generator.width=32", "--set", "discriminator.width=32"]
    args = [
        "train",
        "--loss",
        "wasserstein",
        "--seeds",
        "2",
        "--g-steps",
        "60",
        *small,
        "--out",
        str(tmp_path),
    ]
    blown = cli(*args, "--set", "g_optimizer.lr=10", "--set", "d_optimizer.lr=10")
    calm = cli(*args)
    assert blown.returncode == 0 and calm.returncode == 0, blown.stderr + calm.stderr

    def diverged_column(out: str) -> list[str]:
        table = out[out.index("per-seed results") : out.index("final metrics")].splitlines()
        rows = [line.split() for line in table if line.split() and line.split()[0].isdigit()]
        return [row[-1] if row[-1] == "no" else " ".join(row[-2:]) for row in rows]

    assert all(cell.startswith("at ") for cell in diverged_column(blown.stdout)), blown.stdout
    assert diverged_column(calm.stdout) == ["no", "no"], calm.stdout


def test_train_takes_a_cpu_thread_count_and_says_it(cli, tmp_path):
    """On a 2-core machine other jobs keep busy, two threads ran small convolutions 7–11× slower
    than one (a plain PyTorch DCGAN loop too): ``--threads 1`` is the way out, and the run says how
    many it uses."""
    tiny = ["--set", "generator.width=8", "--set", "discriminator.width=8", "--set", "batch_size=16"]
    proc = cli("train", "--threads", "1", "--g-steps", "2", *tiny, "--device", "cpu", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "on cpu (1 CPU thread(s))." in proc.stdout
