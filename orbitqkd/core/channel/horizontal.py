"""Horizontal ground links: extinction, constant-Cn2 turbulence, short-range Gaussian beams.

For a link between two stations at the same altitude (roof to roof, or the
275 m daylight link of ETRI), the atmosphere is homogeneous along the path:
the extinction coefficient is the local one, and Cn2 is constant.

References
----------
.. [1] L. C. Andrews and R. L. Phillips, *Laser Beam Propagation through Random
   Media*, 2nd ed. (SPIE Press, 2005), doi:10.1117/3.626196: Ch. 4, Sec. 4.2
   (Gaussian beam: Theta0 = 1 - L/F0, Lambda0 = 2L/(k W0^2), W = W0 (Theta0^2 +
   Lambda0^2)^(1/2), Lambda = 2L/(k W^2)); Ch. 6, Sec. 6.3-6.5 (spherical-wave
   coherence radius rho0 = (0.545 Cn2 k^2 L)^(-3/5), plane wave
   (1.46 Cn2 k^2 L)^(-3/5), Fried parameter r0 = 2.1 rho0, long-term beam
   radius W_LT = W (1 + 1.33 sigma_R^2 Lambda^(5/6))^(3/5)); Ch. 8, Sec. 8.2
   (Rytov variance sigma_R^2 = 1.23 Cn2 k^(7/6) L^(11/6); spherical wave
   0.4 sigma_R^2). Equation numbers are not quoted: the section holds the
   closed form named.
.. [2] D. L. Fried, "Optical resolution through a randomly inhomogeneous
   medium", J. Opt. Soc. Am. 56, 1372 (1966), doi:10.1364/JOSA.56.001372
   (r0 = [0.423 k^2 Cn2 L]^(-3/5) for a plane wave).
"""

from __future__ import annotations

import numpy as np

from ...errors import check_choice, check_range
from .atmosphere import (AEROSOL_SCALE_HEIGHT_KM,
                         G173_PRECIPITABLE_WATER_CM, RAYLEIGH_SCALE_HEIGHT_KM,
                         WATER_SCALE_HEIGHT_KM, G173_WAVELENGTH_RANGE_NM,
                         aerosol_optical_depth, g173_absorption_optical_depths,
                         rayleigh_optical_depth)

WAVE_MODELS = ("plane", "spherical")
_BAND_POINTS = 41


def _k(wavelength_nm):
    return 2.0 * np.pi / (np.asarray(wavelength_nm, dtype=float) * 1e-9)


def extinction_coefficient_per_km(wavelength_nm, altitude_m=0.0, aod_550nm=0.1,
                                  angstrom_exponent=1.3):
    """Rayleigh + aerosol extinction coefficient [1/km] at an altitude.

    Each term's zenith optical depth above the station falls as
    :math:`\\tau_0 e^{-h/H}`, so its local coefficient is
    :math:`\\beta(h) = -d\\tau/dh = (\\tau_0/H)e^{-h/H}` (scale heights of
    :mod:`.atmosphere`: 8.43 km pressure, 1.2 km aerosol).

    Examples
    --------
    >>> round(float(extinction_coefficient_per_km(850.0, aod_550nm=0.0)), 5)  # Rayleigh
    0.00198
    """
    h_km = np.asarray(altitude_m, dtype=float) / 1000.0
    ray = rayleigh_optical_depth(wavelength_nm, 0.0) / RAYLEIGH_SCALE_HEIGHT_KM
    aer = aerosol_optical_depth(wavelength_nm, aod_550nm, angstrom_exponent,
                                0.0) / AEROSOL_SCALE_HEIGHT_KM
    return (ray * np.exp(-h_km / RAYLEIGH_SCALE_HEIGHT_KM)
            + aer * np.exp(-h_km / AEROSOL_SCALE_HEIGHT_KM))


