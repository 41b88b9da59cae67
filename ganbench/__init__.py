"""ganbench: which GAN loss and alternation schedule train your data most stably?"""

import atexit
import os
import sys

# Seeds train as one model, and member s must round the same beside others as alone. On AVX-512
# CPUs, MKL multiplies a single matrix (a one-member model) with other kernels than a batch of them
# (sums ~1e-7 apart, measured on an Intel Xeon; the AVX2 EPYC agreed), unless its conditional
# numerical reproducibility is strict. MKL reads this on its first call, so it is set before any
# product runs; a user's own MKL_CBWR is kept. See docs/networks.md ("Together equals alone").
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")


def _end_if_stopped() -> None:
    # Registered here, before any library registers its own, so that it runs last: a command a stop
    # signal ended leaves after every exit handler, without the interpreter's teardown
    # (ganbench.experiment.interrupts.end_within_grace says why).
    interrupts = sys.modules.get("ganbench.experiment.interrupts")
    if interrupts is not None:
        interrupts.end_if_stopped()


atexit.register(_end_if_stopped)

__version__ = "0.1.0"
