"""SGP4 propagation straight into the Earth-fixed frame, and look angles.

The pass engine needs positions of many satellites at many times. SGP4
(``sgp4.api.SatrecArray``) gives TEME positions; one rotation by the Greenwich
mean sidereal time of 1982 takes them to the pseudo-Earth-fixed frame, exactly
as Skyfield's ``TEME`` frame and Vallado's ``teme2ecef`` do (polar motion, at
most ~15 m on the ground, is neglected).

References
----------
.. [1] Vallado, Crawford, Hujsak & Kelso, "Revisiting Spacetrack Report #3",
   AIAA 2006-6753, Eq. (B-1) GMST 1982 and Appendix B (TEME to PEF).
.. [2] Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed.
   (2013), Algorithm 27 (razel: range, azimuth, elevation from SEZ vectors).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from sgp4.api import SatrecArray

from ..constants import DAY_S, J2000_JD, WGS84_A_KM, WGS84_E2
from ..timescales import jd_utc_split, skyfield_times

# Earth rotation rate used with GMST 1982 [rad/s], Vallado et al. 2006 [1]
EARTH_ROTATION_RAD_S = 7.292115146706979e-5

# A state farther from the geocentre than APOGEE_MARGIN x the mean apogee radius of its
# elements is not the orbit any more (SGP4 far from the epoch returns finite garbage with
# error code 0, e.g. 1e19 km). Short-period and lunisolar terms move the osculating radius
# by tens of km, ~0.1-1 % of the apogee radius; ASSUMED margin 10 %.
APOGEE_MARGIN = 1.10


def apogee_radius_km(satrecs) -> np.ndarray:
    """Mean apogee radius [km] of each element set: (1 + alta) x the model's Earth radius."""
    return np.array([(1.0 + s.alta) * s.radiusearthkm for s in satrecs], dtype=float)


def epoch_seconds(satrecs, base) -> np.ndarray:
    """Element epoch of each satrec as seconds after ``base.start``."""
    jd = np.array([s.jdsatepoch - base.jd_whole + s.jdsatepochF for s in satrecs], dtype=float)
    return (jd - base.jd_fraction) * DAY_S


def valid_states(err, r_km, seconds, epoch_s, apogee_km) -> np.ndarray:
    """Which samples hold a trustworthy state: SGP4 errors end a satellite's track.

    A sample is invalid when SGP4 reports an error (``err != 0``) or when the
    position lies beyond :data:`APOGEE_MARGIN` x the mean apogee radius (an
    impossible state). Either ends the valid track: every sample farther from
    the element epoch than the first invalid one (forwards after the epoch,
    backwards before it) is invalid too, in any order of ``seconds``.

    Parameters
    ----------
    err : ndarray (N, K) int
    r_km : ndarray (N, K, 3)
    seconds : ndarray (K,) or (N, K)
    epoch_s : ndarray (N,)
        Element epochs in the same seconds.
    apogee_km : ndarray (N,)

    Returns
    -------
    ndarray of bool (N, K)
    """
    radius = np.sqrt(np.einsum("...k,...k->...", r_km, r_km))
    bad = (err != 0) | ~(radius <= APOGEE_MARGIN * apogee_km[:, None])
    if not bad.any():
        return ~bad
    t = np.broadcast_to(seconds, bad.shape) - epoch_s[:, None]
    after = np.where(bad & (t >= 0), t, np.inf).min(axis=1)  # first bad sample after the epoch
    before = np.where(bad & (t < 0), t, -np.inf).max(axis=1)  # nearest bad sample before it
    return (t < after[:, None]) & (t > before[:, None])


