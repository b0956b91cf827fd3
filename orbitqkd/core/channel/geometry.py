"""Link geometry and diffraction: slant range, Gaussian beam size, collection.

References
----------
.. [1] A. E. Siegman, *Lasers* (University Science Books, 1986), Ch. 17,
   Ch. 17 (Gaussian beam radius, Rayleigh range, far-field angle).
.. [2] L. C. Andrews and R. L. Phillips, *Laser Beam Propagation through Random
   Media*, 2nd ed. (SPIE Press, 2005), doi:10.1117/3.626196, Ch. 12, Sec. 12.2
   (slant-path geometry on a spherical Earth).
"""

from __future__ import annotations

import numpy as np

from ...constants import EARTH_MEAN_RADIUS_KM


def zenith_angle_deg(elevation_deg):
    """Zenith angle [deg] = 90 deg - elevation (no refraction)."""
    return 90.0 - np.asarray(elevation_deg, dtype=float)


def slant_range_km(elevation_deg, satellite_altitude_km, station_altitude_m=0.0,
                   earth_radius_km: float = EARTH_MEAN_RADIUS_KM):
    """Distance [km] from a station to a satellite seen at ``elevation_deg``.

    Spherical Earth of radius ``earth_radius_km``; the law of cosines in the
    triangle (Earth centre, station, satellite) gives [2]_

    .. math:: L = \\sqrt{(R+H)^2 - (R+h_0)^2\\cos^2 E} - (R+h_0)\\sin E

    Parameters
    ----------
    elevation_deg : array_like
        Elevation of the satellite above the horizon [deg].
    satellite_altitude_km : array_like
        Satellite height above the sphere [km].
    station_altitude_m : array_like
        Station height above the sphere [m].

    Returns
    -------
    ndarray or float
        Slant range [km]; NaN where the satellite is below the station.

    Examples
    --------
    >>> round(float(slant_range_km(90.0, 500.0)), 6)
    500.0
    """
    e = np.radians(np.asarray(elevation_deg, dtype=float))
    r0 = earth_radius_km + np.asarray(station_altitude_m, dtype=float) / 1000.0
    rs = earth_radius_km + np.asarray(satellite_altitude_km, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.sqrt(rs**2 - (r0 * np.cos(e)) ** 2) - r0 * np.sin(e)  # [2] Sec. 12.2
        out = np.where(rs > r0, out, np.nan)
    return out if np.ndim(out) else float(out)


def gaussian_waist_from_divergence_m(divergence_urad, wavelength_nm):
    """Waist radius w0 [m] of a Gaussian beam of full 1/e^2 divergence angle.

    Far-field half-angle ``theta = lambda / (pi w0)`` ([1]_ Ch. 17) with
    ``theta = divergence_urad / 2``.
    """
    half_rad = 0.5 * np.asarray(divergence_urad, dtype=float) * 1e-6
    return np.asarray(wavelength_nm, dtype=float) * 1e-9 / (np.pi * half_rad)


def beam_radius_m(range_km, wavelength_nm, waist_radius_m):
    """1/e^2 intensity radius [m] of a Gaussian beam after ``range_km``.

    .. math:: w(z) = w_0 \\sqrt{1 + (z/z_R)^2},\\quad z_R = \\pi w_0^2/\\lambda

    ([1]_ Ch. 17), the beam focused at the transmitter (collimated).

    Examples
    --------
    >>> w0 = 0.1; z_r_km = np.pi * w0**2 / 850e-9 / 1e3
    >>> round(float(beam_radius_m(z_r_km, 850.0, w0) / w0), 6)  # sqrt(2) at z_R
    1.414214
    """
    lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
    w0 = np.asarray(waist_radius_m, dtype=float)
    z_r = np.pi * w0**2 / lam  # [1] Ch. 17: Rayleigh range
    z = np.asarray(range_km, dtype=float) * 1e3
    return w0 * np.sqrt(1.0 + (z / z_r) ** 2)  # [1] Ch. 17: w(z)


def collection_efficiency(beam_radius_m, aperture_m, obscuration_ratio=0.0):
    """Fraction of a centred Gaussian beam caught by an annular aperture.

    Integrating :math:`I(r) = 2P/(\\pi w^2)\\,e^{-2r^2/w^2}` over
    :math:`a_i \\le r \\le a_o` gives

    .. math:: \\eta = e^{-2a_i^2/w^2} - e^{-2a_o^2/w^2}

    with :math:`a_o` = half the aperture diameter and :math:`a_i` =
    ``obscuration_ratio`` times it.

    Parameters
    ----------
    beam_radius_m : array_like
        1/e^2 radius of the beam at the receiver [m].
    aperture_m : float
        Clear aperture diameter of the receiver [m].
    obscuration_ratio : float
        Central obscuration diameter / aperture diameter, in [0, 1).

    Examples
    --------
    >>> round(float(collection_efficiency(1.0, 2.0)), 6)  # a = w: 1 - e^-2
    0.864665
    """
    w = np.asarray(beam_radius_m, dtype=float)
    a_out = 0.5 * np.asarray(aperture_m, dtype=float)
    a_in = a_out * np.asarray(obscuration_ratio, dtype=float)
    return np.exp(-2.0 * a_in**2 / w**2) - np.exp(-2.0 * a_out**2 / w**2)
