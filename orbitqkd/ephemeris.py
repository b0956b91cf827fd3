"""Sun and Moon positions, offline, for darkness and sky-background models.

Geocentric positions come from ERFA's built-in ephemerides, the same that
astropy's ``solar_system_ephemeris.set('builtin')`` uses: ``epv00`` for the
Earth (so the Sun) and ``moon98`` for the Moon. They are rotated to the
Earth-fixed frame with Skyfield's ITRS rotation on a 5-minute grid and
interpolated (added error below 0.005 deg). Aberration and light time are
neglected (< 0.006 deg for the Sun), well inside what darkness and background
models need.

References
----------
.. [1] Bretagnon & Francou 1988, A&A 202, 309 (VSOP87), via ERFA ``epv00``.
.. [2] Meeus, *Astronomical Algorithms*, 2nd ed. (1998), ch. 47, via ERFA ``moon98``.
.. [3] Meeus (1998), Eq. 48.1: illuminated fraction k = (1 + cos i) / 2.
"""

from __future__ import annotations

import erfa
import numpy as np
import pandas as pd
from skyfield.framelib import itrs

from .constants import DAY_S
from .timescales import skyfield_times

AU_KM = 149_597_870.700  # IAU 2012 Resolution B2
_GRID_S = 300.0


def _sun_moon_grid(start: pd.Timestamp, seconds: np.ndarray):
    t = skyfield_times(start, seconds)
    tt1, tt2 = t.whole, t.tt_fraction
    pvh, _ = erfa.epv00(tt1, tt2)
    sun_gcrs = -pvh['p'] * AU_KM
    moon_gcrs = erfa.moon98(tt1, tt2)['p'] * AU_KM
    rot = itrs.rotation_at(t)  # (3, 3, K)
    sun = np.einsum("ijk,kj->ki", rot, sun_gcrs)
    moon = np.einsum("ijk,kj->ki", rot, moon_gcrs)
    return sun, moon


def sun_moon_ecef_km(start: pd.Timestamp, seconds):
    """Earth-fixed geocentric positions of the Sun and Moon [km], each shape (K, 3).

    Parameters
    ----------
    start : pandas.Timestamp
        UTC origin.
    seconds : array_like (K,)
        Seconds after ``start``.
    """
    seconds = np.asarray(seconds, dtype=float)
    lo, hi = float(np.min(seconds)), float(np.max(seconds))
    n = int(np.ceil((hi - lo) / _GRID_S)) + 1
    grid = lo + np.arange(max(n, 2)) * _GRID_S
    sun_g, moon_g = _sun_moon_grid(start, grid)
    out = []
    for vec in (sun_g, moon_g):
        dist = np.linalg.norm(vec, axis=1)
        unit = vec / dist[:, None]
        u = np.stack([np.interp(seconds, grid, unit[:, k]) for k in range(3)], axis=-1)
        u /= np.linalg.norm(u, axis=-1, keepdims=True)
        out.append(u * np.interp(seconds, grid, dist)[..., None])
    return out[0], out[1]


def body_elevation_deg(body_ecef_km, site_km, up):
    """Topocentric elevation [deg] of a body at Earth-fixed position ``body_ecef_km``."""
    rho = np.asarray(body_ecef_km) - site_km
    sin_el = np.einsum("...k,...k->...", rho, up) / np.linalg.norm(rho, axis=-1)
    return np.degrees(np.arcsin(np.clip(sin_el, -1.0, 1.0)))


def moon_illuminated_fraction(sun_km, moon_km):
    """Illuminated fraction of the Moon's disc, 0 (new) to 1 (full) ([3] Eq. 48.1).

    The phase angle i is the Sun-Moon-Earth angle, from geocentric vectors.
    """
    to_sun = np.asarray(sun_km) - moon_km
    to_earth = -np.asarray(moon_km)
    cos_i = np.einsum("...k,...k->...", to_sun, to_earth) / (
        np.linalg.norm(to_sun, axis=-1) * np.linalg.norm(to_earth, axis=-1))
    return 0.5 * (1.0 + cos_i)


def separation_deg(a, b):
    """Angle between vectors ``a`` and ``b`` (..., 3) [deg]."""
    cos = np.einsum("...k,...k->...", a, b) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
