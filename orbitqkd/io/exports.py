"""Exports of passes for mission-planning tools: CZML, DTN contact plans, JSON schedules.

* :func:`passes_to_czml` writes a CZML document (Cesium's JSON scene format)
  that animates the satellites, the ground stations and a line of sight for
  every pass, so a pass table can be checked by eye in any Cesium viewer.
* :func:`contact_plan` turns passes into the contact/range rows of a Delay
  Tolerant Networking contact plan, as ION's ``ionrc`` files hold them
  (``a contact`` and ``a range`` commands); :func:`ion_contact_plan` prints
  them in that syntax.
* :func:`schedule_json` gives a JSON-ready list of passes with ISO 8601 times.

References
----------
.. [1] Cesium, "CZML Guide" and "CZML Structure",
   https://github.com/AnalyticalGraphicsInc/czml-writer/wiki/CZML-Guide
   (packets, ``availability`` intervals, sampled ``position`` with ``epoch``,
   ``referenceFrame`` FIXED, ``references`` ``"id#property"``).
.. [2] S. Burleigh, "Interplanetary Overlay Network (ION) Design and Operation",
   JPL D-48259, and the ``ionrc(5)`` manual page: ``a contact <start> <stop>
   <from> <to> <rate bytes/s>``, ``a range <start> <stop> <from> <to> <owlt s>``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..constants import SPEED_OF_LIGHT_M_S
from ..errors import InputError, check_range
from ..core.orbits import TimeBase, propagate_ecef
from ..model import PassTable
from .tables import _jsonable, read_table, write_json

#: Speed of light in vacuum [km/s] (SI definition, CGPM 1983)
C_KM_S = SPEED_OF_LIGHT_M_S / 1000.0

CONTACT_PLAN_COLUMNS = ["start_utc", "end_utc", "from_node", "to_node", "rate_bps",
                        "range_km", "owlt_s"]
_NEEDED = ("satellite", "norad_id", "station", "rise_utc", "set_utc")
_TIME_COLUMNS = ("rise_utc", "culmination_utc", "set_utc")


def _iso(ts: pd.Timestamp) -> str:
    """ISO 8601 UTC with a trailing Z (CZML wants Z): milliseconds, or microseconds if needed.

    The command line rounds its times to the millisecond first
    (:func:`orbitqkd.io.tables.round_times_ms`), so every file it writes says
    ``2016-12-19T16:48:44.123Z``.
    """
    ts = pd.Timestamp(ts).tz_convert("UTC").tz_localize(None)
    text = ts.strftime("%Y-%m-%dT%H:%M:%S.%f")
    return (text[:-3] if ts.microsecond % 1000 == 0 else text) + "Z"


def normalise_passes(passes_df: pd.DataFrame, source: str = "passes") -> pd.DataFrame:
    """Check a pass table has the columns exports need and make its times tz-aware UTC.

    Accepts what :func:`orbitqkd.core.events.find_passes` returns or what
    ``orbitqkd passes -o FILE.csv`` wrote (times as ISO strings).
    """
    missing = [c for c in _NEEDED if c not in passes_df.columns]
    if missing:
        raise InputError(f"{source} lacks the columns {', '.join(missing)}; "
                         f"expected a table written by 'orbitqkd passes'")
    df = passes_df.copy()
    for col in _TIME_COLUMNS:
        if col in df:
            try:
                df[col] = pd.to_datetime(df[col], utc=True)
            except (ValueError, TypeError):
                raise InputError(f"{source}: column {col} holds values that are not UTC times") from None
    bad = df["set_utc"] < df["rise_utc"]
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{source} row {i}: set_utc {df['set_utc'].iloc[i]} is before rise_utc")
    return df.reset_index(drop=True)


def read_passes(path: str | os.PathLike) -> pd.DataFrame:
    """Read a pass table written by ``orbitqkd passes`` (CSV, JSON or Parquet)."""
    df = read_table(path, "passes")
    return normalise_passes(df, f"passes = '{Path(path).name}'")


# --- CZML -------------------------------------------------------------------

def _satellite_id(norad_id) -> str:
    return f"satellite/{int(norad_id)}"


def _station_id(name: str) -> str:
    return f"station/{name}"


def passes_to_czml(passes: PassTable, step_s: float = 30.0,
                   name: str = "orbitqkd passes") -> list[dict]:
    """A CZML document showing satellites, stations and the line of sight of every pass.

    Parameters
    ----------
    passes : PassTable
        Passes with the satellites and stations they were computed for
        (:func:`orbitqkd.find_passes`, or a table read back with
        :func:`read_passes` and resolved at the edge).
    step_s : float
        Spacing of the position samples [s] (Lagrange degree-5 interpolation in
        the viewer; 30 s keeps LEO within metres).
    name : str
        Name of the document.

    Returns
    -------
    list of dict
        Packets, the ``"document"`` packet first ([1], CZML Structure):

        * ``document``: ``version`` "1.0" and a ``clock`` over the passes'
          span (first rise to last set);
        * one ``satellite/<norad_id>`` packet with a sampled ``position``
          (``satellite/<norad_id>/<name>`` where satellites share a NORAD id):
          ``epoch`` (ISO 8601) and ``cartesian`` ``[t, x, y, z, ...]``,
          ``t`` in seconds after the epoch and x, y, z in metres in the
          ``FIXED`` (Earth-fixed) frame, from :func:`orbitqkd.core.orbits.propagate_ecef`;
        * one ``station/<name>`` packet at ``cartographicDegrees``
          ``[longitude, latitude, height_m]``;
        * one ``pass/<norad_id>/<station>/<rise>`` packet per pass, a polyline
          from satellite to station whose ``positions.references`` are the two
          objects' positions and whose ``availability`` is ``rise/set``.
    """
    df = normalise_passes(passes.table)
    check_range("step_s", step_s, 0.1, 3600.0)
    if len(df) == 0:
        raise InputError("passes hold no rows; nothing to export to CZML")
    t0, t1 = df["rise_utc"].min(), df["set_utc"].max()
    rows_sat = passes.with_table(df).satellite_index()
    order = [passes.satellites[k] for k in pd.unique(rows_sat)]
    # satellite/<norad_id>, or satellite/<norad_id>/<name> where satellites share an id
    # (design orbits and satellites from elements all default to one)
    shared = pd.Series([s.norad_id for s in order]).duplicated(keep=False).to_numpy()
    sat_id = {id(s): _satellite_id(s.norad_id) + (f"/{s.name}" if dup else "")
              for s, dup in zip(order, shared)}
    row_ids = [sat_id[id(passes.satellites[k])] for k in rows_sat]
    by_name = {s.name: s for s in passes.stations}
    stas = [by_name[n] for n in pd.unique(df["station"])]

    span_s = (t1 - t0).total_seconds()
    seconds = np.arange(0.0, span_s, float(step_s))
    seconds = np.append(seconds, span_s) if span_s > 0 else np.array([0.0])
    r_km, _ = propagate_ecef([s.satrec for s in order], TimeBase.for_span(t0, span_s), seconds)
    interval = f"{_iso(t0)}/{_iso(t1)}"
    doc: list[dict] = [{
        "id": "document",
        "name": name,
        "version": "1.0",
        "clock": {"interval": interval, "currentTime": _iso(t0), "multiplier": 60,
                  "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"},
    }]
    for sat, r in zip(order, r_km):
        ok = np.isfinite(r).all(axis=1)
        samples = np.column_stack([seconds[ok], r[ok] * 1000.0]).ravel()
        doc.append({
            "id": sat_id[id(sat)],
            "name": sat.name,
            "availability": interval,
            "position": {
                "epoch": _iso(t0),
                "referenceFrame": "FIXED",
                "interpolationAlgorithm": "LAGRANGE",
                "interpolationDegree": 5,
                "cartesian": [round(float(x), 3) for x in samples],
            },
            "point": {"pixelSize": 6, "color": {"rgba": [255, 210, 0, 255]}},
            "label": {"text": sat.name, "font": "11pt sans-serif", "pixelOffset": {"cartesian2": [8, 0]},
                      "horizontalOrigin": "LEFT"},
            "path": {"leadTime": 0, "trailTime": 600, "width": 1,
                     "material": {"solidColor": {"color": {"rgba": [255, 210, 0, 128]}}}},
        })
    for sta in stas:
        doc.append({
            "id": _station_id(sta.name),
            "name": sta.full_name or sta.name,
            "position": {"cartographicDegrees": [float(sta.longitude_deg), float(sta.latitude_deg),
                                                 float(sta.altitude_m)]},
            "point": {"pixelSize": 8, "color": {"rgba": [0, 200, 255, 255]}},
            "label": {"text": sta.name, "font": "11pt sans-serif", "pixelOffset": {"cartesian2": [8, 0]},
                      "horizontalOrigin": "LEFT"},
        })
    seen: set[str] = set()
    for row, sid in zip(df.itertuples(index=False), row_ids):
        pid = f"pass/{sid.removeprefix('satellite/')}/{row.station}/{_iso(row.rise_utc)}"
        while pid in seen:  # two passes cannot rise together, but keep ids unique regardless
            pid += "+"
        seen.add(pid)
        doc.append({
            "id": pid,
            "name": f"{row.satellite} over {row.station}",
            "availability": f"{_iso(row.rise_utc)}/{_iso(row.set_utc)}",
            "polyline": {
                "positions": {"references": [f"{sid}#position",
                                             f"{_station_id(row.station)}#position"]},
                "width": 2,
                "arcType": "NONE",
                "material": {"solidColor": {"color": {"rgba": [120, 255, 120, 255]}}},
            },
        })
    return doc


def write_czml(doc: list[dict], path: str | os.PathLike):
    """Write a CZML document atomically (via :func:`orbitqkd.io.tables.write_json`)."""
    if not doc or doc[0].get("id") != "document":
        raise InputError("CZML document must start with the 'document' packet")
    return write_json(doc, path)


# --- contact plans and schedules ---------------------------------------------

def contact_plan(passes_df: pd.DataFrame) -> pd.DataFrame:
    """Contacts of a DTN contact plan, one per pass (satellite to station).

    Parameters
    ----------
    passes_df : DataFrame
        Passes; an optional ``key_rate_bps`` column [bit/s] or ``key_bits``
        column [bit] (divided by ``duration_s``) gives the contact's rate.

    Returns
    -------
    DataFrame
        :data:`CONTACT_PLAN_COLUMNS`: ``start_utc``/``end_utc`` (rise, set),
        ``from_node`` (satellite name), ``to_node`` (station), ``rate_bps``
        [bit/s] (NaN without a rate column), ``range_km`` (the pass's
        ``min_range_km``, NaN if absent) and ``owlt_s``, the one-way light time
        range / c [s]. ION's contact rate is in bytes/s and its range in whole
        light seconds; :func:`ion_contact_plan` converts.
    """
    df = normalise_passes(passes_df)
    duration = (df["set_utc"] - df["rise_utc"]).dt.total_seconds()
    if "key_rate_bps" in df:
        rate = df["key_rate_bps"].astype(float)
    elif "key_bits" in df:
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = (df["key_bits"].astype(float) / duration.where(duration > 0)).astype(float)
    else:
        rate = pd.Series(np.nan, index=df.index)
    rng = df["min_range_km"].astype(float) if "min_range_km" in df else pd.Series(np.nan, index=df.index)
    return pd.DataFrame({
        "start_utc": df["rise_utc"],
        "end_utc": df["set_utc"],
        "from_node": df["satellite"].astype(str),
        "to_node": df["station"].astype(str),
        "rate_bps": rate.to_numpy(),
        "range_km": rng.to_numpy(),
        "owlt_s": rng.to_numpy() / C_KM_S,
    }, columns=CONTACT_PLAN_COLUMNS)


def ion_node_numbers(plan: pd.DataFrame, first: int = 1) -> dict[str, int]:
    """ION node numbers for the nodes of a plan: satellites first, then stations, by name."""
    names = sorted(set(plan["from_node"])) + sorted(set(plan["to_node"]) - set(plan["from_node"]))
    return {name: first + k for k, name in enumerate(names)}


def _ion_time(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y/%m/%d-%H:%M:%S")


def ion_contact_plan(plan: pd.DataFrame, node_numbers: dict[str, int] | None = None, *,
                     absolute: bool = True) -> str:
    """ION ``ionrc`` commands for a :func:`contact_plan` ([2]).

    Each contact becomes ``a contact START STOP from to rate`` and ``a range
    START STOP from to owlt`` with the rate in bytes/s (``rate_bps / 8``, 0 when
    unknown) and the one-way light time rounded up to whole seconds. Times are
    absolute UTC (``yyyy/mm/dd-hh:mm:ss``, ION's absolute form, the default) or,
    with ``absolute=False``, ``+seconds`` after the plan's first start.
    ``node_numbers`` maps node names (satellites and stations) to ION node
    numbers; default :func:`ion_node_numbers`. A comment line before each
    contact names its nodes.

    >>> plan = pd.DataFrame({"start_utc": pd.to_datetime(["2016-12-19T10:00Z"]),
    ...     "end_utc": pd.to_datetime(["2016-12-19T10:05Z"]), "from_node": ["MICIUS"],
    ...     "to_node": ["Graz"], "rate_bps": [8000.0], "range_km": [600.0], "owlt_s": [0.002]})
    >>> print(ion_contact_plan(plan, {"MICIUS": 1, "Graz": 2}))
    # MICIUS (1) -> Graz (2)
    a contact 2016/12/19-10:00:00 2016/12/19-10:05:00 1 2 1000
    a range 2016/12/19-10:00:00 2016/12/19-10:05:00 1 2 1
    >>> print(ion_contact_plan(plan, {"MICIUS": 1, "Graz": 2}, absolute=False).splitlines()[1])
    a contact +0 +300 1 2 1000
    """
    node_numbers = ion_node_numbers(plan) if node_numbers is None else node_numbers
    unknown = sorted((set(plan["from_node"]) | set(plan["to_node"])) - set(node_numbers))
    if unknown:
        raise InputError(f"node_numbers lack {', '.join(unknown)}")
    if len(plan) == 0:
        return ""
    t0 = plan["start_utc"].min()
    lines = []
    for row in plan.itertuples(index=False):
        if absolute:
            a, b = _ion_time(row.start_utc), _ion_time(row.end_utc)
        else:
            a = f"+{int(round((row.start_utc - t0).total_seconds()))}"
            b = f"+{int(round((row.end_utc - t0).total_seconds()))}"
        f, t = node_numbers[row.from_node], node_numbers[row.to_node]
        rate = 0 if not np.isfinite(row.rate_bps) else int(round(row.rate_bps / 8.0))
        owlt = 1 if not np.isfinite(row.owlt_s) else max(1, int(np.ceil(row.owlt_s)))
        lines.append(f"# {row.from_node} ({f}) -> {row.to_node} ({t})")
        lines.append(f"a contact {a} {b} {f} {t} {rate}")
        lines.append(f"a range {a} {b} {f} {t} {owlt}")
    return "\n".join(lines)


def passes_to_oem(passes: PassTable, step_s: float = 60.0, originator: str = "orbitqkd") -> str:
    """A CCSDS Orbit Ephemeris Message (OEM 2.0, KVN) of the satellites over the passes' span.

    One segment per satellite: SGP4 states in the Earth-fixed frame
    (``REF_FRAME = ITRF``, positions km, velocities km/s) every ``step_s``
    from the first rise to the last set (CCSDS 502.0-B-3, Orbit Data Messages,
    Sec. 5).
    """
    check_range("step_s", step_s, 1.0, 86400.0)
    df = normalise_passes(passes.table)
    if len(df) == 0:
        raise InputError("passes hold no rows; nothing to export to OEM")
    t0, t1 = df["rise_utc"].min(), df["set_utc"].max()
    span_s = (t1 - t0).total_seconds()
    seconds = np.arange(0.0, span_s + 1e-9, float(step_s))
    base = TimeBase.for_span(t0, float(seconds[-1]))
    by_norad = {s.norad_id: s for s in passes.satellites}
    wanted = [by_norad[int(n)] for n in pd.unique(df["norad_id"].astype(np.int64))]
    r_km, v_km_s = propagate_ecef([s.satrec for s in wanted], base, seconds)
    times = [_iso(t0 + pd.to_timedelta(s, unit="s")).rstrip("Z") for s in seconds]
    lines = ["CCSDS_OEM_VERS = 2.0",
             f"CREATION_DATE = {_iso(pd.Timestamp.now(tz='UTC').floor('s')).rstrip('Z')}",
             f"ORIGINATOR = {originator}"]
    for k, sat in enumerate(wanted):
        lines += ["", "META_START", f"OBJECT_NAME = {sat.name}",
                  f"OBJECT_ID = {sat.norad_id}", "CENTER_NAME = EARTH", "REF_FRAME = ITRF",
                  "TIME_SYSTEM = UTC", f"START_TIME = {times[0]}", f"STOP_TIME = {times[-1]}",
                  "META_STOP", ""]
        for j, when in enumerate(times):
            x, y, z = r_km[k, j]
            vx, vy, vz = v_km_s[k, j]
            lines.append(f"{when} {x:.6f} {y:.6f} {z:.6f} {vx:.9f} {vy:.9f} {vz:.9f}")
    return "\n".join(lines) + "\n"


def schedule_json(passes_df: pd.DataFrame) -> list[dict]:
    """Passes as a JSON-ready list of dicts: times ISO 8601 UTC, NaN as None.

    >>> p = pd.DataFrame({"satellite": ["MICIUS"], "norad_id": [41731], "station": ["Graz"],
    ...     "rise_utc": ["2016-12-19T10:07:22Z"], "set_utc": ["2016-12-19T10:13:14Z"]})
    >>> schedule_json(p)[0]["rise_utc"]
    '2016-12-19T10:07:22.000Z'
    """
    df = normalise_passes(passes_df)
    out = []
    for rec in df.to_dict("records"):
        row = {}
        for key, value in rec.items():
            if isinstance(value, pd.Timestamp):
                row[key] = _iso(value)
            elif isinstance(value, float) and not np.isfinite(value):
                row[key] = None
            else:
                row[key] = _jsonable(value)
        out.append(row)
    return out
