"""The metric suite: pure functions on tensors and arrays, one small module each.

- ``modes``: modes covered, high-quality share, reverse KL (VEEGAN / PacGAN protocol);
- ``classifier``: the bundled 8×8 digit classifier (mode labels and features for digit images);
- ``features``: the feature space distribution metrics use (data space or classifier features);
- ``prdc``: precision/recall/density/coverage (Naeem et al. 2020), improved P/R (Kynkäänniemi et al. 2019);
- ``frechet``: Fréchet distance with a numerically safe matrix square root;
- ``stability``: one seed's divergence, oscillation, peak-to-final drop, D accuracy, gradient norms;
- ``across_seeds``: mean, spread, success rate and bootstrap CI across seeds;
- ``evaluator``: what the trainer calls at evaluation points.

The registered metrics (``registry/metrics/``) are thin :class:`ganbench.contracts.Metric` classes
calling these functions.
"""
