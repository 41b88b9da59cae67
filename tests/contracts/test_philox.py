"""Philox4x32-10 against the Random123 known-answer vectors and a scalar reference."""

import random

import torch

from ganbench.contracts.philox import philox4x32

# Random123 tests/kat_vectors (Salmon et al. 2011): counter (4 words), key (2 words) → output.
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


def scalar_philox(ctr, key, rounds=10):
    """Philox4x32 written out on Python ints, word by word as in the paper."""
    x0, x1, x2, x3 = ctr
    k0, k1 = key
    m = 0xFFFFFFFF
    for r in range(rounds):
        if r:
            k0, k1 = (k0 + 0x9E3779B9) & m, (k1 + 0xBB67AE85) & m
        p0, p1 = 0xD2511F53 * x0, 0xCD9E8D57 * x2
        x0, x1, x2, x3 = (p1 >> 32) ^ x1 ^ k0, p1 & m, (p0 >> 32) ^ x3 ^ k1, p0 & m
    return (x0, x1, x2, x3)


def test_known_answer_vectors():
    ctr = torch.tensor([c for c, _, _ in KAT])
    key = torch.tensor([k for _, k, _ in KAT])
    assert philox4x32(ctr, key).tolist() == [list(out) for _, _, out in KAT]


def test_matches_scalar_reference_on_random_inputs():
    rng = random.Random(0)
    ctrs = [tuple(rng.getrandbits(32) for _ in range(4)) for _ in range(64)]
    keys = [tuple(rng.getrandbits(32) for _ in range(2)) for _ in range(64)]
    out = philox4x32(torch.tensor(ctrs), torch.tensor(keys)).tolist()
    assert out == [list(scalar_philox(c, k)) for c, k in zip(ctrs, keys, strict=True)]
    assert [list(scalar_philox(c, k)) for c, k, _ in KAT] == [list(o) for _, _, o in KAT]


def test_key_broadcasts_over_counters():
    ctr = torch.zeros(3, 5, 4, dtype=torch.int64)
    ctr[..., 0] = torch.arange(5)
    key = torch.tensor([[1, 2], [3, 4], [5, 6]]).unsqueeze(1)
    out = philox4x32(ctr, key)
    assert out.shape == (3, 5, 4)
    assert out[1, 2].tolist() == list(scalar_philox((2, 0, 0, 0), (3, 4)))
