"""Cloud draws that are correlated between nearby stations.

Stations 150 km apart share most of their weather; independent draws overstate
how often one of them is clear. Each Monte Carlo draw here gives every station
a standard normal variable, correlated between stations i and j by

.. math:: \\rho_{ij} = \\exp(-d_{ij} / L)

(an exponential spatial correlation of cloud cover with the great-circle
distance d and a correlation length L; cloud-cover correlations of this form
fall to 1/e over a few hundred km, e.g. Fuchs & Moll, J. Opt. Commun. Netw. 7,
1148 (2015), Sec. 3; default L = 300 km, ASSUMED), and a station is clear when
its variable falls below the normal quantile of its cloud-free probability
(a Gaussian copula: each station keeps its own probability exactly).
Draws are made per night (all of a station's passes in one local night share
a sky), with nights independent.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from ..constants import EARTH_MEAN_RADIUS_KM
from ..errors import check_range

DEFAULT_CORRELATION_LENGTH_KM = 300.0


def great_circle_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Great-circle distance [km] on a sphere of the mean Earth radius (haversine)."""
    p1, p2 = np.radians(lat1_deg), np.radians(lat2_deg)
    dlat, dlon = p2 - p1, np.radians(np.asarray(lon2_deg) - np.asarray(lon1_deg))
    h = np.sin(dlat / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlon / 2) ** 2
    return 2.0 * EARTH_MEAN_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def station_correlation(latitude_deg, longitude_deg,
                        correlation_length_km: float = DEFAULT_CORRELATION_LENGTH_KM):
    """Correlation matrix exp(-d / L) of the stations' cloud variables."""
    check_range("correlation_length_km", correlation_length_km, 0.0)
    lat = np.asarray(latitude_deg, float)
    lon = np.asarray(longitude_deg, float)
    d = great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    if correlation_length_km == 0:
        return np.eye(lat.size)
    return np.exp(-d / correlation_length_km)


def correlated_clear_sky(station_index, night, p_clear, latitude_deg, longitude_deg,
                         samples: int, seed: int = 0,
                         correlation_length_km: float = DEFAULT_CORRELATION_LENGTH_KM):
    """Clear-sky outcomes of passes, correlated between stations within a night.

    Parameters
    ----------
    station_index : array_like of int (n,)
        Each pass's station, an index into ``latitude_deg``/``longitude_deg``.
    night : array_like of int (n,)
        Each pass's night (e.g. :func:`orbitqkd.network.forecast.night_index`);
        passes of one station in one night share a draw.
    p_clear : array_like (n,)
        Cloud-free probability of each pass [0-1]; a (station, night) group uses
        its members' mean.
    latitude_deg, longitude_deg : array_like (m,)
        The stations' coordinates.
    samples, seed : int
        Monte Carlo draws and the seed of ``numpy.random.default_rng``.
    correlation_length_km : float
        L of the correlation exp(-d / L); 0 makes stations independent.

    Returns
    -------
    ndarray of bool, shape (samples, n)
    """
    check_range("samples", samples, 1, 1_000_000)
    sta = np.asarray(station_index, int)
    nights = np.asarray(night)
    p = np.asarray(p_clear, float)
    check_range("cloud_free_probability", p, 0.0, 1.0)
    corr = station_correlation(latitude_deg, longitude_deg, correlation_length_km)
    chol = np.linalg.cholesky(corr + 1e-12 * np.eye(len(corr)))
    rng = np.random.default_rng(seed)
    uniq_nights, night_code = np.unique(nights, return_inverse=True)
    # one correlated normal vector over the stations per (draw, night)
    z = rng.standard_normal((samples, uniq_nights.size, len(corr))) @ chol.T
    group = night_code * len(corr) + sta
    codes, inverse = np.unique(group, return_inverse=True)
    p_group = np.bincount(inverse, weights=p) / np.bincount(inverse)
    threshold = ndtri(np.clip(p_group, 1e-300, 1.0))  # clear when z < Phi^-1(p)
    z_group = z.reshape(samples, -1)[:, codes]
    clear = z_group < threshold
    return clear[:, inverse]
