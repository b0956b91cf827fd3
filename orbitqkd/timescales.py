"""Time handling: one offline Skyfield timescale and UTC parsing at the boundary."""

from __future__ import annotations

import datetime as _dt
import functools

import numpy as np
import pandas as pd
from skyfield.api import load

from .constants import DAY_S
from .errors import InputError


@functools.lru_cache(maxsize=1)
def timescale():
    """Return Skyfield's timescale built from its bundled files (never downloads)."""
    return load.timescale(builtin=True)


#: Words a time field accepts besides ISO 8601: days after 0h UTC today
RELATIVE_DAYS = {"today": 0, "tomorrow": 1}


def parse_utc(value, field: str = "start") -> pd.Timestamp:
    """Parse an ISO 8601 string, datetime or Timestamp as a tz-aware UTC Timestamp.

    ``"today"`` and ``"tomorrow"`` are 0h UTC of that day (by the machine's
    clock), ``"now"`` the current time: what a daily forecast run from cron asks.

    >>> parse_utc("2016-12-19T15:00")
    Timestamp('2016-12-19 15:00:00+0000', tz='UTC')
    """
    word = value.strip().lower() if isinstance(value, str) else None
    if word in RELATIVE_DAYS:
        return pd.Timestamp.now(tz="UTC").floor("D") + pd.Timedelta(days=RELATIVE_DAYS[word])
    if word == "now":
        return pd.Timestamp.now(tz="UTC")
    if isinstance(value, pd.Timestamp):
        ts = value
    else:
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError):
            ts = pd.NaT
    if ts is pd.NaT or pd.isna(ts):
        raise InputError(
            f"{field} = {value!r} is not a UTC time; use ISO 8601 such as 2016-12-19T15:00:00, "
            "or today, tomorrow (0h UTC) or now"
        )
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def check_span(start, end, start_field: str = "start", end_field: str = "end"):
    """Parse ``start`` and ``end`` and raise unless ``end`` is after ``start``."""
    t0, t1 = parse_utc(start, start_field), parse_utc(end, end_field)
    if t1 <= t0:
        raise InputError(
            f"{end_field} = {t1.isoformat()} is not after {start_field} = {t0.isoformat()}"
        )
    return t0, t1


def utc_seconds_grid(start: pd.Timestamp, end: pd.Timestamp, step_s: float) -> np.ndarray:
    """Seconds after ``start`` from 0 to (and including) the span, ``step_s`` apart."""
    span_s = (end - start).total_seconds()
    n = int(np.floor(span_s / step_s + 1e-9))
    grid = np.arange(n + 1) * float(step_s)
    if grid[-1] < span_s - 1e-6:
        grid = np.append(grid, span_s)
    return grid


def skyfield_times(start: pd.Timestamp, seconds) -> "object":
    """Skyfield ``Time`` array at ``start`` + ``seconds`` (UTC)."""
    ts = timescale()
    s = np.asarray(seconds, dtype=float)
    return ts.utc(start.year, start.month, start.day, start.hour, start.minute,
                  start.second + start.microsecond * 1e-6 + s)


def timestamps(start: pd.Timestamp, seconds) -> pd.DatetimeIndex:
    """UTC timestamps at ``start`` + ``seconds``, rounded to the microsecond."""
    s = np.asarray(seconds, dtype=float)
    return pd.DatetimeIndex(start + pd.to_timedelta(np.round(s * 1e6), unit="us"))


def jd_utc_split(start: pd.Timestamp, seconds):
    """Julian date (UTC) of ``start`` + ``seconds`` as (whole, fraction) for SGP4."""
    t0 = start.tz_convert("UTC").tz_localize(None)
    midnight = t0.normalize()
    # JD of 0h UTC on the start date: 2000-01-01T00:00 is JD 2451544.5
    whole = 2451544.5 + (midnight - pd.Timestamp("2000-01-01")).days
    frac = (t0 - midnight).total_seconds() / DAY_S + np.asarray(seconds, dtype=float) / DAY_S
    return np.full(np.shape(frac), whole), frac


def as_datetime(value) -> _dt.datetime:
    """Return a timezone-aware UTC ``datetime``."""
    return parse_utc(value).to_pydatetime()


def local_solar_hours(time_utc, longitude_deg) -> np.ndarray:
    """Local mean solar time of day [h, 0-24): UTC + longitude / 15 h.

    >>> local_solar_hours(pd.to_datetime(["2018-06-01T01:30Z"]), -17.9).round(3).tolist()
    [0.307]
    """
    t = pd.DatetimeIndex(pd.to_datetime(time_utc, utc=True))
    hours = (t.hour + t.minute / 60.0 + (t.second + t.microsecond / 1e6) / 3600.0).to_numpy(float)
    return (hours + np.asarray(longitude_deg, float) / 15.0) % 24.0
