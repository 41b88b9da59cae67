"""k-NN distribution metrics: precision, recall, density, coverage; improved precision and recall.

Both families estimate each distribution's support by the union of balls around its samples, the
radius of the ball around a sample being the distance to its k-th nearest neighbour within its own
set (the sample itself excluded). With real samples X = {X_i} (M of them), fake samples Y = {Y_j}
(N), and NND_k(·) the k-th nearest-neighbour distance:

Naeem et al. 2020, "Reliable Fidelity and Diversity Metrics for Generative Models" (k = 5)::

    precision = 1/N Σ_j 1[∃ i: ‖Y_j − X_i‖ < NND_k(X_i)]
    recall    = 1/M Σ_i 1[∃ j: ‖X_i − Y_j‖ < NND_k(Y_j)]
    density   = 1/(kN) Σ_j Σ_i 1[‖Y_j − X_i‖ < NND_k(X_i)]
    coverage  = 1/M Σ_i 1[min_j ‖X_i − Y_j‖ < NND_k(X_i)]

For two samples of one distribution, E[density] = 1 and E[coverage] → 1 − 2^(−k) when M = N.

Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing Generative Models"
(k = 3): the same precision and recall with closed balls (≤), as in their reference implementation.

Distances are computed block by block (rows of one set against all of the other), so memory grows
with ``chunk_elems`` and the set sizes, never with their product: 10,000 × 10,000 samples need a few
tens of MB. Everything runs on the samples' device, in their floating dtype (at least float32).
"""

from __future__ import annotations

import torch
from torch import Tensor

#: Distance-matrix entries computed at once (a block of rows × all columns). 2²² floats = 16 MB.
CHUNK_ELEMS = 2**22


def _rows_per_block(n_cols: int, chunk_elems: int) -> int:
    return max(1, chunk_elems // max(1, n_cols))


def _prep(x: Tensor) -> Tensor:
    x = x.flatten(1)
    return x if x.is_floating_point() and x.element_size() >= 4 else x.float()  # half precision → float32


def knn_radii(x: Tensor, k: int, chunk_elems: int = CHUNK_ELEMS) -> Tensor:
    """Distance from each sample to its k-th nearest neighbour in ``x`` itself (itself excluded).

    ``x``: (N, D) with N > k. Returns (N,). Like the reference implementations, the sample's own
    zero distance is the 0-th neighbour, so the radius is the (k+1)-th smallest distance in its row.
    """
    x = _prep(x)
    if x.shape[0] <= k:
        raise ValueError(f"k-NN radii need more than k = {k} samples, got {x.shape[0]}.")
    rows = _rows_per_block(x.shape[0], chunk_elems)
    out = [torch.cdist(b, x).topk(k + 1, dim=1, largest=False).values[:, k] for b in x.split(rows)]
    return torch.cat(out)


def _scan(
    real: Tensor, fake: Tensor, real_radii: Tensor, fake_radii: Tensor, strict: bool, chunk_elems: int
) -> tuple[Tensor, Tensor, Tensor]:
    """One pass over the real × fake distances, by blocks of real rows.

    Returns, per fake sample, how many real balls contain it (N,); per real sample, whether some fake
    ball contains it (M,); per real sample, the distance to its nearest fake sample (M,).
    """
    inside = torch.lt if strict else torch.le
    count = torch.zeros(fake.shape[0], dtype=torch.int64, device=fake.device)
    in_fake, nearest = [], []
    rows = _rows_per_block(fake.shape[0], chunk_elems)
    for xb, rb in zip(real.split(rows), real_radii.split(rows), strict=True):
        d = torch.cdist(xb, fake)  # (rows, N)
        count += inside(d, rb[:, None]).sum(dim=0)
        in_fake.append(inside(d, fake_radii[None, :]).any(dim=1))
        nearest.append(d.min(dim=1).values)
    return count, torch.cat(in_fake), torch.cat(nearest)


def prdc(
    real: Tensor,
    fake: Tensor,
    k: int = 5,
    real_radii: Tensor | None = None,
    chunk_elems: int = CHUNK_ELEMS,
) -> dict[str, Tensor]:
    """Precision, recall, density and coverage of Naeem et al. 2020 (formulas in the module docstring).

    ``real``: (M, D), ``fake``: (N, D). ``real_radii`` may be passed in when the same real set is
    compared with many fake sets (see :func:`knn_radii`). Returns 0-d float64 tensors.
    """
    real, fake = _prep(real), _prep(fake).to(real.dtype)
    if real_radii is None:
        real_radii = knn_radii(real, k, chunk_elems)
    fake_radii = knn_radii(fake, k, chunk_elems)
    count, in_fake, nearest = _scan(real, fake, real_radii, fake_radii, True, chunk_elems)
    f64 = torch.float64
    return {
        "precision": (count > 0).to(f64).mean(),
        "recall": in_fake.to(f64).mean(),
        "density": count.to(f64).sum() / (k * fake.shape[0]),
        "coverage": (nearest < real_radii).to(f64).mean(),
    }


def improved_precision_recall(
    real: Tensor,
    fake: Tensor,
    k: int = 3,
    real_radii: Tensor | None = None,
    chunk_elems: int = CHUNK_ELEMS,
) -> dict[str, Tensor]:
    """Improved precision and recall of Kynkäänniemi et al. 2019 (closed k-NN balls, k = 3).

    precision = share of fake samples inside some real ball; recall = share of real samples inside
    some fake ball. ``real``: (M, D), ``fake``: (N, D). Returns 0-d float64 tensors.
    """
    real, fake = _prep(real), _prep(fake).to(real.dtype)
    if real_radii is None:
        real_radii = knn_radii(real, k, chunk_elems)
    fake_radii = knn_radii(fake, k, chunk_elems)
    count, in_fake, _ = _scan(real, fake, real_radii, fake_radii, False, chunk_elems)
    f64 = torch.float64
    return {"precision": (count > 0).to(f64).mean(), "recall": in_fake.to(f64).mean()}
