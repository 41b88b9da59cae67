"""The Metric contract: numbers computed from generated samples, one value per seed."""

from __future__ import annotations

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
    - ``higher_is_better``: the direction of ``headline``.

    ``memory(members, n_fake, n_real)`` estimates the working memory of one ``compute`` (beyond the
    samples themselves), so that a model too large for the machine is refused or split before
    anything is allocated; the default assumes a few copies of the fake set on the device, and a
    metric whose needs grow otherwise (a D × D covariance, an N × M distance matrix) says so.

    Register an implementation with ``@metrics.register("name")`` in a file under ``registry/metrics/``;
    the contract tests (``tests/metrics/test_metric_contract.py``) then check it automatically.
    The docstring of an implementation states its formula and paper.
    """

    outputs: ClassVar[tuple[str, ...]] = ()
    headline: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True

    class Params(Params):
        pass

    def __init__(self, params: Params | None, dataset: Dataset) -> None:
        self.params = params if params is not None else self.Params()
        self.dataset = dataset

    @classmethod
    def applies_to(cls, dataset: Dataset) -> bool:
        """Whether this metric can be computed on ``dataset`` (default: always)."""
        return True

    def memory(self, members: int, n_fake: int, n_real: int) -> Memory:
        """Peak working memory of ``compute`` for ``members`` seeds of ``n_fake`` samples each
        against ``n_real`` real ones (default: four float32 copies of the fake set, on the device)."""
        return Memory(device=4 * 4 * members * n_fake * self.dataset.dim)

    def compute(self, fake: Tensor, real: Tensor) -> dict[str, Tensor]:
        """Output name → (S,) tensor for generated ``fake`` (S, N, ...) against ``real`` (M, ...)."""
        raise NotImplementedError
