"""``orbitqkd validate``: every flown experiment through the public chain, against its paper."""

from __future__ import annotations

import pandas as pd
import typer

from ..validation import validate
from .app import TableFormat, app, check_outputs, emit_table
from .options import Format, OutputFile

SHOWN = ["experiment", "quantity", "unit", "published", "model", "deviation", "tolerance", "ok"]


@app.command("validate")
def validate_cmd(output: OutputFile = None, fmt: Format = None):
    """Run every validation case (flown experiments) and print published against model values.

    The last rows check a design study's yearly link time (geometry, no channel).
    The deviation is model / published (a factor, xN tolerance), or model - published in dB for
    losses; a case is ok within its tolerance. Misses are shown, never hidden;
    --format csv or -o writes every column, with sources and notes.
    """
    check_outputs(files=[("output", output)])
    table = validate()
    if output is None and fmt in (None, TableFormat.table):
        shown = table[SHOWN].copy()
        for col in ("published", "model"):
            shown[col] = shown[col].map(lambda v: f"{v:,.4g}")
        shown["deviation"] = [f"{d:+.2f} dB" if tol.endswith("dB") else f"x{d:.3f}"
                              for d, tol in zip(table.deviation, table.tolerance)]
        with pd.option_context("display.max_colwidth", 48):
            emit_table(shown, None)
        met = int(table["ok"].sum())
        typer.echo(f"{met} of {len(table)} cases within tolerance; notes and sources: "
                   "orbitqkd validate --format csv", err=True)
        return
    emit_table(table, output, fmt)
