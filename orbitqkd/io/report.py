"""The forecast as files: tables, PNG figures and a self-contained HTML report.

The report is what a planner reads in the morning: a headline per user pair
(the key expected each day and the probability its demand is met), a map of
the stations, the ground tracks of the served passes and the relay routes,
a Gantt chart labelled with each pass's key and elevation, the served
passes in UTC and in the station's local mean solar time, and the
assumptions the forecast rests on.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..core.orbits import TimeBase, ecef_to_latitude_longitude_deg, propagate_one_ecef
from ..data import data_path
from ..errors import InputError
from ..plot import forecast_figure, gantt_figure, map_figure, stores_figure
from .tables import html_report, round_times_ms, save_figure, write_table, write_text

TRACK_STEP_S = 30.0


@functools.lru_cache(maxsize=1)
def coastline_rings() -> list:
    """Natural Earth 1:110m country outlines (public domain), bundled in ``data/maps``."""
    with data_path("maps", "ne110m_country_rings.json").open() as fh:
        return json.load(fh)["rings_lon_lat_deg"]


def local_solar_time(time_utc, longitude_deg) -> pd.Series:
    """Local mean solar time (UTC + longitude / 15 h) as 'YYYY-MM-DD HH:MM', naive."""
    t = pd.to_datetime(pd.Series(time_utc), utc=True).dt.tz_localize(None)
    lon = (np.asarray(longitude_deg, float) + 180.0) % 360.0 - 180.0
    return (t + pd.to_timedelta(lon / 15.0, unit="h")).dt.strftime("%Y-%m-%d %H:%M")


def served_tracks(served: pd.DataFrame, satellites) -> list:
    """(label, longitude_deg, latitude_deg) of the sub-satellite track of each served pass."""
    by_norad = {s.norad_id: s for s in satellites}
    tracks = []
    for row in served.itertuples():
        sat = by_norad.get(int(row.norad_id))
        if sat is None:
            continue
        span = (row.set_utc - row.rise_utc).total_seconds()
        seconds = np.append(np.arange(0.0, span, TRACK_STEP_S), span)
        r, _ = propagate_one_ecef(sat.satrec, TimeBase.for_span(row.rise_utc, span), seconds)
        lat, lon = ecef_to_latitude_longitude_deg(r)
        tracks.append((f"{row.satellite} over {row.station}", lon, lat))
    return tracks


def relay_paths(relay, stations) -> list:
    """(label, [(lon, lat), ...]) of each demand's route through nodes with known positions."""
    where = {s.name: ((s.longitude_deg + 180.0) % 360.0 - 180.0, s.latitude_deg)
             for s in stations}
    out = []
    for row in relay.demands.itertuples():
        nodes = [n for n in str(row.path).split(" > ") if n]
        points = [where[n] for n in nodes if n in where]
        via = [n for n in nodes if n not in where]
        if len(points) > 1:
            out.append((f"{row.demand}" + (f" via {', '.join(via)}" if via else ""), points))
    return out


def headlines(pairs: pd.DataFrame) -> str:
    """One sentence per user pair: expected key per day and the chance its demand is met."""
    if not len(pairs):
        return "No user pair demands key in this scenario."
    lines = []
    for name, rows in pairs.groupby("demand", sort=False):
        mean = rows["expected_bits"].mean()
        text = f"{name}: {mean:,.0f} bits a day expected"
        need = rows["demand_bits"].iloc[0] if "demand_bits" in rows else np.nan
        if np.isfinite(need):
            days = ", ".join(f"{d[5:]}: {p:.0%}" for d, p in zip(rows["date"], rows["p_demand_met"]))
            text += f"; demand {need:,.0f} bits/day met with probability {days}"
        lines.append(text + ".")
    return " ".join(lines)


