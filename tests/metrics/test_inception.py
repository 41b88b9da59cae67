"""The `inception` metric (FID and KID in Inception-v3 features through torch-fidelity).

Where torch-fidelity imports (it needs torchvision, which loads only against a torch build it was
made for — the GPU machine's CUDA wheels, not the CPU wheel ``make setup`` pins), the wiring is
checked against torch-fidelity itself: the same random-initialised Inception weights, the same
images, FID to 1e-3 and the same KID through ganbench and through ``torch_fidelity.calculate_metrics``.
Elsewhere that test is skipped with the reason, and what runs everywhere is checked: the image
conversion, the messages that say how to install the extra or where the weights go, that nothing is
downloaded, and that the metric stays off by default and off digit data.
"""

from __future__ import annotations

import importlib

import pytest
import torch

from ganbench.errors import GanbenchError, UnavailableError
from ganbench.metrics import inception
from ganbench.metrics.evaluator import build_evaluator
from ganbench.registry import metrics


def fidelity_or_skip():
    try:
        return inception.torch_fidelity()
    except UnavailableError as exc:
        pytest.skip(f"torch-fidelity cannot be imported here, so its wiring is not tested: {exc}")


def test_samples_become_the_uint8_rgb_images_they_came_from():
    g = torch.Generator().manual_seed(0)
    u8 = torch.randint(0, 256, (5, 3, 6, 7), generator=g, dtype=torch.uint8)
    back = inception.to_uint8_rgb(u8.float() / 127.5 - 1, (3, 6, 7))
    assert back.dtype == torch.uint8 and torch.equal(back, u8)
    grey = torch.randint(0, 256, (4, 6, 6), generator=g, dtype=torch.uint8)
    rgb = inception.to_uint8_rgb((grey.float() / 127.5 - 1).reshape(4, 36), (6, 6))
    assert rgb.shape == (4, 3, 6, 6) and all(torch.equal(rgb[:, c], grey) for c in range(3))
    with pytest.raises(ValueError, match="4 channels"):
        inception.to_uint8_rgb(torch.zeros(2, 4, 3, 3), (4, 3, 3))


def test_weights_are_never_downloaded_and_a_missing_file_says_where_it_goes(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(UnavailableError, match="never downloads.*--inception-weights PATH"):
        inception.weights_path()
    with pytest.raises(GanbenchError, match="does not exist"):
        inception.weights_path(tmp_path / "nowhere.pth")
    cached = tmp_path / "hub" / "checkpoints" / inception.WEIGHTS_FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert inception.weights_path() == cached
    assert inception.weights_path(cached) == cached


def test_without_torch_fidelity_the_message_says_how_to_install(monkeypatch):
    real_import = importlib.import_module

    def no_fidelity(name, *args):
        if name == "torch_fidelity":
            raise RuntimeError("operator torchvision::nms does not exist")
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_fidelity)
    with pytest.raises(UnavailableError, match=r"torchvision::nms.*pip install -e '\.\[fid\]'"):
        inception.torch_fidelity()


def test_inception_is_opt_in_and_only_for_natural_images(toys):
    cls = metrics.get("inception")
    assert cls.by_default is False
    assert cls.applies_to(toys["colour_images"])
    assert not any(cls.applies_to(toys[k]) for k in ("digits", "stacked", "mnist", "stacked_mnist", "ring"))
    assert "inception" not in build_evaluator(toys["colour_images"], n_real=20).metrics


def random_inception_weights(path, fidelity) -> None:
    """torch-fidelity's Inception-v3 with random (seeded) weights, saved as a state dict at ``path``."""
    module = importlib.import_module("torch_fidelity.feature_extractor_inceptionv3")
    empty = path.with_name("empty.pth")
    torch.save({}, empty)
    with pytest.MonkeyPatch.context() as mp, torch.random.fork_rng(devices=[]):
        mp.setattr(module.FeatureExtractorInceptionV3, "load_state_dict", lambda self, *a, **k: None)
        torch.manual_seed(0)
        model = fidelity.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], str(empty))
    torch.save(model.state_dict(), path)


class Images(torch.utils.data.Dataset):
    """uint8 images (N, 3, H, W) as torch-fidelity reads an input."""

    def __init__(self, images):
        self.images = images

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i]


def test_fid_and_kid_match_torch_fidelity_with_the_same_random_weights(tmp_path, toys):
    fidelity = fidelity_or_skip()
    weights = tmp_path / "inception-random.pth"
    random_inception_weights(weights, fidelity)
    g = torch.Generator().manual_seed(1)
    real = torch.randint(0, 256, (120, 3, 32, 32), generator=g, dtype=torch.uint8)
    fake = (real.float() * 0.7 + 30 * torch.rand(120, 3, 32, 32, generator=g)).round().to(torch.uint8)
    dataset = toys["colour_images"]
    dataset.image_shape = dataset.sample_shape = (3, 32, 32)
    cls = metrics.get("inception")
    params = cls.Params(weights=str(weights), kid_subsets=10, kid_subset_size=50)
    ours = cls(params, dataset).compute((fake.float() / 127.5 - 1)[None], real.float() / 127.5 - 1)
    theirs = fidelity.calculate_metrics(
        input1=Images(fake),
        input2=Images(real),
        fid=True,
        kid=True,
        kid_subsets=10,
        kid_subset_size=50,
        feature_extractor_weights_path=str(weights),
        cuda=torch.cuda.is_available(),
        cache=False,
        save_cpu_ram=True,
        verbose=False,
    )
    assert ours["fid"].item() == pytest.approx(theirs["frechet_inception_distance"], rel=1e-3, abs=1e-3)
    assert ours["kid"].item() == pytest.approx(theirs["kernel_inception_distance_mean"], rel=1e-3, abs=1e-6)
    assert ours["fid"].item() > 0
