"""`samples`: a gallery of final generated samples, one panel per configuration (run artifacts)."""

import numpy as np
import pandas as pd
import torch
import yaml

from ganbench import registry
from ganbench.api import ReportFigure, ReportSection, ReportTable, SectionResult, reports
from ganbench.report.figures import wrap
from ganbench.train.config import TrainConfig
from ganbench.train.plots import samples_figure
from ganbench.validation import resolve

MAX_SAMPLES = 2500


@reports.register("samples")
class Samples(ReportSection):
    """Per dataset, the final samples of each configuration drawn over the real data (true modes
    marked where known; image data as mosaics), from the runs' ``final_samples.npy`` artifacts. Each
    panel shows one seed — the lowest seed that did not diverge (else the lowest) — and a table names
    the run behind every panel. The real data is drawn from the dataset as the run's ``config.yaml``
    configures it."""

    title = "Final samples"
    order = 70

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            runs = data.for_dataset(dataset)
            shown, fakes, missing = [], [], []
            for config in data.configurations(dataset):
                group = runs[runs["configuration"] == config].sort_values(["diverged", "seed"])
                run = group.iloc[0]
                path = data.artifact(run["run_id"], "final_samples.npy")
                if path is None:
                    missing.append(config)
                    continue
                fakes.append(np.load(path)[:MAX_SAMPLES])
                shown.append(run)
            if missing:
                result.notes.append(
                    f"{dataset}: no final_samples.npy artifact for " + ", ".join(missing) + "."
                )
            if not shown:
                continue
            source = _dataset_of(data, shown[0]["run_id"])
            if source is None:
                result.notes.append(f"{dataset}: the runs have no readable config.yaml; no gallery.")
                continue
            n = min(len(f) for f in fakes)
            fake = np.stack([f[:n] for f in fakes]).reshape(len(fakes), n, *source.sample_shape)
            real = source.sample(MAX_SAMPLES, torch.Generator().manual_seed(12345)).cpu()
            target, relative = ctx.figure_path(f"gallery-{dataset}")
            labels = [wrap(f"{r['configuration']} (seed {r['seed']})", 30) for r in shown]
            samples_figure(
                source,
                torch.from_numpy(fake),
                real,
                target,
                title=f"{dataset}: final samples",
                seed_labels=labels,
            )
            result.figures.append(
                ReportFigure(
                    relative,
                    f"{dataset}: {n} final generated samples per configuration (one seed each) over real "
                    "data; see the table for the run behind each panel.",
                    dataset,
                )
            )
            frame = pd.DataFrame(
                {
                    "configuration": [r["configuration"] for r in shown],
                    "seed shown": [r["seed"] for r in shown],
                    "diverged": ["yes" if r["diverged"] else "no" for r in shown],
                }
            )
            result.tables.append(
                ReportTable(
                    f"{dataset}: runs in the gallery", frame, "", dataset, [[r["run_id"]] for r in shown]
                )
            )
        return result


def _dataset_of(data, run_id):
    """The dataset object a run was trained on (from its config.yaml artifact), on the CPU."""
    path = data.artifact(run_id, "config.yaml")
    if path is None:
        return None
    config = TrainConfig.model_validate(yaml.safe_load(path.read_text()))
    cls, params = resolve(registry.datasets, config.dataset, "dataset", f"config.yaml of run {run_id}")
    return cls(params, torch.device("cpu"))
