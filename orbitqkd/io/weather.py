"""Weather in: hourly cloud series per station, from a forecast, a reanalysis or a typical year.

A weather file is a CSV with one row per station and hour: ``station``,
``time_utc`` (ISO 8601) and either ``cloud_free_probability`` [0-1] or
``opaque_cloud_tenths`` [0-10] (the TMY convention; the cloud-free probability
of a line of sight is then taken as 1 - opaque fraction). Optional
``latitude_deg``/``longitude_deg`` columns are kept for reference.

A *gridded* file (NetCDF, read through xarray: ``pip install 'orbitqkd[weather]'``)
holds a cloud field on a latitude-longitude grid over time, e.g. ERA5 total
cloud cover (``tcc``, 0-1; Hersbach et al., QJRMS 146, 1999 (2020)) or a
forecast's: each station takes the series of its nearest grid point
(:func:`read_weather_grid`).

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
#: Suffixes read as gridded NetCDF
GRID_SUFFIXES = (".nc", ".nc4", ".netcdf")
#: Variables of a gridded file: cloud-free probability [0-1], or cloud cover fraction [0-1]
GRID_CLOUD_FREE = ("cloud_free_probability",)
GRID_CLOUD_COVER = ("tcc", "total_cloud_cover", "cloud_cover")
#: Spacing of the ERA5 single-level grid [deg] (Hersbach et al. 2020)
ERA5_GRID_DEG = 0.25
_GRID_COORDS = {"latitude": ("latitude", "lat"), "longitude": ("longitude", "lon"),
                "time": ("time", "valid_time")}


def read_weather(path: str | os.PathLike, stations=None) -> pd.DataFrame:
    """Read an hourly cloud file into ``station``, ``time_utc``, ``cloud_free_probability``.

    A CSV per station, or a gridded NetCDF (``.nc``), which needs the
    ``stations`` (:class:`~orbitqkd.GroundStation`) to sample: see
    :func:`read_weather_grid`. Every bad field is one error naming the file,
    the line and the value.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"weather file = '{path}' does not exist")
    if path.suffix.lower() in GRID_SUFFIXES:
        if stations is None:
            raise InputError(f"weather file = '{path.name}' is gridded: give the stations to "
                             "sample it at")
        return read_weather_grid(path, stations)
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


def _grid_name(ds, names, what: str, path: Path) -> str:
    """The first of ``names`` that ``ds`` has, or one error naming what is allowed."""
    for name in names:
        if name in ds.variables:
            return name
    raise InputError(f"weather file = '{path.name}' has no {what} ({' or '.join(names)})")


def read_weather_grid(path: str | os.PathLike, stations) -> pd.DataFrame:
    """Cloud-free probability at each station from a gridded NetCDF cloud field.

    The field is ``cloud_free_probability`` or a cloud cover fraction
    (``tcc`` as ERA5 names it, ``total_cloud_cover`` or ``cloud_cover``; the
    cloud-free probability of a line of sight is then 1 - cover, as for the
    TMY opaque cover) over ``time`` (or ERA5's ``valid_time``), ``latitude``
    and ``longitude`` (or ``lat``/``lon``; 0-360 or -180-180). Each station
    takes its nearest grid point, which must lie within one grid spacing;
    (a grid of one row or column: within 0.25 deg, ERA5's spacing);
    dimensions of length 1 besides these (ERA5's ``number``, ``expver``) are
    dropped.

    Returns the table of :func:`read_weather`, with the grid point's
    ``latitude_deg``/``longitude_deg``.
    """
    path = Path(path)
    try:
        import xarray as xr  # optional: the 'weather' extra
    except ImportError:
        raise InputError(f"weather file = '{path.name}' is NetCDF, which needs xarray: "
                         "python -m pip install 'orbitqkd[weather]'") from None
    try:
        ds = xr.open_dataset(path)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"weather file = '{path.name}' is not a NetCDF file xarray can read "
                         f"({type(exc).__name__})") from None
    with ds:
        lat, lon, time = (_grid_name(ds, _GRID_COORDS[k], f"{k} coordinate", path)
                          for k in ("latitude", "longitude", "time"))
        var = _grid_name(ds, GRID_CLOUD_FREE + GRID_CLOUD_COVER, "cloud variable", path)
        field = ds[var]
        field = field.isel({d: 0 for d in field.dims if d not in (lat, lon, time)
                            and field.sizes[d] == 1})
        if set(field.dims) != {lat, lon, time}:
            raise InputError(f"weather file = '{path.name}': {var} has dimensions "
                             f"{tuple(field.dims)}; allowed ({time}, {lat}, {lon})")
        lats, lons = (np.asarray(ds[c].to_numpy(), dtype=float) for c in (lat, lon))
        times = pd.DatetimeIndex(pd.to_datetime(ds[time].to_numpy())).tz_localize("UTC")
        # a grid of one row or column: ERA5's 0.25 deg spacing
        step_lat = np.abs(np.diff(lats)).max() if len(lats) > 1 else ERA5_GRID_DEG
        step_lon = np.abs(np.diff(lons)).max() if len(lons) > 1 else ERA5_GRID_DEG
        east = lons.max() > 180.0
        frames = []
        for st in stations:
            want = st.longitude_deg % 360.0 if east else st.longitude_deg
            i = int(np.argmin(np.abs(lats - st.latitude_deg)))
            j = int(np.argmin(np.abs(lons - want)))
            if abs(lats[i] - st.latitude_deg) > step_lat or abs(lons[j] - want) > step_lon:
                raise InputError(
                    f"station {st.name!r} ({st.latitude_deg:g}, {st.longitude_deg:g}) lies "
                    f"outside the grid of '{path.name}' (latitude {lats.min():g} to "
                    f"{lats.max():g}, longitude {lons.min():g} to {lons.max():g})")
            values = field.isel({lat: i, lon: j}).transpose(time).to_numpy().astype(float)
            p = values if var in GRID_CLOUD_FREE else 1.0 - values
            frames.append(pd.DataFrame({"station": st.name, "time_utc": times,
                                        "cloud_free_probability": p,
                                        "latitude_deg": lats[i], "longitude_deg": lons[j]}))
    table = pd.concat(frames, ignore_index=True)
    p = table["cloud_free_probability"].to_numpy(float)
    bad = np.isfinite(p) & ((p < 0) | (p > 1))
    if bad.any():
        raise InputError(f"weather file = '{path.name}': {var} = "
                         f"{(p[bad][0] if var in GRID_CLOUD_FREE else 1 - p[bad][0]):g} "
                         "is outside 0-1 (a cover in percent must be divided by 100)")
    return table[np.isfinite(p)].reset_index(drop=True)


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
