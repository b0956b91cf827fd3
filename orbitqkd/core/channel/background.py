"""Sky background: spectral radiance from Sun and Moon, and detected counts.

The sky spectral radiance is the sum of a night floor (airglow and starlight),
a sunlit term and a moonlit term. Each lit term is a reference radiance (body
high in the sky, line of sight 90 deg from it) times

* the extinction of the body's light on its way down, :math:`10^{-0.4 k X}`
  with the V-band extinction k = 0.172 mag/air mass ([1]_ text);
* the scattering function :math:`f(\\rho)` of [1]_ Eq. 21, normalised at
  90 deg, so that the sky brightens towards the body;
* for the Moon, its phase, :math:`10^{-0.4(0.026|\\alpha| + 4\\times10^{-9}\\alpha^4)}`
  relative to full ([1]_ Eq. 20);
* for the Sun below the horizon, twilight: log-linear fall from 1/10 of the
  daytime value at sunset to the night floor at -18 deg (astronomical dusk).

References
----------
.. [1] K. Krisciunas and B. E. Schaefer, "A model of the brightness of
   moonlight", Publ. Astron. Soc. Pac. 103, 1033 (1991), doi:10.1086/132921.
.. [2] C. Benn and S. Ellison, "Brightness of the night sky over La Palma",
   La Palma Tech. Note 115 (1998): dark-site I-band sky 19.9 mag/arcsec^2.
.. [3] C. Bonato, A. Tomaello, V. Da Deppo, G. Naletto and P. Villoresi,
   "Feasibility of satellite quantum key distribution", New J. Phys. 11,
   045017 (2009), doi:10.1088/1367-2630/11/4/045017 (background from sky
   radiance through field of view, aperture and filter).
"""

from __future__ import annotations

import numpy as np

from ...constants import AU_KM, PLANCK_J_S, SPEED_OF_LIGHT_M_S
from .atmosphere import air_mass

# Reference spectral radiances at 850 nm [W m^-2 sr^-1 nm^-1]:
# night: 19.9 I-mag/arcsec^2 [2] = 5e-9 (dark site, no light pollution);
# full moon at zenith, 90 deg away: 2.5 mag brighter than the dark sky in I
# (ratio 10), consistent with the Moon/Sun illuminance ratio 2.5e-6 times the
# daytime value; day: clear blue sky 90 deg from a high Sun. The day and moon
# values are ASSUMED representative clear-sky numbers (order of magnitude).
NIGHT_RADIANCE_850 = 5e-9
FULL_MOON_RADIANCE_850 = 5e-8
DAY_RADIANCE_850 = 2e-2
# Rayleigh-like colour of scattered sunlight/moonlight: L ~ lambda^-4.
SCATTER_EXPONENT = 4.0
EXTINCTION_MAG_PER_AIRMASS = 0.172  # [1], V band at Mauna Kea
TWILIGHT_END_DEG = -18.0


def _scattering(separation_deg):
    """[1] Eq. 21 normalised to 1 at 90 deg; 1 where the separation is unknown."""
    rho = np.asarray(separation_deg, dtype=float)
    f = 10**5.36 * (1.06 + np.cos(np.radians(rho)) ** 2) + 10 ** (6.15 - rho / 40.0)
    f90 = 10**5.36 * 1.06 + 10 ** (6.15 - 90.0 / 40.0)
    return np.where(np.isfinite(rho), f / f90, 1.0)


def _body_extinction(elevation_deg):
    x = air_mass(np.clip(90.0 - np.asarray(elevation_deg, dtype=float), 0.0, 90.0))
    return 10 ** (-0.4 * EXTINCTION_MAG_PER_AIRMASS * x)


def moon_phase_factor(illuminated_fraction):
    """Moon brightness relative to full, from the illuminated fraction ([1]_ Eq. 20).

    >>> float(moon_phase_factor(1.0))
    1.0
    >>> round(float(moon_phase_factor(0.5)), 3)  # quarter moon: 2.6 mag fainter
    0.091
    """
    k = np.clip(np.asarray(illuminated_fraction, dtype=float), 0.0, 1.0)
    alpha = np.degrees(np.arccos(2.0 * k - 1.0))  # phase angle [deg]
    return 10 ** (-0.4 * (0.026 * alpha + 4e-9 * alpha**4))


def sky_radiance(wavelength_nm, sun_elevation_deg, moon_elevation_deg=-90.0,
                 moon_illuminated_fraction=0.0, sun_separation_deg=np.nan,
                 moon_separation_deg=np.nan, night_radiance_850=NIGHT_RADIANCE_850):
    """Sky spectral radiance [W m^-2 sr^-1 nm^-1] along a line of sight.

    Parameters
    ----------
    wavelength_nm : float
        Wavelength [nm].
    sun_elevation_deg, moon_elevation_deg : array_like
        Elevations of the Sun and Moon [deg].
    moon_illuminated_fraction : array_like
        Illuminated fraction of the Moon's disc [0-1].
    sun_separation_deg, moon_separation_deg : array_like
        Angle between the line of sight and the Sun / Moon [deg]; NaN means
        unknown (90 deg assumed).
    night_radiance_850 : float
        Moonless night sky at 850 nm; raise it for light-polluted sites.

    Examples
    --------
    >>> day = sky_radiance(850.0, 60.0)
    >>> night = sky_radiance(850.0, -30.0)
    >>> 1e5 < day / night < 1e8
    True
    """
    colour = (np.asarray(wavelength_nm, dtype=float) / 850.0) ** -SCATTER_EXPONENT
    sun = np.asarray(sun_elevation_deg, dtype=float)
    # Sun above the horizon: extinction of sunlight; the 1/10 at sunset joins twilight.
    day = DAY_RADIANCE_850 * _body_extinction(sun) / _body_extinction(90.0)
    day = np.maximum(day, 0.1 * DAY_RADIANCE_850)
    frac = np.clip(sun / TWILIGHT_END_DEG, 0.0, 1.0)  # 0 at sunset, 1 at -18 deg
    twilight = 10 ** ((1 - frac) * np.log10(0.1 * DAY_RADIANCE_850)
                      + frac * np.log10(night_radiance_850))
    sunlit = np.where(sun >= 0.0, day, np.where(frac < 1.0, twilight, 0.0))
    sunlit = sunlit * np.where(sun >= 0.0, _scattering(sun_separation_deg), 1.0)
    moon = np.asarray(moon_elevation_deg, dtype=float)
    moonlit = np.where(
        moon > 0.0,
        FULL_MOON_RADIANCE_850 * moon_phase_factor(moon_illuminated_fraction)
        * _body_extinction(moon) / _body_extinction(90.0) * _scattering(moon_separation_deg),
        0.0)
    out = colour * (night_radiance_850 + sunlit + moonlit)
    out = np.where(np.isnan(sun), np.nan, out)
    return out if np.ndim(out) else float(out)


