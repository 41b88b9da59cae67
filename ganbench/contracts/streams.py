"""Per-seed random streams drawn for all seeds at once from the counter-based Philox4x32-10.

Seed s with purpose p ("init", "train", "eval", …) owns the stream of 32-bit words

    words(s, p) = philox(0, k) ‖ philox(1, k) ‖ philox(2, k) ‖ …,   k = derive_seed(s, p)

(each block: four words; the block index is the counter). Every draw — ``normal``, ``uniform``,
``randint`` — takes the next words of every seed's stream in one vectorized call, so S seeds cost a
constant number of kernels, and seed s's numbers are a function of (s, p) and of how many words it
has consumed, never of the seeds beside it. Seeds in lockstep draw the same amounts, so one host-side
word position serves all of them (no host synchronisation).

Words are produced ahead in a pool of whole blocks and consumed in order; the pool's size changes
the cost of a draw, never its values. A refill holds, for every seed, at least ``POOL_WORDS`` words
and ``REFILL_DRAWS`` draws of the largest size drawn so far (memory permitting), so its few hundred
kernels are shared by many ticks, as many whatever the number of seeds beside it, and a draw in
between costs no Philox kernel at all. (Sized by the draw that happened to ask, a refill asked by a
small draw — a batch's image indices — lasted a few ticks: at 64 seeds and batch 64 a DCGAN update
paid 3.9 more operators on average, 193.9 against 190.0. With a pool of so many words over all
seeds rather than per seed, 64 seeds refilled ten times as often as one at small draws: 7.7 more
operators a DCGAN update at batch 8.)
Normals pair adjacent words (positions 2i and 2i + 1 of the stream) and are computed for the whole
pool at once, so a draw is a slice: on a CPU, where every element-wise kernel costs a few
microseconds of dispatch, this keeps a small draw as cheap as ``torch.randn``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from ganbench.contracts.philox import MASK32, philox_low_counters, philox_words, round_keys

POOL_WORDS = 1 << 16  # words produced per refill and seed at least (fewer, larger kernels)
REFILL_DRAWS = 64  # a refill holds at least this many draws of the largest size drawn so far …
# (32 made a DCGAN update at batch 64 pay ~8 operators for refills, more than its lead over the
# plain loop; 64: ~4, and 3.3 + 1.6 MB a seed at that batch)
MAX_POOL_WORDS = 1 << 27  # … within this many words over all seeds (1 GiB of int64)
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
    """Box–Muller (Box & Muller 1958) on adjacent pairs: uniforms (u₁, u₂) from words 2i and 2i + 1
    of ``words`` (last axis, even length) give z₂ᵢ = √(−2 ln u₁)·cos(2πu₂) and
    z₂ᵢ₊₁ = √(−2 ln u₁)·sin(2πu₂), independent standard normals. With 24-bit uniforms
    |z| ≤ √(2·25·ln 2) ≈ 5.89 (the tail beyond has probability 4·10⁻⁹)."""
    u = uniform_from_words(words).unflatten(-1, (-1, 2))
    radius = torch.sqrt(-2.0 * torch.log(u[..., 0]))
    angle = TWO_PI * u[..., 1]
    return torch.stack((radius * torch.cos(angle), radius * torch.sin(angle)), dim=-1).flatten(-2)


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
        self.round_keys = round_keys(self.key.unsqueeze(1))  # (S, 1) each: made once
        self.zero = torch.zeros((), dtype=torch.int64, device=self.device)  # counter words 2 and 3
        self.block = 0  # counter of the next block to produce (the same for every seed)
        self.pool = torch.empty(len(self.seeds), 0, dtype=torch.int64, device=self.device)
        self.start = 0  # stream position of pool[:, 0]
        self.pos = 0  # words of the pool already consumed
        self.gauss: Tensor | None = None  # normals of the pool's pairs, computed on first use
        self.largest = 0  # the largest draw so far, in words: what a refill is sized by

    def __len__(self) -> int:
        return len(self.seeds)

    def _ensure(self, n: int) -> None:
        """Make at least ``n`` unconsumed words available (one refill of whole blocks if not)."""
        left = self.pool.shape[1] - self.pos
        self.largest = max(self.largest, n)
        if left >= n:
            return
        s = max(1, len(self))
        want = max(n - left, min(max(POOL_WORDS, REFILL_DRAWS * self.largest), MAX_POOL_WORDS // s))
        self.pool = torch.cat((self.pool[:, self.pos :], self._blocks(-(-want // 4))), dim=1)
        self.start, self.pos, self.gauss = self.start + self.pos, 0, None

    def words(self, n: int) -> Tensor:
        """The next ``n`` 32-bit words of every seed's stream → (S, n) int64 in [0, 2³²)."""
        self._ensure(n)
        out = self.pool[:, self.pos : self.pos + n]
        self.pos += n
        return out

    def _blocks(self, count: int) -> Tensor:
        """Philox blocks ``block … block + count − 1`` of every seed → (S, 4·count) words."""
        index = torch.arange(self.block, self.block + count, dtype=torch.int64, device=self.device)
        self.block += count
        if self.block <= 1 << 32:  # (every counter's high word is 0: the first round is cheaper)
            words = philox_low_counters(index, self.zero, self.round_keys)
        else:
            words = philox_words(index & MASK32, index >> 32, self.zero, self.zero, self.round_keys)
        return words.expand(len(self), count, 4).flatten(1)

    def uniform(self, *shape: int) -> Tensor:
        """Uniforms on (0, 1), float32, shape (S, *shape)."""
        n = math.prod(shape)
        return uniform_from_words(self.words(n)).reshape(len(self), *shape)

    def normal(self, *shape: int) -> Tensor:
        """Standard normals (Box–Muller on word pairs), float32, shape (S, *shape). A draw starts
        at an even stream position (skipping one word after an odd-sized draw of another kind) and
        consumes an even number of words."""
        n = math.prod(shape)
        if (self.start + self.pos) % 2:
            self.words(1)
        self._ensure(n + n % 2)
        odd = self.start % 2  # pairs start at even stream positions
        if self.gauss is None:
            usable = (self.pool.shape[1] - odd) // 2 * 2
            self.gauss = normal_from_words(self.pool[:, odd : odd + usable])
        z = self.gauss[:, self.pos - odd : self.pos - odd + n]
        self.pos += n + n % 2
        return z.reshape(len(self), *shape)

    def randint(self, high: int, *shape: int) -> Tensor:
        """Integers uniform on {0, …, high − 1}, int64, shape (S, *shape), by multiply-shift
        ⌊w·high / 2³²⌋ (Lemire 2019): each value's probability is within 1/2³² of 1/high."""
        if not 1 <= high <= 1 << 31:
            raise ValueError(f"randint: high must be in [1, 2^31], got {high}")
        n = math.prod(shape)
        return ((self.words(n) * high) >> 32).reshape(len(self), *shape)

    def select(self, rows: Tensor) -> None:
        """Keep only the streams of ``rows`` (indices, in order); each goes on where it was."""
        rows = rows.to(self.device)
        self.seeds = [self.seeds[i] for i in rows.tolist()]
        self.key, self.pool = self.key[rows], self.pool[rows]
        self.round_keys = round_keys(self.key.unsqueeze(1))
        if self.gauss is not None:
            self.gauss = self.gauss[rows]

    def generators(self) -> list[torch.Generator]:
        """One ``torch.Generator`` per seed on the device, seeded by the next two words of its
        stream (reads them on the host: for per-seed fallbacks, not the hot path)."""
        w = self.words(2).tolist()
        return [torch.Generator(device=self.device).manual_seed((a << 31) ^ b) for a, b in w]


