"""Sample sets with known mode answers, built from real digits: for the known-answer tests of the
mode metrics and of ``ganbench evaluate``, and for anyone checking a scorer against the protocol.

A stacked sample takes C digit images as its C channels (the stacked-MNIST construction of Metz et
al. 2017 and VEEGAN); its mode is the tuple of the digits' classes. With K = 10^C modes and the
reverse KL of the mode histogram p against uniform, KL = Σ p_m log(p_m K):

- :func:`real_stacks`: C independent uniformly drawn digits → every mode about equally often:
  about K modes, KL near 0 (its expectation is about (K − 1)/(2N) for N samples: 0.019 for
  1,000 modes and 26,000 samples);
- :func:`one_mode`: the same C images in every sample → 1 mode, KL = log K (log 1000 for C = 3);
- :func:`ten_modes`: ten tuples of images, each in N/10 samples → 10 modes, KL = log(K/10)
  (log 100 for C = 3).

The tuples of :func:`ten_modes` are the classes (i, i+1, …, i+C−1) mod 10 for i = 0…9: one misread
digit cannot turn one into another, so their count stays 10 even with an imperfect classifier.
Everything is NumPy and takes the images as given (uint8 or float), so the same function builds
uint8 files for ``ganbench evaluate`` and float tensors for the metrics.
"""

from __future__ import annotations

import numpy as np


def _first_of_class(labels: np.ndarray, digit: int) -> int:
    return int(np.flatnonzero(labels == digit)[0])


def real_stacks(images: np.ndarray, n: int, channels: int = 3, seed: int = 0) -> np.ndarray:
    """``n`` samples (n, channels, H, W) of ``channels`` digits drawn uniformly and independently
    from ``images`` (M, H, W)."""
    index = np.random.default_rng(seed).integers(len(images), size=(n, channels))
    return images[index]


def one_mode(images: np.ndarray, labels: np.ndarray, n: int, channels: int = 3) -> tuple[np.ndarray, tuple]:
    """``n`` copies of one stack — the first image of classes 1, 2, … — and its class tuple."""
    classes = tuple((1 + c) % 10 for c in range(channels))
    stack = images[[_first_of_class(labels, d) for d in classes]]
    return np.broadcast_to(stack, (n, *stack.shape)).copy(), classes


def ten_modes(images: np.ndarray, labels: np.ndarray, n: int, channels: int = 3) -> tuple[np.ndarray, list]:
    """``n`` samples (n a multiple of 10) made of ten stacks, each ``n / 10`` times in turn, and their
    class tuples: stack i holds the first image of classes i, i+1, …, i+channels−1 (mod 10)."""
    if n % 10:
        raise ValueError(f"ten equally frequent stacks need a multiple of 10 samples, got {n}")
    tuples = [tuple((i + c) % 10 for c in range(channels)) for i in range(10)]
    stacks = np.stack([images[[_first_of_class(labels, d) for d in t]] for t in tuples])
    return stacks[np.arange(n) % 10], tuples
