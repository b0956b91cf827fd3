"""Options shared by the commands, declared once (typer ``Annotated`` aliases).

A flag means the same thing in every command that takes it: a command that
needs an option uses the alias from here rather than declaring its own
(README "Conventions"): ``-o/--output`` is a FILE for commands that write one
table and a FOLDER for commands that write several files; ``--search-step-s``
is the pass-search grid, ``--sample-s`` the spacing of link-budget samples;
``--days`` has one cap (:data:`MAX_DAYS`); ``--night-only/--any-time``
defaults to any time; progress bars are on when stderr is a terminal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..core.events import MAX_DAYS
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
    help="UTC start, ISO 8601 (e.g. 2016-12-19T00:00), or today / tomorrow (0h UTC) or now. "
         "Default: 0h UTC on the day of the newest element epoch.")]
Days = Annotated[float, typer.Option(min=1e-3, max=MAX_DAYS,
                                     help=f"Length of the span in days (at most {MAX_DAYS:g}).")]
AllowStale = Annotated[bool, typer.Option(
    "--allow-stale",
    help="Propagate more than 30 days from the element epoch (SGP4 elements are good for "
         "days to weeks; by default such a span is refused).")]
MinElevationDeg = Annotated[Optional[float], typer.Option(
    min=-5, max=89.9, help="Override every station's minimum elevation in degrees.")]
SearchStepS = Annotated[Optional[float], typer.Option(
    "--search-step-s", min=0.5, max=600,
    help="Coarse pass-search step in seconds (default 1/16 of the shortest orbital period, at most 360).")]
NightOnly = Annotated[bool, typer.Option(
    "--night-only/--any-time",
    help="Keep only passes with the Sun below -12 deg at the station at culmination, or any "
         "pass (the default).")]
SampleS = Annotated[float, typer.Option(
    "--sample-s", min=0.01, max=600,
    help="Spacing of the link-budget samples in seconds.")]
MaxSampleS = Annotated[Optional[float], typer.Option(
    "--max-sample-s", min=0.01, max=3600,
    help="Let each pass take its own spacing of link-budget samples, up to this many seconds "
         "where the line of sight turns slowly and the sky is dark (MEO, GEO); LEO passes and "
         "passes in twilight keep --sample-s. Default: every pass at --sample-s.")]

# --- outputs ----------------------------------------------------------------------
OutputFile = Annotated[Optional[Path], typer.Option(
    "--output", "-o", dir_okay=False,
    help="FILE: write the table to this CSV, JSON or Parquet file (format from the suffix or "
         "--format) instead of printing it.")]
OutputFolder = Annotated[Optional[Path], typer.Option(
    "--output", "-o", file_okay=False,
    help="FOLDER: write every output file here, whole (a new folder, an empty one, or one an "
         "earlier run wrote, which is replaced), with a manifest run.json.")]
Format = Annotated[Optional[TableFormat], typer.Option(
    "--format", help="Output format; default a table on screen, or the output file's suffix.")]
Progress = Annotated[Optional[bool], typer.Option(
    "--progress/--no-progress",
    help="Show progress bars on stderr; default on when stderr is a terminal.")]

# --- Dask -------------------------------------------------------------------------
Scheduler = Annotated[Optional[str], typer.Option(
    help="Compute on Dask: 'local' (a two-worker local cluster), a scheduler address such as "
         "tcp://host:8786, or threads, processes or sync. Default: this process.")]
ShardDays = Annotated[float, typer.Option(
    min=1e-3, max=MAX_DAYS, help="Length of a time shard in days (rounded to whole search steps).")]
ShardSatellites = Annotated[int, typer.Option(min=1, help="Satellites per shard.")]

# --- scenarios --------------------------------------------------------------------
ScenarioArg = Annotated[str, typer.Argument(
    help="Scenario TOML file, or the name of a bundled one (see data/scenarios/: "
         "china-space-ground, china-austria, china-south-africa, europe-glonass, uk-fibre).")]
ScenarioStart = Annotated[Optional[str], typer.Option(
    help="UTC start, ISO 8601, or today / tomorrow (0h UTC) or now; default the scenario's "
         "start.")]
ScenarioTle = Annotated[Optional[str], typer.Option(
    "--tle",
    help="Bundled set (micius, glonass, active) or a TLE/3LE/OMM file for the scenario's "
         "satellites: replaces the tle of every satellites table, which keeps its "
         "norad_ids/names (e.g. this morning's element sets for --start tomorrow).")]
Seed = Annotated[int, typer.Option(
    min=0, max=2**32 - 1, help="Random seed of the weather draws; the same seed gives the same "
                               "result.")]
ScenarioDays = Annotated[Optional[float], typer.Option(
    min=1e-3, max=MAX_DAYS, help=f"Length of the span in days (at most {MAX_DAYS:g}); default "
                                 "the scenario's.")]
Climate = Annotated[Optional[Path], typer.Option(
    exists=True, dir_okay=False,
    help="CSV of cloud-free probabilities (columns station, cloud_free_probability and month "
         "1-12 or date YYYY-MM-DD) layered over the bundled climatology; every station in it "
         "must be one of the scenario's.")]
