"""Two-way retroreflector links: the satellite laser ranging (SLR) link equation.

A ground laser illuminates the cube corners of a satellite; the returned
photons are counted by the same station's telescope. The single-photon
experiments at the Matera Laser Ranging Observatory with LAGEOS-2 and GLONASS
used such links as a source of faint pulses from orbit.

References
----------
.. [1] J. J. Degnan, "Millimeter accuracy satellite laser ranging: a review", in
   *Contributions of Space Geodesy to Geodynamics: Technology*, AGU Geodynamics
   Series 25, 133 (1993), doi:10.1029/GD025p0133: Sec. 4 (link equation),
   Sec. 6.1 (cube-corner cross-section: peak rho A 4 pi A / lambda^2, Airy
   far-field pattern, effective area at incidence angle, velocity
   aberration 2 v / c).
.. [2] J. J. Degnan, "A tutorial on retroreflectors and arrays used in satellite
   and lunar laser ranging", Photonics 10, 1215 (2023),
   doi:10.3390/photonics10111215 (same formulas, with array examples).
.. [3] B. J. Klein and J. J. Degnan, Appl. Opt. 13, 2134 (1974),
   doi:10.1364/AO.13.002134 (transmitter gain, see
   :func:`orbitqkd.core.channel.geometry.truncated_gaussian_gain`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import j1

from ...constants import EARTH_MEAN_RADIUS_KM, PLANCK_J_S, SPEED_OF_LIGHT_M_S
from ...errors import check_range

EARTH_GM_KM3_S2 = 398_600.4418  # IERS Conventions (2010), Table 1.1
FUSED_SILICA_INDEX_532 = 1.4607  # ILRS GLONASS retroreflector page (532 nm)


def circular_orbit_speed_km_s(altitude_km, earth_radius_km: float = EARTH_MEAN_RADIUS_KM):
    """Speed [km/s] on a circular orbit, :math:`v = \\sqrt{GM/(R_E + h)}`.

    >>> round(float(circular_orbit_speed_km_s(5900.0)), 2)  # LAGEOS
    5.7
    """
    return np.sqrt(EARTH_GM_KM3_S2 / (earth_radius_km + np.asarray(altitude_km, dtype=float)))


def velocity_aberration_urad(speed_km_s, angle_to_line_of_sight_deg=90.0):
    """Velocity-aberration (point-ahead) angle [urad] of a retroreflected beam.

    .. math:: \\alpha = 2 v_\\perp / c,\\quad v_\\perp = v \\sin\\psi

    ([1]_ Sec. 6.1): the return is displaced from the station by twice the
    satellite's velocity component across the line of sight (the station's
    own rotation, < 0.5 km/s, is neglected).

    Parameters
    ----------
    speed_km_s : array_like
        Satellite speed relative to the station [km/s].
    angle_to_line_of_sight_deg : array_like
        Angle between the velocity and the line of sight [deg].

    Examples
    --------
    >>> round(float(velocity_aberration_urad(5.7)), 1)
    38.0
    """
    v_perp = np.asarray(speed_km_s, dtype=float) * 1e3 * np.sin(
        np.radians(np.asarray(angle_to_line_of_sight_deg, dtype=float)))
    return 2.0 * np.abs(v_perp) / SPEED_OF_LIGHT_M_S * 1e6  # [1] Sec. 6.1


def velocity_aberration_range_urad(altitude_km, zenith_angle_deg,
                                   earth_radius_km: float = EARTH_MEAN_RADIUS_KM):
    """Smallest and largest velocity aberration [urad] on a circular orbit.

    With :math:`\\sin\\eta = R_E\\sin\\zeta/(R_E+h)` the nadir angle of the
    station seen from the satellite, the velocity (perpendicular to the
    radius) makes an angle with the line of sight whose sine lies between
    :math:`\\cos\\eta` (velocity in the plane of the line of sight) and 1:

    .. math:: \\alpha_{min} = \\frac{2v}{c}\\sqrt{1 - \\Big(\\frac{R_E\\sin\\zeta}{R_E+h}\\Big)^2},
              \\quad \\alpha_{max} = \\frac{2v}{c}

    ([1]_ Sec. 6.1).

    Returns
    -------
    tuple of ndarray
        (alpha_min, alpha_max) [urad].
    """
    h = np.asarray(altitude_km, dtype=float)
    z = np.radians(np.asarray(zenith_angle_deg, dtype=float))
    a_max = velocity_aberration_urad(circular_orbit_speed_km_s(h, earth_radius_km))
    sin_eta = earth_radius_km * np.sin(z) / (earth_radius_km + h)
    return a_max * np.sqrt(1.0 - sin_eta**2), a_max * np.ones_like(sin_eta)


def cube_corner_effective_area_factor(incidence_angle_deg, refractive_index=FUSED_SILICA_INDEX_532):
    """Effective-area fraction [-] of a solid circular cube corner at an incidence angle.

    .. math:: \\eta(\\theta) = \\frac{2}{\\pi}\\Big[\\sin^{-1}\\mu - \\sqrt{2}\\,\\mu\\tan\\theta_r\\Big]\\cos\\theta,
              \\quad \\mu = \\sqrt{1 - \\tan^2\\theta_r},\\ \\sin\\theta_r = \\sin\\theta / n

    ([1]_ Sec. 6.1); 1 at normal incidence, 0 where the cube stops
    returning light. NaN above 90 deg.
    """
    th = np.radians(np.asarray(incidence_angle_deg, dtype=float))
    n = float(refractive_index)
    with np.errstate(invalid="ignore"):
        th_r = np.arcsin(np.sin(th) / n)  # Snell's law
        mu = np.sqrt(np.clip(1.0 - np.tan(th_r) ** 2, 0.0, None))
        eta = 2.0 / np.pi * (np.arcsin(mu) - np.sqrt(2.0) * mu * np.tan(th_r)) * np.cos(th)
        eta = np.where((th >= 0) & (th <= np.pi / 2), np.clip(eta, 0.0, None), np.nan)
    return eta if np.ndim(eta) else float(eta)


def cube_corner_cross_section_m2(diameter_m, wavelength_nm, aberration_urad=0.0,
                                 reflectivity=0.78, incidence_angle_deg=0.0,
                                 refractive_index=FUSED_SILICA_INDEX_532):
    """Optical cross-section [m^2] of one unspoiled circular cube corner.

    .. math:: \\sigma = \\rho\\,A\\,\\frac{4\\pi A}{\\lambda^2}\\,\\eta(\\theta)^2
              \\Big[\\frac{2J_1(x)}{x}\\Big]^2,\\quad A = \\frac{\\pi D^2}{4},
              \\quad x = \\frac{\\pi D_{eff}\\,\\alpha}{\\lambda}

    ([1]_ Sec. 6.1): the peak is the reflectivity times the area times the
    gain of a uniformly lit aperture; the far-field pattern is the Airy
    pattern of the (effective) circular aperture, read at the velocity
    aberration :math:`\\alpha`; :math:`D_{eff} = D\\sqrt{\\eta}`. The hexagonal
    and total-internal-reflection pattern of real cubes is not modelled.

    Parameters
    ----------
    diameter_m : float
        Cube-corner front-face diameter [m] (LAGEOS: 0.0381).
    wavelength_nm : float
        Wavelength [nm].
    aberration_urad : array_like
        Angle between the incident direction and the receiver [urad].
    reflectivity : float
        Face reflectivity product rho (0.78: ASSUMED for uncoated total
        internal reflection incl. front-face losses, [2]_ order of magnitude).
    incidence_angle_deg : array_like
        Angle of incidence on the front face [deg].
    refractive_index : float
        Cube material index (fused silica 1.4607 at 532 nm).

    Examples
    --------
    >>> s = cube_corner_cross_section_m2(0.0381, 532.0, reflectivity=1.0)
    >>> round(float(s) / 1e6, 1)  # 1.5 inch cube at 532 nm, peak [million m^2]
    57.7
    """
    check_range("diameter_m", diameter_m, 0.0, low_inclusive=False)
    check_range("reflectivity", reflectivity, 0.0, 1.0)
    lam = float(wavelength_nm) * 1e-9
    area = np.pi * float(diameter_m) ** 2 / 4.0
    eta = cube_corner_effective_area_factor(incidence_angle_deg, refractive_index)
    peak = float(reflectivity) * area * 4.0 * np.pi * area / lam**2  # [1] Sec. 6.1
    x = np.pi * float(diameter_m) * np.sqrt(eta) * np.asarray(aberration_urad, dtype=float) * 1e-6 / lam
    with np.errstate(invalid="ignore", divide="ignore"):
        airy = np.where(x > 1e-9, (2.0 * j1(x) / np.where(x > 1e-9, x, 1.0)) ** 2, 1.0)
    out = peak * eta**2 * airy
    return out if np.ndim(out) else float(out)


def slr_link_photoelectrons(range_km, pulse_energy_j, wavelength_nm, transmitter_gain,
                            cross_section_m2, receiver_area_m2, transmit_efficiency=1.0,
                            receive_efficiency=1.0, detector_efficiency=1.0,
                            atmospheric_transmittance=1.0, cirrus_transmittance=1.0):
    """Mean detected photoelectrons per pulse of a retroreflector link ([1]_ Sec. 4).

    .. math:: n_{pe} = \\eta_q \\frac{E_t\\lambda}{hc}\\,\\eta_t G_t\\,\\sigma
              \\Big(\\frac{1}{4\\pi R^2}\\Big)^2 A_r\\,\\eta_r\\,T_a^2 T_c^2

    ``transmitter_gain`` is the far-field gain towards the satellite,
    e.g. :func:`orbitqkd.core.channel.geometry.truncated_gaussian_gain` with the
    pointing offset, or :math:`(8/\\theta_d^2)e^{-2(\\Delta\\theta/\\theta_d)^2}`
    for a Gaussian of half-angle divergence :math:`\\theta_d` ([1]_ Sec. 4).

    Parameters
    ----------
    range_km : array_like
        One-way station-satellite range [km]; NaN where not positive.
    pulse_energy_j : float
        Transmitted pulse energy [J].
    wavelength_nm : float
        Wavelength [nm].
    transmitter_gain : array_like
        Transmitter far-field gain towards the satellite [-].
    cross_section_m2 : array_like
        Optical cross-section of the satellite's array [m^2].
    receiver_area_m2 : float
        Receiving telescope collecting area [m^2].
    transmit_efficiency, receive_efficiency, detector_efficiency : float
        Optical throughputs and detector quantum efficiency.
    atmospheric_transmittance, cirrus_transmittance : array_like
        One-way transmittances (squared for the round trip).

    Examples
    --------
    >>> n = slr_link_photoelectrons(6000.0, 0.1, 532.0, 8 / (20e-6) ** 2, 7e6, 1.5)
    >>> f"{float(n):.3g}"
    '2.75e+05'
    """
    lam = float(wavelength_nm) * 1e-9
    photons = float(pulse_energy_j) * lam / (PLANCK_J_S * SPEED_OF_LIGHT_M_S)
    r_m = np.asarray(range_km, dtype=float) * 1e3
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(r_m > 0, 1.0 / (4.0 * np.pi * r_m**2), np.nan)
    out = (detector_efficiency * photons * transmit_efficiency  # [1] Sec. 4 link equation
           * np.asarray(transmitter_gain, dtype=float) * np.asarray(cross_section_m2, dtype=float)
           * spread**2 * receiver_area_m2 * receive_efficiency
           * np.asarray(atmospheric_transmittance, dtype=float) ** 2
           * np.asarray(cirrus_transmittance, dtype=float) ** 2)
    return out if np.ndim(out) else float(out)


def slr_link_loss_db(range_km, transmitter_gain, cross_section_m2, receiver_area_m2,
                     atmospheric_transmittance=1.0):
    """Uplink and downlink parts [dB] of the retroreflector link equation.

    Split at the satellite, with the return referred to an isotropic
    reflector of cross-section :math:`\\sigma`:

    .. math:: L_{up} = -10\\log_{10}\\frac{G_t T_a}{4\\pi R^2}\\;[\\mathrm{dB\\,m^2}],\\quad
              L_{down} = -10\\log_{10}\\frac{\\sigma A_r T_a}{4\\pi R^2}\\;[\\mathrm{dB}]

    so that :math:`n_{pe} = N_t\\,10^{-(L_{up}+L_{down})/10}` (optical and
    detector efficiencies left out). ``L_up`` is the loss to photons per m^2 at
    the satellite; ``L_down`` the gain from there to photons in the receiver.

    Returns
    -------
    tuple of ndarray
        (uplink_db, downlink_db).
    """
    r_m = np.asarray(range_km, dtype=float) * 1e3
    t_a = np.asarray(atmospheric_transmittance, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = -10.0 * np.log10(np.asarray(transmitter_gain, dtype=float) * t_a
                              / (4.0 * np.pi * r_m**2))
        down = -10.0 * np.log10(np.asarray(cross_section_m2, dtype=float) * receiver_area_m2
                                * t_a / (4.0 * np.pi * r_m**2))
    return up, down