def horizontal_extinction_loss_db(distance_km, wavelength_nm, altitude_m=0.0, aod_550nm=0.1,
                                  angstrom_exponent=1.3,
                                  precipitable_water_cm=G173_PRECIPITABLE_WATER_CM,
                                  bandwidth_nm=1.0):
    """Clear-air extinction [dB] along a horizontal path at ``altitude_m``.

    .. math:: L = 10\\log_{10}(e)\\,\\beta(h)\\,d
              - 10\\log_{10}\\Big\\langle \\exp[-d(\\kappa_{O_2} + \\kappa_w)]\\Big\\rangle_{\\Delta\\lambda}

    with :math:`\\beta` from :func:`extinction_coefficient_per_km` and the
    molecular absorption coefficients :math:`\\kappa = (\\tau_0/H)e^{-h/H}` of
    the ASTM G173 O2 (H = 8.43 km) and water-vapour (H = 2 km, scaled by
    ``precipitable_water_cm``) optical depths, band-averaged over the filter.
    Ozone (a stratospheric column) is left out near the ground.

    Parameters
    ----------
    distance_km : array_like
        Path length [km]; NaN propagates.
    wavelength_nm : float
        Wavelength [nm], 400-1600.
    altitude_m : array_like
        Altitude of the path [m].
    aod_550nm, angstrom_exponent : float
        Aerosol optical depth at 550 nm and Angstrom exponent.
    precipitable_water_cm : float
        Precipitable water [cm].
    bandwidth_nm : float
        Filter width [nm].

    Examples
    --------
    >>> round(float(horizontal_extinction_loss_db(0.275, 785.0)), 4)  # ETRI link, clear
    0.0669
    """
    check_range("wavelength_nm", wavelength_nm, *G173_WAVELENGTH_RANGE_NM)
    check_range("precipitable_water_cm", precipitable_water_cm, 0.0, 20.0)
    check_range("bandwidth_nm", bandwidth_nm, 0.01, 100.0)
    d = np.asarray(distance_km, dtype=float)
    h_km = np.asarray(altitude_m, dtype=float) / 1000.0
    beta = extinction_coefficient_per_km(wavelength_nm, altitude_m, aod_550nm,
                                         angstrom_exponent)
    lam_tab, o2, _, h2o = g173_absorption_optical_depths()
    lam = float(wavelength_nm) + float(bandwidth_nm) * (
        np.linspace(0.0, 1.0, _BAND_POINTS) - 0.5)
    kappa = (np.interp(lam, lam_tab, o2) / RAYLEIGH_SCALE_HEIGHT_KM
             * np.exp(-h_km[..., None] / RAYLEIGH_SCALE_HEIGHT_KM)
             + np.interp(lam, lam_tab, h2o) / WATER_SCALE_HEIGHT_KM
             * float(precipitable_water_cm) / G173_PRECIPITABLE_WATER_CM
             * np.exp(-h_km[..., None] / WATER_SCALE_HEIGHT_KM))
    t_abs = np.mean(np.exp(-d[..., None] * kappa), axis=-1)
    out = 10.0 * np.log10(np.e) * beta * d - 10.0 * np.log10(t_abs)
    return out if np.ndim(out) else float(out)


def rayleigh_range_m(wavelength_nm, waist_radius_m):
    """Rayleigh range [m] of a Gaussian beam, :math:`z_R = \\pi w_0^2/\\lambda` ([1]_ Ch. 4).

    >>> round(float(rayleigh_range_m(785.0, 0.01)), 1)
    400.2
    """
    return np.pi * np.asarray(waist_radius_m, dtype=float) ** 2 / (
        np.asarray(wavelength_nm, dtype=float) * 1e-9)


def gaussian_beam_radius_m(distance_m, wavelength_nm, waist_radius_m, focus_m=np.inf):
    """1/e^2 beam radius [m] after ``distance_m``, near or far field, any focus.

    .. math:: W = W_0\\sqrt{\\Theta_0^2 + \\Lambda_0^2},\\quad
              \\Theta_0 = 1 - L/F_0,\\quad \\Lambda_0 = 2L/(kW_0^2)

    ([1]_ Ch. 4, Sec. 4.2), ``W0`` the radius at the transmitter and ``F0``
    its phase-front radius of curvature (``inf``: collimated, the waist at the
    transmitter; ``F0 = L``: focused on the receiver).

    Examples
    --------
    >>> w0 = 0.01
    >>> z_r = float(rayleigh_range_m(785.0, w0))
    >>> round(float(gaussian_beam_radius_m(z_r, 785.0, w0) / w0), 6)
    1.414214
    """
    length = np.asarray(distance_m, dtype=float)
    w0 = np.asarray(waist_radius_m, dtype=float)
    theta0 = 1.0 - length / np.asarray(focus_m, dtype=float)  # [1] Ch. 4
    lambda0 = 2.0 * length / (_k(wavelength_nm) * w0**2)  # [1] Ch. 4
    return w0 * np.sqrt(theta0**2 + lambda0**2)


