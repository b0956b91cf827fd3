"""Options shared by the commands, declared once (typer ``Annotated`` aliases).

A flag means the same thing in every command that takes it: a command that
needs an option uses the alias from here rather than declaring its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import TableFormat

# --- satellites, stations and the span ------------------------------------------
Satellites = Annotated[str, typer.Option(
    "--satellites", "--tle",
    help="Bundled set (micius, glonass, active) or a TLE/3LE/OMM file.")]
Station = Annotated[Optional[list[str]], typer.Option(
    "--station", "-s",
    help="Station name from the catalogue, or 'lat_deg,lon_deg[,alt_m]'. Repeat for several; "
         "default all bundled stations.")]
StationsFile = Annotated[Optional[Path], typer.Option(
    exists=True, dir_okay=False,
    help="Extra stations CSV (columns as data/stations/optical_ground_stations.csv).")]
NoradId = Annotated[Optional[list[int]], typer.Option(
    help="Keep only these NORAD catalogue numbers. Repeat for several.")]
Name = Annotated[Optional[list[str]], typer.Option(
    help="Keep only satellites whose name contains this text (case-insensitive). "
         "Repeat for several.")]
Start = Annotated[Optional[str], typer.Option(
    help="UTC start, ISO 8601 (e.g. 2016-12-19T00:00). Default: 0h UTC on the day of the "
         "newest element epoch.")]
Days = Annotated[float, typer.Option(min=1e-3, max=3660, help="Length of the span in days.")]
MinElevationDeg = Annotated[Optional[float], typer.Option(
    min=-5, max=89.9, help="Override every station's minimum elevation in degrees.")]
SearchStepS = Annotated[Optional[float], typer.Option(
    min=0.5, max=600,
    help="Coarse pass-search step in seconds (default 1/32 of the shortest orbital period).")]
NightOnly = Annotated[bool, typer.Option(
    "--night-only/--any-time",
    help="Keep only passes with the Sun below -12 deg at the station at culmination, or any pass.")]

# --- outputs ----------------------------------------------------------------------
OutputFile = Annotated[Optional[Path], typer.Option(
    "--output", "-o", dir_okay=False,
    help="Write the table to this CSV, JSON or Parquet file (format from the suffix).")]
Format = Annotated[Optional[TableFormat], typer.Option(
    "--format", help="Output format; default a table on screen, or the output file's suffix.")]
Progress = Annotated[bool, typer.Option(help="Show progress bars.")]

# --- Dask -------------------------------------------------------------------------
Scheduler = Annotated[Optional[str], typer.Option(
    help="Compute on Dask: 'local' (a two-worker local cluster), a scheduler address such as "
         "tcp://host:8786, or threads, processes or sync. Default: this process.")]
ShardDays = Annotated[float, typer.Option(
    min=1e-3, max=3660, help="Length of a time shard in days (rounded to whole search steps).")]
ShardSatellites = Annotated[int, typer.Option(min=1, help="Satellites per shard.")]

# --- scenarios --------------------------------------------------------------------
ScenarioArg = Annotated[str, typer.Argument(
    help="Scenario TOML file, or the name of a bundled one (see data/scenarios/: "
         "china-space-ground, china-austria, china-south-africa, europe-glonass, uk-fibre).")]
ScenarioStart = Annotated[Optional[str], typer.Option(
    help="UTC start, ISO 8601; default the scenario's start.")]
ScenarioDays = Annotated[Optional[float], typer.Option(
    min=0.01, max=3660, help="Length of the span in days; default the scenario's.")]
Climate = Annotated[Optional[Path], typer.Option(
    exists=True, dir_okay=False,
    help="CSV of cloud-free probabilities (station, month or date, cloud_free_probability) "
         "layered over the bundled climatology.")]
BudgetStepS = Annotated[float, typer.Option(
    min=0.5, max=60, help="Sample step of the link budget in seconds.")]
