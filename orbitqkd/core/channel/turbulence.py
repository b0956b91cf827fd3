"""Optical turbulence on slant paths: Cn2 profile, Fried parameter,
scintillation, and beam wander / spread of uplink beams.

Heights ``h`` are measured from the station (above ground), as in [1]_; the
profile is integrated numerically on a fixed logarithmic grid, vectorised
over samples.

References
----------
.. [1] L. C. Andrews and R. L. Phillips, *Laser Beam Propagation through
   Random Media*, 2nd ed. (SPIE Press, 2005), doi:10.1117/3.626196:
   Ch. 12 (satellite links): Sec. 12.2.1 Hufnagel-Valley profile (Eq. 12.1),
   Sec. 12.3 Fried parameter of downlink / uplink (plane / spherical wave),
   Sec. 12.4-12.5 Rytov variance and scintillation index, Sec. 12.5.1 beam
   wander of an uplink collimated beam.
.. [2] D. L. Fried, "Optical resolution through a randomly inhomogeneous
   medium", J. Opt. Soc. Am. 56, 1372 (1966), doi:10.1364/JOSA.56.001372.
.. [3] H. T. Yura, "Short-term average optical-beam spread in a turbulent
   medium", J. Opt. Soc. Am. 63, 567 (1973)
   (long-term beam radius W_LT = W [1 + (2 W0/r0)^(5/3)]^(3/5)).
.. [4] R. E. Hufnagel, "Variations of atmospheric turbulence", in Digest of
   Topical Meeting on Optical Propagation through Turbulence (OSA, 1974);
   G. C. Valley, Appl. Opt. 19, 574 (1980) (HV 5/7: r0 = 5 cm and
   isoplanatic angle 7 urad at 0.5 um, for v = 21 m/s, A = 1.7e-14 m^-2/3).
.. [5] D. L. Fried, "Optical resolution through a randomly inhomogeneous
   medium for very long and very short exposures", J. Opt. Soc. Am. 56, 1372
   (1966), doi:10.1364/JOSA.56.001372: long-exposure atmospheric MTF
   exp[-3.44 (lambda nu / r0)^(5/3)].
.. [6] R. J. Noll, "Zernike polynomials and atmospheric turbulence",
   J. Opt. Soc. Am. 66, 207 (1976), doi:10.1364/JOSA.66.000207, Table IV
   (residual errors Delta_1 = 1.0299, Delta_3 = 0.134 (D/r0)^(5/3) rad^2).
.. [7] M. Born and E. Wolf, *Principles of Optics*, 7th ed. (Cambridge, 1999),
   Sec. 8.5.2 (Airy pattern: encircled energy 1 - J0^2 - J1^2, Rayleigh) and
   Sec. 9.5 (optical transfer function of a circular pupil).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ...errors import check_choice

CN2_MODELS = ("hufnagel-valley", "none")

HV57_WIND_SPEED_M_S = 21.0  # [4]: the "5/7" parameters
HV57_GROUND_CN2_M23 = 1.7e-14

# Integration grid: heights above the station [m], 1 m to 30 km (Cn2 of HV at
# 30 km is ~1e-21 m^-2/3, so the tail beyond is negligible for r0 and sigma_R).
_H_GRID_M = np.geomspace(1.0, 30_000.0, 400)


def hufnagel_valley_cn2(height_m, wind_speed_m_s=HV57_WIND_SPEED_M_S,
                        ground_cn2_m23=HV57_GROUND_CN2_M23):
    """Refractive-index structure parameter Cn2 [m^-2/3], Hufnagel-Valley model.

    .. math:: C_n^2(h) = 0.00594 (v/27)^2 (10^{-5}h)^{10} e^{-h/1000}
              + 2.7\\times10^{-16} e^{-h/1500} + A e^{-h/100}

    ([1]_ Eq. 12.1), ``h`` [m] above ground, ``v`` the rms high-altitude wind
    speed [m/s], ``A`` the ground-level Cn2.
    """
    h = np.asarray(height_m, dtype=float)
    v = np.asarray(wind_speed_m_s, dtype=float)
    return (0.00594 * (v / 27.0) ** 2 * (1e-5 * h) ** 10 * np.exp(-h / 1000.0)  # [1] Eq. 12.1
            + 2.7e-16 * np.exp(-h / 1500.0)
            + np.asarray(ground_cn2_m23, dtype=float) * np.exp(-h / 100.0))


def _path_grid(satellite_altitude_km):
    """Heights [m] broadcast against samples: shape (..., n_grid), capped at H."""
    top_m = np.asarray(satellite_altitude_km, dtype=float)[..., None] * 1e3
    h = np.minimum(_H_GRID_M, top_m)
    return h, top_m


def _integrate(y, h):
    return np.trapezoid(y, h, axis=-1) if hasattr(np, "trapezoid") else np.trapz(y, h, axis=-1)


def _sec(zenith_angle_deg):
    z = np.asarray(zenith_angle_deg, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where((z >= 0) & (z < 90.0), 1.0 / np.cos(np.radians(z)), np.nan)


def fried_parameter_m(zenith_angle_deg, wavelength_nm, direction="downlink",
                      satellite_altitude_km=500.0, wind_speed_m_s=HV57_WIND_SPEED_M_S,
                      ground_cn2_m23=HV57_GROUND_CN2_M23):
    """Atmospheric coherence diameter r0 [m] along a slant path.

    Downlink (plane wave arriving at the ground, [1]_ Sec. 12.3, [2]_):

    .. math:: r_0 = \\Big[0.423 k^2 \\sec\\zeta \\int_0^H C_n^2(h)\\,dh\\Big]^{-3/5}

    Uplink (spherical wave, the coherence seen at the ground transmitter):
    the integrand carries the weight :math:`(1 - h/H)^{5/3}`.

    Examples
    --------
    >>> round(float(fried_parameter_m(0.0, 500.0)), 3)  # HV 5/7: r0 = 5 cm [4]
    0.05
    """
    check_choice("direction", direction, ("downlink", "uplink"))
    k = 2.0 * np.pi / (np.asarray(wavelength_nm, dtype=float) * 1e-9)
    h, top = _path_grid(satellite_altitude_km)
    cn2 = hufnagel_valley_cn2(h, np.asarray(wind_speed_m_s)[..., None],
                              np.asarray(ground_cn2_m23)[..., None])
    if direction == "uplink":
        cn2 = cn2 * (1.0 - h / top) ** (5.0 / 3.0)
    integral = _integrate(cn2, h)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (0.423 * k**2 * _sec(zenith_angle_deg) * integral) ** (-3.0 / 5.0)


def rytov_variance(zenith_angle_deg, wavelength_nm, direction="downlink",
                   satellite_altitude_km=500.0, wind_speed_m_s=HV57_WIND_SPEED_M_S,
                   ground_cn2_m23=HV57_GROUND_CN2_M23):
    """Rytov variance [-], the weak-fluctuation scintillation index of a point receiver.

    Downlink (plane wave, [1]_ Sec. 12.4):

    .. math:: \\sigma_R^2 = 2.25 k^{7/6} \\sec^{11/6}\\zeta \\int_0^H C_n^2(h) h^{5/6} dh

    Uplink (spherical wave from the ground, weight :math:`(1-h/H)^{5/6}`), the
    point-source limit of the collimated-beam result of [1]_ Sec. 12.5.
    """
    check_choice("direction", direction, ("downlink", "uplink"))
    k = 2.0 * np.pi / (np.asarray(wavelength_nm, dtype=float) * 1e-9)
    h, top = _path_grid(satellite_altitude_km)
    cn2 = hufnagel_valley_cn2(h, np.asarray(wind_speed_m_s)[..., None],
                              np.asarray(ground_cn2_m23)[..., None])
    w = h ** (5.0 / 6.0)
    if direction == "uplink":
        w = w * (1.0 - h / top) ** (5.0 / 6.0)
    return 2.25 * k ** (7.0 / 6.0) * _sec(zenith_angle_deg) ** (11.0 / 6.0) * _integrate(cn2 * w, h)


def scintillation_index(rytov_var):
    """Scintillation index [-] valid from weak to strong fluctuations.

    Plane-wave result of the extended Rytov theory, zero inner scale, for a
    point receiver (no aperture averaging), [1]_ Ch. 9:

    .. math:: \\sigma_I^2 = \\exp\\Big[\\frac{0.49\\sigma_R^2}{(1+1.11\\sigma_R^{12/5})^{7/6}}
              + \\frac{0.51\\sigma_R^2}{(1+0.69\\sigma_R^{12/5})^{5/6}}\\Big] - 1

    which tends to :math:`\\sigma_R^2` when it is small.
    """
    s2 = np.asarray(rytov_var, dtype=float)
    s125 = s2 ** (6.0 / 5.0)
    return np.exp(0.49 * s2 / (1.0 + 1.11 * s125) ** (7.0 / 6.0)
                  + 0.51 * s2 / (1.0 + 0.69 * s125) ** (5.0 / 6.0)) - 1.0


def uplink_beam_wander_rad(wavelength_nm, waist_radius_m, r0_m):
    """Rms beam-wander angle [rad] of a collimated uplink beam (radial, both axes).

    .. math:: \\langle r_c^2\\rangle = 0.54 L^2 (\\lambda / 2W_0)^2 (2W_0/r_0)^{5/3}

    ([1]_ Sec. 12.5.1, infinite outer scale), returned as
    :math:`\\sqrt{\\langle r_c^2\\rangle}/L` (independent of the path length L;
    the zenith angle enters through ``r0_m``).
    """
    lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
    w0 = np.asarray(waist_radius_m, dtype=float)
    r0 = np.asarray(r0_m, dtype=float)
    return np.sqrt(0.54 * (lam / (2.0 * w0)) ** 2 * (2.0 * w0 / r0) ** (5.0 / 3.0))


def long_term_beam_radius_m(beam_radius_m, waist_radius_m, r0_m, direction="uplink"):
    """Long-term (time-averaged) beam radius [m] including turbulent spread.

    Uplink: :math:`W_{LT} = W[1 + (2W_0/r_0)^{5/3}]^{3/5}` ([3]_, the far-field
    limit of [1]_ Sec. 12.5), with ``r0`` the spherical-wave coherence diameter
    at the transmitter; it contains beam wander plus short-term spread.
    Downlink: the turbulence sits at the end of the path, so the beam leaving
    space is not spread (:math:`W_{LT} = W`, [1]_ Sec. 12.4).
    """
    check_choice("direction", direction, ("downlink", "uplink"))
    w = np.asarray(beam_radius_m, dtype=float)
    if direction == "downlink":
        return w * 1.0
    ratio = 2.0 * np.asarray(waist_radius_m, dtype=float) / np.asarray(r0_m, dtype=float)
    return w * (1.0 + ratio ** (5.0 / 3.0)) ** (3.0 / 5.0)


def seeing_fwhm_rad(wavelength_nm, r0_m):
    """Long-exposure image FWHM [rad] of a point source, 0.98 lambda / r0 ([2]_)."""
    return 0.98 * np.asarray(wavelength_nm, dtype=float) * 1e-9 / np.asarray(r0_m, dtype=float)


def fov_coupling_efficiency(fov_urad, wavelength_nm, r0_m, aperture_m):
    """Fraction of a turbulent point-source image that falls inside a field stop.

    The long-exposure image is modelled as a Gaussian whose FWHM adds the
    seeing disk ([2]_, 0.98 lambda/r0) and the Airy core (1.03 lambda/D) in
    quadrature; the fraction inside a circular stop of full angle ``fov`` is
    :math:`1 - \\exp(-2\\alpha^2/\\theta^2)`, with :math:`\\alpha` = fov/2 and
    :math:`\\theta = \\mathrm{FWHM}/\\sqrt{2\\ln 2}` the 1/e^2 radius.
    """
    lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
    fwhm = np.hypot(seeing_fwhm_rad(wavelength_nm, r0_m), 1.03 * lam / np.asarray(aperture_m))
    theta = fwhm / np.sqrt(2.0 * np.log(2.0))
    alpha = 0.5 * np.asarray(fov_urad, dtype=float) * 1e-6
    return 1.0 - np.exp(-2.0 * alpha**2 / theta**2)


def isoplanatic_angle_rad(zenith_angle_deg, wavelength_nm, direction="downlink",
                          satellite_altitude_km=500.0, wind_speed_m_s=HV57_WIND_SPEED_M_S,
                          ground_cn2_m23=HV57_GROUND_CN2_M23):
    """Isoplanatic angle theta_0 [rad], referred to the ground terminal.

    .. math:: \\theta_0 = \\cos^{8/5}\\zeta\\,
              \\Big[2.91 k^2 \\int_0^H C_n^2(h)\\, h^{5/3} dh\\Big]^{-3/5}

    ([1]_ Ch. 12 Eq. (12.30), p. 493), heights above the station.

    Downlink: the angle over which two plane waves arriving from space at the
    ground stay correlated (the beacon-to-signal separation a ground
    adaptive-optics or tip-tilt loop can tolerate). Uplink: the angle at the
    ground transmitter between the beacon received from the satellite and the
    point-ahead direction of the uplink; for a satellite in the far field of
    the transmitter (Fresnel ratio Theta = Lambda = 0 at the satellite) the
    Gaussian-beam result [1]_ Eq. (12.29) reduces to Eq. (12.30), so both
    directions return the same number (reciprocity). The near-field Gaussian
    beam correction of Eq. (12.29) is not included.

    Parameters
    ----------
    zenith_angle_deg : array_like
        Zenith angle of the path [deg]; NaN outside [0, 90).
    wavelength_nm : array_like
        Wavelength [nm].
    direction : {'downlink', 'uplink'}
    satellite_altitude_km, wind_speed_m_s, ground_cn2_m23 : array_like
        Top of the integration [km] and Hufnagel-Valley parameters.

    Returns
    -------
    ndarray or float
        theta_0 [rad].

    Examples
    --------
    >>> round(float(isoplanatic_angle_rad(0.0, 500.0)) * 1e6, 1)  # HV 5/7: ~7 urad [4]
    6.9
    """
    check_choice("direction", direction, ("downlink", "uplink"))
    k = 2.0 * np.pi / (np.asarray(wavelength_nm, dtype=float) * 1e-9)
    h, _ = _path_grid(satellite_altitude_km)
    cn2 = hufnagel_valley_cn2(h, np.asarray(wind_speed_m_s)[..., None],
                              np.asarray(ground_cn2_m23)[..., None])
    integral = _integrate(cn2 * h ** (5.0 / 3.0), h)
    cos_z = 1.0 / _sec(zenith_angle_deg)
    return cos_z ** (8.0 / 5.0) * (2.91 * k**2 * integral) ** (-3.0 / 5.0)  # [1] Eq. 12.30


def tilt_variance_rad2(wavelength_nm, aperture_m, r0_m):
    """Angle-of-arrival (tilt) variance [rad^2] per axis at a receiving aperture.

    Plane wave through a slant path, geometrical optics: the phase structure
    function across the aperture over (kD)^2 ([1]_ Ch. 6 Sec. 6.5,
    angle-of-arrival fluctuations, integrated along the slant path as in
    Ch. 12; equation number not verified here):

    .. math:: \\langle\\beta_a^2\\rangle = 2.91\\sec\\zeta\\, D^{-1/3}
              \\int C_n^2(h)\\,dh
              = \\frac{2.91}{0.423}\\Big(\\frac{\\lambda}{2\\pi}\\Big)^2
                r_0^{-5/3} D^{-1/3}

    the second form using the downlink :math:`r_0` of
    :func:`fried_parameter_m` (which carries the sec zeta). This is
    :math:`0.174 (\\lambda/D)^2 (D/r_0)^{5/3}`, one Cartesian axis: it lies
    4 % below the Zernike-tilt value 0.182 of Noll ([6]_, Table IV) and
    2 % above the gradient (G-) tilt 0.170. The two-axis (radial) variance is
    twice this.

    Parameters
    ----------
    wavelength_nm : array_like
        Wavelength [nm].
    aperture_m : array_like
        Receiver aperture diameter [m].
    r0_m : array_like
        Fried parameter of the path [m].
    """
    lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
    d = np.asarray(aperture_m, dtype=float)
    r0 = np.asarray(r0_m, dtype=float)
    return 2.91 / 0.423 * (lam / (2.0 * np.pi)) ** 2 * r0 ** (-5.0 / 3.0) * d ** (-1.0 / 3.0)


# Gauss-Legendre rule on [0, 1] for the field-stop integral (t = asin u mapped).
_FS_NODES = 1024
_FS_X, _FS_W = np.polynomial.legendre.leggauss(_FS_NODES)
_FS_X = 0.5 * (_FS_X + 1.0)
_FS_W = 0.5 * _FS_W
# The oscillation count of J0 resolved by the rule: beyond it the stop radius is
# capped (the fraction then has an error below 2/(pi^2 * cap) = 0.13 %, the
# Airy tail at the cap; see field_stop_fraction).
_FS_MAX_CYCLES = 160.0


def field_stop_fraction(fov_urad, wavelength_nm, r0_m, aperture_m, jitter_urad=0.0):
    """Fraction of a point-source image inside a circular field stop [-].

    The long-exposure image of a point source (the satellite) through a
    circular unobscured aperture of diameter D is the Fourier transform of the
    product of three transfer functions of the angular frequency nu
    [cycles/rad]: the telescope OTF ([7]_ Sec. 9.5), the long-exposure
    atmospheric MTF ([5]_, which contains the atmospheric tilt) and a Gaussian
    residual tracking jitter of standard deviation sigma per axis:

    .. math:: T(\\nu) = \\frac{2}{\\pi}\\big[\\arccos u - u\\sqrt{1-u^2}\\big]
              \\,e^{-3.44 (\\lambda\\nu/r_0)^{5/3}}\\,e^{-2\\pi^2\\sigma^2\\nu^2},
              \\quad u = \\lambda\\nu/D \\le 1.

    The energy inside a stop of angular radius alpha = fov/2 is
    :math:`E = 2\\pi\\alpha\\int_0^\\infty T(\\nu) J_1(2\\pi\\alpha\\nu)\\,d\\nu`;
    integrating by parts (T(D/lambda) = 0) gives the form evaluated here,

    .. math:: 1 - E = -\\int_0^1 \\frac{dT}{du}\\, J_0(2\\pi a u)\\,du,
              \\quad a = \\alpha D/\\lambda,

    by Gauss-Legendre quadrature in :math:`u = \\sin t`. Without turbulence it
    is the Airy result :math:`1 - J_0^2(\\pi a) - J_1^2(\\pi a)` ([7]_ Sec. 8.5.2).
    When the stop is wider than 160 resolved cycles of the integrand the stop is
    evaluated at that size instead (a lower bound, short by < 0.13 %).

    Unlike :func:`fov_coupling_efficiency` (a Gaussian image of the seeing
    FWHM), this keeps the Kolmogorov wings of the image, which hold more
    light outside a stop of a few seeing widths.

    Parameters
    ----------
    fov_urad : array_like
        Full angle of the field stop [urad].
    wavelength_nm : array_like
        Wavelength [nm].
    r0_m : array_like
        Fried parameter at the receiver [m]; ``inf`` for no turbulence.
    aperture_m : array_like
        Receiver aperture diameter [m].
    jitter_urad : array_like
        Rms residual tracking error of the receiver per axis [urad].

    Returns
    -------
    ndarray or float
        Fraction in [0, 1]; NaN for NaN or non-positive inputs.

    Examples
    --------
    Stop at the first Airy zero, 1.22 lambda/D (0.85 urad x 1.22 for 850 nm
    and 1 m), no turbulence: 83.8 % ([7]_)

    >>> round(float(field_stop_fraction(2 * 1.2197 * 0.85, 850.0, np.inf, 1.0)), 3)
    0.838
    """
    lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
    d = np.asarray(aperture_m, dtype=float)
    r0 = np.asarray(r0_m, dtype=float)
    sig = np.asarray(jitter_urad, dtype=float) * 1e-6
    alpha = 0.5 * np.asarray(fov_urad, dtype=float) * 1e-6
    lam, d, r0, sig, alpha = np.broadcast_arrays(lam, d, r0, sig, alpha)
    bad = ~((lam > 0) & (d > 0) & (r0 > 0) & (sig >= 0) & (alpha > 0))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c_atm = 3.44 * (d / r0) ** (5.0 / 3.0)  # [5]: exponent at u = 1
        c_jit = 2.0 * np.pi**2 * (sig * d / lam) ** 2
        # Upper end of u where T > e^-40 (either factor alone kills it).
        u_atm = np.where(c_atm > 0, (40.0 / np.where(c_atm > 0, c_atm, 1.0)) ** 0.6, np.inf)
        u_jit = np.where(c_jit > 0, np.sqrt(40.0 / np.where(c_jit > 0, c_jit, 1.0)), np.inf)
        u_top = np.minimum(1.0, np.minimum(u_atm, u_jit))
        a = alpha * d / lam
        a = np.minimum(a, _FS_MAX_CYCLES / np.where(u_top > 0, u_top, 1.0))
    u_top = np.where(bad, 1.0, u_top)[..., None]
    t = _FS_X * np.arcsin(u_top)
    dt_w = _FS_W * np.arcsin(u_top)
    u, cos_t = np.sin(t), np.cos(t)
    ca, cj = np.where(bad, 0.0, c_atm)[..., None], np.where(bad, 0.0, c_jit)[..., None]
    g = ca * u ** (5.0 / 3.0) + cj * u**2
    dg = ca * (5.0 / 3.0) * u ** (2.0 / 3.0) + 2.0 * cj * u
    t_tel = (2.0 / np.pi) * (0.5 * np.pi - t - u * cos_t)  # [7] Sec. 9.5 with u = sin t
    # -dT/du = e^-g [(4/pi) sqrt(1-u^2) + T_tel g'];  du = cos t dt
    minus_dt = np.exp(-g) * ((4.0 / np.pi) * cos_t + t_tel * dg)
    j0 = special.j0(2.0 * np.pi * np.where(bad, 0.0, a)[..., None] * u)
    outside = np.sum(dt_w * minus_dt * cos_t * j0, axis=-1)
    out = np.where(bad, np.nan, np.clip(1.0 - outside, 0.0, 1.0))
    return out if np.ndim(out) else float(out)


def aperture_averaged_scintillation_index(zenith_angle_deg, wavelength_nm, aperture_m,
                                          wind_speed_m_s=HV57_WIND_SPEED_M_S,
                                          ground_cn2_m23=HV57_GROUND_CN2_M23):
    """Weak-fluctuation scintillation index [-] of a downlink behind an aperture D.

    .. math:: \\sigma_I^2(D) = 8.70 k^{7/6} (H-h_0)^{5/6}\\sec^{11/6}\\zeta\\,
              \\mathrm{Re}\\int_{h_0}^{H} C_n^2(h)\\Big\\{\\Big[\\frac{kD^2}{16L}
              + i\\frac{h-h_0}{H-h_0}\\Big]^{5/6}
              - \\Big(\\frac{kD^2}{16L}\\Big)^{5/6}\\Big\\}dh

    ([1]_ Ch. 12 Eq. (12.39), p. 496: plane wave, Gaussian-aperture
    approximation of the lens), with :math:`L = (H-h_0)\\sec\\zeta`; the
    satellite altitude cancels, so it is written here as
    :math:`[kD^2\\cos\\zeta/16 + i h]^{5/6}`. At D -> 0 it is the Rytov variance
    of :func:`rytov_variance` (8.70 cos(5 pi/12) = 2.25). Valid for weak
    fluctuations (sigma_R^2 < 1, zenith angles below ~60 deg, [1]_ Sec. 12.1).

    Parameters
    ----------
    zenith_angle_deg, wavelength_nm : array_like
        Path zenith angle [deg] and wavelength [nm].
    aperture_m : array_like
        Receiver aperture diameter [m].
    wind_speed_m_s, ground_cn2_m23 : array_like
        Hufnagel-Valley parameters.
    """
    k = 2.0 * np.pi / (np.asarray(wavelength_nm, dtype=float) * 1e-9)
    h, _ = _path_grid(np.inf)
    cn2 = hufnagel_valley_cn2(h, np.asarray(wind_speed_m_s)[..., None],
                              np.asarray(ground_cn2_m23)[..., None])
    sec = _sec(zenith_angle_deg)
    q = (k * np.asarray(aperture_m, dtype=float) ** 2 / (16.0 * sec))[..., None]
    with np.errstate(invalid="ignore"):
        bracket = ((q + 1j * h) ** (5.0 / 6.0)).real - q ** (5.0 / 6.0)
        return 8.70 * k ** (7.0 / 6.0) * sec ** (11.0 / 6.0) * _integrate(cn2 * bracket, h)  # [1] Eq. 12.39


def aperture_averaging_factor(zenith_angle_deg, wavelength_nm, aperture_m,
                              wind_speed_m_s=HV57_WIND_SPEED_M_S,
                              ground_cn2_m23=HV57_GROUND_CN2_M23):
    """Aperture-averaging factor A = sigma_I^2(D) / sigma_I^2(0) [-] of a downlink.

    The ratio of :func:`aperture_averaged_scintillation_index` at D and at a
    point receiver ([1]_ Ch. 12 Eq. (12.39) over Eq. (12.38)); in (0, 1],
    decreasing with D. Multiply a weak-fluctuation point-receiver index by it.
    """
    point = aperture_averaged_scintillation_index(zenith_angle_deg, wavelength_nm, 0.0,
                                                  wind_speed_m_s, ground_cn2_m23)
    return aperture_averaged_scintillation_index(zenith_angle_deg, wavelength_nm, aperture_m,
                                                 wind_speed_m_s, ground_cn2_m23) / point
