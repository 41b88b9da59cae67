"""The Metric contract: numbers computed from generated samples, one value per seed."""

from __future__ import annotations

import math
from typing import ClassVar, NamedTuple

from torch import Tensor

from ganbench.contracts.dataset import Dataset
from ganbench.contracts.params import Params


class Memory(NamedTuple):
    """Bytes a computation needs at its peak: on the training device, and on the host (CPU)."""

    device: int
    host: int = 0


class Metric:
    """A measure of generated samples against the data set, computed for each seed separately.

    A metric is built with its validated ``Params`` (keyword parameters from the spec, declared on
    the nested ``Params`` class) and the :class:`Dataset` it evaluates; expensive set-up (loading a
    classifier, fixing a feature map) belongs in ``__init__``. ``applies_to(dataset)`` says whether
    it makes sense on a dataset at all (mode metrics need ``dataset.modes()``); the evaluator only
    builds metrics that apply.

    ``compute(fake, real)`` takes

    - ``fake``: generated samples, shape ``(S, N, *sample_shape)`` — S seeds, N samples each;
    - ``real``: a fixed reference set of real samples, shape ``(M, *sample_shape)``, on the same
      device (drawn once by the evaluator; metrics that do not need it ignore it);

    and returns a dict ``output name → floating tensor of shape (S,)``; a metric may return several
    values (``prdc`` returns precision, recall, density and coverage). Per-seed results must be
    independent: entry s depends on ``fake[s]`` (and ``real``) only, so permuting the seed axis of
    ``fake`` permutes every output the same way. Values are finite for samples that look like data;
    NaN is allowed where a value is undefined (e.g. a histogram of zero samples) and is documented.

    Class attributes describe the outputs, for reports and tuning:

    - ``outputs``: the names ``compute`` returns, always all of them;
    - ``headline``: the output that ranks configurations (one of ``outputs``);
    - ``higher_is_better``: the direction of ``headline``;
    - ``ranges``: output name → (lowest, highest) value it can take, e.g. ``(0.0, 1.0)`` for a share
      (an output left out is unbounded). Reports keep every interval inside it. A range that depends
      on the dataset (modes covered: 0 to the number of modes) comes from ``output_range``, which
      the instance may override.
    - ``by_default``: whether the evaluator computes it when no metric names are given (default
      True; a metric too costly for every evaluation point, like Inception's FID on a CPU, says False
      and runs only where a spec or ``ganbench evaluate`` names it).

    A metric that compares samples in some feature space sets ``feature_space`` (an instance or
    class attribute) to that space in words — ``"data"``, ``"28×28 MNIST classifier features"``,
    ``"Inception-v3 pool3 features"`` — and runs record it so that every distance a report shows
    names its space; None (the default) for metrics that compare no features.

    ``memory(members, n_fake, n_real)`` estimates the working memory of one ``compute`` (beyond the
    samples themselves), so that a model too large for the machine is refused or split before
    anything is allocated; the default assumes a few copies of the fake set on the device, and a
    metric whose needs grow otherwise (a D × D covariance, an N × M distance matrix) says so.

    A metric whose outputs summarise a histogram (modes covered and reverse KL: samples per mode)
    returns that histogram of its last ``compute`` from ``histogram()`` — (S, K) counts, rows as
    ``fake``'s seeds — so runs can log the counts behind the numbers; the default returns None.

    Register an implementation with ``@metrics.register("name")`` in a file under ``registry/metrics/``;
    the contract tests (``tests/metrics/test_metric_contract.py``) then check it automatically.
    The docstring of an implementation states its formula and paper.
    """

    outputs: ClassVar[tuple[str, ...]] = ()
    headline: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True
    ranges: ClassVar[dict[str, tuple[float, float]]] = {}
    by_default: ClassVar[bool] = True
    feature_space: str | None = None

    class Params(Params):
        pass

    def __init__(self, params: Params | None, dataset: Dataset) -> None:
        self.params = params if params is not None else self.Params()
        self.dataset = dataset

    @classmethod
    def applies_to(cls, dataset: Dataset) -> bool:
        """Whether this metric can be computed on ``dataset`` (default: always)."""
        return True

    def output_range(self, output: str) -> tuple[float, float]:
        """The lowest and highest value ``output`` can take on this dataset (default: ``ranges``,
        else unbounded)."""
        return self.ranges.get(output, (-math.inf, math.inf))

    def memory(self, members: int, n_fake: int, n_real: int) -> Memory:
        """Peak working memory of ``compute`` for ``members`` seeds of ``n_fake`` samples each
        against ``n_real`` real ones (default: four float32 copies of the fake set, on the device)."""
        return Memory(device=4 * 4 * members * n_fake * self.dataset.dim)

    def compute(self, fake: Tensor, real: Tensor) -> dict[str, Tensor]:
        """Output name → (S,) tensor for generated ``fake`` (S, N, ...) against ``real`` (M, ...)."""
        raise NotImplementedError

    def histogram(self) -> Tensor | None:
        """The (S, K) counts behind the last ``compute``'s outputs, or None (default: none kept)."""
        return None