def decay_time(satellite_satrec, base, end_s: float, step_s: float = 3600.0):
    """Seconds after ``base.start`` of the first SGP4 error or impossible state, else None.

    Samples every ``step_s`` from the element epoch forward to ``end_s`` (used
    to say when a decayed object came down; hourly samples bound the answer
    to an hour).
    """
    e0 = float(epoch_seconds([satellite_satrec], base)[0])
    if end_s <= e0:
        return None
    seconds = np.arange(e0, end_s + step_s, step_s)
    err, r, _ = satellite_satrec.sgp4_array(*base.jd_utc(seconds))
    ok = valid_states(err[None, :], r[None], seconds, np.array([e0]),
                      apogee_radius_km([satellite_satrec]))[0]
    return None if ok.all() else float(seconds[np.argmin(ok)])


def gmst1982_rad(jd_ut1):
    """Greenwich mean sidereal time, IAU 1982 model [rad].

    Parameters
    ----------
    jd_ut1 : array_like
        Julian date, UT1.

    Notes
    -----
    GMST[s] = 67310.54841 + (876600 h + 8640184.812866) T + 0.093104 T^2 - 6.2e-6 T^3,
    with T in Julian centuries of UT1 from J2000 ([1] Eq. B-1).

    >>> round(float(np.degrees(gmst1982_rad(2451545.0))), 6)  # J2000.0: 280.46061837 deg
    280.460618
    """
    jd = np.asarray(jd_ut1, dtype=float)
    t = (jd - J2000_JD) / 36525.0
    seconds = 67310.54841 + (876600.0 * 3600.0 + 8640184.812866) * t + (0.093104 - 6.2e-6 * t) * t * t
    return np.mod(seconds / 240.0, 360.0) * (np.pi / 180.0)


@dataclasses.dataclass(frozen=True)
class TimeBase:
    """Origin of a span for SGP4: UTC Julian date split, and UT1 - UTC over the span.

    Times inside the span are seconds after ``start``; UT1 - UTC is taken as
    linear between the span's ends (it drifts by milliseconds a day), which
    keeps the sidereal angle within microradians.
    """

    start: pd.Timestamp
    jd_whole: float
    jd_fraction: float
    span_s: float
    dut1_start_s: float
    dut1_end_s: float

    @classmethod
    def for_span(cls, start: pd.Timestamp, span_s: float) -> "TimeBase":
        whole, frac = jd_utc_split(start, [0.0])
        dut1 = np.atleast_1d(skyfield_times(start, [0.0, max(float(span_s), 1.0)]).dut1)
        return cls(start, float(whole[0]), float(frac[0]), max(float(span_s), 1.0),
                   float(dut1[0]), float(dut1[1]))

    def jd_utc(self, seconds):
        """(whole, fraction) UTC Julian date arrays for SGP4."""
        frac = self.jd_fraction + np.asarray(seconds, dtype=float) / DAY_S
        return np.full(frac.shape, self.jd_whole), frac

    def gmst_rad(self, seconds):
        s = np.asarray(seconds, dtype=float)
        dut1 = self.dut1_start_s + (self.dut1_end_s - self.dut1_start_s) * s / self.span_s
        return gmst1982_rad(self.jd_whole + (self.jd_fraction + (s + dut1) / DAY_S))


def teme_to_ecef(r_teme_km, v_teme_km_s, theta_rad):
    """Rotate TEME position/velocity to the pseudo-Earth-fixed frame.

    ``theta_rad`` broadcasts against the leading axes of the (..., 3) vectors.
    ([1] Appendix B: r_PEF = R3(theta_GMST) r_TEME, v_PEF = R3 v_TEME - omega x r_PEF.)
    """
    c = np.cos(theta_rad)
    s = np.sin(theta_rad)
    r = np.empty(np.broadcast_shapes(r_teme_km.shape, np.shape(c) + (3,)))
    v = np.empty_like(r)
    x, y = r_teme_km[..., 0], r_teme_km[..., 1]
    vx, vy = v_teme_km_s[..., 0], v_teme_km_s[..., 1]
    r[..., 0] = c * x + s * y
    r[..., 1] = c * y - s * x
    r[..., 2] = r_teme_km[..., 2]
    w = EARTH_ROTATION_RAD_S
    v[..., 0] = c * vx + s * vy + w * r[..., 1]
    v[..., 1] = c * vy - s * vx - w * r[..., 0]
    v[..., 2] = v_teme_km_s[..., 2]
    return r, v


