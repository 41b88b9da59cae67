# ganbench — every target works from a fresh clone; `make setup` is implied by the others.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: setup test test-fast lint format demo benchmark images first-look benchmark-quick ui report literature remedies tune tune-ui perf classifiers clean

setup: $(VENV)/.installed

# Versions come from constraints.txt (torch==2.13.0 is the CPU wheel; never an unpinned torch).
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

test: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) --durations=15

test-fast: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not slow"

lint: setup
	$(BIN)/ruff check ganbench registry tests benchmarks
	$(BIN)/ruff format --check ganbench registry tests benchmarks

format: setup
	$(BIN)/ruff format ganbench registry tests benchmarks
	$(BIN)/ruff check --fix ganbench registry tests benchmarks

TRACKING_URI ?= sqlite:///mlflow.db
UI_PORT      ?= 5000
JOBS         ?= 2

# The main job: experiments/default.yaml into the embedded MLflow store (no server needed).
# Rerunning skips finished runs and redoes unfinished ones.
benchmark: setup
	$(BIN)/ganbench benchmark experiments/default.yaml --tracking-uri $(TRACKING_URI) --jobs $(JOBS)
	if $(PY) -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then \
		$(BIN)/ganbench benchmark experiments/images.yaml --tracking-uri $(TRACKING_URI) --jobs $(JOBS); \
	else echo "No GPU: experiments/images.yaml not run (its CPU face: make images, about an hour)."; fi

# Convolutional GANs on stacked MNIST, the images spec's CPU face (its cuda profile on a GPU).
images: setup
	$(BIN)/ganbench benchmark experiments/images.yaml --tracking-uri $(TRACKING_URI) --jobs $(JOBS)
	$(BIN)/ganbench report images --tracking-uri $(TRACKING_URI)

# The first look: four configurations on the ring, 3 seeds, then their report (about 3 minutes on a
# 2-core CPU; docs/first-look.md says what it shows and what it cannot).
first-look: setup
	$(BIN)/ganbench benchmark experiments/first_look.yaml --tracking-uri $(TRACKING_URI) --jobs $(JOBS)
	$(BIN)/ganbench report first_look --tracking-uri $(TRACKING_URI)

# The smoke spec CI runs: tiny networks and budgets, checks that everything runs (no modes form).
benchmark-quick: setup
	$(BIN)/ganbench benchmark experiments/quick.yaml --tracking-uri $(TRACKING_URI) --jobs $(JOBS)

# MLflow UI over the same store, on loopback (one worker, no job runners: the defaults, 4 uvicorn
# workers + ~8 job processes, swamp a 2-core machine); prints each experiment's runs link once it answers.
ui: setup
	$(BIN)/ganbench ui --tracking-uri $(TRACKING_URI) --port $(UI_PORT)

# Comparison reports from the same store: every experiment in it when EXPERIMENT is empty
# (make benchmark → reports/default/, make benchmark-quick → reports/quick/, make tune →
# reports/tune_default/), each with index.html, summary.md, results.csv and figures/.
# One experiment: make report EXPERIMENT=quick.
EXPERIMENT ?=
report: setup
	$(BIN)/ganbench report $(EXPERIMENT) --tracking-uri $(TRACKING_URI)

# Published protocols (experiments/literature/: PacGAN's GAN baseline on ring and grid, at the reduced
# budget each spec states), one spec after the other, then the table of ours beside theirs:
# reports/literature/literature.{md,csv}. About 45 minutes on a 2-core CPU; rerunning skips finished runs.
LITERATURE ?= pacgan_ring pacgan_grid
literature: setup
	for spec in $(LITERATURE); do \
	  $(BIN)/ganbench benchmark experiments/literature/$$spec.yaml --tracking-uri $(TRACKING_URI) --jobs 1 || exit 1; \
	done
	$(BIN)/ganbench literature $(LITERATURE) --tracking-uri $(TRACKING_URI)

# The remedies against mode collapse (experiments/remedies.yaml: GAN against PacGAN2, spectral norm,
# R1, R1 + R2 and an unrolled discriminator on ring, grid and stacked digits), then its report:
# reports/remedies/. Measured: 22 min of training with 2 workers on a 2-core CPU (docs/remedies.md).
remedies: setup
	$(BIN)/ganbench benchmark experiments/remedies.yaml --tracking-uri $(TRACKING_URI) --jobs $(JOBS)
	$(BIN)/ganbench report remedies --tracking-uri $(TRACKING_URI)

# Tuning with Optuna: experiments/tune_default.yaml, studies in the embedded optuna.db, runs in the
# same MLflow store; rerunning continues the studies. Prints the best trials and the budget curves.
STORAGE ?= sqlite:///optuna.db
TUNE_PORT ?= 8080
tune: setup
	$(BIN)/ganbench tune experiments/tune_default.yaml --storage $(STORAGE) --tracking-uri $(TRACKING_URI) --jobs $(JOBS)

# optuna-dashboard over the study storage, on loopback: trials, intermediate values, importances.
tune-ui: setup
	@echo "Optuna dashboard: http://127.0.0.1:$(TUNE_PORT)/dashboard/"
	$(BIN)/optuna-dashboard $(STORAGE) --host 127.0.0.1 --port $(TUNE_PORT)

# A short lockstep training of one configuration, with a sample image.
demo: setup
	$(BIN)/ganbench train --dataset ring --loss modified_minimax --schedule alternating \
		--seeds 4 --g-steps 2000 --out outputs/demo

# Speed and memory figures (benchmarks, not tests): PRDC at 10k x 10k, processes vs threads, DCGAN
# seeds in lockstep against a plain PyTorch DCGAN loop (bench_conv: about 5 minutes on a 2-core CPU).
perf: setup
	$(PY) benchmarks/bench_ops.py
	$(PY) benchmarks/bench_seed_batching.py
	$(PY) benchmarks/bench_compile.py
	$(PY) benchmarks/bench_graphs.py
	$(PY) benchmarks/bench_prdc.py
	$(PY) benchmarks/bench_parallel.py
	$(PY) benchmarks/bench_population.py --reps 2 --g-steps 25 --caps 8 16 32
	$(PY) benchmarks/bench_mixed.py --reps 2 --g-steps 20
	$(PY) benchmarks/bench_default_ops.py apart
	$(PY) benchmarks/bench_default_ops.py packed
	$(PY) benchmarks/bench_conv.py
	$(PY) benchmarks/bench_eval_share.py
	$(PY) benchmarks/bench_startup.py

# The bundled digit classifiers trained afresh (one CPU thread, deterministic): held-out accuracy and
# training time of each (8×8: seconds; 28×28 MNIST: about a minute). Writes nothing.
classifiers: setup
	$(PY) benchmarks/bench_classifier.py

clean:
	rm -rf $(VENV) outputs dist build .pytest_cache .ruff_cache
