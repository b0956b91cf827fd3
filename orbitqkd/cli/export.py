"""``orbitqkd export``: passes to CZML, a DTN contact plan or a JSON schedule."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..core.events import find_passes
from ..errors import InputError
from ..io.exports import (contact_plan, ion_contact_plan, passes_to_czml, passes_to_oem,
                          read_passes, schedule_json, write_czml)
from ..io.stations import get_stations
from ..io.tables import round_times_ms, write_json, write_table, write_text
from ..io.tle import load_satellites
from ..model import PassTable
from .app import app, check_outputs, write_folder
from .options import (AllowStale, Days, MinElevationDeg, NoradId, OutputFolder, Satellites, Start,
                      Station, StationsFile)
from .passes import resolve_inputs, station_catalogue


def _passes_from_file(path: Path, satellites: str, stations_file) -> PassTable:
    """A pass table read back from a file, its names resolved against the element sets given."""
    df = read_passes(path)
    if len(df) == 0:
        raise InputError(f"passes = '{path}' holds no rows")
    t0, t1 = df["rise_utc"].min(), df["set_utc"].max()
    ids = sorted({int(n) for n in df["norad_id"]})
    sats = load_satellites(satellites, near=t0 + (t1 - t0) / 2, norad_ids=ids)
    missing = sorted(set(ids) - {s.norad_id for s in sats})
    if missing:
        raise InputError(f"satellites = {satellites!r} lack NORAD ids "
                         f"{', '.join(map(str, missing[:10]))} that the passes hold")
    stas = get_stations(list(dict.fromkeys(df["station"])), station_catalogue(stations_file))
    return PassTable(df, tuple(sats), tuple(stas), t0, t1)


@app.command("export")
def export(
    satellites: Satellites = "micius", station: Station = None,
    stations_file: StationsFile = None, norad_id: NoradId = None, start: Start = None,
    days: Days = 1.0, min_elevation_deg: MinElevationDeg = None,
    passes: Annotated[Optional[Path], typer.Option(
        "--passes", exists=True, dir_okay=False,
        help="Pass table written by 'orbitqkd passes' (CSV, JSON or Parquet). Without it, passes "
             "are predicted from the options of 'orbitqkd passes'; --satellites also gives the "
             "orbits drawn in the CZML.")] = None,
    czml: Annotated[Optional[Path], typer.Option(
        "--czml", help="Write a CZML document (Cesium) to this file.")] = None,
    contact_plan_out: Annotated[Optional[Path], typer.Option(
        "--contact-plan",
        help="Write a DTN contact plan: ION ionrc commands with absolute UTC times for a "
             ".ionrc/.rc file, else a table (CSV, JSON or Parquet). Rates come from the "
             "passes' key (a schedule's served passes when --passes holds a 'served' "
             "column).")] = None,
    oem: Annotated[Optional[Path], typer.Option(
        "--oem", help="Write a CCSDS OEM 2.0 ephemeris of the satellites over the passes' "
                      "span to this file.")] = None,
    json_out: Annotated[Optional[Path], typer.Option(
        "--json", help="Write the passes as a JSON schedule (ISO 8601 times) to this file.")] = None,
    czml_sample_s: Annotated[float, typer.Option(
        "--czml-sample-s", min=0.1, max=3600,
        help="Spacing of the CZML position samples in seconds.")] = 30.0,
    allow_stale: AllowStale = False,
    output: OutputFolder = None,
):
    """Export passes to CZML (Cesium), a DTN contact plan, a CCSDS OEM and a JSON schedule.

    Each of --czml, --contact-plan, --oem and --json is one FILE; -o FOLDER writes them
    all (passes.czml, contacts.csv, contacts.ionrc, passes.oem, schedule.json) and
    run.json into one folder, whole.
    """
    if all(x is None for x in (czml, contact_plan_out, json_out, oem, output)):
        raise InputError("export needs -o FOLDER or at least one of --czml, --contact-plan, "
                         "--oem, --json")
    check_outputs(files=[("czml", czml), ("contact_plan", contact_plan_out), ("json", json_out),
                         ("oem", oem)], folders=[("output", output)])
    if passes is not None:
        table = _passes_from_file(passes, satellites, stations_file)
    else:
        sats, stas, start = resolve_inputs(satellites, station, stations_file, start, norad_id,
                                           days=days, allow_stale=allow_stale)
        table = find_passes(sats, stas, start, days=days, min_elevation_deg=min_elevation_deg)
    table = table.with_table(round_times_ms(table.table))
    if "served" in table.table.columns:  # a schedule: export what is served
        served = table.table["served"].astype(str).str.lower().isin(["true", "1"])
        table = table.where(served.to_numpy())
    df = table.table
    step_s = czml_sample_s
    if output is not None:
        if len(df) == 0:
            raise InputError("no passes to export to CZML")

        def _all(folder):
            return [write_czml(passes_to_czml(table, step_s=step_s), folder / "passes.czml"),
                    write_table(contact_plan(df), folder / "contacts.csv"),
                    write_text(ion_contact_plan(contact_plan(df)) + "\n",
                               folder / "contacts.ionrc"),
                    write_text(passes_to_oem(table), folder / "passes.oem"),
                    write_json(schedule_json(df), folder / "schedule.json")]

        write_folder(output, {}, {}, {}, writers=[_all])
    if czml is not None:
        if len(df) == 0:
            raise InputError("no passes to export to CZML")
        write_czml(passes_to_czml(table, step_s=step_s), czml)
        typer.echo(f"wrote CZML of {len(df)} passes to {czml}", err=True)
    if contact_plan_out is not None:
        plan = contact_plan(df)
        if contact_plan_out.suffix.lower() in (".ionrc", ".rc"):
            write_text(ion_contact_plan(plan) + "\n", contact_plan_out)
        else:
            write_table(plan, contact_plan_out)
        typer.echo(f"wrote {len(plan)} contacts to {contact_plan_out}", err=True)
    if oem is not None:
        if len(df) == 0:
            raise InputError("no passes to export to OEM")
        write_text(passes_to_oem(table), oem)
        typer.echo(f"wrote the OEM of {len(table.satellites)} satellite(s) to {oem}", err=True)
    if json_out is not None:
        write_json(schedule_json(df), json_out)
        typer.echo(f"wrote {len(df)} passes to {json_out}", err=True)
