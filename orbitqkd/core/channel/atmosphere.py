"""Clear-sky extinction: air mass and zenith optical depth by wavelength.

The zenith optical depth is the sum of Rayleigh scattering, aerosol
extinction and gaseous absorption, each scaled to the station altitude with
its own scale height, and multiplied by the relative air mass.

References
----------
.. [1] F. Kasten and A. T. Young, "Revised optical air mass tables and
   approximation formula", Appl. Opt. 28, 4735 (1989), doi:10.1364/AO.28.004735,
   Eq. 3.
.. [2] J. E. Hansen and L. D. Travis, "Light scattering in planetary
   atmospheres", Space Sci. Rev. 16, 527 (1974), doi:10.1007/BF00168069,
   (fit formula for the Rayleigh optical thickness at sea level).
.. [3] A. Angstrom, "On the atmospheric transmission of sun radiation and on
   dust in the air", Geogr. Ann. 11, 156 (1929) (aerosol power law).
.. [4] F. X. Kneizys et al., "Users guide to LOWTRAN 7", AFGL-TR-88-0177 (1988)
   (aerosol and water-vapour scale heights, clear-sky window absorption).
"""

from __future__ import annotations

import numpy as np

from ...constants import EARTH_MEAN_RADIUS_KM
from ...errors import check_choice, check_range

AIR_MASS_MODELS = ("kastenyoung1989", "spherical-shell", "plane-parallel")

# Scale heights [km]: pressure (US Standard Atmosphere 1976, 8.43 km at 288 K);
# boundary-layer aerosol and water vapour as in LOWTRAN 7 [4] (~1.2 km, ~2 km).
RAYLEIGH_SCALE_HEIGHT_KM = 8.43
AEROSOL_SCALE_HEIGHT_KM = 1.2
WATER_SCALE_HEIGHT_KM = 2.0

# Effective homogeneous-atmosphere height [km] for the spherical-shell air mass
# (Schoenberg 1929; the value 9 km reproduces Kasten & Young within 3 % up to
# 85 deg zenith angle).
SHELL_HEIGHT_KM = 9.0

# Zenith gaseous absorption optical depth at sea level in clear sky (mid-latitude
# winter, LOWTRAN 7 [4]); 810 nm lies on the wing of the 820 nm water band.
# These are ASSUMED representative values, not measured at any site.
WAVELENGTH_TABLE_NM = np.array([532.0, 670.0, 785.0, 810.0, 850.0, 1064.0, 1310.0, 1550.0])
ABSORPTION_TAU = np.array([0.030, 0.020, 0.004, 0.020, 0.006, 0.005, 0.020, 0.010])


