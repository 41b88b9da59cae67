"""The Loss contract: how discriminator scores become the two players' objectives."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from torch import Tensor, nn

from ganbench.contracts.params import Params
from ganbench.contracts.penalties import zero_centred_penalty
from ganbench.contracts.streams import Streams


class PenaltyParams(Params):
    """The options every loss has unless it declares other ``Params``: zero-centred gradient
    penalties on the discriminator (R1 on real, R2 on generated samples). A loss with parameters of
    its own keeps them by subclassing ``Loss.Params``."""

    r1: float = Field(0.0, ge=0, description="γ of the R1 penalty γ/2·E‖∇D(x)‖² on real data (0: off)")
    r2: float = Field(0.0, ge=0, description="γ of the R2 penalty γ/2·E‖∇D(G(z))‖² on fakes (0: off)")


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
      any randomness from). The default is the R1/R2 penalties of the ``r1``/``r2`` options that
      ``Loss.Params`` gives every loss (zero, so off, unless set); an override that keeps those
      options adds ``super().penalty(...)``;
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

    Params = PenaltyParams

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
        """Extra discriminator term → (S,), or None. ``real_x``/``fake_x`` have shape (S, B, ...).
        By default the R1 and R2 penalties, where the loss's ``r1``/``r2`` options are set."""
        r1, r2 = getattr(self.params, "r1", 0.0), getattr(self.params, "r2", 0.0)
        terms = [zero_centred_penalty(discriminator, x, g) for x, g in ((real_x, r1), (fake_x, r2)) if g]
        return sum(terms[1:], terms[0]) if terms else None

    def constrain(self, discriminator: nn.Module) -> None:
        """Called after every discriminator optimizer step (e.g. weight clipping)."""

    def predicts_real(self, scores: Tensor) -> Tensor:
        """Boolean (S, B): does the discriminator call these samples real?"""
        return scores > 0


def batch_mean(x: Tensor) -> Tensor:
    """Mean over the batch axis of an (S, B) tensor → (S,)."""
    return x.mean(dim=1)
