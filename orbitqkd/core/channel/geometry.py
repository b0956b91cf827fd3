"""Link geometry and diffraction: slant range, Gaussian beam size, collection.

References
----------
.. [1] A. E. Siegman, *Lasers* (University Science Books, 1986), Ch. 17,
   Ch. 17 (Gaussian beam radius, Rayleigh range, far-field angle).
.. [2] L. C. Andrews and R. L. Phillips, *Laser Beam Propagation through Random
   Media*, 2nd ed. (SPIE Press, 2005), doi:10.1117/3.626196, Ch. 12, Sec. 12.2
   (slant-path geometry on a spherical Earth).
.. [3] B. J. Klein and J. J. Degnan, "Optical antenna gain. 1: Transmitting
   antennas", Appl. Opt. 13, 2134 (1974), doi:10.1364/AO.13.002134: far-field
   gain of a Gaussian beam truncated by a centrally obscured circular
   aperture (their Eq. 9 off axis, Eq. 11 on axis in the far field; optimum
   alpha = a/w = 1.12, g = 0.8145 with no obscuration).
"""

from __future__ import annotations

import numpy as np
from scipy.special import j0

from ...constants import EARTH_MEAN_RADIUS_KM
from ...errors import check_range


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


# Fixed Gauss-Legendre grid on [0, 1] for the truncated-beam Fraunhofer integral.
# 256 nodes integrate J0(X sqrt(u)) e^(-alpha^2 u) to < 1e-10 relative for
# X < 150 (about 45 side lobes), far beyond any link's pointing error.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(256)
_GL_U = 0.5 * (_GL_X + 1.0)
_GL_W = 0.5 * _GL_W


def _check_aperture(aperture_radius_m, waist_radius_m, obscuration_ratio):
    check_range("aperture_radius_m", aperture_radius_m, 0.0, low_inclusive=False)
    check_range("waist_radius_m", waist_radius_m, 0.0, low_inclusive=False)
    check_range("obscuration_ratio", obscuration_ratio, 0.0, 1.0, high_inclusive=False)


def aperture_clipping_efficiency(aperture_radius_m, waist_radius_m, obscuration_ratio=0.0):
    """Fraction of a Gaussian beam's power passing an annular transmit aperture.

    .. math:: \\eta_c = e^{-2\\gamma^2 a^2/w_0^2} - e^{-2a^2/w_0^2}

    (the power integral of :math:`|E|^2 = e^{-2r^2/w_0^2}` over
    :math:`\\gamma a \\le r \\le a`, [3]_ Sec. II).

    Parameters
    ----------
    aperture_radius_m : float
        Radius a of the transmit aperture [m].
    waist_radius_m : array_like
        1/e^2 intensity radius w0 of the beam at the aperture [m].
    obscuration_ratio : float
        Central obscuration radius / aperture radius (gamma), in [0, 1).

    Examples
    --------
    >>> round(float(aperture_clipping_efficiency(1.0, 1.0 / 1.12)), 4)  # K&D optimum
    0.9186
    """
    _check_aperture(aperture_radius_m, waist_radius_m, obscuration_ratio)
    alpha2 = (np.asarray(aperture_radius_m, dtype=float)
              / np.asarray(waist_radius_m, dtype=float)) ** 2
    gamma2 = np.asarray(obscuration_ratio, dtype=float) ** 2
    out = np.exp(-2.0 * gamma2 * alpha2) - np.exp(-2.0 * alpha2)
    return out if np.ndim(out) else float(out)


