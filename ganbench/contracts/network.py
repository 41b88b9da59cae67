"""The Network contract: a family of generator and discriminator networks for S members at once."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_serializer
from torch import Tensor, nn

from ganbench.contracts.params import Params

#: The network a spec gets when it names none (``generator: {width: 64}`` is an ``mlp``).
DEFAULT_NETWORK = "mlp"
#: Network options every family has, added as remedies against collapse (left out of dumps when off).
REMEDY_OPTIONS = ("spectral_norm", "pack", "unroll")


class NetParams(Params):
    """The options every network family has; a family's ``Params`` subclasses this and adds its own.

    ``name`` picks the family (``mlp`` when left out). The remedy options: ``spectral_norm``
    (Miyato et al. 2018) is the network's to implement on every weight; ``pack`` (PacGAN, Lin et
    al. 2018) makes the discriminator judge ``pack`` consecutive samples of a batch as one input;
    ``unroll`` (Metz et al. 2017) is carried out by the trainer, not the network.
    """

    name: str = Field(DEFAULT_NETWORK, description="the network family (registry/networks/)")
    spectral_norm: bool = Field(False, description="divide every weight by its spectral norm (Miyato 2018)")
    pack: int = Field(
        1, ge=1, description="discriminator only: samples judged together as one input (PacGAN, Lin 2018)"
    )
    unroll: int = Field(
        0,
        ge=0,
        description="discriminator only: look-ahead steps the generator sees (Unrolled GAN, Metz 2017)",
    )

    @model_serializer(mode="wrap")
    def _omit_defaults_that_keep_keys(self, handler):
        """The default family's name and the remedy options at their defaults (off) are left out of
        dumps, so runs recorded before they existed keep their parameters and cell identity."""
        data = handler(self)
        if data.get("name") == DEFAULT_NETWORK:
            del data["name"]
        for option in REMEDY_OPTIONS:
            if option in data and data[option] == NetParams.model_fields[option].default:
                del data[option]
        return data


class MemberDiscriminator(nn.Module):
    """What the trainer reads of a discriminator besides calling it.

    - ``pack``: the samples behind one score (the ``pack`` option; 1 without packing);
    - ``rows_independent``: whether a score depends on its own input alone — no batch statistics,
      no state refined per call (spectral norm's power iteration). Then the trainer may score the
      real and the generated batch in one call (``torch.cat`` along the batch axis); otherwise it
      makes two calls, as the remedy or the normalisation defines them.
    """

    pack: int = 1
    rows_independent: bool = True

    def packed_shape(self, x: Tensor) -> tuple[int, ...]:
        """The shape that groups ``pack`` consecutive samples of ``x`` (S, B, *sample_shape) into
        one input: (S, B / pack, pack · first sample axis, *other sample axes) — concatenated
        features for vectors, stacked channels for images (PacDCGAN)."""
        s, b, first, *rest = x.shape
        return (s, b // self.pack, self.pack * first, *rest)


class Network:
    """A network family: builds one player's network for S members trained in lockstep.

    Built with its validated ``Params`` (a :class:`NetParams` subclass). The trainer calls
    ``check(sample_shape)`` once, then ``generator(...)`` and ``discriminator(...)``. What it may
    assume of the modules they return — the contract the suite in
    ``ganbench/testing/network_contract.py`` checks for every registered family:

    1. **Shapes.** The generator maps noise (S, B, z_dim) → samples (S, B, *sample_shape); the
       discriminator maps samples (S, B, *sample_shape) → scores (S, B / pack): raw logits or
       critic values, one per ``pack`` consecutive samples (:class:`MemberDiscriminator`). A
       generator for bounded data (``bounded``: samples in [−1, 1]) ends in tanh.
    2. **A leading member axis** on every parameter and buffer: (S, …). The member optimizers keep
       one buffer per network and make each parameter a view of it: member by member (a
       parameter is then a strided block of columns of an (S, P) tensor, non-contiguous) or, where
       a layer of the network sets ``contiguous_members = True`` (it reads its members' weights as
       one block: a grouped convolution, batch norm), layer by layer (each parameter's (S, …)
       block contiguous) — see ``ganbench.train.member_optim``. Dropping members keeps rows of
       every buffer.
    3. **Members never mix.** Member s's outputs and gradients depend on member s's parameters,
       buffers and inputs alone — so the trainer can sum members' losses before one backward
       pass, and per-member gradient penalties (R1, R2, WGAN-GP: gradients with respect to the
       inputs, taken twice) stay per member.
    4. **Together equals alone, bit for bit on the CPU** (one thread). Member s of a model of
       several members gets exactly the initial weights, outputs and gradients it gets in a model
       of its own: member s initialises only from ``inits[s]`` (its own CPU generator, G first then
       D, so a seed gives the same network on every device), and no kernel's rounding depends on
       the number of members. Measured pitfalls on the CPU: a batched matrix product with one
       output column (a score layer, a power iteration's W·u) runs another BLAS kernel at one
       member than at several — compute it as a row, or as products and short sums
       (``ganbench.layers.linear``, ``ganbench.layers.spectral``); oneDNN's grouped convolution
       sums in another order than its plain one — loop over members (``ganbench.layers.conv``);
       BLAS batched products with small odd sides (5, 7) round by batch count — the suite checks
       the sides models use (multiples of 8); with several threads torch splits a long sum by
       its number of outputs.
    5. **Remedies.** ``spectral_norm`` divides each weight by a per-member estimate of its largest
       singular value, refined by one power iteration per forward pass in training mode; ``pack``
       as in (1). ``rows_independent`` says truthfully whether rows may share a call.
    6. **Modes.** ``eval()`` switches to evaluation behaviour (running statistics where a family
       keeps them) and changes nothing in training mode.

    ``check`` raises ``ValueError`` with one clear sentence when the family cannot take the data
    (a convolutional network given 2-D points, an image side it does not support). A spectrally
    normalised layer keeps its estimates in buffers ``sn_u`` and ``sn_v`` beside its parameter
    ``weight`` (``ganbench.layers.spectral`` does this), which the suite reads.
    """

    Params: ClassVar[type[NetParams]] = NetParams

    def __init__(self, params: NetParams | None = None) -> None:
        self.params = params if params is not None else self.Params()

    @classmethod
    def example_params(cls) -> list[dict[str, Any]]:
        """Small settings the contract suite builds this family with, one mapping per variant worth
        checking (each normalisation, say); the suite adds the remedy options to each. Default: the
        family's defaults."""
        return [{}]

    def check(self, sample_shape: tuple[int, ...]) -> None:
        """Raise ``ValueError`` if this family cannot model samples of ``sample_shape``."""

    def generator(self, inits: list, z_dim: int, sample_shape: tuple[int, ...], bounded: bool) -> nn.Module:
        """The generator for ``len(inits)`` members: (S, B, z_dim) → (S, B, *sample_shape)."""
        raise NotImplementedError

    def discriminator(self, inits: list, sample_shape: tuple[int, ...]) -> MemberDiscriminator:
        """The discriminator for ``len(inits)`` members: (S, B, *sample_shape) → (S, B / pack)."""
        raise NotImplementedError
