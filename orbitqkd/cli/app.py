"""The typer application and the one way every command prints or writes a table."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from ..errors import OrbitQKDError
from ..io.tables import save_figure, write_json, write_table

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


def emit_table(df: pd.DataFrame, output: Optional[Path], fmt: Optional[TableFormat] = None) -> None:
    """Print ``df`` as a table, or write it to ``output`` (format from ``fmt`` or the suffix)."""
    if output is None:
        if fmt in (None, TableFormat.table):
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


def write_folder(out: Path, tables: dict, documents: dict, figures: dict) -> None:
    """Write tables, JSON documents and figures (by file name) atomically into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [write_table(df, out / name) for name, df in tables.items()]
    written += [write_json(doc, out / name) for name, doc in documents.items()]
    written += [save_figure(fig, out / name) for name, fig in figures.items()]
    typer.echo(f"wrote {', '.join(p.name for p in written)} to {out}/", err=True)
