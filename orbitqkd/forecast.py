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

from .errors import check_range

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
