"""`import ganbench` makes a one-member product round as that member does in a batch (MKL's strict
reproducibility), in a fresh process that set nothing itself. On an AVX-512 Xeon the shapes below
differed by 1-3 ULP without it; on CPUs where MKL agrees anyway the test passes either way.

The products are those ``SeedLinear`` runs: ``baddbmm`` of (S, B, K) by (S, K, N) for N > 1, and for
one output column the score layer's row form wᵀ·xᵀ (``ganbench.layers.linear.Score``). The plain
(S, B, K)·(S, K, 1) product is not among them: CPU BLAS runs it by another kernel at one member than
at several in every MKL mode (measured on a 2-core AMD EPYC, 2026-12-07), which is why ``Score``
exists."""

import os
import subprocess
import sys

CHECK = """
import torch
import ganbench
torch.set_num_threads(1)
g = torch.Generator().manual_seed(0)
bad = []
for b, k, n in [(64, 784, 32), (64, 32, 784)]:
    bias, x, w = (torch.randn(5, *s, generator=g) for s in [(1, n), (b, k), (k, n)])
    full = torch.baddbmm(bias, x, w)
    grad = torch.bmm(full, w.transpose(1, 2))
    for s in range(5):
        one = torch.baddbmm(bias[s:s + 1], x[s:s + 1], w[s:s + 1])
        back = torch.bmm(one, w[s:s + 1].transpose(1, 2))
        if not torch.equal(one, full[s:s + 1]) or not torch.equal(back, grad[s:s + 1]):
            bad.append((b, k, n, s))
for b, k in [(64, 128), (64, 784)]:  # one output column: the score layer's row form
    bias, x, w = (torch.randn(5, *s, generator=g) for s in [(1, 1), (b, k), (k, 1)])
    rows = x.transpose(1, 2).contiguous()
    full = torch.baddbmm(bias, w.transpose(1, 2), rows)
    for s in range(5):
        one = torch.baddbmm(bias[s:s + 1], w[s:s + 1].transpose(1, 2), rows[s:s + 1])
        if not torch.equal(one, full[s:s + 1]):
            bad.append((b, k, 1, s))
print(bad)
"""


def test_one_member_products_round_as_in_a_batch():
    env = {k: v for k, v in os.environ.items() if k != "MKL_CBWR"}
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout


def test_a_users_own_setting_is_kept():
    env = {**os.environ, "MKL_CBWR": "AUTO"}
    code = "import os, ganbench; print(os.environ['MKL_CBWR'])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.stdout.strip() == "AUTO", out.stderr