class GeneratorStreams:
    """The same interface as :class:`SeedStreams`, drawn from one native ``torch.Generator`` per
    seed (seeded with ``derive_seed(seed, purpose)``): S calls per draw instead of a constant
    number. Each call is one fused kernel, so where kernels are cheap to launch and S is small —
    a CPU — this is the faster source; on a GPU, where launches dominate, :class:`SeedStreams` is.
    Seeds stay independent either way (row s comes from seed s's generator alone); the two sources
    give different numbers.
    """

    def __init__(self, seeds: list[int], purpose: str, device: torch.device) -> None:
        self.device = torch.device(device)
        self.seeds = list(seeds)
        self.gens = [
            torch.Generator(device=self.device).manual_seed(derive_seed(s, purpose)) for s in self.seeds
        ]

    def __len__(self) -> int:
        return len(self.seeds)

    def _each(self, draw) -> Tensor:
        if len(self.gens) == 1:  # one member: a view, not a copy (a kernel less per draw)
            return draw(self.gens[0]).unsqueeze(0)
        return torch.stack([draw(g) for g in self.gens])

    def uniform(self, *shape: int) -> Tensor:
        """Uniforms on (0, 1) on the same 2⁻²⁴ grid as :class:`SeedStreams`, float32."""
        bits = self._each(lambda g: torch.randint(1 << 24, shape, generator=g, device=self.device))
        return (bits.float() + 0.5) * (1.0 / (1 << 24))

    def normal(self, *shape: int) -> Tensor:
        """Standard normals, float32, shape (S, *shape)."""
        return self._each(lambda g: torch.randn(shape, generator=g, device=self.device))

    def randint(self, high: int, *shape: int) -> Tensor:
        """Integers uniform on {0, …, high − 1}, int64, shape (S, *shape)."""
        if not 1 <= high <= 1 << 31:
            raise ValueError(f"randint: high must be in [1, 2^31], got {high}")
        return self._each(lambda g: torch.randint(high, shape, generator=g, device=self.device))

    def select(self, rows: Tensor) -> None:
        """Keep only the streams of ``rows`` (indices, in order); each goes on where it was."""
        keep = rows.tolist()
        self.seeds, self.gens = [self.seeds[i] for i in keep], [self.gens[i] for i in keep]

    def generators(self) -> list[torch.Generator]:
        """The seeds' own generators (a fallback's draws continue each seed's stream)."""
        return self.gens


Streams = SeedStreams | GeneratorStreams


def make_streams(kind: str, seeds: list[int], purpose: str, device: torch.device) -> Streams:
    """Per-seed streams of ``kind``: "philox" (:class:`SeedStreams`), "generator"
    (:class:`GeneratorStreams`) or "auto" — Philox on CUDA, where one vectorized draw for all seeds
    saves S kernel launches, native generators on the CPU, where Philox in int64 element-wise ops
    costs about four times as much per number (measured: 0.12 against 0.47 ms per ring tick at
    S = 1, 0.7 against 3 ms at S = 8)."""
    if kind == "auto":
        kind = "philox" if torch.device(device).type == "cuda" else "generator"
    if kind == "philox":
        return SeedStreams(seeds, purpose, device)
    if kind == "generator":
        return GeneratorStreams(seeds, purpose, device)
    raise ValueError(f"unknown streams kind {kind!r}: auto, philox or generator")