def air_mass(zenith_angle_deg, model: str = "kastenyoung1989"):
    """Relative optical air mass (1 at zenith) of a line of sight.

    Parameters
    ----------
    zenith_angle_deg : array_like
        Apparent zenith angle [deg]; NaN returned above 90 deg.
    model : {'kastenyoung1989', 'spherical-shell', 'plane-parallel'}
        ``kastenyoung1989``: [1]_ Eq. 3, fitted to ray-traced air masses of the
        ISO standard atmosphere (38.09 at the horizon).
        ``spherical-shell``: path through a homogeneous shell of height 9 km on
        a spherical Earth, :math:`\\sqrt{(r\\cos z)^2 + 2r + 1} - r\\cos z`,
        :math:`r = R_E / H`.
        ``plane-parallel``: :math:`\\sec z`.

    Examples
    --------
    >>> round(float(air_mass(60.0)), 4)
    1.9943
    """
    check_choice("air mass model", model, AIR_MASS_MODELS)
    z = np.asarray(zenith_angle_deg, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        zz = np.where((z >= 0) & (z <= 90.0), z, np.nan)
        cz = np.cos(np.radians(zz))
        if model == "kastenyoung1989":
            out = 1.0 / (cz + 0.50572 * (96.07995 - zz) ** -1.6364)  # [1] Eq. 3
        elif model == "spherical-shell":
            r = EARTH_MEAN_RADIUS_KM / SHELL_HEIGHT_KM
            out = np.sqrt((r * cz) ** 2 + 2.0 * r + 1.0) - r * cz
        else:
            out = np.where(zz < 90.0, 1.0 / cz, np.nan)
    return out if np.ndim(out) else float(out)


def rayleigh_optical_depth(wavelength_nm, station_altitude_m=0.0):
    """Zenith Rayleigh optical depth [-] at a station altitude.

    .. math:: \\tau_R = 0.008569\\,\\lambda^{-4}(1 + 0.0113\\lambda^{-2}
              + 0.00013\\lambda^{-4})\\, e^{-h/H_p}

    with :math:`\\lambda` in um ([2]_) and :math:`H_p` = 8.43 km.

    Examples
    --------
    >>> round(float(rayleigh_optical_depth(550.0)), 4)
    0.0973
    """
    lam = np.asarray(wavelength_nm, dtype=float) / 1000.0
    tau0 = 0.008569 * lam**-4 * (1.0 + 0.0113 * lam**-2 + 0.00013 * lam**-4)  # [2] fit formula
    return tau0 * np.exp(-np.asarray(station_altitude_m, dtype=float) / 1000.0
                         / RAYLEIGH_SCALE_HEIGHT_KM)


def aerosol_optical_depth(wavelength_nm, aod_550nm=0.1, angstrom_exponent=1.3,
                          station_altitude_m=0.0):
    """Zenith aerosol optical depth [-]: Angstrom law [3]_ scaled by altitude.

    .. math:: \\tau_a = \\tau_{550}(\\lambda/550\\,\\mathrm{nm})^{-\\alpha}\\, e^{-h/1.2\\,\\mathrm{km}}

    ``aod_550nm`` = 0.1 and ``angstrom_exponent`` = 1.3 describe a clear
    continental sky (23 km visibility class); hazy sites reach 0.3-0.5.
    """
    lam = np.asarray(wavelength_nm, dtype=float)
    tau0 = np.asarray(aod_550nm, dtype=float) * (lam / 550.0) ** (-np.asarray(angstrom_exponent))
    return tau0 * np.exp(-np.asarray(station_altitude_m, dtype=float) / 1000.0
                         / AEROSOL_SCALE_HEIGHT_KM)


def absorption_optical_depth(wavelength_nm, station_altitude_m=0.0):
    """Zenith gaseous absorption optical depth [-], interpolated in the table.

    Raises :class:`~orbitqkd.errors.InputError` outside 532-1550 nm.
    """
    lam = check_range("wavelength_nm", wavelength_nm, WAVELENGTH_TABLE_NM[0],
                      WAVELENGTH_TABLE_NM[-1])
    tau0 = np.interp(np.asarray(lam, dtype=float), WAVELENGTH_TABLE_NM, ABSORPTION_TAU)
    return tau0 * np.exp(-np.asarray(station_altitude_m, dtype=float) / 1000.0
                         / WATER_SCALE_HEIGHT_KM)


def zenith_optical_depth(wavelength_nm, station_altitude_m=0.0, aod_550nm=0.1,
                         angstrom_exponent=1.3):
    """Total clear-sky zenith optical depth [-] (Rayleigh + aerosol + absorption)."""
    return (rayleigh_optical_depth(wavelength_nm, station_altitude_m)
            + aerosol_optical_depth(wavelength_nm, aod_550nm, angstrom_exponent,
                                    station_altitude_m)
            + absorption_optical_depth(wavelength_nm, station_altitude_m))


def zenith_transmittance(wavelength_nm, station_altitude_m=0.0, aod_550nm=0.1,
                         angstrom_exponent=1.3):
    """Clear-sky transmittance [-] of the whole atmosphere at zenith.

    Examples
    --------
    >>> 0.9 < float(zenith_transmittance(850.0)) < 0.95
    True
    """
    return np.exp(-zenith_optical_depth(wavelength_nm, station_altitude_m, aod_550nm,
                                        angstrom_exponent))


def extinction_loss_db(zenith_angle_deg, wavelength_nm, station_altitude_m=0.0,
                       aod_550nm=0.1, angstrom_exponent=1.3, model: str = "kastenyoung1989"):
    """Atmospheric extinction [dB] along a slant path (Beer-Lambert law).

    .. math:: L = 10\\log_{10}(e)\\, m(z)\\, \\tau_0(\\lambda, h)

    NaN where the zenith angle exceeds 90 deg.
    """
    tau = zenith_optical_depth(wavelength_nm, station_altitude_m, aod_550nm, angstrom_exponent)
    return 10.0 * np.log10(np.e) * air_mass(zenith_angle_deg, model) * tau
