"""Bad input → exit code 2 and one clear paragraph naming what is wrong and what is allowed."""

import pytest
import torch

CASES = [
    (
        ["--loss", "wasserstien"],
        ["loss.name", "'wasserstien' is not registered (did you mean 'wasserstein'?)", "available:"],
    ),
    (["--schedule", "alternate"], ["schedule.name", "alternating", "epochwise"]),
    (["--dataset", "rings"], ["dataset.name", "ring", "grid"]),
    (
        ["--loss", "wasserstein", "--set", "loss.clipp=0.1"],
        ["loss (wasserstein).clipp", "not a known key (did you mean 'clip'?)"],
    ),
    (["--loss", "wasserstein", "--set", "loss.clip=0"], ["loss (wasserstein).clip", "greater than 0"]),
    (["--set", "schedule.d_steps=two"], ["schedule (alternating).d_steps", "integer", "'two'"]),
    (["--g-steps", "-5"], ["g_steps", "greater than or equal to 1", "-5"]),
    (["--set", "batch_size=abc"], ["batch_size", "integer"]),
    (["--set", "generator.activation=sigmoidish"], ["generator.activation", "relu", "leaky_relu"]),
    (
        ["--set", "lerning_rate=0.1"],
        ["lerning_rate", "not a known key", "g_optimizer", "dataset (default ring)"],
    ),
    (["--set", "generator.widht=64"], ["generator.widht", "not a known key (did you mean 'width'?)"]),
    (
        ["--dataset", "npz", "--set", "dataset.path=/nonexistent/data.npz"],
        ["/nonexistent/data.npz", "does not exist"],
    ),
    (["--set", "noequals"], ["key.path=value"]),
    (
        ["--dataset", "image_folder", "--set", "dataset.path=/nonexistent/pictures"],
        ["dataset 'image_folder'", "/nonexistent/pictures", "is not a folder", "PNG or JPEG"],
    ),
    (
        ["--dataset", "npz", "--set", "dataset.path=x.npy", "--set", "dataset.pixels=0-255"],
        ["dataset (npz).pixels", "bytes", "unit"],
    ),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_exits_2_with_one_clear_paragraph(cli, tmp_path, args, expected):
    proc = cli("train", "--g-steps", "1", *args, "--out", str(tmp_path))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    message = " ".join(proc.stderr.split())
    assert "Traceback" not in proc.stderr
    assert message.startswith("ganbench:") and "ComponentRef" not in message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from: {message}"
    assert not (tmp_path / "samples.png").exists()


def test_unreadable_npz_file(cli, tmp_path):
    bad = tmp_path / "garbage.npz"
    bad.write_bytes(b"this is not numpy")
    proc = cli("train", "--dataset", "npz", "--set", f"dataset.path={bad}", "--g-steps", "1")
    assert (
        proc.returncode == 2 and str(bad) in " ".join(proc.stderr.split()) and "Traceback" not in proc.stderr
    )


def test_malformed_config_file(cli, tmp_path):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("loss: [unclosed\n")
    proc = cli("train", "--config", str(cfg))
    message = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and str(cfg) in message and "malformed YAML" in message


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu(cli):
    proc = cli("train", "--device", "cuda", "--g-steps", "1")
    assert proc.returncode == 2 and "no CUDA device is available" in proc.stderr


def test_missing_registry_folder(cli, tmp_path):
    proc = cli("--registry", str(tmp_path / "nope"), "list")
    assert proc.returncode == 2 and "does not exist" in proc.stderr
