"""The forecast as files: tables, a PNG plot and a self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ..errors import InputError
from ..plot import forecast_figure
from .tables import html_report, round_times_ms, save_figure, write_table, write_text


def write_forecast(result: dict, out_dir, *, title: str = "Secret key forecast",
                   notes: str = "", formats=("csv", "parquet")) -> list:
    """Write the forecast tables, a PNG plot and a self-contained HTML report.

    Every file is written atomically into ``out_dir`` (which must exist):
    ``stations.<fmt>``, ``pairs.<fmt>``, ``schedule.<fmt>`` (served passes),
    ``forecast.png`` and ``report.html``. Returns the paths written.
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise InputError(f"output directory = '{out}' does not exist")
    written = []
    served = result["schedule"].served
    for name, df in (("stations", result["stations"]), ("pairs", result["pairs"]),
                     ("schedule", served)):
        for fmt in formats:
            written.append(write_table(round_times_ms(df), out / f"{name}.{fmt}"))
    fig = forecast_figure(result, title)
    written.append(save_figure(fig, out / "forecast.png"))
    summary = pd.DataFrame([result["schedule"].summary()])
    blocks = [("", notes)] if notes else []
    blocks += [("Key per station and day", result["stations"]), ("Forecast", fig)]
    if len(result["pairs"]):
        blocks.append(("Key per user pair and day", result["pairs"]))
    cols = [c for c in ("satellite", "station", "rise_utc", "set_utc", "max_elevation_deg",
                        "key_bits", "cloud_free_probability", "expected_key_bits") if c in served]
    blocks += [("Schedule", summary), ("Served passes", served[cols])]
    written.append(write_text(html_report(title, blocks), out / "report.html"))
    plt.close(fig)
    return written
