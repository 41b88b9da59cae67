"""The bundled 8×8 digit classifier: mode labels for `digits`/`stacked_digits`, features for image metrics.

A small CNN trained deterministically (fixed torch seed, on the CPU, a few seconds) on the train split
of scikit-learn's bundled digits (``sklearn.datasets.load_digits``, 1,797 8×8 images, never
downloaded), scaled ``x / 8 - 1`` to [-1, 1] like the datasets. The trained weights are cached on
disk in ``$GANBENCH_CACHE`` (default ``~/.cache/ganbench``) under a file name keyed by a hash of the
architecture and training settings, saved with ``torch.save(state_dict)`` and loaded with
``torch.load(..., weights_only=True)``. Changing any setting therefore trains (and caches) a new model.

Its role follows the stacked-MNIST protocol (Metz et al. 2017, "Unrolled GANs"; Srivastava et al. 2017,
VEEGAN; Lin et al. 2018, PacGAN): a pretrained classifier labels each channel of a generated sample,
and the tuple of labels is the sample's mode (10 modes for one channel, 1000 for three). Its
penultimate layer is the feature space of the image metrics (Fréchet distance, PRDC), as Inception
features are for FID on natural images.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ganbench.contracts.dataset import ClassifierModes, Modes

SIDE = 8  # images are 8×8
PIXELS = SIDE * SIDE
N_CLASSES = 10

CLASSIFIER_SIDES = frozenset({SIDE})
"""Image sides a bundled digit classifier exists for. Metrics that need one (``modes``, the
``classifier`` feature space) skip data whose ``ClassifierModes.side`` is not listed here — e.g.
28×28 MNIST until its classifier is added — instead of failing (see :func:`has_classifier`)."""

#: Architecture and training settings; the cache file name is a hash of these (see :func:`settings_key`).
SETTINGS: dict[str, Any] = {
    "arch": {"name": "digit_cnn", "conv": [16, 32], "hidden": 128},
    "train": {
        "seed": 0,
        "split_seed": 0,
        "test_size": 0.25,
        "epochs": 20,
        "batch_size": 64,
        "lr": 2e-3,
        "weight_decay": 1e-4,
    },
    "format": 1,  # bump when the meaning of the saved file changes
}

_INFER_BATCH = 4096  # images per forward pass at inference (bounds activation memory)


def has_classifier(modes: Modes | None) -> bool:
    """Whether ``modes`` are told apart by a bundled digit classifier: :class:`ClassifierModes` whose
    ``side`` is in :data:`CLASSIFIER_SIDES` (the one place that decides it)."""
    return isinstance(modes, ClassifierModes) and modes.side in CLASSIFIER_SIDES


class DigitClassifier(nn.Module):
    """Two 3×3 conv layers, a max-pool and a hidden layer (the feature space), then 10 logits.

    Input: 8×8 images in [-1, 1], shape ``(N, 1, 8, 8)`` or flattened ``(N, 64)``.
    """

    def __init__(self, conv: tuple[int, int] | list[int] = (16, 32), hidden: int = 128) -> None:
        super().__init__()
        c1, c2 = conv
        self.hidden = hidden
        self.body = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(c2 * (SIDE // 2) ** 2, hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, N_CLASSES)

    def features(self, x: Tensor) -> Tensor:
        """Penultimate-layer activations, (N, hidden)."""
        return self.body(x.reshape(-1, 1, SIDE, SIDE))

    def forward(self, x: Tensor) -> Tensor:
        """Class logits, (N, 10)."""
        return self.head(self.features(x))


def settings_key(settings: dict[str, Any] = SETTINGS) -> str:
    """A short hash of the architecture and training settings: the cache file's key."""
    blob = json.dumps(settings, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def cache_dir() -> Path:
    """``$GANBENCH_CACHE`` if set, else ``~/.cache/ganbench``."""
    return Path(os.environ.get("GANBENCH_CACHE") or Path.home() / ".cache" / "ganbench").expanduser()


def cache_path(settings: dict[str, Any] = SETTINGS) -> Path:
    """Where the trained weights for ``settings`` live."""
    return cache_dir() / f"digit_classifier-{settings_key(settings)}.pt"


def digits_split(settings: dict[str, Any] = SETTINGS) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The bundled digits scaled to [-1, 1], split into (x_train, y_train, x_test, y_test).

    The split is stratified and fixed by ``settings["train"]["split_seed"]``.
    """
    from sklearn.datasets import load_digits  # local imports: scikit-learn is slow to import
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 8.0 - 1.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    t = settings["train"]
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, y, test_size=t["test_size"], random_state=t["split_seed"], stratify=y
    )
    return torch.from_numpy(x_tr), torch.from_numpy(y_tr), torch.from_numpy(x_te), torch.from_numpy(y_te)


def train_classifier(settings: dict[str, Any] = SETTINGS) -> DigitClassifier:
    """Train a fresh classifier on the CPU, deterministically (fixed seed, one thread, no global RNG use)."""
    a, t = settings["arch"], settings["train"]
    x, y, _, _ = digits_split(settings)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(t["seed"])
        model = DigitClassifier(a["conv"], a["hidden"])
    gen = torch.Generator().manual_seed(t["seed"])
    opt = torch.optim.Adam(model.parameters(), lr=t["lr"], weight_decay=t["weight_decay"])
    model.train()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: same result on every machine, and no contention on tiny ops
    try:
        for _ in range(t["epochs"]):
            order = torch.randperm(len(x), generator=gen)
            for idx in order.split(t["batch_size"]):
                opt.zero_grad()
                nn.functional.cross_entropy(model(x[idx]), y[idx]).backward()
                opt.step()
    finally:
        torch.set_num_threads(threads)
    return model.eval()


def load_classifier(device: torch.device | str | None = None) -> DigitClassifier:
    """The trained classifier in eval mode with frozen weights, on ``device`` (default CPU).

    Loads the cached weights, training and caching them first if absent (written to a temporary
    file and renamed, so a concurrent or interrupted run never leaves a half-written cache file).
    Loaded models are memoised per (cache file, device).
    """
    return _load(str(cache_path()), str(torch.device(device or "cpu")))


@cache
def _load(path_str: str, device: str) -> DigitClassifier:
    path = Path(path_str)
    a = SETTINGS["arch"]
    model = DigitClassifier(a["conv"], a["hidden"])
    if path.is_file():
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    else:
        model = train_classifier(SETTINGS)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        torch.save(model.state_dict(), tmp)
        os.replace(tmp, path)
    model = model.to(device).eval()
    model.requires_grad_(False)
    return model


@torch.no_grad()
def classify(model: DigitClassifier, x: Tensor, channels: int) -> tuple[Tensor, Tensor]:
    """Predicted digit and its softmax probability per channel.

    ``x``: (N, channels, 8, 8) images, or the same flattened channel-major (N, channels·64). Returns
    labels (N, C) int64 and
    confidences (N, C) in [0, 1].
    """
    images = x.reshape(-1, PIXELS).to(next(model.parameters()).device, torch.float32)
    probs = torch.cat([model(b).softmax(dim=1) for b in images.split(_INFER_BATCH)])
    conf, labels = probs.max(dim=1)
    return labels.reshape(-1, channels).to(x.device), conf.reshape(-1, channels).to(x.device)


def mode_index(labels: Tensor) -> Tensor:
    """Mode of each sample from its per-channel digits (N, C): Σ_c label_c · 10^(C−1−c), in [0, 10^C)."""
    channels = labels.shape[1]
    weights = 10 ** torch.arange(channels - 1, -1, -1, device=labels.device)
    return (labels * weights).sum(dim=1)


@torch.no_grad()
def channel_features(model: DigitClassifier, x: Tensor, channels: int) -> Tensor:
    """Penultimate-layer features of each channel, concatenated: (N, channels, 8, 8) (or flattened)
    → (N, channels·hidden)."""
    images = x.reshape(-1, PIXELS).to(next(model.parameters()).device, torch.float32)
    feats = torch.cat([model.features(b) for b in images.split(_INFER_BATCH)])
    return feats.reshape(-1, channels * model.hidden).to(x.device)


@torch.no_grad()
def test_accuracy(model: DigitClassifier, settings: dict[str, Any] = SETTINGS) -> float:
    """Share of the held-out test split classified correctly."""
    _, _, x, y = digits_split(settings)
    labels, _ = classify(model, x, channels=1)
    return float((labels[:, 0] == y).float().mean())
