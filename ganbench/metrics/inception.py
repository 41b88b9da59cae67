"""Inception-v3 features, FID and KID as papers report them, through torch-fidelity (an optional extra).

FID (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash
Equilibrium") is the Fréchet distance between Gaussians fitted to the 2048-D pool3 features of the
Inception-v3 network (Szegedy et al. 2016) on real and on generated images::

    FID = ‖μ_r − μ_g‖² + tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^{1/2})

KID (Bińkowski et al. 2018, "Demystifying MMD GANs") is the unbiased squared MMD between the same
features under the cubic polynomial kernel k(x, y) = (xᵀy / d + 1)³, averaged over random subsets
(100 subsets of 1,000 samples of each set by default; its standard deviation over subsets is
reported too).

The features are torch-fidelity's ``inception-v3-compat`` extractor, a port of the TensorFlow
Inception graph that the original FID code used, so values match the published ones: images enter as
uint8 RGB (generated samples in [−1, 1] are mapped with round((x + 1) · 127.5), as saving them as
PNG files does; one grey channel is repeated three times) and are resized to 299 × 299 inside the
network. The Fréchet distance is ganbench's (``ganbench.metrics.frechet``, float64, a symmetric
square root); KID is torch-fidelity's ``kid_features_to_metric``.

Nothing is downloaded: the weights come from ``weights`` (``--inception-weights PATH``) or from the
file torch-fidelity itself caches in torch hub's checkpoint folder
(``~/.cache/torch/hub/checkpoints/weights-inception-2015-12-05-6726825d.pth``). They are loaded
once with ``torch.load(..., weights_only=True)`` to refuse a file that holds code before
torch-fidelity reads it. torch-fidelity needs torchvision, whose compiled operators load only against
the torch build they were made for (a CPU-only torch from PyPI's mirror here does not load it), so
this module imports it only when asked and says how to install it when it cannot.
"""

from __future__ import annotations

import importlib
from functools import cache
from pathlib import Path
from types import ModuleType

import torch
from torch import Tensor

from ganbench.errors import GanbenchError, UnavailableError

WEIGHTS_FILE = "weights-inception-2015-12-05-6726825d.pth"
"""The file name torch-fidelity gives the converted TensorFlow Inception weights in torch hub's cache."""
FEATURE_SPACE = "Inception-v3 pool3 features"
INSTALL = (
    "Install the optional extra with `pip install -e '.[fid]'` (torch-fidelity), in an environment "
    "whose torch and torchvision builds match (for instance PyPI's CUDA wheels of both; torchvision "
    "does not load against the CPU-only torch wheel `make setup` pins)."
)
_BATCH = {"cuda": 256, "cpu": 32}  # 299×299 images per forward pass


def torch_fidelity() -> ModuleType:
    """The ``torch_fidelity`` package, or :class:`UnavailableError` saying why it cannot be used."""
    try:
        return importlib.import_module("torch_fidelity")
    except Exception as exc:  # torchvision fails with RuntimeError, not ImportError, on a mismatched torch
        raise UnavailableError(
            f"Inception FID and KID need torch-fidelity, which cannot be imported here "
            f"({type(exc).__name__}: {exc}). {INSTALL}"
        ) from None


def weights_path(given: str | Path | None = None) -> Path:
    """The Inception weights file: ``given``, else torch-fidelity's file in torch hub's cache.

    Never downloads: a missing file is an :class:`UnavailableError` saying where to put it."""
    if given is not None:
        path = Path(given).expanduser()
        if not path.is_file():
            raise GanbenchError(f"Inception weights file '{path}' does not exist or is not a regular file.")
        return path
    cached = Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS_FILE
    if not cached.is_file():
        raise UnavailableError(
            f"no Inception weights: ganbench never downloads them, and '{cached}' does not exist. Pass "
            f"--inception-weights PATH (the `inception` metric's `weights` parameter), or fetch them "
            f"once with torch-fidelity on a machine online (its first FID run stores {WEIGHTS_FILE} there)."
        )
    return cached


@cache
def extractor(path: str, device: str) -> torch.nn.Module:
    """torch-fidelity's ``inception-v3-compat`` feature extractor (2048-D pool3 features) on ``device``,
    with the weights in ``path`` (checked loadable with ``weights_only=True`` first). Memoised."""
    fidelity = torch_fidelity()
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise GanbenchError(
            f"Inception weights file '{path}' cannot be loaded as plain tensors "
            f"(torch.load weights_only=True: {type(exc).__name__}: {exc})."
        ) from None
    if not isinstance(state, dict) or not all(isinstance(v, Tensor) for v in state.values()):
        raise GanbenchError(f"Inception weights file '{path}' does not hold a state dict of tensors.")
    model = fidelity.FeatureExtractorInceptionV3(
        "inception-v3-compat", ["2048"], feature_extractor_weights_path=path
    )
    return model.to(device).eval()


def to_uint8_rgb(x: Tensor, image_shape: tuple[int, ...]) -> Tensor:
    """Samples in [−1, 1] (N, …) as uint8 RGB images (N, 3, H, W): round((x + 1) · 127.5), one grey
    channel repeated three times. ``image_shape``: (H, W) or (C, H, W) with C = 1 or 3."""
    images = x.reshape(len(x), *(image_shape if len(image_shape) == 3 else (1, *image_shape)))
    if images.shape[1] not in (1, 3):
        raise ValueError(f"Inception reads grey or RGB images; these have {images.shape[1]} channels")
    u8 = ((images.float() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8)
    return u8.expand(-1, 3, -1, -1) if u8.shape[1] == 1 else u8


@torch.no_grad()
def inception_features(model: torch.nn.Module, images: Tensor) -> Tensor:
    """2048-D pool3 features (N, 2048) float32 on the CPU of uint8 RGB ``images`` (N, 3, H, W)."""
    device = next(model.parameters()).device
    per_batch = _BATCH["cuda" if device.type == "cuda" else "cpu"]
    feats = [model(b.to(device))[0].cpu() for b in images.split(per_batch)]
    return torch.cat(feats)


def kid(fake: Tensor, real: Tensor, subsets: int, subset_size: int, seed: int) -> tuple[float, float]:
    """KID mean and standard deviation over ``subsets`` random subsets of ``subset_size`` features of
    each set (torch-fidelity's estimator and random subsets, seeded with ``seed``)."""
    metric_kid = importlib.import_module("torch_fidelity.metric_kid")
    size = min(subset_size, len(fake), len(real))
    out = metric_kid.kid_features_to_metric(
        fake, real, kid_subsets=subsets, kid_subset_size=size, rng_seed=seed, verbose=False
    )
    return out[metric_kid.KEY_METRIC_KID_MEAN], out[metric_kid.KEY_METRIC_KID_STD]
