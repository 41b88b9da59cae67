"""Kernel-making operators per generator update of the convolutional workload: ``dcgan`` for both
players on stacked MNIST (3×28×28: two stride-2 stages, batch norm), modified_minimax, alternating
1:1, Philox streams — against the plain PyTorch DCGAN loop of the same shapes
(``ganbench.train.reference_loop.PlainDCGAN``, foreach Adam). Counts are deterministic on the CPU
and depend on the depth, not on widths, so the networks are 2 channels wide. They depend on the
batch through one thing: how often a Philox pool refills (~125 operators, once every 64 draws of
the noise batch, or 65,536 words a seed), which the plain loop's ``torch.randn`` does not pay. So
each comparison counts over whole refill periods at one batch: the plain loop and S = 1 at the
issue's batch of 64 over 64 updates (two refills), S = 1 and S = 64 at batch 8 over 64 updates
(the same refills: pools are sized per seed).

Which path each count is on: S = 1 runs one plain convolution per layer whatever the strategy;
S = 64 is counted on the grouped path (``conv="grouped"``: one grouped convolution per layer, what
CUDA runs and launches), forced on the CPU, whose default loops over members (64 convolutions a
layer: ~1,680 operators an update, ``benchmarks/bench_conv.py``).

Measured (torch 2.13, 64 updates after 2): at batch 64 the plain loop 122.0, S = 1 120.30
(0.986 × plain); at batch 8 S = 1 118.28, S = 64 grouped 123.28 (1.042 × S = 1) — the issue's
goals, met. (Over a window without a refill, as this test counted before: 116.69 and 121.69.)
Before issue 29's item 6 work they were 153.75 and 191.4; then 136.75 and 179.8 (one meter commit
for a D and a G step's statistics, backward seeded without a sum, a member Adam of ten kernels a
step, the discriminator's score as a convolution, Philox's first round on low counters); then, to
meet them:

- layer-major parameters for networks with grouped convolutions or batch norm
  (``ganbench.train.member_optim``): a layer's (S, …) weights are one contiguous block, so the
  grouped convolution's (S·C_out, …) weight and batch norm's (S·C,) scale are views — 21 copies and
  11 stacks an update fewer at S = 64, two ``index_add_`` more (the step added through a fixed
  permutation);
- Philox pools sized per seed: 64 seeds refill as often as one (7.7 an update at S = 64 and batch
  8), and hold 64 draws of the noise batch, not 32 (a refill's ~125 operators shared by twice the
  updates: 4 an update at batch 64, was 8);
- statistics and counts held and added up when read (``ganbench.train.meter``), the D step's
  accuracies worked out there for many steps at once, check points' arithmetic in numpy, a CPU
  mask read without a reduction, Adam's clamp only where a learning rate nears zero: 20 at both S.

On the path a GPU runs without CUDA graphs (masks never read on the host: every step masked)
a step takes three ``where`` more: 6 an update (S = 1 at batch 64: 126.30, 1.035 × plain).
"""

from functools import cache

import torch

from ganbench.train.tick_ops import DCGAN_WORKLOAD, per_update, plain_dcgan_ops, trainer_ops

WIDTH, WARM, UPDATES = 2, 2, 64
TINY = {
    **DCGAN_WORKLOAD,
    "generator": {"name": "dcgan", "width": WIDTH},
    "discriminator": {"name": "dcgan", "width": WIDTH},
}


@cache
def counts() -> dict[str, dict]:
    """Per generator update: the plain loop and S = 1 at batch 64; S = 1 and S = 64 (grouped) at 8."""

    def ours(n_seeds: int, batch: int, conv: str) -> dict:
        def run(n: int):
            workload = {**TINY, "batch_size": batch}
            return trainer_ops(n_seeds, n, batch, workload=workload, conv=conv, streams="philox")

        return per_update(run, WARM, UPDATES)

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # (a count does not depend on it; two threads on a busy 2-core CPU: 10x slower)
    try:
        return {
            "plain": per_update(lambda n: plain_dcgan_ops(n, 64, WIDTH), WARM, UPDATES),
            "one": ours(1, 64, "auto"),
            "one_small": ours(1, 8, "auto"),
            "many_small": ours(64, 8, "grouped"),
        }
    finally:
        torch.set_num_threads(threads)


def test_dcgan_updates_stay_at_their_measured_operator_counts():
    c = counts()
    plain, one, many = c["plain"]["total"], c["one"]["total"], c["many_small"]["total"]
    assert 115 <= plain <= 130  # (foreach Adam; a change of torch's may move it)
    assert one <= 120.5, c["one"]["ops"]
    assert c["one_small"]["total"] <= 118.5, c["one_small"]["ops"]
    assert many <= 123.5, c["many_small"]["ops"]
    # no tensor built from host values inside a tick but the counter (an arange) of each of the
    # window's two Philox refills
    assert c["one"]["factories"] * UPDATES <= 2
    assert c["one"]["host_reads"] <= 4  # CPU masks (none on a GPU) and check points


def test_dcgan_meets_the_issues_operator_goals():
    """Issue 29: one member costs no more operators than the plain loop, 64 at most 1.1 × one."""
    c = counts()
    assert c["one"]["total"] <= c["plain"]["total"], (c["one"]["total"], c["plain"]["total"])
    one, many = c["one_small"]["total"], c["many_small"]["total"]
    assert many <= 1.1 * one, (many, one)


def test_the_layer_major_layout_makes_no_weight_copy_at_s_64():
    """At S = 64 on the grouped path, a convolution's weight and a batch norm's scale are views of
    the parameters: the only copies an update makes are the three activations' relayouts (the real
    images and the first batch norm's input, members side by side)."""
    c = counts()
    many, one = c["many_small"]["ops"], c["one_small"]["ops"]
    assert many["aten.clone"] / UPDATES == 3, many["aten.clone"]
    assert many["aten.stack"] == one["aten.stack"], (many["aten.stack"], one["aten.stack"])
