"""``orbitqkd export``: passes to CZML, a DTN contact plan or a JSON schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import _load_catalogue, passes_cmd
from .scale import adopt_options
from ..errors import InputError

_PREDICT = ("satellites", "station", "stations_file", "norad_id", "start", "days",
            "min_elevation_deg")


def _export_options(
    passes: Annotated[Optional[Path], typer.Option("--passes", exists=True, dir_okay=False, help="Pass table written by 'orbitqkd passes' (CSV, JSON or Parquet). Without it, passes are predicted from the options of 'orbitqkd passes'; --satellites also gives the orbits drawn in the CZML.")] = None,
    czml: Annotated[Optional[Path], typer.Option("--czml", help="Write a CZML document (Cesium) to this file.")] = None,
    contact_plan_out: Annotated[Optional[Path], typer.Option("--contact-plan", help="Write a DTN contact plan table to this CSV, JSON or Parquet file.")] = None,
    json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the passes as a JSON schedule (ISO 8601 times) to this file.")] = None,
    step_s: Annotated[float, typer.Option(min=0.1, max=3600, help="Spacing of the CZML position samples in seconds.")] = 30.0,
):
    """Declares the options of ``export`` besides those shared with ``passes``."""


def export(**options):
    """Export passes to CZML (Cesium), a DTN contact plan and a JSON schedule."""
    from ..io.exports import contact_plan, passes_to_czml, read_passes, schedule_json, write_czml
    from ..io.tables import write_json, write_table
    from ..io.stations import get_stations
    from ..io.tle import load_satellites

    o = options
    passes, czml, contact_plan_out, json_out = (o["passes"], o["czml"], o["contact_plan_out"],
                                                o["json_out"])
    satellites, start = o["satellites"], o["start"]
    if czml is None and contact_plan_out is None and json_out is None:
        raise InputError("export needs at least one of --czml, --contact-plan, --json")
    catalogue = _load_catalogue(o["stations_file"])
    if passes is not None:
        df = read_passes(passes)
        near = None if len(df) == 0 else df["rise_utc"].min()
        stas = get_stations(list(dict.fromkeys(df["station"])), catalogue) if len(df) else []
    else:
        from ..core.events import find_passes

        sats = load_satellites(satellites, near=start, norad_ids=o["norad_id"])
        if start is None:
            start = max(s.epoch for s in sats).normalize()
        stas = get_stations(o["station"] or "all", catalogue)
        df = find_passes(sats, stas, start, days=o["days"], min_elevation_deg=o["min_elevation_deg"])
        near = start
    if czml is not None:
        if len(df) == 0:
            raise InputError("no passes to export to CZML")
        ids = sorted({int(n) for n in df["norad_id"]})
        sats = load_satellites(satellites, near=near, norad_ids=ids)
        write_czml(passes_to_czml(df, sats, stas, step_s=o["step_s"]), czml)
        typer.echo(f"wrote CZML of {len(df)} passes to {czml}", err=True)
    if contact_plan_out is not None:
        plan = contact_plan(df)
        write_table(plan, contact_plan_out)
        typer.echo(f"wrote {len(plan)} contacts to {contact_plan_out}", err=True)
    if json_out is not None:
        write_json(schedule_json(df), json_out)
        typer.echo(f"wrote {len(df)} passes to {json_out}", err=True)


# the prediction options are those of ``orbitqkd passes``
adopt_options(export, passes_cmd, _export_options, keep=_PREDICT)
