"""The Dataset contract: batches of real samples on the training device, and known modes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from ganbench.contracts.params import Params
from ganbench.contracts.streams import Streams


@dataclass(frozen=True)
class GaussianModes:
    """Modes of a Gaussian mixture: centres (M, D) on the CPU and a common σ.

    ``hq_sigmas`` is the radius, in σ, within which a sample counts as high quality
    (3 for 2-D data as in VEEGAN/PacGAN, 10 for the high-dimensional mixture as in VEEGAN, there
    measured beyond the shell where true samples lie: see :meth:`hq_radius`).
    """

    centres: Tensor
    sigma: float
    hq_sigmas: float = 3.0
    beyond_shell: bool = False

    def hq_radius(self, hq_sigmas: float | None = None) -> float:
        """Distance from its mode within which a sample is high quality.

        ``hq_sigmas·σ`` by default (the 2-D protocol). With ``beyond_shell`` it is
        ``σ·(√D + hq_sigmas)``: in D dimensions a true sample lies about σ√D from its centre (the
        chi distribution concentrates there with spread ≈ σ/√2), so a literal 10σ ball in 1200-D
        (σ√1200 ≈ 34.6σ) would reject every real sample. Measuring ``hq_sigmas`` beyond that shell
        keeps the rule's intent — real samples pass, samples off the mode by many σ fail.
        """
        h = self.hq_sigmas if hq_sigmas is None else hq_sigmas
        dim = int(self.centres.shape[1])
        return self.sigma * (dim**0.5 + h) if self.beyond_shell else self.sigma * h

    @property
    def n_modes(self) -> int:
        return int(self.centres.shape[0])


@dataclass(frozen=True)
class ClassifierModes:
    """Modes told apart by a bundled digit classifier, one digit per channel.

    ``channels = 1`` → 10 modes (digits); ``channels = 3`` → 10³ = 1000 modes (stacked digits).
    ``side`` names the classifier: 8 for scikit-learn's 8×8 digits, 28 for MNIST's 28×28 ones.
    """

    channels: int
    side: int = 8

    @property
    def n_modes(self) -> int:
        return 10**self.channels


Modes = GaussianModes | ClassifierModes


class Dataset:
    """A source of real samples.

    A dataset is built with its validated ``Params`` and the training device. Two ways to draw:

    - ``draw(streams, n)`` — the trainer's path: one batch of ``n`` samples for every seed at once,
      shape (S, n, *sample_shape), drawing seed s's randomness only from row s of the
      streams (:class:`SeedStreams` or :class:`GeneratorStreams`: ``streams.randint``,
      ``streams.normal``, ``streams.uniform``, each one
      vectorized call for all seeds). The built-ins implement it — a mixture index plus noise, or
      a gather from a tensor held on the device — so S seeds cost a constant number of kernels.
    - ``sample(n, generator)`` — ``n`` samples of shape ``sample_shape`` from one
      ``torch.Generator`` (reference data for metrics and plots). A plugin may implement only this:
      the default ``draw`` then loops over seeds with one generator each, seeded from the streams
      (correct and reproducible, just a Python loop over seeds).

    Seeds stay independent and runs reproducible either way. Synthetic data is sampled directly on
    the device; in-memory data is held there as one tensor and indexed — no DataLoader.

    Class attributes describe the data:
    - ``sample_shape``: shape of one sample: ``(D,)`` for vectors, ``(C, H, W)`` for images (C
      channels, channel-first, as PyTorch's convolutions take them). Images keep their shape; a
      network that wants vectors flattens them itself (a view), so a dataset never flattens images;
    - ``image_shape`` (derived, read-only): ``(C, H, W)`` when samples are images — that is, when
      ``sample_shape`` has three entries — else None. Plots, reports and metrics use it to tell
      images from vectors;
    - ``bounded``: samples lie in [-1, 1], so the generator ends in tanh (image data is bounded:
      8-bit pixels 0..255 map to x / 127.5 − 1);
    - ``size``: number of examples for finite data, None for infinite synthetic data;
    - ``nominal_epoch``: examples that make one "epoch" of infinite data (for epoch-wise schedules).

    ``modes()`` returns :class:`GaussianModes` or :class:`ClassifierModes` when the modes are
    known (so mode-collapse metrics can be computed), else None.

    A dataset that reads files reads and checks them all in ``__init__`` and turns every problem
    (missing, unreadable or corrupt file, wrong shape, NaN, values float32 cannot hold) into one
    :class:`~ganbench.errors.GanbenchError` paragraph naming the file and what is allowed: an
    experiment builds each of its datasets once before anything is written
    (``ganbench.experiment.preflight``).
    """

    sample_shape: tuple[int, ...] = ()
    bounded: bool = False
    size: int | None = None
    nominal_epoch: int = 10_000

    class Params(Params):
        pass

    def __init__(self, params: Params | None, device: torch.device) -> None:
        self.params = params if params is not None else self.Params()
        self.device = torch.device(device)

    @classmethod
    def example_params(cls, folder: Path) -> dict[str, Any]:
        """Parameters that build a small working instance, for the contract tests and docs.

        The default (``{}``) suits datasets whose parameters all have defaults; a dataset that needs
        e.g. a file writes a small one into ``folder`` and points at it."""
        return {}

    def sample(self, n: int, generator: torch.Generator) -> Tensor:
        """``n`` real samples, shape (n, *sample_shape), on ``self.device``."""
        raise NotImplementedError

    def draw(self, streams: Streams, n: int) -> Tensor:
        """One batch per seed, shape (S, n, *sample_shape), on ``self.device``: seed s draws only
        from row s of ``streams``. Default: ``sample`` with one generator per seed (a fallback)."""
        return self.batch(streams.generators(), n)

    def batch(self, generators: list[torch.Generator], n: int) -> Tensor:
        """One batch per seed, shape (S, n, *sample_shape): seed s draws only from generators[s]."""
        return torch.stack([self.sample(n, g) for g in generators])

    def modes(self) -> Modes | None:
        """The known modes, or None."""
        return None

    @property
    def image_shape(self) -> tuple[int, int, int] | None:
        """``(C, H, W)`` when samples are images (``sample_shape`` has three entries), else None."""
        shape = tuple(int(s) for s in self.sample_shape)
        return (shape[0], shape[1], shape[2]) if len(shape) == 3 else None

    @property
    def dim(self) -> int:
        """Number of features per sample (product of ``sample_shape``)."""
        return int(torch.Size(self.sample_shape).numel())

    def steps_per_epoch(self, batch_size: int) -> int:
        """Batches in one epoch: dataset size // batch size, or the nominal epoch for infinite data."""
        examples = self.size if self.size is not None else self.nominal_epoch
        return max(1, examples // batch_size)
