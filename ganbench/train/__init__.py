"""Training: configuration, networks, the lockstep trainer and its updates, sample plots."""
