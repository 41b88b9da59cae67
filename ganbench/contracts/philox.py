"""Philox4x32-10, the counter-based random bit generator of Salmon, Moraes, Dror and Shaw (2011,
"Parallel random numbers: as easy as 1, 2, 3", SC'11; the Random123 library), in vectorized torch
integer ops.

A counter-based generator is a keyed bijection: block ``c`` (four 32-bit words) of the stream with
key ``k`` (two 32-bit words) is ``philox(c, k)``, computed from ``c`` and ``k`` alone. So the numbers
of one stream never depend on another stream's, and the blocks of S streams — one key and one
counter per stream — come out of one batch of element-wise kernels whose number does not depend on
S (10 rounds of a few ops each).

One round on the state (x0, x1, x2, x3) with key (k0, k1):

    hi0·2³² + lo0 = M0·x0,   hi1·2³² + lo1 = M1·x2        (full 64-bit products)
    (x0, x1, x2, x3) ← (hi1 ⊕ x1 ⊕ k0, lo1, hi0 ⊕ x3 ⊕ k1, lo0)

with M0 = 0xD2511F53, M1 = 0xCD9E8D57; after each round the key is bumped by the Weyl constants
(W0, W1) = (0x9E3779B9, 0xBB67AE85) mod 2³². Words are held in int64 tensors with values in
[0, 2³²): a 32×32-bit product wraps modulo 2⁶⁴ in two's complement, which keeps all 64 bits of the
unsigned product, so ``(p >> 32) & 0xFFFFFFFF`` and ``p & 0xFFFFFFFF`` are its high and low words.
"""

from __future__ import annotations

import torch
from torch import Tensor

MASK32 = 0xFFFFFFFF
MULTIPLIERS = (0xD2511F53, 0xCD9E8D57)
WEYL = (0x9E3779B9, 0xBB67AE85)
ROUNDS = 10


def round_keys(key: Tensor, rounds: int = ROUNDS) -> list[tuple[Tensor, Tensor]]:
    """The (k0, k1) of every round for ``key`` (..., 2): computed once per stream, they save four
    kernels a round on every later call."""
    k0, k1 = key[..., 0], key[..., 1]
    keys = [(k0, k1)]
    for _ in range(1, rounds):
        k0, k1 = (k0 + WEYL[0]) & MASK32, (k1 + WEYL[1]) & MASK32
        keys.append((k0, k1))
    return keys


def philox_words(x0: Tensor, x1: Tensor, x2: Tensor, x3: Tensor, keys: list[tuple[Tensor, Tensor]]) -> Tensor:
    """Philox4x32 of the counter words (x0, x1, x2, x3) — int64 tensors that broadcast against each
    other and against the round keys (:func:`round_keys`; one round each) → (..., 4) words. Twelve
    element-wise kernels a round."""
    for k0, k1 in keys:
        p0, p1 = x0 * MULTIPLIERS[0], x2 * MULTIPLIERS[1]
        x0, x1, x2, x3 = (
            ((p1 >> 32) & MASK32) ^ x1 ^ k0,
            p1 & MASK32,
            ((p0 >> 32) & MASK32) ^ x3 ^ k1,
            p0 & MASK32,
        )
    return torch.stack(torch.broadcast_tensors(x0, x1, x2, x3), dim=-1)


def philox_low_counters(x0: Tensor, zero: Tensor, keys: list[tuple[Tensor, Tensor]]) -> Tensor:
    """:func:`philox_words` of the counters (x0, 0, 0, 0) with x0 < 2³² — a stream's blocks below
    block 2³² — and ``zero`` an int64 zero: the first round, written for zero words, is
    (k0, 0, hi0 ⊕ k1, lo0) — five kernels instead of twelve, the same words."""
    (k0, k1), rest = keys[0], keys[1:]
    p0 = x0 * MULTIPLIERS[0]
    return philox_words(k0, zero, ((p0 >> 32) & MASK32) ^ k1, p0 & MASK32, rest)


def philox4x32(counter: Tensor, key: Tensor, rounds: int = ROUNDS) -> Tensor:
    """Philox4x32-``rounds`` of ``counter`` (..., 4) under ``key`` (..., 2) → (..., 4) words.

    All are int64 tensors holding 32-bit words (0 ≤ w < 2³²); ``key`` broadcasts against
    ``counter``'s leading axes. Word order follows Random123: word 0 is the least significant of
    the 128-bit counter. The four words are kept as four tensors (measured faster on the CPU than
    pairing them along a last axis of 2).
    """
    words = (counter[..., i] for i in range(4))
    return philox_words(*words, round_keys(key, rounds))