def assumptions(result: dict, notes: str) -> pd.DataFrame:
    """What the forecast rests on: element sets, links, weather and relay settings."""
    rows = []
    sc, cand = result.get("scenario"), result.get("candidates")
    if cand is not None:
        for s in cand.satellites:
            rows.append(("element set", f"{s.name} (NORAD {s.norad_id})",
                         f"epoch {s.epoch:%Y-%m-%d %H:%M} UTC"))
    if sc is not None:
        for spec in sc.satellites:
            rows.append(("link preset", spec.name or spec.tle or "satellites", spec.link))
        rows.append(("relay", "time step / key store",
                     f"{sc.relay_time_step_s:g} s / {sc.key_store_bits:g} bits"))
    if notes:
        rows.append(("run", "settings", notes))
    return pd.DataFrame(rows, columns=["what", "item", "value"])


def write_forecast(result: dict, out_dir, *, title: str = "Secret key forecast",
                   notes: str = "", formats=("csv", "parquet")) -> list:
    """Write the forecast tables, PNG figures and a self-contained HTML report.

    Every file is written atomically into ``out_dir`` (which must exist):
    ``stations.<fmt>``, ``pairs.<fmt>``, ``schedule.<fmt>`` (served passes),
    ``forecast.png``, ``gantt.png``, ``map.png`` (when the result holds the
    scenario), ``stores.png`` (key held at each node when the expected key is
    routed, with user pairs) and ``report.html``. Returns the paths written.
    """
    out = Path(out_dir)
    if not out.is_dir():
        raise InputError(f"output directory = '{out}' does not exist")
    written = []
    served = result["schedule"].served
    for name, df in (("stations", result["stations"]), ("pairs", result["pairs"]),
                     ("schedule", served)):
        for fmt in formats:
            written.append(write_table(round_times_ms(df), out / f"{name}.{fmt}"))
    figures = {"forecast.png": forecast_figure(result, title),
               "gantt.png": gantt_figure(result["schedule"])}
    sc, cand = result.get("scenario"), result.get("candidates")
    if sc is not None and cand is not None:
        figures["map.png"] = map_figure(
            list(sc.stations), served_tracks(served, cand.satellites),
            relay_paths(result["relay"], sc.stations) if result.get("relay") else (),
            coastline_rings(), title="Stations, served passes (ground tracks) and relay routes")
    if result.get("relay") is not None:
        figures["stores.png"] = stores_figure(
            result["relay"], "Key held at each node (the expected key routed through the relay)")
    try:
        for name, fig in figures.items():
            written.append(save_figure(fig, out / name))
        shown = served.copy()
        if sc is not None:
            lon = shown["station"].map({s.name: s.longitude_deg for s in sc.stations})
            shown.insert(shown.columns.get_loc("culmination_utc") + 1, "culmination_local_solar",
                         local_solar_time(shown["culmination_utc"], lon).to_numpy())
        cols = [c for c in ("satellite", "station", "rise_utc", "culmination_utc",
                            "culmination_local_solar", "set_utc", "max_elevation_deg",
                            "key_bits", "cloud_free_probability", "expected_key_bits")
                if c in shown]
        summary = pd.DataFrame([result["schedule"].summary()])
        blocks = [("Headline", headlines(result["pairs"]))]
        blocks += [("Map", figures["map.png"])] if "map.png" in figures else []
        blocks += [("Key per station and day", result["stations"]),
                   ("Forecast", figures["forecast.png"])]
        if len(result["pairs"]):
            blocks.append(("Key per user pair and day", result["pairs"]))
        if "stores.png" in figures:
            blocks.append(("Key held at each node", figures["stores.png"]))
        blocks += [("Served passes (Gantt: expected key and maximum elevation)",
                    figures["gantt.png"]),
                   ("Served passes (UTC; culmination also in the station's local mean solar "
                    "time)", shown[cols]),
                   ("Schedule", summary), ("Assumptions", assumptions(result, notes))]
        written.append(write_text(html_report(title, blocks), out / "report.html"))
    finally:
        for fig in figures.values():
            plt.close(fig)
    return written
