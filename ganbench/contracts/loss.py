"""The Loss contract: how discriminator scores become the two players' objectives."""

from __future__ import annotations

from typing import ClassVar

from torch import Tensor, nn

from ganbench.contracts.params import Params
from ganbench.contracts.streams import Streams


class Loss:
    """A GAN objective: one discriminator loss and one generator loss, both to be minimised.

    Shapes: discriminator scores (raw logits or critic values) have shape ``(S, B)`` — S seeds
    trained in lockstep, B samples each. Every method reduces over the batch axis only and returns
    shape ``(S,)``, so seeds never mix.

    Override:
    - ``d_loss(real, fake)`` and ``g_loss(fake, real)`` (``real`` is ``None`` unless the class sets
      ``uses_real_in_g = True``; the trainer then passes scores of a real batch computed without
      gradient, since they do not depend on the generator);
    - optionally ``penalty(discriminator, real_x, fake_x, rand)`` → ``(S,)``, added to the D loss
      (``rand``: the per-seed streams, :class:`SeedStreams` or :class:`GeneratorStreams`, to draw
      any randomness from);
    - optionally ``constrain(discriminator)``, run after every discriminator optimizer step
      (weight clipping);
    - optionally ``predicts_real(scores)``, the decision rule used for discriminator accuracy
      (default: score > 0, i.e. D(x) > 1/2 for logits);
    - ``relative_scores = True`` for a loss whose gradients do not change when a constant is added
      to every score (a Wasserstein critic, a relativistic discriminator): with no fixed zero,
      accuracy instead calls a sample real when its score is above the midpoint of the seed's
      mean real and mean fake score in the same step (``predicts_real`` is then not used).

    Configuration comes from the spec as keyword parameters validated by the nested ``Params``. A
    float parameter declared ``Batchable(…)`` instead of ``Field(…)`` lets configurations that
    differ in it train as one model: inside the trainer it is then an (S,) tensor, one value per
    member — broadcast it with ``per_member(value, like=scores)`` (see :class:`Params`).
    Compute log-sigmoid terms with softplus, never ``log(sigmoid(.))``.
    """

    uses_real_in_g: ClassVar[bool] = False
    relative_scores: ClassVar[bool] = False

    class Params(Params):
        pass

    def __init__(self, params: Params | None = None) -> None:
        self.params = params if params is not None else self.Params()

    def d_loss(self, real: Tensor, fake: Tensor) -> Tensor:
        """Discriminator loss from scores of real and generated samples, (S, B) each → (S,)."""
        raise NotImplementedError

    def g_loss(self, fake: Tensor, real: Tensor | None) -> Tensor:
        """Generator loss from scores of generated samples (and real ones if needed) → (S,)."""
        raise NotImplementedError

    def penalty(
        self, discriminator: nn.Module, real_x: Tensor, fake_x: Tensor, rand: Streams
    ) -> Tensor | None:
        """Extra discriminator term → (S,), or None. ``real_x``/``fake_x`` have shape (S, B, ...)."""
        return None

    def constrain(self, discriminator: nn.Module) -> None:
        """Called after every discriminator optimizer step (e.g. weight clipping)."""

    def predicts_real(self, scores: Tensor) -> Tensor:
        """Boolean (S, B): does the discriminator call these samples real?"""
        return scores > 0


def batch_mean(x: Tensor) -> Tensor:
    """Mean over the batch axis of an (S, B) tensor → (S,)."""
    return x.mean(dim=1)
