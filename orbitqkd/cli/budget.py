"""``orbitqkd budget``: the link budget of one pass, as a table and a plot."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..core.budget import link_presets
from . import TableFormat, _load_catalogue, emit_table
from ..errors import InputError

LinkName = Enum("LinkName", {name.replace("-", "_"): name for name in link_presets()}, type=str)

# Bundled element sets that match each documented link.
_PRESET_SATELLITES = {"micius-xinglong": "micius", "glonass-matera": "glonass"}

SUMMARY_COLUMNS = [
    "time_utc", "elevation_deg", "range_km", "geometric_loss_db", "atmospheric_loss_db",
    "turbulence_loss_db", "pointing_loss_db", "receiver_loss_db", "total_loss_db",
    "noise_rate_cps", "detected_rate_per_photon_cps",
]


def plot_budget(df, path: Path) -> Path:
    """Draw loss components and elevation against time; save atomically to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..core.budget import LOSS_COLUMNS
    from ..io.tables import save_figure

    x = df["time_utc"] if "time_utc" in df else df.index
    fig, (ax, ax_el) = plt.subplots(2, 1, figsize=(8, 6), sharex=True,
                                    gridspec_kw={"height_ratios": [3, 1]})
    for col in LOSS_COLUMNS:
        ax.plot(x, df[col], label=col.removesuffix("_loss_db"))
    ax.plot(x, df["total_loss_db"], color="k", lw=2, label="total")
    ax.set_ylabel("loss [dB]")
    ax.invert_yaxis()
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=3)
    a = df.attrs
    ax.set_title(f"{a.get('link', '')}: {a.get('satellite', '')} over {a.get('station', '')}, "
                 f"{a.get('wavelength_nm', 0):g} nm {a.get('direction', '')}")
    ax_el.plot(x, df["elevation_deg"], color="tab:gray")
    ax_el.set_ylabel("elevation [deg]")
    ax_el.set_xlabel("time [UTC]")
    ax_el.grid(alpha=0.3)
    fig.autofmt_xdate()
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)


def budget(
    link: Annotated[LinkName, typer.Option("--link", "-l", help="Documented link (terminals, detectors, atmosphere).")] = LinkName.micius_xinglong,
    satellites: Annotated[Optional[str], typer.Option("--satellites", "--tle", help="Bundled set (micius, glonass, active) or a TLE/3LE/OMM file. Default: the link's satellite.")] = None,
    norad_id: Annotated[Optional[int], typer.Option(help="Use the satellite with this NORAD catalogue number.")] = None,
    station: Annotated[Optional[str], typer.Option("--station", "-s", help="Ground station name, or 'lat_deg,lon_deg[,alt_m]'. Default: the link's station.")] = None,
    stations_file: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False, help="Extra stations CSV (columns as data/stations/optical_ground_stations.csv).")] = None,
    start: Annotated[Optional[str], typer.Option(help="UTC start of the pass search, ISO 8601 (e.g. 2016-12-19T00:00). Default: 0h UTC on the day of the newest element epoch.")] = None,
    days: Annotated[float, typer.Option(min=1e-3, max=366, help="Length of the pass search in days.")] = 1.0,
    pass_index: Annotated[int, typer.Option(min=0, help="Which of the passes found to budget, counting from 0 in time order.")] = 0,
    night_only: Annotated[bool, typer.Option("--night-only/--any-time", help="Consider only passes with the Sun below -12 deg at culmination (the default), or any pass.")] = True,
    step_s: Annotated[float, typer.Option(min=0.01, max=600, help="Sample spacing of the budget in seconds.")] = 1.0,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the full series to this CSV, JSON or Parquet file (format from the suffix).")] = None,
    fmt: Annotated[Optional[TableFormat], typer.Option("--format", help="Output format; default a summary table on screen, or the output file's suffix.")] = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", dir_okay=False, help="Draw loss components and elevation against time to this PNG file.")] = None,
):
    """Loss, transmittance and count rates along one pass, every STEP_S seconds."""
    from ..core.budget import link_budget, link_preset, preset_station
    from ..core.events import find_passes, pass_track
    from ..io.stations import get_station
    from ..io.tle import load_satellites

    name = link.value
    source = satellites or _PRESET_SATELLITES.get(name)
    if source is None:
        raise InputError(f"link = {name!r} has no bundled satellite; give --satellites FILE")
    sats = load_satellites(source, near=start, norad_ids=[norad_id] if norad_id else None)
    if len(sats) != 1 and norad_id is None:
        sats = sats[:1]
    sta = get_station(station or preset_station(name), _load_catalogue(stations_file))
    if start is None:
        start = max(s.epoch for s in sats).normalize()
    passes = find_passes(sats, [sta], start, days=days)
    if night_only:
        passes = passes[passes["dark"]].reset_index(drop=True)
    if pass_index >= len(passes):
        raise InputError(f"pass_index = {pass_index} but {len(passes)} pass(es) of "
                         f"{sats[0].name} over {sta.name} were found; widen --days")
    row = passes.iloc[pass_index]
    track = pass_track(sats[0], sta, row["rise_utc"], row["set_utc"], step_s=step_s)
    df = link_budget(track, link_preset(name), sta)
    up = df[df["above_horizon"]]
    if len(up):
        typer.echo(f"{sats[0].name} over {sta.name}, {row['rise_utc']} to {row['set_utc']}: "
                   f"total loss {up['total_loss_db'].min():.1f} to {up['total_loss_db'].max():.1f} dB",
                   err=True)
    if plot is not None:
        plot_budget(df, plot)
        typer.echo(f"wrote plot to {plot}", err=True)
    if output is None and fmt in (None, TableFormat.table):
        df = df[SUMMARY_COLUMNS].round({c: 3 for c in SUMMARY_COLUMNS[1:]})
    emit_table(df, output, fmt)