def background_photon_rate_cps(radiance, wavelength_nm, fov_urad, aperture_m,
                               filter_bandwidth_nm, efficiency=1.0, obscuration_ratio=0.0):
    """Detected background rate [1/s] from a sky radiance ([3]_).

    .. math:: N_b = \\frac{L_\\lambda\\,\\Omega\\,A\\,\\Delta\\lambda\\,\\eta}{hc/\\lambda},
              \\quad \\Omega = \\pi(\\mathrm{fov}/2)^2,\\;
              A = \\tfrac{\\pi}{4}D^2(1-\\epsilon^2)

    Parameters
    ----------
    radiance : array_like
        Sky spectral radiance [W m^-2 sr^-1 nm^-1].
    fov_urad : float
        Full field-of-view angle of the receiver [urad].
    aperture_m, obscuration_ratio : float
        Telescope diameter [m] and central obscuration ratio.
    filter_bandwidth_nm : float
        Spectral filter bandwidth [nm].
    efficiency : float
        Receiver optics times detector efficiency.

    Examples
    --------
    >>> round(float(background_photon_rate_cps(1e-8, 850.0, 100.0, 1.0, 1.0)))
    264
    """
    lam_m = np.asarray(wavelength_nm, dtype=float) * 1e-9
    omega_sr = np.pi * (0.5 * np.asarray(fov_urad, dtype=float) * 1e-6) ** 2
    area_m2 = 0.25 * np.pi * np.asarray(aperture_m, dtype=float) ** 2 * (
        1.0 - np.asarray(obscuration_ratio, dtype=float) ** 2)
    photon_j = PLANCK_J_S * SPEED_OF_LIGHT_M_S / lam_m
    return (np.asarray(radiance, dtype=float) * omega_sr * area_m2
            * np.asarray(filter_bandwidth_nm, dtype=float) * efficiency / photon_j)


SUN_TEMPERATURE_K = 5772.0  # IAU 2015 Resolution B3 nominal effective temperature
SUN_RADIUS_KM = 695_700.0  # IAU 2015 Resolution B3
MOON_TO_SUN_ILLUMINANCE = 10 ** (-0.4 * (26.74 - 12.74))  # full Moon -12.74 mag, Sun -26.74 mag


def solar_spectral_irradiance(wavelength_nm):
    """Top-of-atmosphere solar spectral irradiance [W m^-2 nm^-1], black body.

    :math:`E_\\lambda = \\pi B_\\lambda(T_\\odot)(R_\\odot/1\\,\\mathrm{au})^2`;
    1.03 at 850 nm, within 10 % of the measured solar spectrum (ASTM E-490),
    which is enough for a background estimate.
    """
    lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
    hc = PLANCK_J_S * SPEED_OF_LIGHT_M_S
    b = 2.0 * hc * SPEED_OF_LIGHT_M_S / lam**5 / np.expm1(hc / (lam * 1.380649e-23 * SUN_TEMPERATURE_K))
    return np.pi * b * (SUN_RADIUS_KM / AU_KM) ** 2 * 1e-9


def earth_radiance(wavelength_nm, sun_elevation_deg, moon_elevation_deg=-90.0,
                   moon_illuminated_fraction=0.0, albedo=0.3,
                   night_radiance_850=NIGHT_RADIANCE_850):
    """Upwelling spectral radiance [W m^-2 sr^-1 nm^-1] of the ground, seen from space.

    Background of an uplink receiver: a Lambertian ground of ``albedo`` lit by
    the Sun or the Moon, :math:`L = a E_\\lambda \\sin h / \\pi`, plus the
    night floor (artificial light, scaled like the night sky).
    """
    e_sun = solar_spectral_irradiance(wavelength_nm)
    sun = np.asarray(sun_elevation_deg, dtype=float)
    moon = np.asarray(moon_elevation_deg, dtype=float)
    lit = np.clip(np.sin(np.radians(sun)), 0.0, None)
    moonlit = (np.clip(np.sin(np.radians(moon)), 0.0, None) * MOON_TO_SUN_ILLUMINANCE
               * moon_phase_factor(moon_illuminated_fraction))
    colour = (np.asarray(wavelength_nm, dtype=float) / 850.0) ** -SCATTER_EXPONENT
    out = albedo * e_sun * (lit + moonlit) / np.pi + colour * night_radiance_850
    return np.where(np.isnan(sun), np.nan, out)
