"""Daily key-availability forecasts with cloud-cover uncertainty.

Clouds decide whether a scheduled pass yields key. A station's passes in one
night share the same sky, so the Monte Carlo draws one clear/cloudy outcome per
station and night (the local solar night, from noon to noon), with the
station's cloud-free line-of-sight probability for that night. Key totals per
station, per user pair and per day are then quantiles over the draws (P10,
P50, P90), with a fixed seed for reproducible forecasts.

References
----------
.. [1] Fuchs & Moll, "Ground station network optimization for space-to-ground
   optical communication links", J. Opt. Commun. Netw. 7, 1148 (2015): cloud-
   free line-of-sight statistics and station diversity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError, check_range
from .clouds import DEFAULT_CORRELATION_LENGTH_KM, correlated_clear_sky
from .relay import relay_draws
from .schedule import ScheduleConfig, schedule_passes

DEFAULT_QUANTILES = (0.1, 0.5, 0.9)


def night_index(time_utc, longitude_deg) -> np.ndarray:
    """Local solar night of each time, as whole days since 1970-01-01.

    The night that begins on local date D (local mean solar time = UTC +
    longitude / 15 h) runs from noon on D to noon on D + 1 and gets index D.

    >>> night_index(pd.to_datetime(["2016-12-19T16:50Z", "2016-12-19T03:50Z"]), 117.6).tolist()
    [17154, 17153]
    """
    t = pd.DatetimeIndex(pd.to_datetime(time_utc, utc=True))
    hours = (t.tz_convert("UTC").tz_localize(None) - pd.Timestamp("1970-01-01")) / pd.Timedelta(hours=1)
    local = np.asarray(hours, float) + np.asarray(longitude_deg, float) / 15.0 - 12.0
    return np.floor(local / 24.0).astype(np.int64)


def sample_clear_sky(group, p_clear, samples: int, seed: int = 0) -> np.ndarray:
    """Clear-sky outcomes, one draw per group shared by its members.

    Parameters
    ----------
    group : array_like (n,)
        Group label of each pass (e.g. station and night); members share a draw.
    p_clear : array_like (n,)
        Cloud-free probability of each pass [0-1]; a group uses its members' mean.
    samples : int
        Number of Monte Carlo draws.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same draws.

    Returns
    -------
    ndarray of bool, shape (samples, n)
    """
    check_range("samples", samples, 1, 1_000_000)
    p = np.asarray(p_clear, dtype=float)
    check_range("cloud_free_probability", p, 0.0, 1.0)
    codes, uniques = pd.factorize(pd.Series(list(group)) if np.ndim(group) else pd.Series(group))
    n_groups = len(uniques)
    p_group = np.bincount(codes, weights=p, minlength=n_groups) / np.maximum(
        np.bincount(codes, minlength=n_groups), 1)
    rng = np.random.default_rng(seed)
    clear = rng.random((samples, n_groups)) < p_group
    return clear[:, codes]


def quantile_bands(values, quantiles=DEFAULT_QUANTILES) -> dict:
    """Mean and quantiles over the first axis (the Monte Carlo draws).

    Returns a dict with ``expected`` and ``p10``/``p50``/``p90`` style keys
    (``p`` + the quantile in percent), each an array over the other axes.

    >>> b = quantile_bands(np.array([[0.0], [10.0], [20.0]]), (0.5,))
    >>> float(b["expected"][0]), float(b["p50"][0])
    (10.0, 10.0)
    """
    v = np.asarray(values, dtype=float)
    out = {"expected": v.mean(axis=0)}
    for q in quantiles:
        check_range("quantile", q, 0.0, 1.0)
        out[f"p{round(q * 100):d}"] = np.quantile(v, q, axis=0)
    return out


def _band_frame(values, keys: pd.DataFrame, unit: str, quantiles) -> pd.DataFrame:
    bands = quantile_bands(values, quantiles)
    out = keys.reset_index(drop=True).copy()
    for name, arr in bands.items():
        out[f"{name}_{unit}"] = arr
    return out


def _sum_by(values, labels: pd.DataFrame):
    """Sum the columns of ``values`` (samples, n) within groups of ``labels`` rows."""
    grouped = labels.reset_index(drop=True).groupby(list(labels.columns), sort=True)
    codes = grouped.ngroup().to_numpy()
    keys = grouped.size().reset_index()[list(labels.columns)]
    onehot = np.zeros((len(labels), len(keys)))
    onehot[np.arange(len(labels)), codes] = 1.0
    return values @ onehot, keys


def clear_sky_draws(passes: pd.DataFrame, stations, samples: int, seed: int = 0,
                    correlation_length_km: float = DEFAULT_CORRELATION_LENGTH_KM) -> np.ndarray:
    """Clear-sky outcome of each pass in each draw, shape (samples, passes).

    Passes of one station in one local night (:func:`night_index`) share a
    draw, with their mean ``cloud_free_probability``; stations d km apart are
    correlated by exp(-d / L) (:func:`~orbitqkd.network.clouds.correlated_clear_sky`;
    ``correlation_length_km`` 0: independent, :func:`sample_clear_sky`).
    ``passes`` needs ``station``, ``culmination_utc`` and
    ``cloud_free_probability``; ``stations`` are the GroundStation objects.
    """
    longitude = {s.name: s.longitude_deg for s in stations}
    culm = pd.to_datetime(passes["culmination_utc"], utc=True)
    night = night_index(culm, passes["station"].map(longitude).to_numpy(float))
    p_clear = passes["cloud_free_probability"].to_numpy(float)
    if correlation_length_km and len(passes):
        names = [s.name for s in stations]
        return correlated_clear_sky(
            passes["station"].map({n: k for k, n in enumerate(names)}).to_numpy(int), night,
            p_clear, [s.latitude_deg for s in stations], [s.longitude_deg for s in stations],
            samples, seed, correlation_length_km)
    return sample_clear_sky(passes["station"].astype(str) + ":" + pd.Series(night).astype(str),
                            p_clear, samples, seed)


def forecast_key(candidates: pd.DataFrame, stations, *, config=None, method: str = "milp",
                 fibre_links=(), demands=(), key_store_bits: float = np.inf,
                 samples: int = 500, relay_samples: int = 50, seed: int = 0,
                 quantiles=DEFAULT_QUANTILES, time_step_s: float = 600.0,
                 relay_objective: str = "weighted", ground_store_bits: float = np.inf,
                 start=None, days: float | None = None, progress: bool = False,
                 correlation_length_km: float = DEFAULT_CORRELATION_LENGTH_KM,
                 reuse_routes: bool = True, relay_threads: int | None = None):
    """Key per station and per user pair and day, with cloud-cover bands.

    Parameters
    ----------
    candidates : pandas.DataFrame
        Candidate passes with ``key_bits`` (:func:`orbitqkd.chain.candidate_passes`)
        and ``cloud_free_probability`` (:func:`with_cloud_probability`).
    stations : list of GroundStation
        For the stations' longitudes (local nights share one cloud draw) and
        positions (nearby stations share weather).
    config : orbitqkd.network.schedule.ScheduleConfig, optional
        Scheduler settings; the schedule maximises expected key (key x cloud-free probability).
    method : {'milp', 'greedy'}
    fibre_links, demands, key_store_bits, time_step_s, relay_objective, ground_store_bits :
        Trusted-relay network and its objective (:func:`orbitqkd.network.relay.relay_flow`);
        no demands, no pair table.
    samples : int
        Cloud draws for the station table.
    relay_samples : int
        Cloud draws (the first ones of the same stream) routed through the relay LP.
    seed : int
        Seed of the draws: a forecast is reproducible.
    start, days : optional
        The forecast span (UTC start, days): the pair table lists every UTC date
        of it. Default: the dates of the served passes.
    progress : bool
        Show a progress bar over the relay draws.
    correlation_length_km : float
        Cloud draws of stations d km apart are correlated by exp(-d / L)
        (:func:`orbitqkd.network.clouds.correlated_clear_sky`); 0: independent.
    reuse_routes : bool
        Route each distinct draw through the relay LP once: draws that clear
        the same passes deliver the same key, so the others reuse it (exact;
        with 8 served passes, 500 draws hold about 64 distinct ones). False
        solves every draw (for benchmarks).
    relay_threads : int, optional
        Threads routing draws at once
        (:func:`~orbitqkd.network.relay.relay_draws`); default one per core for
        32 distinct draws or more.

    Returns
    -------
    dict
        ``stations`` (per UTC date and station: served passes, mean cloud-free
        probability, ``expected_bits``, ``p10_bits``, ``p50_bits``,
        ``p90_bits``), ``pairs`` (per UTC date and demand, same bands, and for
        a demand with ``bits_per_day`` its ``demand_bits`` that day and
        ``p_demand_met``, the fraction of draws that deliver it),
        ``schedule`` (the :class:`~orbitqkd.network.schedule.ScheduleResult`).
    """
    check_range("relay_samples", relay_samples, 0, samples)
    for col in ("key_bits", "cloud_free_probability"):
        if col not in candidates:
            raise InputError(f"candidates lack column {col!r}; see candidate_passes and "
                             "with_cloud_probability")
    check_range("key_bits", candidates["key_bits"].to_numpy(float), 0.0)
    check_range("cloud_free_probability", candidates["cloud_free_probability"].to_numpy(float),
                0.0, 1.0)
    result = schedule_passes(candidates, config or ScheduleConfig(), method=method)
    served = result.served
    culm = pd.to_datetime(served["culmination_utc"], utc=True)
    clear = clear_sky_draws(served, stations, samples, seed, correlation_length_km)
    realised = clear * served["key_bits"].to_numpy(float)[None, :]
    labels = pd.DataFrame({"date": culm.dt.strftime("%Y-%m-%d"), "station": served["station"]})
    per_group, keys = _sum_by(realised, labels) if len(served) else (np.zeros((samples, 0)),
                                                                    labels)
    table = _band_frame(per_group, keys, "bits", quantiles)
    if len(served):
        extra = served.assign(date=labels["date"]).groupby(["date", "station"]).agg(
            served_passes=("key_bits", "size"),
            cloud_free_probability=("cloud_free_probability", "mean"))
        table = table.merge(extra.reset_index(), on=["date", "station"], how="left")
    pairs = pd.DataFrame()
    if len(demands) and relay_samples:
        t_start = None if start is None else pd.Timestamp(start)
        if t_start is not None:
            t_start = (t_start.tz_localize("UTC") if t_start.tzinfo is None
                       else t_start.tz_convert("UTC"))
        first = (t_start.normalize() if t_start is not None
                 else culm.min().normalize() if len(served) else None)
        if first is None:
            raise InputError("forecast of user pairs with no served pass needs the span: "
                             "give start and days")
        if days is not None and t_start is not None:
            end = t_start + pd.Timedelta(days=float(days))
            n_days = max(1, int(np.ceil((end - first) / pd.Timedelta(days=1) - 1e-9)))
        else:
            n_days = max(1, int(np.ceil((culm.max() - first) / pd.Timedelta(days=1)) + 1e-9))
        dates = [(first + pd.Timedelta(days=d)).strftime("%Y-%m-%d") for d in range(n_days)]
        names = [getattr(d, "name", str(d)) for d in demands]
        # every draw, every date of the span and every demand: a draw that delivers nothing
        # to a pair counts as 0 bits, never as a missing sample
        cells = pd.MultiIndex.from_product([dates, names], names=["date", "demand"])
        _, bits = relay_draws(served, realised[:relay_samples], fibre_links, demands,
                              key_store_bits=key_store_bits, start=first, days=n_days,
                              time_step_s=time_step_s, objective=relay_objective,
                              ground_store_bits=ground_store_bits, reuse=reuse_routes,
                              progress=progress, threads=relay_threads)
        wide = bits.reshape(relay_samples, -1)
        pairs = _band_frame(wide, cells.to_frame(index=False), "bits", quantiles)
        per_day = {getattr(d, "name", str(d)): getattr(d, "bits_per_day", None) for d in demands}
        need = np.array([per_day.get(n) or np.nan for _, n in cells], dtype=float)
        pairs["demand_bits"] = need
        with np.errstate(invalid="ignore"):
            pairs["p_demand_met"] = np.where(np.isfinite(need),
                                             (wide >= need[None, :] * (1 - 1e-9)).mean(axis=0),
                                             np.nan)
    return {"stations": table, "pairs": pairs, "schedule": result}


