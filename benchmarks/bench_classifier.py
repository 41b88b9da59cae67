"""Train the bundled digit classifiers afresh and report their held-out accuracy and training time.

    .venv/bin/python benchmarks/bench_classifier.py [--side 8 28] [--store] [--smoke]

Training is deterministic (one CPU thread, fixed seeds: ``ganbench.metrics.classifier_training``),
so the accuracy is the one every machine's cached classifier has; the time is this machine's (CPU
time of the training process, and wall time). Nothing is written unless ``--store`` is given, which
saves the weights where ``load_classifier`` looks for them (``$GANBENCH_CACHE``), replacing a
cached file. ``make classifiers`` runs it for both classifiers. ``--smoke`` trains the 8×8 one for
one epoch (its accuracy then means nothing) and never stores it.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import smoke  # noqa: E402
from ganbench.metrics.classifier import KINDS, cache_path, test_accuracy, train_classifier  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, nargs="+", default=sorted(KINDS), choices=sorted(KINDS))
    parser.add_argument("--store", action="store_true", help="save the weights into the cache")
    args = smoke.parse(parser, {"side": [8]})
    for side in args.side:
        kind = KINDS[side]
        settings = copy.deepcopy(kind.settings)
        if args.smoke:
            settings["train"]["epochs"] = 1
        wall, cpu = time.perf_counter(), time.process_time()
        model = train_classifier(settings, side=side)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        _, _, x_test, _ = kind.split(settings)
        accuracy = test_accuracy(model, settings)
        print(
            f"{kind.name}: held-out accuracy {accuracy:.2%} on {len(x_test)} digits; "
            f"training {cpu:.0f} s CPU, {wall:.0f} s wall (one thread)",
            flush=True,
        )
        if args.store and not args.smoke:
            path = cache_path(side=side)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            torch.save(model.state_dict(), tmp)
            os.replace(tmp, path)
            print(f"  saved to {path}")


if __name__ == "__main__":
    main()
