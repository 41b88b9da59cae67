"""Counter-based seed streams: independent of neighbours, reproducible, and distributed as claimed."""

import pytest
import torch
from scipy import stats

from ganbench.contracts import streams as streams_mod
from ganbench.contracts.philox import philox4x32
from ganbench.contracts.streams import GeneratorStreams, SeedStreams, derive_seed, make_streams


def cpu(seeds, purpose="train"):
    return SeedStreams(seeds, purpose, torch.device("cpu"))


def test_words_are_philox_blocks_of_the_seed_key_in_counter_order():
    k = derive_seed(7, "train")
    ctr = torch.zeros(3, 4, dtype=torch.int64)
    ctr[:, 0] = torch.arange(3)
    expected = philox4x32(ctr, torch.tensor([k & 0xFFFFFFFF, k >> 32])).flatten()
    assert torch.equal(cpu([7]).words(12)[0], expected)


@pytest.mark.parametrize("kind", [SeedStreams, GeneratorStreams])
def test_a_seed_draws_the_same_numbers_whoever_is_beside_it(kind):
    alone, together = kind([5], "train", torch.device("cpu")), kind([3, 5, 8], "train", torch.device("cpu"))
    for draw in (lambda s: s.normal(10, 3), lambda s: s.uniform(7), lambda s: s.randint(13, 9)):
        assert torch.equal(draw(alone)[0], draw(together)[1])


def test_pool_size_changes_cost_not_values(monkeypatch):
    a = cpu([1, 2]).words(5)  # one refill of the default pool
    monkeypatch.setattr(streams_mod, "POOL_WORDS", 4)
    monkeypatch.setattr(streams_mod, "REFILL_DRAWS", 1)
    small = cpu([1, 2])  # refills of 4 words per seed, one block each
    b = torch.cat([small.words(2), small.words(3)], 1)
    assert torch.equal(a, b)


def test_purposes_and_seeds_give_different_streams():
    assert not torch.equal(cpu([1]).words(8), cpu([2]).words(8))
    assert not torch.equal(cpu([1], "train").words(8), cpu([1], "eval").words(8))


def test_shapes_dtypes_and_ranges():
    s = cpu([0, 1])
    assert s.normal(3, 5).shape == (2, 3, 5) and s.normal(3).dtype == torch.float32
    u = s.uniform(1000)
    assert u.shape == (2, 1000) and (u > 0).all() and (u < 1).all()
    r = s.randint(7, 4, 250)
    assert r.shape == (2, 4, 250) and r.dtype == torch.int64 and r.min() == 0 and r.max() == 6
    with pytest.raises(ValueError):
        s.randint(0, 3)


def test_normal_and_uniform_pass_kolmogorov_smirnov():
    s = cpu([11, 12])
    z, u = s.normal(20_000), s.uniform(20_000)
    for row in range(2):
        assert stats.kstest(z[row].numpy(), "norm").pvalue > 1e-3
        assert stats.kstest(u[row].numpy(), "uniform").pvalue > 1e-3
    assert abs(z.mean().item()) < 0.02 and abs(z.var().item() - 1) < 0.03
    assert abs(u.mean().item() - 0.5) < 0.01 and abs(u.var().item() - 1 / 12) < 0.003
    odd = s.normal(3, 3)  # an odd count uses half of a Box–Muller pair
    assert torch.isfinite(odd).all()


def test_randint_is_uniform_chi_square():
    counts = torch.bincount(cpu([4]).randint(10, 50_000)[0], minlength=10).numpy()
    assert stats.chisquare(counts).pvalue > 1e-3


def test_normal_pairs_are_uncorrelated():
    z = cpu([9]).normal(2, 20_000)[0]
    assert abs(torch.corrcoef(z)[0, 1].item()) < 0.03


def test_generators_fallback_is_per_seed_and_reproducible():
    a, b = cpu([1, 2]).generators(), cpu([3, 2]).generators()
    assert torch.equal(torch.rand(4, generator=a[1]), torch.rand(4, generator=b[1]))
    assert not torch.equal(torch.rand(4, generator=a[0]), torch.rand(4, generator=b[0]))


def test_auto_streams_are_native_generators_on_the_cpu_and_unknown_kinds_fail():
    assert isinstance(make_streams("auto", [0], "train", torch.device("cpu")), GeneratorStreams)
    assert isinstance(make_streams("philox", [0], "train", torch.device("cpu")), SeedStreams)
    with pytest.raises(ValueError, match="unknown streams kind"):
        make_streams("mt", [0], "train", torch.device("cpu"))


def test_generator_streams_shapes_ranges_and_reproducibility():
    s = GeneratorStreams([0, 1], "train", torch.device("cpu"))
    u, r, z = s.uniform(5000), s.randint(7, 4, 250), s.normal(3, 5)
    assert u.shape == (2, 5000) and (u > 0).all() and (u < 1).all() and abs(u.mean().item() - 0.5) < 0.02
    assert r.shape == (2, 4, 250) and r.min() == 0 and r.max() == 6
    assert z.shape == (2, 3, 5) and z.dtype == torch.float32
    again = GeneratorStreams([0, 1], "train", torch.device("cpu"))
    again.uniform(5000), again.randint(7, 4, 250)
    assert torch.equal(again.normal(3, 5), z)
    assert not torch.equal(z[0], z[1])
