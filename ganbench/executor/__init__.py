"""The executor: the one way work is trained, whoever asks for it.

Work is a list of units — (cell, seeds still to train) — and the executor packs them into batched
models (:mod:`~ganbench.executor.packing`, with :func:`ganbench.train.population.group` deciding
which cells may share a model and a per-device cap on members). It then trains the models either
in local worker processes (:mod:`~ganbench.executor.local`) or through the shared Optuna queue
(:mod:`~ganbench.executor.queue`: one queued trial per model, taken by ``ganbench worker`` on any
machine, :mod:`~ganbench.executor.worker`) — the same models either way. Around each model of a
benchmark, :mod:`~ganbench.executor.benchmark_runs` claims its MLflow runs, streams their curves
and completes one run per (cell, seed). ``ganbench tune`` packs the trials it asks for with the
same packing and trains them with the same ``run_cells``.
"""
