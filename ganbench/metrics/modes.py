"""Mode-collapse metrics for data with known modes: modes covered, high-quality share, reverse KL.

Protocol of Srivastava et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN), after Metz et al. 2017
(Unrolled GANs):

- every generated sample is assigned to a mode — the nearest centre in Euclidean distance for a
  Gaussian mixture, the classifier's predicted digit per channel for (stacked) digits;
- a sample is *high quality* (HQ) if it is close enough to its mode: ‖x − μ_m‖₂ ≤ h·σ, with h = 3 for
  2-D data and h = 10 for the 1200-D mixture (VEEGAN), given by ``GaussianModes.hq_sigmas``; for
  digits, if the classifier's confidence on every channel reaches a threshold calibrated so that 90 %
  of real samples pass (``ganbench.metrics.confidence``; our criterion, not a published one);
- ``covered`` = number of modes with at least ``min_count`` counted samples (1 in the papers);
- ``high_quality`` = share of HQ samples, a fraction in [0, 1];
- ``kl`` = KL(p_gen ‖ uniform) = Σ_m p_m log(p_m · K) of the histogram p of counted samples over the
  K modes, in nats (0 for a perfectly balanced generator, log K when all counted samples sit in one
  mode; NaN when no sample counts, since the histogram is then undefined).

The *counted* samples are the HQ ones for Gaussian mixtures (VEEGAN, PacGAN) and every finite sample
for digits (the stacked-MNIST protocol counts the modes of all generated samples), so ``covered`` and
``kl`` on digits stay comparable with the literature while ``high_quality`` measures sample quality.

Every function keeps the leading seed axis S separate: seed s only ever sees ``fake[s]``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganbench.contracts.dataset import ClassifierModes, GaussianModes
from ganbench.metrics.classifier import classify, mode_index


def nearest_centre(x: Tensor, centres: Tensor) -> tuple[Tensor, Tensor]:
    """Index of the nearest centre and the Euclidean distance to it.

    ``x``: (..., N, D) (leading axes: seeds, all in one batched call); ``centres``: (K, D). Returns
    (..., N) int64 and (..., N) distances. Distances are computed directly (not through the
    ‖x‖² + ‖c‖² − 2x·c expansion), so they stay accurate for samples very close to a centre, which is
    exactly where the high-quality threshold sits; a seed's distances do not depend on the others.
    """
    lead = x.shape[:-2]
    flat = x.reshape(-1, *x.shape[-2:])
    c = centres.unsqueeze(0).expand(flat.shape[0], *centres.shape)
    d = torch.cdist(flat, c, compute_mode="donot_use_mm_for_euclid_dist")
    dist, idx = d.min(dim=-1)
    return idx.reshape(*lead, -1), dist.reshape(*lead, -1)


def mode_counts(modes: Tensor, keep: Tensor, n_modes: int) -> Tensor:
    """Histogram over modes of the kept samples, per seed.

    ``modes``: (S, N) int64 in [0, n_modes); ``keep``: (S, N) bool (the HQ samples). Returns (S, K)
    float64 counts.
    """
    idx = torch.where(keep, modes, torch.full_like(modes, n_modes))  # discarded samples → spare bin K
    counts = torch.zeros(modes.shape[0], n_modes + 1, dtype=torch.float64, device=modes.device)
    counts.scatter_add_(1, idx, torch.ones_like(idx, dtype=torch.float64))
    return counts[:, :n_modes]


def reverse_kl_to_uniform(counts: Tensor) -> Tensor:
    """KL(p ‖ uniform) = Σ_m p_m log(p_m K) = log K − H(p) for histograms ``counts`` (S, K) → (S,).

    Terms with p_m = 0 contribute 0 (``xlogy``). NaN for an empty histogram.
    """
    k = counts.shape[1]
    total = counts.sum(dim=1, keepdim=True)
    p = counts / total
    kl = torch.xlogy(p, p).sum(dim=1) + torch.log(torch.tensor(float(k), dtype=p.dtype, device=p.device))
    return torch.where(total[:, 0] > 0, kl.clamp_min(0.0), torch.full_like(kl, float("nan")))


def mode_summary(
    modes: Tensor, hq: Tensor, n_modes: int, min_count: int = 1, counted: Tensor | None = None
) -> dict[str, Tensor]:
    """``covered``, ``high_quality`` and ``kl`` (float64, shape (S,)) from per-sample modes and HQ flags.

    ``modes``: (S, N) int64; ``hq``: (S, N) bool; ``counted``: (S, N) bool, the samples that enter the
    mode histogram (default: the HQ ones); a mode is covered when it has ≥ ``min_count`` of them.
    """
    counts = mode_counts(modes, hq if counted is None else counted, n_modes)
    return summary_of_counts(counts, hq, min_count)


def summary_of_counts(counts: Tensor, hq: Tensor, min_count: int = 1) -> dict[str, Tensor]:
    """``covered``, ``high_quality`` and ``kl`` (float64, (S,)) from the mode histogram ``counts``
    (S, K) of the counted samples and the HQ flags ``hq`` (S, N)."""
    return {
        "covered": (counts >= min_count).sum(dim=1).to(torch.float64),
        "high_quality": hq.to(torch.float64).mean(dim=1),
        "kl": reverse_kl_to_uniform(counts),
    }


def gaussian_modes(
    fake: Tensor, modes: GaussianModes, hq_sigmas: float | None = None
) -> tuple[Tensor, Tensor]:
    """Nearest mode (S, N) and HQ flag (S, N) of each sample of a Gaussian mixture.

    ``fake``: (S, N, D). HQ means ‖x − μ_nearest‖₂ ≤ ``modes.hq_radius(h)`` (h·σ in 2-D) with
    h = ``hq_sigmas`` (default ``modes.hq_sigmas``). Non-finite samples are never HQ.
    """
    h = modes.hq_sigmas if hq_sigmas is None else hq_sigmas
    if not fake.is_floating_point() or fake.element_size() < 4:
        fake = fake.float()
    centres = modes.centres.to(fake.device, fake.dtype)
    idx, dist = nearest_centre(fake.flatten(2), centres)
    return idx, dist <= modes.hq_radius(h)


def classifier_modes(
    fake: Tensor, model: nn.Module, channels: int, min_confidence: float
) -> tuple[Tensor, Tensor, Tensor]:
    """Mode (S, N), HQ flag (S, N) and finite flag (S, N) of each (stacked) digit sample.

    ``fake``: (S, N, channels·side²) or (S, N, channels, side, side), side = the classifier's
    (``model.side``: 8 or 28). The mode is the tuple of predicted digits, one per channel, read as a
    base-10 number (1000 modes for 3 channels). A sample is HQ if the classifier's softmax confidence
    is at least ``min_confidence`` on every channel (0: every finite sample, as the stacked-MNIST
    protocol counts them; :func:`ganbench.metrics.confidence.calibrated_confidence` gives the
    calibrated default). Non-finite samples are never HQ.
    """
    per_seed = [classify(model, f, channels) for f in fake]  # per seed: the slices other metrics embed
    labels = torch.stack([lab for lab, _ in per_seed])  # (S, N, C)
    conf = torch.stack([c for _, c in per_seed])
    finite = torch.isfinite(fake.flatten(2)).all(dim=2)
    hq = (conf.min(dim=2).values >= min_confidence) & finite
    return mode_index(labels.flatten(0, 1)).reshape(finite.shape), hq, finite


def mode_metrics(
    fake: Tensor,
    modes: GaussianModes | ClassifierModes,
    *,
    classifier: nn.Module | None = None,
    hq_sigmas: float | None = None,
    min_confidence: float = 0.0,
    min_count: int = 1,
) -> dict[str, Tensor]:
    """``covered``, ``high_quality`` and ``kl`` per seed for generated ``fake`` (S, N, ...).

    Gaussian mixtures use :func:`gaussian_modes` (``hq_sigmas`` overrides ``modes.hq_sigmas``);
    digit data use :func:`classifier_modes` with ``classifier`` (required then) and ``min_confidence``
    (HQ share only: every finite digit sample enters ``covered`` and ``kl``).
    """
    counts, hq = mode_histogram(
        fake, modes, classifier=classifier, hq_sigmas=hq_sigmas, min_confidence=min_confidence
    )
    return summary_of_counts(counts, hq, min_count)


def mode_histogram(
    fake: Tensor,
    modes: GaussianModes | ClassifierModes,
    *,
    classifier: nn.Module | None = None,
    hq_sigmas: float | None = None,
    min_confidence: float = 0.0,
) -> tuple[Tensor, Tensor]:
    """The histogram behind :func:`mode_metrics`: counted samples per mode (S, K) float64 and the
    HQ flags (S, N). Counted are the HQ samples of a Gaussian mixture and every finite sample of
    digit data; for digits, mode m is the digit tuple read as a base-10 number (stacked MNIST:
    m = 100·R + 10·G + B)."""
    if isinstance(modes, GaussianModes):
        idx, hq = gaussian_modes(fake, modes, hq_sigmas)
        counted = hq
    else:
        if classifier is None:
            raise ValueError("mode metrics on digit data need the digit classifier")
        idx, hq, counted = classifier_modes(fake, classifier, modes.channels, min_confidence)
    return mode_counts(idx, counted, modes.n_modes), hq
