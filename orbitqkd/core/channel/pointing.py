"""Pointing: mean loss from jitter and bias, the fading parameter, and a
tracking-error model driven by the satellite's apparent angular motion.

References
----------
.. [1] M. Toyoshima, T. Jono, K. Nakagawa and A. Yamamoto, "Optimum divergence
   angle of a Gaussian beam wave in the presence of random jitter in free-space
   laser communication systems", J. Opt. Soc. Am. A 19, 567 (2002),
   doi:10.1364/JOSAA.19.000567, Sec. 2 (Gaussian far field and Rayleigh /
   Rice distributed pointing error).
.. [2] A. A. Farid and S. Hranilovic, "Outage capacity optimization for
   free-space optical links with pointing errors", J. Lightwave Technol. 25,
   1702 (2007), doi:10.1109/JLT.2007.899174, Eqs. (9)-(11).
.. [3] G. F. Franklin, J. D. Powell and A. Emami-Naeini, *Feedback Control of
   Dynamic Systems*, 7th ed. (Pearson, 2015), Sec. 4.2.1 (system type; steady
   error to a ramp = rate / K_v (type 1), to a parabola = acceleration / K_a
   (type 2)).
.. [4] "Design and in-orbit test of a high accuracy pointing method in
   satellite-to-ground quantum communication", Opt. Express 28(6), 8291
   (2020) (Micius team; opg.optica.org/oe/abstract.cfm?uri=oe-28-6-8291),
   abstract: quantum signal pointing accuracy 0.5-1.0 urad in orbit.
"""

from __future__ import annotations

import numpy as np

# Micius in-orbit quantum-signal pointing accuracy 0.5-1.0 urad ([4], abstract);
# the lower end is taken as the loop's static floor.
MICIUS_POINTING_FLOOR_URAD = 0.5


def pointing_efficiency(beam_half_angle_urad, jitter_urad=0.0, bias_urad=0.0):
    """Mean fraction of on-axis power kept under pointing jitter and bias.

    The far field of a Gaussian beam falls as :math:`\\exp(-2\\theta^2/\\theta_b^2)`
    ([1]_ Sec. 2), :math:`\\theta_b` its 1/e^2 half-angle. With a pointing error
    :math:`\\vec\\theta = \\vec b + \\vec n`, ``bias`` b fixed and ``jitter``
    :math:`\\vec n` circular Gaussian with standard deviation :math:`\\sigma`
    per axis (Rice distribution of :math:`|\\vec\\theta|`, [1]_ Sec. 2), the
    average over the error distribution is

    .. math:: \\eta_p = \\frac{\\theta_b^2}{\\theta_b^2 + 4\\sigma^2}
              \\exp\\Big(-\\frac{2b^2}{\\theta_b^2 + 4\\sigma^2}\\Big)

    (for b = 0 this is the Rayleigh-jitter result of [1]_; with b it follows
    from the same Gaussian integral).

    Parameters
    ----------
    beam_half_angle_urad : array_like
        1/e^2 half-angle of the beam at the receiver, :math:`w(L)/L` [urad].
    jitter_urad : float
        Rms pointing jitter per axis [urad].
    bias_urad : float
        Static pointing offset [urad].

    Examples
    --------
    >>> round(float(pointing_efficiency(5.0, jitter_urad=0.0, bias_urad=5.0)), 6)  # e^-2
    0.135335
    """
    tb2 = np.asarray(beam_half_angle_urad, dtype=float) ** 2
    s2 = 4.0 * np.asarray(jitter_urad, dtype=float) ** 2
    b2 = np.asarray(bias_urad, dtype=float) ** 2
    return tb2 / (tb2 + s2) * np.exp(-2.0 * b2 / (tb2 + s2))


def pointing_gamma(beam_half_angle_urad, jitter_urad):
    """Fading parameter gamma = beam radius / (2 x rms displacement per axis) [-].

    The ratio of the 1/e^2 beam half-angle at the receiver to twice the rms
    pointing jitter per axis ([2]_ Eq. (9) in angles, small-aperture limit);
    ``inf`` without jitter. It is the ``pointing_gamma`` of
    :func:`orbitqkd.core.channel.fading.transmittance_quadrature`, and
    gamma^2 / (1 + gamma^2) is :func:`pointing_efficiency` at zero bias.
    """
    tb = np.asarray(beam_half_angle_urad, dtype=float)
    sig = np.asarray(jitter_urad, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sig > 0, tb / (2.0 * np.where(sig > 0, sig, 1.0)), np.inf)


