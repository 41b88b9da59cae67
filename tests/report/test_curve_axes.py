"""Curves of a share stay on a linear axis; other curves that span decades get a log axis."""

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ganbench.report.curves import band_plot  # noqa: E402


def frame(values):
    return pd.DataFrame({"step": range(len(values)), "value": values, "metric": "d_acc_fake", "run": "a"})


def test_a_share_spanning_decades_stays_linear_and_other_values_go_log():
    fig, (share, other) = plt.subplots(1, 2)
    values = [0.1, 1.0, 30.0, 100.0]  # D accuracy (%) from near 0 to 100: four decades
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "non-positive ylim on a log-scaled axis"
        band_plot(share, frame(values), hue="metric", ylabel="D accuracy (%)", log=False)
        share.set_ylim(-3, 103)
    band_plot(other, frame(values), hue="metric", ylabel="Fréchet distance")
    assert share.get_yscale() == "linear" and "log" not in share.get_ylabel()
    assert other.get_yscale() == "log" and "(log scale)" in other.get_ylabel()
    plt.close(fig)
