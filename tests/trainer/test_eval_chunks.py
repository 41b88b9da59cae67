"""Evaluation samples drawn in pieces on the CPU (``ganbench.train.build.sample_chunk``) are the
samples drawn at once: each depends on its own noise alone, in eval mode."""

import torch

import ganbench.train.build as build_module
from ganbench.testing.setups import tiny_setup


def test_pieces_give_the_samples_of_one_batch(monkeypatch):
    setup = tiny_setup(seeds=[0, 1, 2], dataset="stacked_digits", sets=["eval_samples=300"], device="cpu")
    whole = setup.eval_samples()
    monkeypatch.setattr(build_module, "EVAL_CHUNK_VALUES", 1)  # pieces of the minimum, 64 samples
    assert build_module.sample_chunk(3, tuple(setup.dataset.sample_shape), setup.device) == 64
    pieces = setup.eval_samples()
    assert pieces.shape == whole.shape == (3, 300, *setup.dataset.sample_shape)
    torch.testing.assert_close(pieces, whole, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(setup.eval_samples(100), pieces[:, :100], rtol=1e-5, atol=1e-6)


def test_a_cuda_device_draws_at_once():
    assert build_module.sample_chunk(64, (3, 28, 28), torch.device("cuda")) >= 10**9