def truncated_gaussian_gain(offset_urad, wavelength_nm, aperture_radius_m, waist_radius_m,
                            obscuration_ratio=0.0):
    """Far-field gain (relative to isotropic) of a Gaussian beam clipped by an aperture.

    Klein & Degnan's transmitting-antenna gain ([3]_, far field, beam focused
    at infinity), with :math:`\\alpha = a/w_0`, :math:`\\gamma` the obscuration
    ratio and :math:`X = k a \\sin\\theta`:

    .. math:: G(\\theta) = \\frac{4\\pi A}{\\lambda^2}\\, 2\\alpha^2
              \\Big[\\int_{\\gamma^2}^{1} e^{-\\alpha^2 u}\\, J_0(X\\sqrt{u})\\,du\\Big]^2,
              \\quad A = \\pi a^2

    On axis this is :math:`(4\\pi A/\\lambda^2)(2/\\alpha^2)
    (e^{-\\gamma^2\\alpha^2} - e^{-\\alpha^2})^2`, largest (0.8145 x the
    uniformly lit aperture) at :math:`\\alpha` = 1.12 without obscuration. The
    gain is normalised to the whole beam power reaching the aperture, so it
    contains the clipping loss. For :math:`a \\gg w_0` it tends to the
    untruncated Gaussian, :math:`8\\pi^2 w_0^2/\\lambda^2 \\,
    e^{-2\\theta^2/\\theta_b^2}`, :math:`\\theta_b = \\lambda/(\\pi w_0)`.

    Parameters
    ----------
    offset_urad : array_like
        Angle between the beam axis and the direction to the receiver [urad].
    wavelength_nm : float
        Wavelength [nm].
    aperture_radius_m : float
        Transmit aperture radius a [m].
    waist_radius_m : float
        1/e^2 intensity radius w0 of the Gaussian at the aperture [m].
    obscuration_ratio : float
        Central obscuration radius / aperture radius, in [0, 1).

    Returns
    -------
    ndarray or float
        Gain [-] (multiply by A_rx / (4 pi R^2) for the collected fraction).

    Examples
    --------
    >>> lam_m, a = 850e-9, 0.15
    >>> g = truncated_gaussian_gain(0.0, 850.0, a, a / 1.12)
    >>> round(float(g / (4 * np.pi * np.pi * a**2 / lam_m**2)), 4)
    0.8145
    """
    _check_aperture(aperture_radius_m, waist_radius_m, obscuration_ratio)
    check_range("wavelength_nm", wavelength_nm, 0.0, low_inclusive=False)
    lam = float(wavelength_nm) * 1e-9
    a = float(aperture_radius_m)
    alpha2 = (a / float(waist_radius_m)) ** 2
    gamma2 = float(obscuration_ratio) ** 2
    theta = np.asarray(offset_urad, dtype=float) * 1e-6
    x = 2.0 * np.pi / lam * a * np.sin(theta)  # [3] X = k a sin(theta)
    u = gamma2 + (1.0 - gamma2) * _GL_U  # nodes on [gamma^2, 1]
    weights = (1.0 - gamma2) * _GL_W * np.exp(-alpha2 * u)
    integral = j0(x[..., None] * np.sqrt(u)) @ weights  # [3] Eq. 9 integral
    gain = 4.0 * np.pi * np.pi * a**2 / lam**2 * 2.0 * alpha2 * integral**2  # [3] Eq. 9
    return gain if np.ndim(gain) else float(gain)


def truncated_beam_collection_efficiency(range_km, wavelength_nm, aperture_radius_m,
                                         waist_radius_m, rx_aperture_m,
                                         rx_obscuration_ratio=0.0, offset_urad=0.0,
                                         obscuration_ratio=0.0):
    """Fraction of the transmitted beam power caught by a small far-field receiver.

    .. math:: \\eta = G(\\theta)\\,\\frac{A_r}{4\\pi R^2},\\quad
              A_r = \\tfrac{\\pi}{4}D_r^2(1-\\epsilon^2)

    with :math:`G` from :func:`truncated_gaussian_gain` (the Friis form of
    [3]_). Valid in the far field of the transmitter, :math:`R \\gg \\pi a^2/\\lambda`
    (83 km for a = 0.15 m at 850 nm), and while the receiver is small
    against the footprint, :math:`D_r \\ll R\\lambda/(\\pi w_0)`; a receiver
    of diameter equal to the footprint's 1/e^2 radius already overestimates
    the untruncated collection by 28 %. Use
    :func:`collection_efficiency` with :func:`beam_radius_m` there (untruncated).

    Parameters
    ----------
    range_km : array_like
        Transmitter-receiver distance [km]; NaN where not positive.
    wavelength_nm, aperture_radius_m, waist_radius_m, obscuration_ratio
        As :func:`truncated_gaussian_gain` (transmitter side).
    rx_aperture_m : float
        Receiver clear aperture diameter [m].
    rx_obscuration_ratio : float
        Receiver central obscuration ratio, in [0, 1).
    offset_urad : array_like
        Pointing offset of the transmitter from the receiver [urad].

    Examples
    --------
    >>> eta = truncated_beam_collection_efficiency(1000.0, 850.0, 0.15, 0.15 / 1.12, 1.0)
    >>> round(float(10 * np.log10(eta)), 2)  # 1.0 m receiver at 1,000 km [dB]
    -12.04
    """
    check_range("rx_aperture_m", rx_aperture_m, 0.0, low_inclusive=False)
    check_range("rx_obscuration_ratio", rx_obscuration_ratio, 0.0, 1.0, high_inclusive=False)
    gain = truncated_gaussian_gain(offset_urad, wavelength_nm, aperture_radius_m,
                                   waist_radius_m, obscuration_ratio)
    area = 0.25 * np.pi * float(rx_aperture_m) ** 2 * (1.0 - float(rx_obscuration_ratio) ** 2)
    r_m = np.asarray(range_km, dtype=float) * 1e3
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(r_m > 0, gain * area / (4.0 * np.pi * r_m**2), np.nan)
    return out if np.ndim(out) else float(out)
