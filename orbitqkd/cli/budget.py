"""``orbitqkd budget``: the link budget of one pass, as a table and a plot."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import typer

from ..core.budget import link_budget
from ..core.events import find_passes, horizontal_track, pass_track, resolve_span
from ..errors import InputError
from ..io.stations import get_station
from ..io.tables import save_figure
from ..io.tle import load_satellites
from ..plot import budget_figure
from ..presets import HORIZONTAL_DISTANCES_KM, link_preset, link_presets, preset_station
from ..timescales import parse_utc
from ..io.tables import iso_ms_one, round_times_ms
from .app import TableFormat, app, check_outputs, emit_table
from .checks import check_epochs, check_samples
from .options import AllowStale, Days, Format, NightOnly, OutputFile, SampleS, Start, StationsFile
from .passes import night_filter, station_catalogue

LinkName = Enum("LinkName", {name.replace("-", "_"): name for name in link_presets()}, type=str)

# Bundled element sets that match each documented link.
_PRESET_SATELLITES = {"micius-xinglong": "micius", "micius-2021": "micius",
                      "micius-entanglement-2017": "micius", "micius-entanglement": "micius",
                      "mlro-lageos2": "lageos2",
                      "mlro-glonass": "glonass"}

SUMMARY_COLUMNS = [
    "time_utc", "elevation_deg", "range_km", "geometric_loss_db", "atmospheric_loss_db",
    "turbulence_loss_db", "pointing_loss_db", "receiver_loss_db", "total_loss_db",
    "noise_rate_cps", "detected_rate_per_photon_cps",
]


@app.command("budget")
def budget(
    link: Annotated[LinkName, typer.Option("--link", "-l", help="Documented link (terminals, detectors, atmosphere).")] = LinkName.micius_xinglong,
    satellites: Annotated[Optional[str], typer.Option("--satellites", "--tle", help="Bundled set (micius, glonass, active) or a TLE/3LE/OMM file. Default: the link's satellite.")] = None,
    norad_id: Annotated[Optional[int], typer.Option(help="Use the satellite with this NORAD catalogue number.")] = None,
    station: Annotated[Optional[str], typer.Option("--station", "-s", help="Ground station name, or 'lat_deg,lon_deg[,alt_m]'. Default: the link's station.")] = None,
    stations_file: StationsFile = None,
    start: Start = None,
    days: Days = 1.0,
    pass_index: Annotated[int, typer.Option(min=0, help="Which of the passes found to budget, counting from 0 in time order.")] = 0,
    night_only: NightOnly = False,
    sample_s: SampleS = 1.0,
    allow_stale: AllowStale = False,
    output: OutputFile = None,
    fmt: Format = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", dir_okay=False, help="Draw loss components and elevation against time to this PNG file.")] = None,
    distance_km: Annotated[Optional[float], typer.Option(min=1e-3, max=500, help="Horizontal links (e.g. etri-275m): path length in km (default 0.275 for etri-275m); the budget then covers --start to --start + --days.")] = None,
    azimuth_deg: Annotated[float, typer.Option(min=0, max=360, help="Horizontal links: direction from the receiving station to the transmitter, degrees from north.")] = 0.0,
):
    """Loss, transmittance and count rates along one pass (or a horizontal path), every SAMPLE_S seconds."""
    check_outputs(files=[("output", output), ("plot", plot)])
    if plot is not None and plot.suffix.lower() not in (".png", ".pdf", ".svg"):
        raise InputError(f"plot = '{plot}' has format {plot.suffix.lstrip('.')!r}; allowed "
                         "formats are png, pdf, svg")
    name = link.value
    lk = link_preset(name)
    if lk.direction == "horizontal":
        check_samples("sample_s", days * 86400.0, sample_s, "raise --sample-s or shorten --days")
        _horizontal(lk, station, stations_file, start, days, sample_s, distance_km, azimuth_deg,
                    output, fmt, plot)
        return
    source = satellites or _PRESET_SATELLITES.get(name)
    if source is None:
        raise InputError(f"link = {name!r} has no bundled satellite; give --satellites FILE")
    sats = load_satellites(source, near=start, norad_ids=[norad_id] if norad_id else None)
    if len(sats) != 1 and norad_id is None:
        sats = sats[:1]
    sta = get_station(station or preset_station(name), station_catalogue(stations_file))
    if start is None:
        start = max(s.epoch for s in sats).normalize()
    t0, t1 = resolve_span(start, days=days)
    check_epochs(sats, t0, t1, allow_stale)
    passes = night_filter(find_passes(sats, [sta], start, days=days), night_only)
    if pass_index >= len(passes):
        raise InputError(f"pass_index = {pass_index} but {len(passes)} pass(es) of "
                         f"{sats[0].name} over {sta.name} were found; widen --days")
    row = passes.table.iloc[pass_index]
    check_samples("sample_s", (row["set_utc"] - row["rise_utc"]).total_seconds(), sample_s,
                  "raise --sample-s")
    track = pass_track(sats[0], sta, row["rise_utc"], row["set_utc"], step_s=sample_s)
    budget_ = link_budget(track, lk)
    up = budget_.total_loss_db[budget_.above_horizon]
    up = up[np.isfinite(up)]
    if not len(up):
        raise InputError(f"pass_index = {pass_index}: the pass of {sats[0].name} over {sta.name} "
                         "has no sample with a finite link budget")
    if len(up):
        typer.echo(f"{sats[0].name} over {sta.name}, {iso_ms_one(row['rise_utc'])} to "
                   f"{iso_ms_one(row['set_utc'])}: "
                   f"total loss {up.min():.1f} to {up.max():.1f} dB", err=True)
    _emit(budget_, output, fmt, plot)


def _emit(budget_, output, fmt, plot) -> None:
    if plot is not None:
        fig = budget_figure(budget_)
        try:
            save_figure(fig, plot)
        finally:
            plt.close(fig)
        typer.echo(f"wrote plot to {plot}", err=True)
    df = round_times_ms(budget_.to_frame())
    if output is None and fmt in (None, TableFormat.table):
        df = df[SUMMARY_COLUMNS].round({c: 3 for c in SUMMARY_COLUMNS[1:]})
    emit_table(df, output, fmt)


def _horizontal(lk, station, stations_file, start, days, sample_s, distance_km, azimuth_deg,
                output, fmt, plot) -> None:
    """The budget of a horizontal link over --start .. --start + --days."""
    sta = get_station(station or preset_station(lk.name), station_catalogue(stations_file))
    if start is None:
        raise InputError("start = None: a horizontal link needs --start (UTC, ISO 8601)")
    distance = distance_km if distance_km is not None else HORIZONTAL_DISTANCES_KM.get(lk.name)
    if distance is None:
        raise InputError(f"distance_km = None: give --distance-km for link {lk.name!r}")
    t0 = parse_utc(start)
    track = horizontal_track(sta, distance, azimuth_deg, t0, t0 + pd.Timedelta(days=days),
                             sample_s)
    budget_ = link_budget(track, lk)
    typer.echo(f"{lk.name}: {distance:g} km horizontal path at {sta.name}, total loss "
               f"{np.nanmin(budget_.total_loss_db):.1f} to {np.nanmax(budget_.total_loss_db):.1f} dB",
               err=True)
    _emit(budget_, output, fmt, plot)
