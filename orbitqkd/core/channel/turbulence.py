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
"""

from __future__ import annotations

import numpy as np

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
