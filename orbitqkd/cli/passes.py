"""``orbitqkd stations``, ``orbitqkd passes`` and ``orbitqkd passes-dask``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pandas as pd

from ..core.events import find_passes, resolve_span
from ..executors import find_passes_dask
from ..io.stations import bundled_stations, get_stations, read_stations
from ..io.tables import round_times_ms
from ..io.tle import load_satellites
from ..model import PassTable
from .app import app, check_outputs, emit_table, show_progress
from .checks import check_epochs
from .options import (AllowStale, Days, Format, MinElevationDeg, Name, NightOnly, NoradId,
                      OutputFile, Progress, Satellites, Scheduler, SearchStepS, ShardDays,
                      ShardSatellites, Start, Station, StationsFile)


def station_catalogue(stations_file: Optional[Path]) -> dict:
    """The bundled stations, with a user file's stations added (and winning by name)."""
    if stations_file is None:
        return bundled_stations()
    return {**bundled_stations(), **read_stations(stations_file)}


def resolve_inputs(satellites: str, station, stations_file, start, norad_id=None, name=None,
                   days=None, allow_stale=True):
    """Satellites, stations and start of a pass command: names resolved once, here.

    With ``days``, the span is checked against the element epochs
    (:func:`orbitqkd.cli.checks.check_epochs`) unless ``allow_stale``.
    """
    sats = load_satellites(satellites, near=start, norad_ids=norad_id, names=name)
    if start is None:
        start = max(s.epoch for s in sats).normalize()
    stas = get_stations(station if station else "all", station_catalogue(stations_file))
    if days is not None:
        t0, t1 = resolve_span(start, days=days)
        check_epochs(sats, t0, t1, allow_stale)
    return sats, stas, start


def night_filter(passes: PassTable, night_only: bool) -> PassTable:
    return passes.where(passes.table["dark"]) if night_only else passes


@app.command("stations")
def stations_cmd(output: OutputFile = None, fmt: Format = None):
    """List the bundled optical ground stations."""
    df = pd.DataFrame([s.to_row() for s in bundled_stations().values()])
    cols = ["name", "country", "latitude_deg", "longitude_deg", "altitude_m", "aperture_m",
            "min_elevation_deg"]
    check_outputs(files=[("output", output)])
    emit_table(df if output else df[cols], output, fmt)


@app.command("passes")
def passes_cmd(
    satellites: Satellites = "micius", station: Station = None,
    stations_file: StationsFile = None, norad_id: NoradId = None, name: Name = None,
    start: Start = None, days: Days = 1.0, min_elevation_deg: MinElevationDeg = None,
    search_step_s: SearchStepS = None, night_only: NightOnly = False,
    output: OutputFile = None, fmt: Format = None, progress: Progress = None,
    allow_stale: AllowStale = False,
):
    """Predict every pass of the satellites over the ground stations."""
    check_outputs(files=[("output", output)])
    sats, stas, start = resolve_inputs(satellites, station, stations_file, start, norad_id, name,
                                       days, allow_stale)
    passes = find_passes(sats, stas, start, days=days, min_elevation_deg=min_elevation_deg,
                         step_s=search_step_s, progress=show_progress(progress))
    emit_table(round_times_ms(night_filter(passes, night_only).table), output, fmt)


@app.command("passes-dask")
def passes_dask_cmd(
    satellites: Satellites = "micius", station: Station = None,
    stations_file: StationsFile = None, norad_id: NoradId = None, name: Name = None,
    start: Start = None, days: Days = 1.0, min_elevation_deg: MinElevationDeg = None,
    search_step_s: SearchStepS = None, night_only: NightOnly = False,
    output: OutputFile = None, fmt: Format = None, progress: Progress = None,
    allow_stale: AllowStale = False, scheduler: Scheduler = "local",
    shard_days: ShardDays = 1.0, shard_satellites: ShardSatellites = 200,
):
    """Predict every pass, like 'passes', sharded by satellites and days over Dask workers."""
    check_outputs(files=[("output", output)])
    sats, stas, start = resolve_inputs(satellites, station, stations_file, start, norad_id, name,
                                       days, allow_stale)
    passes = find_passes_dask(sats, stas, start, days=days, scheduler=scheduler,
                              shard_days=shard_days, shard_satellites=shard_satellites,
                              min_elevation_deg=min_elevation_deg, step_s=search_step_s,
                              progress=show_progress(progress))
    emit_table(round_times_ms(night_filter(passes, night_only).table), output, fmt)
