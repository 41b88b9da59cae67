"""`discriminator`: D accuracy on real and on fake samples over training, and the D and G losses."""

from ganbench.api import ReportSection, SectionResult, reports
from ganbench.report.curves import band_plot, by_configuration_figure, seed_lines

ACCURACY = {"d_acc_real": "on real", "d_acc_fake": "on fake"}
LOSSES = {"d_loss": "D loss", "g_loss": "G loss"}
COLOURS = {"d_acc_real": "#1f77b4", "d_acc_fake": "#ff7f0e", "d_loss": "#2ca02c", "g_loss": "#9467bd"}


@reports.register("discriminator")
class Discriminator(ReportSection):
    """Per dataset, one panel per configuration: the discriminator's accuracy on real and on fake
    samples (its own decision rule; 50 % — dashed — is where it can no longer tell them apart,
    Goodfellow et al. 2014) as the mean over seeds with a band from the lowest to the highest seed,
    and in a second figure the D and G losses, one line per seed; from the MLflow histories of
    ``d_acc_real``, ``d_acc_fake``, ``d_loss`` and ``g_loss``."""

    title = "Discriminator and losses over training"
    order = 50

    def applies_to(self, data):
        return any(data.has_metric(m) for m in (*ACCURACY, *LOSSES))

    def skip_reason(self, data):
        return "no run logged d_acc_real, d_acc_fake, d_loss or g_loss"

    def build(self, data, ctx):
        result = SectionResult()
        for dataset in data.datasets():
            for names, what, scale in ((ACCURACY, "accuracy", 100.0), (LOSSES, "losses", 1.0)):
                curves = data.curves(list(names))
                curves = curves[curves["dataset"] == dataset].assign(value=lambda f, s=scale: f["value"] * s)
                if curves.empty:
                    result.notes.append(f"{dataset}: no history of {', '.join(names)} was logged.")
                    continue
                ylabel = "D accuracy (%)" if what == "accuracy" else "loss (as minimised)"

                def draw(ax, frame, names=names, ylabel=ylabel, what=what):
                    if what == "accuracy":  # a share: always on its linear 0-100 % axis
                        band_plot(
                            ax, frame, hue="metric", ylabel=ylabel, colours=COLOURS, names=names, log=False
                        )
                        ax.axhline(50, color="black", ls="--", lw=0.9, label="50 % (chance)")
                        ax.set_ylim(-3, 103)
                    else:
                        seed_lines(ax, frame, hue="metric", ylabel=ylabel, colours=COLOURS, names=names)

                title = (
                    f"{dataset}: discriminator accuracy on real and fake samples"
                    if what == "accuracy"
                    else f"{dataset}: discriminator and generator losses"
                )
                fig = by_configuration_figure(curves, draw, title)
                caption = (
                    f"{dataset}: D accuracy on real and on generated samples against generator updates; "
                    "dashed: 50 %, where D cannot tell them apart. "
                    if what == "accuracy"
                    else f"{dataset}: D and G losses (each as its player minimises it) against generator "
                    "updates; scales differ between losses. "
                )
                caption += (
                    "Line: mean over seeds; band: lowest to highest seed."
                    if what == "accuracy"
                    else "One line per seed (a mean would hide seeds that swing in opposite directions)."
                )
                result.figures.append(ctx.save_figure(fig, f"{what}-{dataset}", caption, dataset))
        return result
