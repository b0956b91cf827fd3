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

from .errors import OrbitQKDError

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
    from .outputs import write_table

    if output is None:
        if fmt in (None, TableFormat.table):
            import pandas as pd

            with pd.option_context("display.max_rows", 500, "display.width", 200,
                                   "display.max_columns", 30):
                typer.echo(df.to_string(index=False) if len(df) else "(no rows)")
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

    from .stations import bundled_stations

    df = pd.DataFrame([s.to_row() for s in bundled_stations().values()])
    cols = ["name", "country", "latitude_deg", "longitude_deg", "altitude_m", "aperture_m",
            "min_elevation_deg"]
    emit_table(df if output else df[cols], output)


@app.callback()
def _root():
    """Satellite QKD planning: passes, link budgets, secret key, schedules and trusted relays."""


# Commands from the other modules are registered below this line.
from .cli_keyrate import keyrate  # noqa: E402

app.command("keyrate")(keyrate)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``orbitqkd`` console script; returns the exit status."""
    try:
        app(args=argv, prog_name="orbitqkd")
    except OrbitQKDError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
