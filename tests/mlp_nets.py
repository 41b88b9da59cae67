"""The `mlp` network family's modules, built as the trainer builds them, for tests of its layers."""

from ganbench import registry

MLP = registry.networks.get("mlp")
NetConfig = MLP.Params


def Discriminator(inits, dim: int, cfg) -> object:  # noqa: N802 — reads like the class it builds
    """The mlp discriminator for ``len(inits)`` members on ``dim``-D samples."""
    return MLP(cfg).discriminator(inits, (dim,))


def Generator(inits, z_dim: int, dim: int, cfg, bounded: bool) -> object:  # noqa: N802
    """The mlp generator for ``len(inits)`` members: z_dim → dim."""
    return MLP(cfg).generator(inits, z_dim, (dim,), bounded)