def propagate_teme(satrecs, base: TimeBase, seconds):
    """TEME position [km] and velocity [km/s] of many satellites at many times, and which
    samples are not valid (:func:`valid_states`): arrays (N, K, 3), (N, K, 3), (N, K).

    Parameters as :func:`propagate_ecef`, which rotates these to the Earth-fixed frame.
    """
    satrecs = list(satrecs)
    seconds = np.asarray(seconds, dtype=float)
    err, r, v = SatrecArray(satrecs).sgp4(*base.jd_utc(seconds))
    bad = ~valid_states(err, r, seconds, epoch_seconds(satrecs, base), apogee_radius_km(satrecs))
    return r, v, bad


def propagate_ecef(satrecs, base: TimeBase, seconds):
    """Earth-fixed position [km] and velocity [km/s] of many satellites at many times.

    Parameters
    ----------
    satrecs : list of sgp4.api.Satrec
    base : TimeBase
        Origin of ``seconds``.
    seconds : array_like, shape (K,)
        Seconds after ``start``.

    Returns
    -------
    r_km, v_km_s : ndarray, shape (N, K, 3)
        NaN where the state is not valid (:func:`valid_states`): from the first
        SGP4 error (decayed, eccentricity out of range) or impossible state on,
        counting away from the element epoch.
    """
    seconds = np.asarray(seconds, dtype=float)
    r, v, bad = propagate_teme(satrecs, base, seconds)
    r, v = teme_to_ecef(r, v, base.gmst_rad(seconds)[None, :])
    if bad.any():
        r[bad] = np.nan
        v[bad] = np.nan
    return r, v


def propagate_one_ecef(satrec, base: TimeBase, seconds):
    """As :func:`propagate_ecef` for one satellite at its own times: (K, 3) arrays."""
    seconds = np.asarray(seconds, dtype=float)
    err, r, v = satrec.sgp4_array(*base.jd_utc(seconds))
    bad = ~valid_states(err[None, :], r[None], seconds, epoch_seconds([satrec], base),
                        apogee_radius_km([satrec]))[0]
    r, v = teme_to_ecef(r, v, base.gmst_rad(seconds))
    r[bad] = np.nan
    v[bad] = np.nan
    return r, v


def enu_basis(latitude_deg, longitude_deg) -> np.ndarray:
    """Rows east, north, up (unit vectors in the Earth-fixed frame) at a geodetic site."""
    lat, lon = np.radians(latitude_deg), np.radians(longitude_deg)
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    return np.array([[-so, co, 0.0], [-sl * co, -sl * so, cl], [cl * co, cl * so, sl]])


def _dot(a, b):
    return np.einsum("...k,...k->...", a, b)


def look_angles(r_km, v_km_s, site_km, basis):
    """Elevation, azimuth, range and their rates from Earth-fixed vectors ([2] Alg. 27).

    Parameters
    ----------
    r_km, v_km_s : ndarray (..., 3)
        Earth-fixed satellite position [km] and velocity [km/s].
    site_km : ndarray (3,) or (..., 3)
        Earth-fixed station position [km] (one station, or one per row).
    basis : ndarray (3, 3) or (..., 3, 3)
        :func:`enu_basis` of the station(s).

    Returns
    -------
    dict of ndarray
        ``elevation_deg``, ``azimuth_deg`` (from north through east),
        ``range_km``, ``range_rate_km_s``, ``elevation_rate_deg_s``.
    """
    rho = r_km - site_km
    e, n, u = (_dot(rho, basis[..., i, :]) for i in range(3))
    rng = np.sqrt(e * e + n * n + u * u)
    rate = _dot(rho, v_km_s) / rng
    u_dot = _dot(v_km_s, basis[..., 2, :])
    horiz = np.sqrt(e * e + n * n)
    el = np.arctan2(u, horiz)
    # d(el)/dt = (u_dot * rng - u * rate) / (rng * horiz)
    el_rate = (u_dot * rng - u * rate) / (rng * horiz)
    return {
        "elevation_deg": np.degrees(el),
        "azimuth_deg": np.degrees(np.arctan2(e, n)) % 360.0,
        "range_km": rng,
        "range_rate_km_s": rate,
        "elevation_rate_deg_s": np.degrees(el_rate),
    }