def rytov_variance_horizontal(cn2_m23, wavelength_nm, distance_m, wave="plane"):
    """Rytov variance [-] on a horizontal path of constant Cn2.

    .. math:: \\sigma_R^2 = 1.23\\,C_n^2 k^{7/6} L^{11/6}\\ \\text{(plane)},\\quad
              \\beta_0^2 = 0.4\\,\\sigma_R^2 = 0.492\\,C_n^2 k^{7/6} L^{11/6}\\ \\text{(spherical)}

    ([1]_ Ch. 8, Sec. 8.2); weak fluctuations while it stays below ~1.

    Examples
    --------
    >>> round(float(rytov_variance_horizontal(1e-14, 785.0, 275.0)), 4)
    0.0413
    """
    check_choice("wave", wave, WAVE_MODELS)
    coeff = 1.23 if wave == "plane" else 0.4 * 1.23  # [1] Ch. 8
    return (coeff * np.asarray(cn2_m23, dtype=float) * _k(wavelength_nm) ** (7.0 / 6.0)
            * np.asarray(distance_m, dtype=float) ** (11.0 / 6.0))


def fried_parameter_horizontal_m(cn2_m23, wavelength_nm, distance_m, wave="plane"):
    """Fried parameter r0 [m] of a horizontal path of constant Cn2.

    .. math:: r_0 = (0.423\\,k^2 C_n^2 L)^{-3/5}\\ \\text{(plane, [2]_)},\\quad
              r_0 = (0.159\\,k^2 C_n^2 L)^{-3/5}\\ \\text{(spherical)}

    The spherical coefficient is 3/8 of the plane one (path weight
    :math:`(z/L)^{5/3}` integrated), the same as :math:`2.1\\rho_0` with
    :math:`\\rho_0 = (0.545 C_n^2 k^2 L)^{-3/5}` ([1]_ Ch. 6). Infinite where
    Cn2 = 0.
    """
    check_choice("wave", wave, WAVE_MODELS)
    coeff = 0.423 if wave == "plane" else 0.423 * 3.0 / 8.0  # [2]; [1] Ch. 6
    with np.errstate(divide="ignore"):
        return (coeff * _k(wavelength_nm) ** 2 * np.asarray(cn2_m23, dtype=float)
                * np.asarray(distance_m, dtype=float)) ** (-3.0 / 5.0)


def long_term_beam_radius_horizontal_m(cn2_m23, wavelength_nm, distance_m, waist_radius_m,
                                       focus_m=np.inf):
    """Long-term (turbulence-spread) beam radius [m] on a horizontal path.

    .. math:: W_{LT} = W\\,(1 + 1.33\\,\\sigma_R^2\\,\\Lambda^{5/6})^{3/5},\\quad
              \\Lambda = 2L/(kW^2)

    ([1]_ Ch. 6 and 8; the 3/5 power extends the weak-fluctuation result to
    all regimes), :math:`\\sigma_R^2` the plane-wave Rytov variance and ``W``
    from :func:`gaussian_beam_radius_m`.
    """
    w = gaussian_beam_radius_m(distance_m, wavelength_nm, waist_radius_m, focus_m)
    lam_big = 2.0 * np.asarray(distance_m, dtype=float) / (_k(wavelength_nm) * w**2)
    s2 = rytov_variance_horizontal(cn2_m23, wavelength_nm, distance_m, "plane")
    return w * (1.0 + 1.33 * s2 * lam_big ** (5.0 / 6.0)) ** (3.0 / 5.0)  # [1] Ch. 6
