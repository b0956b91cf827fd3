"""Sun and Moon positions, offline, for darkness and sky-background models.

Geocentric positions come from ERFA's built-in ephemerides, the same that
astropy's ``solar_system_ephemeris.set('builtin')`` uses: ``epv00`` for the
Earth (so the Sun) and ``moon98`` for the Moon, rotated to the Earth-fixed
frame with Skyfield's precession-nutation matrix and apparent sidereal time.
Aberration and light time are neglected (< 0.006 deg for the Sun), well inside
what darkness and background models need.

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

from ..constants import AU_KM
from ..timescales import skyfield_times


_GRID_S = 3600.0


def sun_ecef_km(start: pd.Timestamp, seconds):
    """Earth-fixed geocentric position of the Sun [km], shape (K, 3): the Sun of
    :func:`sun_moon_ecef_km` (the same numbers), without the Moon's work."""
    return _ecef_km(start, seconds, with_moon=False)[0]


def sun_moon_ecef_km(start: pd.Timestamp, seconds):
    """Earth-fixed geocentric positions of the Sun and Moon [km], each shape (K, 3).

    Parameters
    ----------
    start : pandas.Timestamp
        UTC origin.
    seconds : array_like (K,)
        Seconds after ``start``; any number of samples over any span.

    Notes
    -----
    The GCRS positions and the precession-nutation matrix change slowly; they
    are computed on an hourly grid and interpolated (Moon: < 0.001 deg). The
    Earth's rotation is applied per sample with the apparent sidereal time,
    itself linear to microarcseconds within the hour, as Skyfield's ITRS frame
    does (``R3(GAST) M``; polar motion neglected).
    """
    return _ecef_km(start, seconds, with_moon=True)


def _ecef_km(start, seconds, with_moon):
    """(Sun, Moon or None) of :func:`sun_moon_ecef_km`."""
    seconds = np.asarray(seconds, dtype=float)
    if seconds.size == 0:
        return np.zeros((0, 3)), (np.zeros((0, 3)) if with_moon else None)
    # the grid hangs on ``start`` (whole multiples of the step), so a sample gets
    # the same value whatever other samples come with it
    lo, hi = np.floor(float(np.min(seconds)) / _GRID_S) * _GRID_S, float(np.max(seconds))
    grid = lo + np.arange(max(int(np.ceil((hi - lo) / _GRID_S)) + 1, 2)) * _GRID_S
    t = skyfield_times(start, grid)
    pvh, _ = erfa.epv00(t.whole, t.tt_fraction)
    bodies = [-pvh["p"] * AU_KM]  # the Sun, from the Earth's heliocentric position
    if with_moon:
        bodies.append(erfa.moon98(t.whole, t.tt_fraction)["p"] * AU_KM)
    m = t.M  # (3, 3, K): GCRS to true equator and equinox of date
    gast = np.unwrap(np.radians(np.asarray(t.gast) * 15.0))

    def interp(values):
        return np.interp(seconds, grid, values)

    m_s = np.array([[interp(m[i, j]) for j in range(3)] for i in range(3)])  # (3, 3, K')
    theta = interp(gast)
    c, s_ = np.cos(theta), np.sin(theta)
    out = []
    for vec in bodies:
        v = np.stack([interp(vec[:, k]) for k in range(3)], axis=-1)  # (K', 3)
        tod = np.einsum("ijk,kj->ki", m_s, v)
        out.append(np.stack([c * tod[:, 0] + s_ * tod[:, 1], c * tod[:, 1] - s_ * tod[:, 0],
                             tod[:, 2]], axis=-1))
    return out[0], (out[1] if with_moon else None)


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
