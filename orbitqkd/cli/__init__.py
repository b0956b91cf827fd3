"""The ``orbitqkd`` command line: a thin layer over the library.

Every :class:`~orbitqkd.errors.OrbitQKDError` becomes one line on stderr and
exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import OrbitQKDError

app = typer.Typer(
    name="orbitqkd",
    help="Satellite QKD planning: passes, link budgets, secret key, schedules and trusted relays.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class TableFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def emit_table(df, output: Optional[Path], fmt: Optional[TableFormat] = None) -> None:
    """Print ``df`` as a table, or write it to ``output`` (format from ``fmt`` or the suffix)."""
    from ..io.tables import write_table

    if output is None:
        if fmt in (None, TableFormat.table):
            import pandas as pd

            shown = df.copy()
            for col in shown.columns:
                if isinstance(shown[col].dtype, pd.DatetimeTZDtype):
                    shown[col] = shown[col].dt.strftime("%Y-%m-%d %H:%M:%S")
            with pd.option_context("display.max_rows", 500, "display.width", 250,
                                   "display.max_columns", 40, "display.precision", 3):
                typer.echo(shown.to_string(index=False) if len(shown) else "(no rows)")
        elif fmt == TableFormat.csv:
            typer.echo(df.to_csv(index=False), nl=False)
        elif fmt == TableFormat.json:
            typer.echo(df.to_json(orient="records", date_format="iso", indent=2))
        else:
            raise OrbitQKDError("format = 'parquet' needs --output FILE.parquet")
        return
    written = write_table(df, output, None if fmt in (None, TableFormat.table) else fmt.value)
    typer.echo(f"wrote {len(df)} rows to {written}", err=True)


@app.command("stations")
def stations_cmd(
    output: Annotated[Optional[Path], typer.Option(help="Write the catalogue to this CSV, JSON or Parquet file.")] = None,
):
    """List the bundled optical ground stations."""
    import pandas as pd

    from ..io.stations import bundled_stations

    df = pd.DataFrame([s.to_row() for s in bundled_stations().values()])
    cols = ["name", "country", "latitude_deg", "longitude_deg", "altitude_m", "aperture_m",
            "min_elevation_deg"]
    emit_table(df if output else df[cols], output)


def _load_catalogue(stations_file: Optional[Path]):
    from ..io.stations import bundled_stations, read_stations

    if stations_file is None:
        return None
    return {**bundled_stations(), **read_stations(stations_file)}


@app.command("passes")
def passes_cmd(
    satellites: Annotated[str, typer.Option("--satellites", "--tle", help="Bundled set (micius, glonass, active) or a TLE/3LE/OMM file.")] = "micius",
    station: Annotated[Optional[list[str]], typer.Option("--station", "-s", help="Station name from the catalogue, or 'lat_deg,lon_deg[,alt_m]'. Repeat for several; default all bundled stations.")] = None,
    stations_file: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False, help="Extra stations CSV (columns as data/stations/optical_ground_stations.csv).")] = None,
    norad_id: Annotated[Optional[list[int]], typer.Option(help="Keep only these NORAD catalogue numbers. Repeat for several.")] = None,
    name: Annotated[Optional[list[str]], typer.Option(help="Keep only satellites whose name contains this text (case-insensitive). Repeat for several.")] = None,
    start: Annotated[Optional[str], typer.Option(help="UTC start, ISO 8601 (e.g. 2016-12-19T00:00). Default: 0h UTC on the day of the newest element epoch.")] = None,
    days: Annotated[float, typer.Option(min=1e-3, max=3660, help="Length of the span in days.")] = 1.0,
    min_elevation_deg: Annotated[Optional[float], typer.Option(min=-5, max=89.9, help="Override every station's minimum elevation in degrees.")] = None,
    step_s: Annotated[Optional[float], typer.Option(min=0.5, max=600, help="Coarse search step in seconds (default 1/32 of the shortest orbital period).")] = None,
    night_only: Annotated[bool, typer.Option(help="Keep only passes with the Sun below -12 deg at the station at culmination.")] = False,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the passes to this CSV, JSON or Parquet file (format from the suffix).")] = None,
    fmt: Annotated[Optional[TableFormat], typer.Option("--format", help="Output format; default a table on screen, or the output file's suffix.")] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = False,
):
    """Predict every pass of the satellites over the ground stations."""
    from ..core.events import find_passes
    from ..io.stations import get_stations
    from ..io.tle import load_satellites

    sats = load_satellites(satellites, near=start, norad_ids=norad_id, names=name)
    if start is None:
        start = max(s.epoch for s in sats).normalize()
    stas = get_stations(station if station else "all", _load_catalogue(stations_file))
    df = find_passes(sats, stas, start, days=days, min_elevation_deg=min_elevation_deg,
                     step_s=step_s, progress=progress)
    if night_only:
        df = df[df["dark"]].reset_index(drop=True)
    emit_table(df, output, fmt)


@app.callback()
def _root():
    """Satellite QKD planning: passes, link budgets, secret key, schedules and trusted relays."""


# Commands from the other modules are registered below this line.
from .scale import scale_passes  # noqa: E402

app.command("passes-dask")(scale_passes)
from .export import export  # noqa: E402

app.command("export")(export)
from .budget import budget  # noqa: E402

app.command("budget")(budget)
from .keyrate import dual_downlink, keyrate  # noqa: E402

app.command("keyrate")(keyrate)
app.command("dual-downlink")(dual_downlink)
from .forecast import forecast  # noqa: E402

app.command("forecast")(forecast)
from .network import relay, schedule  # noqa: E402

app.command("schedule")(schedule)
app.command("relay")(relay)


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    typer.echo(f"warning: {message}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``orbitqkd`` console script; returns the exit status."""
    import warnings

    warnings.showwarning = _one_line_warning
    # click's exceptions, whether typer vendors click (typer >= 0.20) or uses it
    click_error = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    click_exceptions = sys.modules[click_error.__module__]
    no_args = getattr(click_exceptions, "NoArgsIsHelpError", ())
    aborted = (KeyboardInterrupt, typer.Abort, getattr(click_exceptions, "Abort", typer.Abort))
    try:
        # not standalone: option errors come back here and become one line too
        status = app(args=argv, prog_name="orbitqkd", standalone_mode=False)
    except OrbitQKDError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except no_args:  # let typer print its help as usual
        try:
            app(args=argv, prog_name="orbitqkd")
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else 2
        return 2
    except click_error as exc:
        typer.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        return exc.exit_code
    except aborted:
        typer.echo("interrupted", err=True)
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
