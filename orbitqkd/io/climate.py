"""Cloud climatology: the chance of a cloud-free line of sight at a station at night.

The bundled table ``data/climate/cloud_free_monthly.csv`` gives twelve monthly
night-time cloud-free line-of-sight probabilities for every bundled station
(see ``data/climate/README.md``: every value is an estimate, and says what it
rests on). A user CSV with the same columns can be layered on top, with an
optional ``date`` column for daily forecasts that override the monthly value.

References
----------
.. [1] C. Fuchs and F. Moll, "Ground station network optimization for
   space-to-ground optical communication links", J. Opt. Commun. Netw. 7(12),
   1148-1159 (2015), doi:10.1364/JOCN.7.001148 (cloud-free line-of-sight
   probability as the availability of an optical ground station).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import data_path
from ..errors import DataFileError, InputError, UnknownNameError, check_range
from .tables import read_text_file

CLIMATE_COLUMNS = ("station", "month", "cloud_free_probability")
BUNDLED_CLIMATOLOGY = ("climate", "cloud_free_monthly.csv")


def read_climatology(path: str | os.PathLike) -> pd.DataFrame:
    """Read and check a climatology / forecast CSV.

    Parameters
    ----------
    path : str or path
        CSV with columns ``station``, ``month`` (1-12),
        ``cloud_free_probability`` (0-1), and optionally ``date``
        (``YYYY-MM-DD``; the row is then a daily forecast) and ``source``.

    Returns
    -------
    DataFrame
        The rows, ``month`` as int, ``date`` as ``datetime64`` (NaT for
        monthly rows), and ``line``, the row's line number in the file.

    Raises
    ------
    InputError
        Naming the file and line of the first bad value.
    """
    path = Path(path)
    read_text_file(path, "climate")  # one line if the file is not UTF-8 text
    try:
        df = pd.read_csv(path, dtype={"station": str}, keep_default_na=False, na_values=[""])
    except FileNotFoundError:
        raise DataFileError(f"climatology file '{path}' does not exist") from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{path.name}: cannot read as CSV ({str(exc).splitlines()[0]})") from None
    df = df.copy()
    if "month" not in df.columns and "date" in df.columns:  # daily forecasts: month from date
        dates = pd.to_datetime(df["date"].astype(str), errors="coerce", format="%Y-%m-%d")
        bad = dates.isna()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{path.name} line {i + 2}: date = {df['date'].iloc[i]!r} is not a "
                             "date; use YYYY-MM-DD (or give a month column for monthly values)")
        df["month"] = dates.dt.month
    missing = [c for c in CLIMATE_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path.name}: missing columns {', '.join(missing)}; need station, "
                         "cloud_free_probability and month (1-12) or date (YYYY-MM-DD)")
    df["line"] = np.arange(len(df)) + 2  # line 1 is the header
    for row in df.itertuples(index=False):
        where = f"{path.name} line {row.line}"
        if not isinstance(row.station, str) or not row.station.strip():
            raise InputError(f"{where}: station is empty")
        month = pd.to_numeric(pd.Series([row.month]), errors="coerce").iloc[0]
        if not (np.isfinite(month) and month == int(month) and 1 <= month <= 12):
            raise InputError(f"{where}: month = {row.month!r} is outside the range 1 <= month <= 12")
        p = pd.to_numeric(pd.Series([row.cloud_free_probability]), errors="coerce").iloc[0]
        if not (np.isfinite(p) and 0.0 <= p <= 1.0):
            raise InputError(f"{where}: cloud_free_probability = {row.cloud_free_probability!r} "
                             f"is outside the range 0 <= cloud_free_probability <= 1")
    df["station"] = df["station"].str.strip()
    df["month"] = pd.to_numeric(df["month"]).astype(int)
    df["cloud_free_probability"] = pd.to_numeric(df["cloud_free_probability"]).astype(float)
    if "date" in df.columns:
        dates = pd.to_datetime(df["date"], errors="coerce", format="%Y-%m-%d")
        bad = dates.isna() & df["date"].notna()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(f"{path.name} line {i + 2}: date = {df['date'].iloc[i]!r} is not a "
                             f"date; use YYYY-MM-DD or leave it empty for a monthly value")
        wrong = dates.notna() & (dates.dt.month != df["month"])
        if wrong.any():
            i = int(np.flatnonzero(wrong)[0])
            raise InputError(f"{path.name} line {i + 2}: month = {df['month'].iloc[i]} does not "
                             f"match date = {df['date'].iloc[i]}")
        df["date"] = dates
    else:
        df["date"] = pd.NaT
    monthly = df[df["date"].isna()]
    dup = monthly.duplicated(["station", "month"])
    if dup.any():
        r = monthly[dup].iloc[0]
        raise InputError(f"{path.name} line {r.line}: a second monthly value for "
                         f"{r.station} month {r.month}")
    return df


@functools.lru_cache(maxsize=1)
def bundled_climatology() -> pd.DataFrame:
    """The bundled monthly climatology (``data/climate/cloud_free_monthly.csv``)."""
    return read_climatology(data_path(*BUNDLED_CLIMATOLOGY))


@functools.lru_cache(maxsize=8)
def _layered(source_key):
    base = bundled_climatology()
    if source_key is None:
        return _Tables(base)
    return _Tables(pd.concat([base, read_climatology(source_key[0])], ignore_index=True))


class _Tables:
    """Monthly table (station x 12, later rows win) and daily forecasts by (station, date)."""

    def __init__(self, df: pd.DataFrame):
        monthly = df[df["date"].isna()].drop_duplicates(["station", "month"], keep="last")
        self.monthly: dict[str, np.ndarray] = {}
        for station, rows in monthly.groupby("station", sort=False):
            table = np.full(12, np.nan)
            table[rows["month"].to_numpy() - 1] = rows["cloud_free_probability"].to_numpy()
            self.monthly[station] = table
        daily = df[df["date"].notna()].drop_duplicates(["station", "date"], keep="last")
        self.daily = {st: pd.Series(rows["cloud_free_probability"].to_numpy(),
                                    index=pd.DatetimeIndex(rows["date"]).normalize())
                      for st, rows in daily.groupby("station", sort=False)}

    def names(self):
        return list(dict.fromkeys([*self.monthly, *self.daily]))


def _resolve_station(tables: _Tables, station_name) -> str:
    name = getattr(station_name, "name", station_name)  # a GroundStation works too
    known = tables.names()
    if name in known:
        return name
    folded = {k.casefold(): k for k in known}
    if isinstance(name, str) and name.casefold() in folded:
        return folded[name.casefold()]
    raise UnknownNameError(f"station = {name!r} has no cloud climatology; known stations: "
                           f"{', '.join(known)}")


def cloud_free_probability(station_name, month=None, *, date=None, source=None):
    """Night-time cloud-free line-of-sight probability at a station.

    Parameters
    ----------
    station_name : str or GroundStation
        Station name (case-insensitive) in the climatology.
    month : int or array_like of int, optional
        Month(s), 1-12. Give ``month`` or ``date``.
    date : str, datetime or array_like, optional
        UTC date(s). A daily forecast row for the station and date (from
        ``source``) wins; otherwise the monthly value of the date's month.
    source : str or path, optional
        A user CSV (see :func:`read_climatology`) layered over the bundled
        climatology: its monthly rows replace the bundled ones, its dated rows
        are daily forecasts.

    Returns
    -------
    float or ndarray
        Probability in [0, 1]; a scalar for scalar input, else the shape of
        ``month`` / ``date``.

    Examples
    --------
    >>> p = cloud_free_probability("Tenerife", [1, 7])
    >>> bool(p[1] > p[0])
    True
    >>> 0.0 <= cloud_free_probability("Graz", date="2026-03-19") <= 1.0
    True
    """
    if (month is None) == (date is None):
        raise InputError("give exactly one of month or date")
    key = None
    if source is not None:
        path = Path(source).resolve()
        if not path.is_file():
            raise DataFileError(f"climatology file '{source}' does not exist")
        key = (str(path), path.stat().st_mtime_ns)  # a rewritten file is read again
    tables = _layered(key)
    name = _resolve_station(tables, station_name)
    table = tables.monthly.get(name)
    if date is not None:
        scalar = np.ndim(date) == 0
        try:
            days = pd.DatetimeIndex(pd.to_datetime(np.atleast_1d(date), utc=True, format="ISO8601")).tz_localize(None).normalize()
        except (ValueError, TypeError):
            raise InputError(f"date = {date!r} is not a date; use ISO 8601 such as 2026-03-19") from None
        months = days.month.to_numpy()
    else:
        scalar = np.ndim(month) == 0
        months = np.atleast_1d(np.asarray(month))
        check_range("month", months, 1, 12)
        if not np.all(months == np.round(months)):
            bad = months[months != np.round(months)][0]
            raise InputError(f"month = {bad:g} is not a whole month number 1-12")
        months = months.astype(int)
    out = np.full(months.shape, np.nan) if table is None else table[months - 1]
    if date is not None and name in tables.daily:
        forecast = tables.daily[name].reindex(days).to_numpy()
        out = np.where(np.isnan(forecast), out, forecast)
    if np.isnan(out).any():
        m = int(months.ravel()[np.flatnonzero(np.isnan(out.ravel()))[0]])
        raise InputError(f"station = {name!r} has no cloud-free probability for month {m}")
    out = out.reshape(np.shape(month if date is None else date)) if not scalar else out
    return float(out[0]) if scalar else out


def with_cloud_probability(passes: pd.DataFrame, source=None, default: float | None = None,
                           overrides=None) -> pd.DataFrame:
    """Add ``cloud_free_probability`` to each pass from the climatology.

    The value is the station's for the UTC date of culmination: a daily
    forecast row of ``source`` if there is one, else the monthly climatology
    (:func:`orbitqkd.io.climate.cloud_free_probability`). ``overrides`` (station
    -> probability) wins over both; stations missing from the climatology take
    ``default`` when given, else raise.
    """

    out = passes.copy()
    p = np.full(len(out), np.nan)
    overrides = dict(overrides or {})
    dates = pd.to_datetime(out["culmination_utc"], utc=True).dt.strftime("%Y-%m-%d")
    for station, rows in out.groupby("station").groups.items():
        idx = out.index.get_indexer(rows)
        if station in overrides:
            p[idx] = float(overrides[station])
            continue
        try:
            p[idx] = cloud_free_probability(station, date=list(dates.iloc[idx]), source=source)
        except UnknownNameError:
            if default is None:
                raise
            p[idx] = default
    out["cloud_free_probability"] = p
    return out
