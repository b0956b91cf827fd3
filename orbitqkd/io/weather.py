"""Weather in: hourly cloud series per station, from a forecast, a reanalysis or a typical year.

A weather file is a CSV with one row per station and hour: ``station``,
``time_utc`` (ISO 8601) and either ``cloud_free_probability`` [0-1] or
``opaque_cloud_tenths`` [0-10] (the TMY convention; the cloud-free probability
of a line of sight is then taken as 1 - opaque fraction). Optional
``latitude_deg``/``longitude_deg`` columns are kept for reference.

A *typical-year* file (TMY: each month from a different real year) is matched
by month, day and hour to any requested date (``typical_year=True``).

The bundled sample ``data/weather/tmy3_opaque_cloud_hourly.csv`` holds the
hourly opaque sky cover of two NREL TMY3 stations (Greensboro NC, 36.1 N
79.95 W; Sand Point AK, 55.3 N 160.5 W), converted from local standard time
(end of hour) to UTC hour centres; see ``data/weather/README.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import data_path
from ..errors import DataFileError, InputError, check_range

BUNDLED_WEATHER = ("weather", "tmy3_opaque_cloud_hourly.csv")


def read_weather(path: str | os.PathLike) -> pd.DataFrame:
    """Read an hourly cloud file into ``station``, ``time_utc``, ``cloud_free_probability``.

    Every bad field is one error naming the file, the line and the value.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"weather file = '{path}' does not exist")
    try:
        df = pd.read_csv(path)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"weather file = '{path.name}' is not a CSV table "
                         f"({type(exc).__name__})") from None
    missing = [c for c in ("station", "time_utc") if c not in df.columns]
    if missing:
        raise InputError(f"weather file = '{path.name}' lacks column(s) {', '.join(missing)}")
    if "cloud_free_probability" in df.columns:
        p = pd.to_numeric(df["cloud_free_probability"], errors="coerce").to_numpy(float)
    elif "opaque_cloud_tenths" in df.columns:
        tenths = pd.to_numeric(df["opaque_cloud_tenths"], errors="coerce").to_numpy(float)
        p = 1.0 - tenths / 10.0
    else:
        raise InputError(f"weather file = '{path.name}' lacks cloud_free_probability or "
                         "opaque_cloud_tenths")
    bad = ~np.isfinite(p) | (p < 0) | (p > 1)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"{path.name} line {k + 2}: cloud value is outside the range 0-1 "
                         "(cloud_free_probability) or 0-10 (opaque_cloud_tenths)")
    times = pd.to_datetime(df["time_utc"], utc=True, errors="coerce")
    if times.isna().any():
        k = int(np.flatnonzero(times.isna())[0])
        raise InputError(f"{path.name} line {k + 2}: time_utc = {df['time_utc'].iloc[k]!r} "
                         "is not an ISO 8601 time")
    return pd.DataFrame({"station": df["station"].astype(str), "time_utc": times,
                         "cloud_free_probability": p})


def bundled_weather() -> pd.DataFrame:
    """The bundled TMY3 sample (two stations, one typical year, hourly)."""
    return read_weather(data_path(*BUNDLED_WEATHER))


def _hour_of_year(times: pd.DatetimeIndex) -> np.ndarray:
    """Hours since 1 January 00:00 of the time's own year, with 29 February folded onto 1 March."""
    t = pd.DatetimeIndex(times).tz_convert("UTC")
    day = t.day_of_year.to_numpy() - ((t.is_leap_year) & (t.month > 2)).astype(int)
    return (day - 1) * 24 + t.hour.to_numpy()


def weather_cloud_free(weather: pd.DataFrame, station: str, times, *,
                       typical_year: bool = False) -> np.ndarray:
    """Cloud-free probability of ``station`` at ``times`` from an hourly series.

    With ``typical_year`` the series is matched by hour of the year (TMY data);
    otherwise by time, nearest hour within one hour. NaN where the series has
    no value (the caller falls back to climatology).
    """
    rows = weather[weather["station"] == station]
    t = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    out = np.full(len(t), np.nan)
    if rows.empty or not len(t):
        return out
    if typical_year:
        table = pd.Series(rows["cloud_free_probability"].to_numpy(float),
                          index=_hour_of_year(pd.DatetimeIndex(rows["time_utc"])))
        table = table[~table.index.duplicated()]
        return table.reindex(_hour_of_year(t)).to_numpy(float)
    series = rows.set_index("time_utc")["cloud_free_probability"].sort_index()
    series = series[~series.index.duplicated()]
    pos = series.index.get_indexer(t, method="nearest")
    ok = pos >= 0
    near = np.abs((series.index[pos[ok]] - t[ok]).total_seconds()) <= 3600.0
    idx = np.flatnonzero(ok)[near]
    out[idx] = series.to_numpy(float)[pos[idx]]
    return out


def with_weather(passes: pd.DataFrame, weather: pd.DataFrame, *,
                 typical_year: bool = False) -> pd.DataFrame:
    """Replace ``cloud_free_probability`` of each pass by the weather at its culmination.

    Passes whose station or hour the weather lacks keep their value (the
    climatology of :func:`orbitqkd.io.climate.with_cloud_probability`); a
    ``cloud_source`` column says which applies.
    """
    if "cloud_free_probability" not in passes.columns:
        raise InputError("passes lack cloud_free_probability: apply the climatology first")
    out = passes.copy()
    p = out["cloud_free_probability"].to_numpy(float).copy()
    source = np.full(len(out), "climatology", dtype=object)
    for station, idx in out.groupby("station").indices.items():
        w = weather_cloud_free(weather, station, out["culmination_utc"].iloc[idx],
                               typical_year=typical_year)
        hit = np.isfinite(w)
        p[idx[hit]] = w[hit]
        source[idx[hit]] = "weather"
    check_range("cloud_free_probability", p, 0.0, 1.0)
    return out.assign(cloud_free_probability=p, cloud_source=source)
