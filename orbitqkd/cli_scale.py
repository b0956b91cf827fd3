"""``orbitqkd passes-dask``: the ``passes`` command, sharded over a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .cli import TableFormat, _load_catalogue, emit_table


def scale_passes(
    satellites: Annotated[str, typer.Option("--satellites", "--tle", help="Bundled set (micius, glonass, active) or a TLE/3LE/OMM file.")] = "micius",
    station: Annotated[Optional[list[str]], typer.Option("--station", "-s", help="Station name from the catalogue, or 'lat_deg,lon_deg[,alt_m]'. Repeat for several; default all bundled stations.")] = None,
    stations_file: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False, help="Extra stations CSV (columns as data/stations/optical_ground_stations.csv).")] = None,
    norad_id: Annotated[Optional[list[int]], typer.Option(help="Keep only these NORAD catalogue numbers. Repeat for several.")] = None,
    start: Annotated[Optional[str], typer.Option(help="UTC start, ISO 8601 (e.g. 2016-12-19T00:00). Default: 0h UTC on the day of the newest element epoch.")] = None,
    days: Annotated[float, typer.Option(min=1e-3, max=3660, help="Length of the span in days.")] = 1.0,
    min_elevation_deg: Annotated[Optional[float], typer.Option(min=-5, max=89.9, help="Override every station's minimum elevation in degrees.")] = None,
    step_s: Annotated[Optional[float], typer.Option(min=0.5, max=600, help="Coarse search step in seconds (default 1/32 of the shortest orbital period).")] = None,
    night_only: Annotated[bool, typer.Option(help="Keep only passes with the Sun below -12 deg at the station at culmination.")] = False,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the passes to this CSV, JSON or Parquet file (format from the suffix).")] = None,
    fmt: Annotated[Optional[TableFormat], typer.Option("--format", help="Output format; default a table on screen, or the output file's suffix.")] = None,
    scheduler: Annotated[str, typer.Option(help="Dask scheduler: 'local' (a two-worker local cluster), a scheduler address such as tcp://host:8786, or threads, processes or sync.")] = "local",
    shard_days: Annotated[float, typer.Option(min=1e-3, max=3660, help="Length of a time shard in days (rounded to whole search steps).")] = 1.0,
    shard_satellites: Annotated[int, typer.Option(min=1, help="Satellites per shard.")] = 200,
):
    """Predict every pass, like 'passes', sharded by satellites and days over Dask workers."""
    from .scale import find_passes_dask
    from .stations import get_stations
    from .tle import load_satellites

    sats = load_satellites(satellites, near=start, norad_ids=norad_id)
    if start is None:
        start = max(s.epoch for s in sats).normalize()
    stas = get_stations(station if station else "all", _load_catalogue(stations_file))
    df = find_passes_dask(sats, stas, start, days=days, scheduler=scheduler,
                          shard_days=shard_days, shard_satellites=shard_satellites,
                          min_elevation_deg=min_elevation_deg, step_s=step_s)
    if night_only:
        df = df[df["dark"]].reset_index(drop=True)
    emit_table(df, output, fmt)