def elevation_and_rate(r_km, v_km_s, site_km, up):
    """Fast path of :func:`look_angles`: elevation [deg] and its rate [deg/s] only.

    ``site_km`` and ``up`` (unit vector) broadcast against ``r_km`` (..., 3), so one
    station or one station per row both work.
    """
    rho = r_km - site_km
    rng = np.sqrt(_dot(rho, rho))
    rate = _dot(rho, v_km_s) / rng
    sin_el = _dot(rho, up) / rng
    el = np.arcsin(np.clip(sin_el, -1.0, 1.0))
    cos_el = np.sqrt(np.maximum(1.0 - sin_el * sin_el, 1e-300))
    el_rate = (_dot(v_km_s, up) - sin_el * rate) / (rng * cos_el)
    return np.degrees(el), np.degrees(el_rate)


def geodetic_to_ecef_km(latitude_deg, longitude_deg, altitude_m) -> np.ndarray:
    """WGS 84 geodetic coordinates to Earth-fixed Cartesian [km], shape (..., 3).

    References
    ----------
    NIMA TR8350.2 (2000), Eq. 4-14.
    """
    lat = np.radians(latitude_deg)
    lon = np.radians(longitude_deg)
    h_km = np.asarray(altitude_m, dtype=float) / 1000.0
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)  # prime vertical radius
    x = (n + h_km) * np.cos(lat) * np.cos(lon)
    y = (n + h_km) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h_km) * np.sin(lat)
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def _bowring_latitude_rad(x, y, z):
    """Geodetic latitude [rad] of Earth-fixed positions: Bowring's method, two iterations."""
    p = np.hypot(x, y)
    b = WGS84_A_KM * np.sqrt(1.0 - WGS84_E2)
    ep2 = WGS84_E2 / (1.0 - WGS84_E2)
    lat = np.arctan2(z, p * (1.0 - WGS84_E2))
    for _ in range(2):
        beta = np.arctan2(b * np.sin(lat), WGS84_A_KM * np.cos(lat))
        lat = np.arctan2(z + ep2 * b * np.sin(beta) ** 3, p - WGS84_E2 * WGS84_A_KM * np.cos(beta) ** 3)
    return lat


def ecef_to_latitude_longitude_deg(r_km):
    """Geodetic latitude and longitude [deg] of Earth-fixed positions (..., 3): the sub-satellite point.

    Bowring (1976), as :func:`ecef_to_geodetic_altitude_km`.
    """
    r = np.asarray(r_km, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    return np.degrees(_bowring_latitude_rad(x, y, z)), np.degrees(np.arctan2(y, x))


def ecef_to_geodetic_altitude_km(r_km) -> np.ndarray:
    """Height above the WGS 84 ellipsoid [km] of Earth-fixed positions (..., 3).

    Bowring's method with two iterations (Bowring 1976, Survey Review 23, 323),
    accurate to millimetres from the ground to GEO.
    """
    r = np.asarray(r_km, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    b = WGS84_A_KM * np.sqrt(1.0 - WGS84_E2)
    lat = _bowring_latitude_rad(x, y, z)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)
    cos_lat = np.cos(lat)
    return np.where(np.abs(cos_lat) > 1e-9, p / np.where(cos_lat == 0, 1, cos_lat) - n,
                    np.abs(z) - b)
