"""`modes`: modes covered, share of high-quality samples and reverse KL to uniform (VEEGAN, PacGAN)."""

import math

from ganbench.api import ClassifierModes, Field, GaussianModes, Memory, Metric, Params, metrics
from ganbench.metrics.classifier import has_classifier, load_classifier
from ganbench.metrics.confidence import HQ_SHARE, calibrated_confidence
from ganbench.metrics.modes import mode_histogram, summary_of_counts


@metrics.register("modes")
class Modes(Metric):
    """Mode-collapse metrics for data with known modes (Srivastava et al. 2017; Lin et al. 2018).

    Each sample goes to its nearest mode (Gaussian mixtures) or to the tuple of digits the bundled
    classifier for the data's image side reads per channel (8×8: digits, stacked digits; 28×28:
    MNIST, stacked MNIST — 10 or 1,000 modes). A sample is high quality (HQ) if
    ‖x − μ‖₂ ≤ hq_sigmas·σ (3σ in 2-D, 10σ for the 1200-D mixture), or, for digits, if the
    classifier's confidence reaches ``min_confidence`` on every channel — by default the threshold
    that ``hq_share`` (90 %) of real held-out digits reach (``ganbench.metrics.confidence``), so a
    generator as good as the data scores ≈ 90 %; ``min_confidence=0`` counts every finite sample.
    Outputs: ``covered`` = #modes with ≥ ``min_count`` counted samples (HQ ones for mixtures, every
    finite one for digits as in the stacked-MNIST protocol; headline, higher is better);
    ``high_quality`` = HQ share in [0, 1]; ``kl`` = Σ p log(p·K) of the counted samples' mode
    histogram p over K modes (nats; NaN when none counts). Details: ``ganbench.metrics.modes``.
    """

    outputs = ("covered", "high_quality", "kl")
    headline = "covered"
    higher_is_better = True
    ranges = {"covered": (0.0, math.inf), "high_quality": (0.0, 1.0), "kl": (0.0, math.inf)}

    class Params(Params):
        min_count: int = Field(1, ge=1, description="counted samples a mode needs to count as covered")
        hq_sigmas: float | None = Field(None, gt=0, description="HQ radius in σ; default: the dataset's")
        min_confidence: float | None = Field(
            None, ge=0, le=1, description="digits: HQ needs this confidence; default: calibrated"
        )
        hq_share: float = Field(
            HQ_SHARE, gt=0, lt=1, description="digits: share of real digits the calibrated threshold passes"
        )

    def __init__(self, params, dataset):
        super().__init__(params, dataset)
        self.modes = dataset.modes()
        is_digits = isinstance(self.modes, ClassifierModes)
        self.classifier = load_classifier(dataset.device, side=self.modes.side) if is_digits else None
        self.min_confidence = self.params.min_confidence
        if is_digits and self.min_confidence is None:
            self.min_confidence = calibrated_confidence(
                self.modes.channels, self.params.hq_share, self.modes.side
            )

    def output_range(self, output):
        """Modes covered lies in [0, K] and the reverse KL in [0, log K] for this dataset's K modes."""
        k = self.modes.n_modes
        return {"covered": (0.0, float(k)), "kl": (0.0, math.log(k))}.get(
            output, super().output_range(output)
        )

    def memory(self, members, n_fake, n_real):
        """Every member's samples against every mode at once: an (S·N, M) distance matrix and
        its minimum (Gaussian modes), or the classifier's activations (digits), on the device."""
        if isinstance(self.modes, ClassifierModes):
            # the classifier reads at most 4,096 images a pass (64 feature maps of side² pixels, a
            # few copies); every sample's logits are kept
            batch = 4 * 4096 * 64 * self.modes.side**2 * 2
            return Memory(device=4 * members * n_fake * self.modes.channels * 10 * 2 + batch)
        return Memory(device=4 * members * n_fake * (self.modes.n_modes + 2 * self.dataset.dim) * 2)

    @classmethod
    def applies_to(cls, dataset):
        """Data with Gaussian modes, or digit modes whose image side has a bundled classifier
        (``has_classifier``: 28×28 digits are skipped until their classifier exists)."""
        modes = dataset.modes()
        return isinstance(modes, GaussianModes) or has_classifier(modes)

    def compute(self, fake, real):
        p = self.params
        counts, hq = mode_histogram(
            fake,
            self.modes,
            classifier=self.classifier,
            hq_sigmas=p.hq_sigmas,
            min_confidence=self.min_confidence or 0.0,
        )
        self.counts = counts
        return summary_of_counts(counts, hq, p.min_count)

    def histogram(self):
        """Counted samples per mode (S, K) of the last ``compute`` (digits: mode m is the digit
        tuple read as a base-10 number, m = 100·R + 10·G + B on stacked MNIST)."""
        return getattr(self, "counts", None)
