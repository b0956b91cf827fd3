"""The typer application and the one way every command prints or writes its outputs.

Conventions (README "Conventions"): a table goes to stdout in ``--format``
(table, csv, json) or to ``-o/--output FILE``; a command that writes several
files takes ``-o/--output FOLDER`` and writes it whole (:func:`write_folder`),
with a manifest ``run.json``. Times are ISO 8601 UTC with milliseconds and bits
are whole in every output (:func:`orbitqkd.io.tables.present`).

Commands are loaded lazily: ``orbitqkd --help`` lists them from
:data:`COMMANDS` without importing their modules (and pandas, scipy,
matplotlib behind them); a command's module is imported when it is run or
its own help is asked for.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import importlib.util
import inspect
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
import typer.core
import typer.main

from .. import __version__
from ..errors import OrbitQKDError


def _lazy_module(name: str):
    """``name`` as a module that is executed on first attribute access (importlib LazyLoader)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


pd = _lazy_module("pandas")
_tables = _lazy_module("orbitqkd.io.tables")

# command -> (module of orbitqkd.cli that registers it, the one line `orbitqkd --help` shows:
# the first line of the command's docstring, tests/test_speed_startup.py keeps them equal)
COMMANDS = {
    "stations": ("passes", "List the bundled optical ground stations."),
    "passes": ("passes", "Predict every pass of the satellites over the ground stations."),
    "passes-dask": ("passes", "Predict every pass, like 'passes', sharded by satellites and days "
                              "over Dask workers."),
    "budget": ("budget", "Loss, transmittance and count rates along one pass (or a horizontal "
                         "path), every SAMPLE_S seconds."),
    "export": ("export", "Export passes to CZML (Cesium), a DTN contact plan, a CCSDS OEM and a "
                         "JSON schedule."),
    "keyrate": ("keyrate", "Compute the secret key of each pass: detections, sifted bits, QBER, "
                           "secret bits and why a pass gives zero."),
    "dual-downlink": ("keyrate", "Entanglement-based BBM92 key of every window with the satellite "
                                 "above both stations."),
    "schedule": ("network", "Choose which station each satellite serves on each pass, and when "
                            "(MILP or greedy)."),
    "relay": ("network", "Forward key between user pairs through trusted satellites and fibre "
                         "(time-expanded LP)."),
    "forecast": ("network", "Forecast the secret key per station and per user pair for each day, "
                            "with P10/P50/P90 over clouds."),
    "validate": ("validate", "Run every validation case (flown experiments) and print published "
                             "against model values."),
    "design": ("design", "Evaluate every design of the scenario's design table over its "
                         "representative span."),
    "annual": ("design", "Key per station and user pair per month and year of one design, over "
                         "weather years."),
}


def _reflow(help_text: str | None) -> str | None:
    """A docstring's paragraphs each on one line (typer keeps the source's line breaks)."""
    if not help_text:
        return help_text
    paragraphs = inspect.cleandoc(help_text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


class LazyGroup(typer.core.TyperGroup):
    """The root command group: its commands' modules are imported on first use."""

    _listing = False

    def list_commands(self, ctx):
        return list(COMMANDS) + [n for n in super().list_commands(ctx) if n not in COMMANDS]

    def get_command(self, ctx, cmd_name):
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        if self._listing:  # the root help: the name and one line suffice
            # typer's own command class: typer >= 0.20 vendors click, so no bare click import
            return typer.core.TyperCommand(cmd_name, help=COMMANDS[cmd_name][1])
        importlib.import_module(f"{__package__}.{COMMANDS[cmd_name][0]}")
        command = typer.main.get_command(app).commands.get(cmd_name)
        if command is not None:
            command.help = _reflow(command.help)
            self.add_command(command, cmd_name)
        return command

    def format_help(self, ctx, formatter):
        self._listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="orbitqkd",
    help="Satellite QKD planning: passes, link budgets, secret key, schedules and trusted relays.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=LazyGroup,
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
            _tables.check_output_file(path, field)
    for field, path in folders:
        if path is not None:
            _tables.check_output_folder(path, field)


def emit_table(df: pd.DataFrame, output: Optional[Path], fmt: Optional[TableFormat] = None) -> None:
    """Print ``df`` as a table, or write it to ``output`` (format from ``fmt`` or the suffix)."""
    if output is None:
        shown = _tables.present(df)
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
    written = _tables.write_table(df, output, None if fmt in (None, TableFormat.table) else fmt.value)
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
    return [{"path": str(p), "sha256": _tables.file_sha256(p), "bytes": p.stat().st_size}
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
    with _tables.atomic_folder(out) as tmp:
        written = [_tables.write_table(df, tmp / name) for name, df in tables.items()]
        written += [_tables.write_json(doc, tmp / name) for name, doc in documents.items()]
        written += [_tables.save_figure(fig, tmp / name) for name, fig in figures.items()]
        for writer in writers:
            written += list(writer(tmp))
        files = [{"name": p.name, "sha256": _tables.file_sha256(p), "bytes": p.stat().st_size}
                 for p in written]
        _tables.write_json(manifest(files, run_inputs(inputs)), tmp / "run.json")
    typer.echo(f"wrote {', '.join(p.name for p in written)} and run.json to {out}/", err=True)
