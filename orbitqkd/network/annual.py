"""Key over months and years: per station and per user pair, with weather-year bands.

A design is judged over years of weather, not one forecast. Each weather
year is a draw of clear or cloudy skies per station and local night, with the
night's climatological cloud-free probability (one draw shared by the
night's passes, as :mod:`orbitqkd.network.forecast`); the served passes'
key summed per month and year gives, over the draws, the expected key and
its P10/P50/P90. User pairs route each draw's key through the trusted-relay
LP (:func:`~orbitqkd.network.relay.relay_draws`) window by window; the
fraction of days each pair's demand is met comes from the same draws.

References
----------
.. [1] Polnik et al., "Scheduling of space to ground quantum key
   distribution", EPJ Quantum Technol. 7, 3 (2020),
   doi:10.1140/epjqt/s40507-020-0079-6 (key to UK stations over six years
   of weather).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, check_range
from ..timescales import local_solar_hours
from .forecast import DEFAULT_QUANTILES, night_index, quantile_bands, sample_clear_sky
from .relay import relay_draws


def weather_years(served: pd.DataFrame, longitude_deg: dict, samples: int,
                  seed: int = 0) -> np.ndarray:
    """Key of each served pass in each weather draw [bit], shape (samples, passes).

    ``served`` needs ``station``, ``culmination_utc``, ``key_bits`` and
    ``cloud_free_probability``; passes of one station in one local night
    share a draw (:func:`~orbitqkd.network.forecast.sample_clear_sky`).
    """
    for col in ("station", "culmination_utc", "key_bits", "cloud_free_probability"):
        if col not in served.columns:
            raise InputError(f"served passes lack column {col!r}")
    culm = pd.to_datetime(served["culmination_utc"], utc=True)
    lon = served["station"].map(longitude_deg)
    if lon.isna().any():
        raise InputError(f"station = {served['station'][lon.isna()].iloc[0]!r} has no "
                         "longitude given")
    night = night_index(culm, lon.to_numpy(float))
    group = served["station"].astype(str).to_numpy() + ":" + night.astype(str)
    clear = sample_clear_sky(group, served["cloud_free_probability"].to_numpy(float), samples,
                             seed)
    return clear * served["key_bits"].to_numpy(float)[None, :]


def _bands(values: np.ndarray, keys: pd.DataFrame, quantiles) -> pd.DataFrame:
    out = keys.reset_index(drop=True).copy()
    for name, arr in quantile_bands(values, quantiles).items():
        out[f"{name}_bits"] = arr
    return out


def _group_sums(realised: np.ndarray, labels: pd.DataFrame):
    """Sum columns of ``realised`` (samples, n) within the groups of ``labels`` rows."""
    grouped = labels.reset_index(drop=True).groupby(list(labels.columns), sort=True)
    codes = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[list(labels.columns)]
    sums = np.zeros((realised.shape[0], len(keys)))
    for k in range(len(keys)):
        sums[:, k] = realised[:, codes == k].sum(axis=1)
    return sums, keys


def link_time_statistics(passes: pd.DataFrame, longitude_deg: dict, *,
                         local_hours: tuple[float, float] = (0.0, 24.0)) -> dict:
    """Passes and link time per station per month and over the span.

    The link time of a pass is its ``duration_s`` above the station's
    elevation floor (passes that never rise above it are not passes). A pass
    counts when the local mean solar time of its culmination lies in
    ``[local_hours[0], local_hours[1])`` [h] (a window across midnight, e.g.
    (22, 4), wraps). This is the yearly "total link time" of mission studies,
    e.g. Neumann et al., EPJ Quantum Technol. 5, 4 (2018), Fig. 7: passes
    above 30 deg between 0 and 6 h over La Palma.

    Returns
    -------
    dict
        ``monthly`` (``station``, ``month`` 'YYYY-MM', ``passes``,
        ``link_time_s``, ``mean_pass_s``) and ``total`` (per station over the
        span, plus a row ``'all'`` for the network).
    """
    lo, hi = (float(h) for h in local_hours)
    check_range("local_hours[0]", lo, 0.0, 24.0, high_inclusive=False)
    check_range("local_hours[1]", hi, 0.0, 24.0, low_inclusive=False)
    for col in ("station", "culmination_utc", "duration_s"):
        if col not in passes.columns:
            raise InputError(f"passes lack column {col!r}")
    lon = passes["station"].map(longitude_deg)
    if lon.isna().any():
        raise InputError(f"station = {passes['station'][lon.isna()].iloc[0]!r} has no "
                         "longitude given")
    culm = pd.to_datetime(passes["culmination_utc"], utc=True)
    hour = local_solar_hours(culm, lon.to_numpy(float))
    inside = (hour >= lo) & (hour < hi) if lo < hi else (hour >= lo) | (hour < hi)
    table = pd.DataFrame({"station": passes["station"].astype(str).to_numpy()[inside],
                          "month": culm.dt.strftime("%Y-%m").to_numpy()[inside],
                          "link_time_s": passes["duration_s"].to_numpy(float)[inside]})

    def per(keys):
        out = table.groupby(keys, sort=True)["link_time_s"].agg(["size", "sum"]).reset_index()
        out = out.rename(columns={"size": "passes", "sum": "link_time_s"})
        out["mean_pass_s"] = out["link_time_s"] / out["passes"]
        return out

    total = per(["station"])
    if len(total):
        n, t = int(total["passes"].sum()), float(total["link_time_s"].sum())
        total.loc[len(total)] = {"station": "all", "passes": n, "link_time_s": t,
                                 "mean_pass_s": t / n}
    return {"monthly": per(["station", "month"]), "total": total}


def station_key_statistics(served: pd.DataFrame, longitude_deg: dict, *, samples: int = 200,
                           seed: int = 0, quantiles=DEFAULT_QUANTILES) -> dict:
    """Key per station per month and over the whole span, over weather draws.

    Parameters
    ----------
    served : DataFrame
        Served passes (``station``, ``culmination_utc``, ``key_bits``,
        ``cloud_free_probability``).
    longitude_deg : dict
        Station name -> longitude [deg] (local nights).
    samples, seed :
        Weather draws and their seed.

    Returns
    -------
    dict
        ``monthly`` (``station``, ``month`` 'YYYY-MM', ``expected_bits``,
        ``p10_bits`` ...) and ``total`` (per station over the span, plus a
        row ``'all'`` for the network), both with bands over the draws.
    """
    check_range("samples", samples, 1, 100_000)
    if served.empty:
        empty = pd.DataFrame(columns=["station", "month", "expected_bits"])
        return {"monthly": empty, "total": empty.drop(columns="month")}
    realised = weather_years(served, longitude_deg, samples, seed)
    culm = pd.to_datetime(served["culmination_utc"], utc=True)
    month = culm.dt.strftime("%Y-%m").to_numpy()
    labels = pd.DataFrame({"station": served["station"].astype(str).to_numpy(), "month": month})
    monthly, keys = _group_sums(realised, labels)
    per_station, skeys = _group_sums(realised, labels[["station"]])
    total = _bands(np.column_stack([per_station, realised.sum(axis=1)]),
                   pd.concat([skeys, pd.DataFrame({"station": ["all"]})], ignore_index=True),
                   quantiles)
    return {"monthly": _bands(monthly, keys, quantiles), "total": total}


def pair_key_statistics(served: pd.DataFrame, longitude_deg: dict, demands, start, days: float,
                        *, fibre_links=(), key_store_bits=np.inf, samples: int = 5,
                        seed: int = 0, window_days: float = 30.0, time_step_s: float = 600.0,
                        objective: str = "weighted", ground_store_bits=np.inf,
                        isl_contacts: pd.DataFrame | None = None,
                        quantiles=DEFAULT_QUANTILES) -> dict:
    """Key per user pair per month and over the span, and the fraction of days demand is met.

    Each of ``samples`` weather draws (the first draws of
    :func:`station_key_statistics` with the same seed) is routed through
    :func:`~orbitqkd.network.relay.relay_draws` in windows of ``window_days``
    (key left in stores at a window's end is not carried into the next:
    a slight underestimate, bounded by one window's stores).

    Returns
    -------
    dict
        ``daily`` (draw, date, demand, bits), ``monthly`` and ``total``
        (bands over the draws per demand), ``days_met`` (per demand with a
        ``bits_per_day``: expected fraction of days met and its P10/P90 over
        the draws).
    """
    check_range("samples", samples, 1, 10_000)
    check_range("window_days", window_days, 0.01, 3660.0)
    t0 = pd.Timestamp(start)
    t0 = t0.tz_localize("UTC") if t0.tzinfo is None else t0
    realised = weather_years(served, longitude_deg, samples, seed) if len(served) else \
        np.zeros((samples, 0))
    culm = pd.to_datetime(served["culmination_utc"], utc=True) if len(served) else None
    isl_t = (pd.to_datetime(isl_contacts["culmination_utc"], utc=True)
             if isl_contacts is not None and len(isl_contacts) else None)
    edges = np.arange(0.0, days, window_days).tolist() + [float(days)]
    names = [d.name for d in demands]
    dates = pd.date_range(t0.floor("D"), t0 + pd.Timedelta(days=days) - pd.Timedelta(
        seconds=1), freq="D")
    grid = pd.MultiIndex.from_product([range(samples), dates, names],
                                      names=["sample", "date", "demand"])
    cube = np.zeros((samples, len(dates), len(names)))
    for a, b in zip(edges[:-1], edges[1:]):
        w0, w1 = t0 + pd.Timedelta(days=a), t0 + pd.Timedelta(days=b)
        inside = ((culm >= w0) & (culm < w1)).to_numpy() if len(served) else \
            np.zeros(0, bool)
        isl = isl_contacts[(isl_t >= w0) & (isl_t < w1)] if isl_t is not None else None
        window_dates, bits = relay_draws(
            served[inside], realised[:, inside], fibre_links, demands,
            key_store_bits=key_store_bits, start=w0, days=b - a, time_step_s=time_step_s,
            objective=objective, ground_store_bits=ground_store_bits, isl_contacts=isl)
        first = (window_dates[0] - dates[0]).days
        cube[:, first:first + len(window_dates), :] += bits
    months = dates.strftime("%Y-%m")
    month_keys = pd.unique(months)
    monthly = np.stack([cube[:, months == m, :].sum(axis=1) for m in month_keys], axis=1)
    mk = pd.DataFrame([(m, n) for m in month_keys for n in names], columns=["month", "demand"])
    out = {
        "daily": pd.DataFrame({"sample": grid.get_level_values(0),
                               "date": grid.get_level_values(1).strftime("%Y-%m-%d"),
                               "demand": grid.get_level_values(2), "bits": cube.ravel()}),
        "monthly": _bands(monthly.reshape(samples, -1), mk, quantiles),
        "total": _bands(cube.sum(axis=1), pd.DataFrame({"demand": names}), quantiles),
    }
    met_rows = []
    for c, d in enumerate(demands):
        if d.bits_per_day is None:
            continue
        frac = (cube[:, :, c] >= d.bits_per_day * (1.0 - 1e-6)).mean(axis=1)
        met_rows.append({"demand": d.name, "bits_per_day": d.bits_per_day,
                         "expected_days_met": float(frac.mean()),
                         "p10_days_met": float(np.quantile(frac, 0.1)),
                         "p90_days_met": float(np.quantile(frac, 0.9))})
    out["days_met"] = pd.DataFrame(met_rows, columns=["demand", "bits_per_day",
                                                      "expected_days_met", "p10_days_met",
                                                      "p90_days_met"])
    return out

