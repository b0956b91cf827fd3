"""The typer application and the one way every command prints or writes its outputs.

Conventions (README "Conventions"): a table goes to stdout in ``--format``
(table, csv, json) or to ``-o/--output FILE``; a command that writes several
files takes ``-o/--output FOLDER`` and writes it whole (:func:`write_folder`),
with a manifest ``run.json``. Times are ISO 8601 UTC with milliseconds and bits
are whole in every output (:func:`orbitqkd.io.tables.present`).
"""

from __future__ import annotations

import datetime as _dt
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from .. import __version__
from ..errors import OrbitQKDError
from ..io.tables import (atomic_folder, check_output_file, check_output_folder, file_sha256,
                         present, save_figure, write_json, write_table)

app = typer.Typer(
    name="orbitqkd",
    help="Satellite QKD planning: passes, link budgets, secret key, schedules and trusted relays.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: The command line of this run (set by :func:`orbitqkd.cli.main`), for run.json
RUN_ARGV: list = []


class TableFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def show_progress(progress: Optional[bool]) -> bool:
    """Progress bars: as asked, else on when stderr is a terminal."""
    if progress is not None:
        return bool(progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def check_outputs(files=(), folders=()) -> None:
    """Check every output path before any work starts (one line naming the bad one)."""
    for field, path in files:
        if path is not None:
            check_output_file(path, field)
    for field, path in folders:
        if path is not None:
            check_output_folder(path, field)


def emit_table(df: pd.DataFrame, output: Optional[Path], fmt: Optional[TableFormat] = None) -> None:
    """Print ``df`` as a table, or write it to ``output`` (format from ``fmt`` or the suffix)."""
    if output is None:
        shown = present(df)
        if fmt in (None, TableFormat.table):
            with pd.option_context("display.max_rows", 500, "display.width", 250,
                                   "display.max_columns", 40, "display.precision", 3):
                typer.echo(shown.to_string(index=False) if len(shown) else "(no rows)")
        elif fmt == TableFormat.csv:
            typer.echo(shown.to_csv(index=False), nl=False)
        elif fmt == TableFormat.json:
            typer.echo(shown.to_json(orient="records", indent=2))
        else:
            raise OrbitQKDError("format = 'parquet' needs --output FILE.parquet")
        return
    written = write_table(df, output, None if fmt in (None, TableFormat.table) else fmt.value)
    typer.echo(f"wrote {len(df)} rows to {written}", err=True)


def run_inputs(extra=()) -> list:
    """Every input file of this run (files named on the command line, and ``extra``) with its hash."""
    paths = []
    for token in list(RUN_ARGV) + [str(p) for p in extra]:
        text = token.split("=", 1)[1] if token.startswith("--") and "=" in token else token
        try:
            p = Path(text)
            if p.is_file():
                paths.append(p.resolve())
        except (OSError, ValueError):
            continue
    return [{"path": str(p), "sha256": file_sha256(p), "bytes": p.stat().st_size}
            for p in dict.fromkeys(paths)]


def manifest(files: list, inputs: list) -> dict:
    """The document ``run.json``: command, version, inputs with hashes, files written."""
    return {"command": ["orbitqkd", *map(str, RUN_ARGV)], "version": __version__,
            "finished_utc": _dt.datetime.now(_dt.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "inputs": inputs, "files": files}


def write_folder(out: Path, tables: dict, documents: dict, figures: dict, *, writers=(),
                 inputs=()) -> None:
    """Write a folder of outputs whole: tables, JSON documents, figures, then ``run.json``.

    Everything goes into a temporary sibling folder that replaces ``out`` only
    when every file is written (:func:`orbitqkd.io.tables.atomic_folder`): an
    error or Ctrl-C leaves an earlier run's ``out`` as it was. ``writers`` are
    callables ``f(folder) -> list of paths`` for files with their own writer.
    """
    with atomic_folder(out) as tmp:
        written = [write_table(df, tmp / name) for name, df in tables.items()]
        written += [write_json(doc, tmp / name) for name, doc in documents.items()]
        written += [save_figure(fig, tmp / name) for name, fig in figures.items()]
        for writer in writers:
            written += list(writer(tmp))
        files = [{"name": p.name, "sha256": file_sha256(p), "bytes": p.stat().st_size}
                 for p in written]
        write_json(manifest(files, run_inputs(inputs)), tmp / "run.json")
    typer.echo(f"wrote {', '.join(p.name for p in written)} and run.json to {out}/", err=True)
