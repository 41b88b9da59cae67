"""Train the bundled digit classifiers afresh and report their held-out accuracy and training time.

    .venv/bin/python benchmarks/bench_classifier.py [--side 8 28] [--store]

Training is deterministic (one CPU thread, fixed seeds: ``ganbench.metrics.classifier_training``),
so the accuracy is the one every machine's cached classifier has; the time is this machine's (CPU
time of the training process, and wall time). Nothing is written unless ``--store`` is given, which
saves the weights where ``load_classifier`` looks for them (``$GANBENCH_CACHE``), replacing a
cached file. ``make classifiers`` runs it for both classifiers.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from ganbench.metrics.classifier import KINDS, cache_path, test_accuracy, train_classifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, nargs="+", default=sorted(KINDS), choices=sorted(KINDS))
    parser.add_argument("--store", action="store_true", help="save the weights into the cache")
    args = parser.parse_args()
    for side in args.side:
        kind = KINDS[side]
        wall, cpu = time.perf_counter(), time.process_time()
        model = train_classifier(side=side)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        _, _, x_test, _ = kind.split(kind.settings)
        accuracy = test_accuracy(model)
        print(
            f"{kind.name}: held-out accuracy {accuracy:.2%} on {len(x_test)} digits; "
            f"training {cpu:.0f} s CPU, {wall:.0f} s wall (one thread)",
            flush=True,
        )
        if args.store:
            path = cache_path(side=side)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            torch.save(model.state_dict(), tmp)
            os.replace(tmp, path)
            print(f"  saved to {path}")


if __name__ == "__main__":
    main()
