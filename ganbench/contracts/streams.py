"""Per-seed random streams drawn for all seeds at once from the counter-based Philox4x32-10.

Seed s with purpose p ("init", "train", "eval", …) owns the stream of 32-bit words

    words(s, p) = philox(0, k) ‖ philox(1, k) ‖ philox(2, k) ‖ …,   k = derive_seed(s, p)

(each block: four words; the block index is the counter). Every draw — ``normal``, ``uniform``,
``randint`` — takes the next words of every seed's stream in one vectorized call, so S seeds cost a
constant number of kernels, and seed s's numbers are a function of (s, p) and of how many words it
has consumed, never of the seeds beside it. Seeds in lockstep draw the same amounts, so one host-side
word position serves all of them (no host synchronisation).

Words are produced ahead in a pool of whole blocks and consumed in order; the pool's size changes
the cost of a draw, never its values.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from ganbench.contracts.philox import MASK32, philox4x32

POOL_WORDS = 1 << 18  # words produced per refill, over all seeds (fewer, larger kernels)
TWO_PI = 2 * math.pi


def derive_seed(seed: int, purpose: str) -> int:
    """A 63-bit seed for one purpose ("init", "train", "eval") of one run seed (numpy SeedSequence)."""
    words = [seed] + [ord(c) for c in purpose]
    return int(np.random.SeedSequence(words).generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


def uniform_from_words(words: Tensor) -> Tensor:
    """32-bit words → float32 uniforms on (0, 1): the top 24 bits, centred in their cell,
    u = (⌊w / 2⁸⌋ + ½) · 2⁻²⁴ — never 0 or 1, so log u and log(1 − u) are finite."""
    return ((words >> 8).float() + 0.5) * (1.0 / (1 << 24))


def normal_from_words(words: Tensor) -> Tensor:
    """Box–Muller (Box & Muller 1958): from uniforms u₁, u₂ on the first and second half of
    ``words`` (last axis, even length), z₁ = √(−2 ln u₁)·cos(2πu₂) and z₂ = √(−2 ln u₁)·sin(2πu₂)
    are independent standard normals. With 24-bit uniforms |z| ≤ √(2·25·ln 2) ≈ 5.89 (the tail
    beyond has probability 4·10⁻⁹)."""
    half = words.shape[-1] // 2
    u = uniform_from_words(words)
    radius = torch.sqrt(-2.0 * torch.log(u[..., :half]))
    angle = TWO_PI * u[..., half:]
    return torch.cat((radius * torch.cos(angle), radius * torch.sin(angle)), dim=-1)


class SeedStreams:
    """One random stream per seed on one device: what makes S lockstep seeds independent.

    ``normal(*shape)``, ``uniform(*shape)`` and ``randint(high, *shape)`` return (S, *shape) where
    row s comes from seed s's stream alone, so training seed s together with others gives the same
    numbers as training it alone. ``generators()`` hands out one ``torch.Generator`` per seed, seeded
    from the streams, for code that only takes a generator (a dataset with only ``sample``).
    """

    def __init__(self, seeds: list[int], purpose: str, device: torch.device) -> None:
        self.device = torch.device(device)
        self.seeds = list(seeds)
        keys = [derive_seed(s, purpose) for s in self.seeds]
        self.key = torch.tensor([[k & MASK32, (k >> 32) & MASK32] for k in keys], device=self.device)
        self.block = 0  # counter of the next block to produce (the same for every seed)
        self.pool = torch.empty(len(self.seeds), 0, dtype=torch.int64, device=self.device)

    def __len__(self) -> int:
        return len(self.seeds)

    def words(self, n: int) -> Tensor:
        """The next ``n`` 32-bit words of every seed's stream → (S, n) int64 in [0, 2³²)."""
        if self.pool.shape[1] < n:
            want = max(n - self.pool.shape[1], POOL_WORDS // max(1, len(self)))
            self.pool = torch.cat((self.pool, self._blocks(-(-want // 4))), dim=1)
        out, self.pool = self.pool[:, :n], self.pool[:, n:]
        return out

    def _blocks(self, count: int) -> Tensor:
        """Philox blocks ``block … block + count − 1`` of every seed → (S, 4·count) words."""
        index = torch.arange(self.block, self.block + count, dtype=torch.int64, device=self.device)
        self.block += count
        counter = torch.zeros(len(self), count, 4, dtype=torch.int64, device=self.device)
        counter[..., 0] = index & MASK32
        counter[..., 1] = index >> 32
        return philox4x32(counter, self.key.unsqueeze(1)).flatten(1)

    def uniform(self, *shape: int) -> Tensor:
        """Uniforms on (0, 1), float32, shape (S, *shape)."""
        n = math.prod(shape)
        return uniform_from_words(self.words(n)).reshape(len(self), *shape)

    def normal(self, *shape: int) -> Tensor:
        """Standard normals (Box–Muller), float32, shape (S, *shape)."""
        n = math.prod(shape)
        z = normal_from_words(self.words(n + n % 2))
        return z[:, :n].reshape(len(self), *shape)

    def randint(self, high: int, *shape: int) -> Tensor:
        """Integers uniform on {0, …, high − 1}, int64, shape (S, *shape), by multiply-shift
        ⌊w·high / 2³²⌋ (Lemire 2019): each value's probability is within 1/2³² of 1/high."""
        if not 1 <= high <= 1 << 31:
            raise ValueError(f"randint: high must be in [1, 2^31], got {high}")
        n = math.prod(shape)
        return ((self.words(n) * high) >> 32).reshape(len(self), *shape)

    def generators(self) -> list[torch.Generator]:
        """One ``torch.Generator`` per seed on the device, seeded by the next two words of its
        stream (reads them on the host: for per-seed fallbacks, not the hot path)."""
        w = self.words(2).tolist()
        return [torch.Generator(device=self.device).manual_seed((a << 31) ^ b) for a, b in w]