def angular_rate_rad_s(elevation_rate_deg_s, azimuth_rate_deg_s, elevation_deg):
    """Angular rate [rad/s] of a target on the sky from its alt-azimuth rates.

    .. math:: \\omega = \\sqrt{\\dot E^2 + \\cos^2 E\\,\\dot A^2}

    (the line element of the sphere in elevation / azimuth; pure geometry).
    The azimuth axis of an alt-az mount itself turns at :math:`\\dot A`, which
    diverges near the zenith (keyhole) while omega stays finite.
    """
    e_dot = np.radians(np.asarray(elevation_rate_deg_s, dtype=float))
    a_dot = np.radians(np.asarray(azimuth_rate_deg_s, dtype=float))
    cos_e = np.cos(np.radians(np.asarray(elevation_deg, dtype=float)))
    return np.sqrt(e_dot**2 + (cos_e * a_dot) ** 2)


def angular_rate_from_range_rad_s(range_km, range_rate_km_s, relative_speed_km_s):
    """Angular rate [rad/s] of the line of sight from range, range rate and speed.

    The relative velocity splits into the range rate along the line of sight
    and a transverse part: :math:`\\omega = \\sqrt{v^2 - \\dot r^2}/r` (pure
    geometry). ``relative_speed_km_s`` is the satellite speed relative to the
    station (inertial speed minus the station's rotation velocity, vector
    difference). NaN where :math:`|\\dot r| > v` or r <= 0.
    """
    r = np.asarray(range_km, dtype=float)
    rdot = np.asarray(range_rate_km_s, dtype=float)
    v = np.asarray(relative_speed_km_s, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sqrt(v**2 - rdot**2) / r
    return np.where((r > 0) & (np.abs(rdot) <= v), out, np.nan)


def tracking_error_urad(angular_rate_rad_s, angular_acceleration_rad_s2=0.0, range_km=None, *,
                        floor_urad=MICIUS_POINTING_FLOOR_URAD, nea_urad=0.0,
                        nea_range_km=1000.0, velocity_constant_per_s=np.inf,
                        acceleration_constant_per_s2=np.inf):
    """Rms tracking (pointing) error per axis [urad] of a closed tracking loop.

    A stated servo model, not a published law (no fit of tracking error
    against angular rate was found for Micius or Jinan-1): independent error
    terms added in quadrature,

    .. math:: \\sigma^2 = \\sigma_0^2 + \\sigma_{NEA}^2 (R/R_0)^2
              + (\\omega/K_v)^2 + (\\dot\\omega/K_a)^2

    * :math:`\\sigma_0` the static floor (platform micro-vibration, sensor
      and actuator noise); default 0.5 urad, the lower end of Micius's
      in-orbit 0.5-1.0 urad ([4]_);
    * a beacon noise-equivalent angle :math:`\\sigma_{NEA}` at range
      :math:`R_0`, growing linearly with range R (photon-limited centroid,
      beacon flux ~ 1/R^2, NEA ~ 1/sqrt(flux)): this term makes the error grow
      at low elevation; ASSUMED default 0 (give ``nea_urad`` and ``range_km``);
    * the steady lag of the loop to the target's angular rate omega (type-1
      loop, velocity constant K_v) and angular acceleration (type-2 loop,
      acceleration constant K_a) ([3]_ Sec. 4.2.1); a loop of crossover f_c
      has roughly K_v ~ 2 pi f_c, K_a ~ (2 pi f_c)^2. ASSUMED defaults
      infinite (a fine loop of ~100 Hz leaves < 1e-3 urad of lag on a LEO pass).

    Parameters
    ----------
    angular_rate_rad_s : array_like
        Apparent angular rate of the target [rad/s] (:func:`angular_rate_rad_s`).
    angular_acceleration_rad_s2 : array_like
        Its time derivative [rad/s^2].
    range_km : array_like, optional
        Slant range [km] for the NEA term (ignored when None).
    floor_urad, nea_urad : float
        Static floor and NEA at ``nea_range_km`` [urad].
    nea_range_km : float
        Reference range of ``nea_urad`` [km].
    velocity_constant_per_s, acceleration_constant_per_s2 : float
        Error constants K_v [1/s] and K_a [1/s^2].

    Examples
    --------
    >>> round(float(tracking_error_urad(0.015, velocity_constant_per_s=2 * np.pi * 1e3)), 3)
    2.439
    """
    omega = np.asarray(angular_rate_rad_s, dtype=float)
    acc = np.asarray(angular_acceleration_rad_s2, dtype=float)
    var = floor_urad**2 + (omega / velocity_constant_per_s * 1e6) ** 2 + (
        acc / acceleration_constant_per_s2 * 1e6) ** 2
    if range_km is not None:
        var = var + (nea_urad * np.asarray(range_km, dtype=float) / nea_range_km) ** 2
    return np.sqrt(var)
