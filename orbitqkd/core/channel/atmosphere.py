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
.. [5] ASTM G173-03, "Standard tables for reference solar spectral irradiances:
   direct normal and hemispherical on 37 deg tilted surface" (ASTM, 2003),
   computed with SMARTS 2.9.2: US Standard Atmosphere 1976, sea level,
   absolute air mass 1.5, 1.4164 cm precipitable water, 0.3438 atm-cm ozone,
   Shettle & Fenn rural aerosol with optical depth 0.084 at 500 nm.
   C. A. Gueymard, D. Myers and K. Emery, "Proposed reference irradiance
   spectra for solar energy systems testing", Sol. Energy 73, 443 (2002),
   doi:10.1016/S0038-092X(03)00005-7, Table 1 (those inputs).

The molecular absorption of model ``'astm-g173'`` is what is left of the
G173 direct-normal extinction at air mass 1.5 once Rayleigh scattering
(:func:`rayleigh_optical_depth`) and the G173 aerosol (Angstrom law fitted to
the G173 window residuals, :data:`G173_AEROSOL_EXPONENTS`) are removed. It is
split by wavelength into O2 bands (scaled with pressure), ozone (below 680
nm, scaled with the ozone column) and water vapour (the rest, scaled with
precipitable water and a 2 km scale height). Beer's law is applied to each
1 nm sample and the transmittance averaged over the filter band; saturated
band centres (O2 A band, 940 nm water) are therefore too opaque at high air
mass, which does not matter at QKD wavelengths chosen in windows.
"""

from __future__ import annotations

import functools

import numpy as np

from ...constants import EARTH_MEAN_RADIUS_KM
from ...data import data_path
from ...errors import check_choice, check_range

AIR_MASS_MODELS = ("kastenyoung1989", "spherical-shell", "plane-parallel")
# 'lowtran7-table': the 8-point table ABSORPTION_TAU (ASSUMED values, kept as the
# default for existing callers); 'astm-g173': 1 nm molecular absorption from [5].
ABSORPTION_MODELS = ("lowtran7-table", "astm-g173")

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

# ASTM G173-03 [5]: bundled table (400-1700 nm, 1 nm), the atmosphere it assumes.
G173_TABLE = ("atmosphere", "astm_g173_400_1700nm.csv")
G173_AIR_MASS = 1.5  # [5] absolute air mass (sun at 48.236 deg zenith, sea level)
G173_PRECIPITABLE_WATER_CM = 1.4164  # [5] Gueymard et al. 2002, Table 1
G173_OZONE_ATM_CM = 0.3438  # [5] Gueymard et al. 2002, Table 1
G173_AOD_500NM = 0.084  # [5] Shettle & Fenn rural aerosol, optical depth at 500 nm
# Angstrom exponents below / above 500 nm, fitted in this work to the G173
# residual optical depth (minus Rayleigh) in the window 440-460 nm (below) and,
# by least squares through 0.084 at 500 nm, in the windows 775-785,
# 865-875, 1035-1045 and 1235-1245 nm; SMARTS' rural aerosol has the same
# two-exponent form ([5], Gueymard 2002).
G173_AEROSOL_EXPONENTS = (1.20, 1.24)
G173_WAVELENGTH_RANGE_NM = (400.0, 1600.0)  # model range; the table runs to 1700 nm
# O2 absorption bands inside 400-1700 nm [nm]: gamma (628 nm), B (687 nm),
# A (760 nm) and a1-Delta (1268 nm); scaled with pressure.
O2_BANDS_NM = ((626.0, 634.0), (686.0, 697.0), (757.0, 772.0), (1255.0, 1276.0))
OZONE_UPPER_NM = 680.0  # below this (outside O2 bands) the residual is Chappuis ozone
_BAND_POINTS = 41  # samples across a filter band


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
                         angstrom_exponent=1.3, absorption_model="lowtran7-table",
                         precipitable_water_cm=G173_PRECIPITABLE_WATER_CM, bandwidth_nm=1.0,
                         ozone_atm_cm=G173_OZONE_ATM_CM):
    """Total clear-sky zenith optical depth [-] (Rayleigh + aerosol + absorption).

    ``absorption_model`` (one of :data:`ABSORPTION_MODELS`): ``'lowtran7-table'``
    (default, 532-1550 nm, :func:`absorption_optical_depth`) or ``'astm-g173'``
    (400-1600 nm, :func:`molecular_absorption_optical_depth` with
    ``precipitable_water_cm``, ``bandwidth_nm`` and ``ozone_atm_cm``).
    """
    check_choice("absorption_model", absorption_model, ABSORPTION_MODELS)
    if absorption_model == "lowtran7-table":
        absorption = absorption_optical_depth(wavelength_nm, station_altitude_m)
    else:
        absorption = molecular_absorption_optical_depth(
            wavelength_nm, station_altitude_m, precipitable_water_cm, bandwidth_nm,
            ozone_atm_cm)
    return (rayleigh_optical_depth(wavelength_nm, station_altitude_m)
            + aerosol_optical_depth(wavelength_nm, aod_550nm, angstrom_exponent,
                                    station_altitude_m)
            + absorption)


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
                       aod_550nm=0.1, angstrom_exponent=1.3, model: str = "kastenyoung1989",
                       absorption_model="lowtran7-table",
                       precipitable_water_cm=G173_PRECIPITABLE_WATER_CM, bandwidth_nm=1.0,
                       ozone_atm_cm=G173_OZONE_ATM_CM):
    """Atmospheric extinction [dB] along a slant path (Beer-Lambert law).

    .. math:: L = 10\\log_{10}(e)\\, m(z)\\, \\tau_0(\\lambda, h)

    With ``absorption_model='astm-g173'`` the molecular absorption term is the
    band-averaged transmittance at air mass m(z)
    (:func:`molecular_absorption_transmittance`) instead of
    :math:`e^{-m\\tau}`. NaN where the zenith angle exceeds 90 deg.

    Examples
    --------
    >>> round(float(extinction_loss_db(0.0, 810.0, absorption_model="astm-g173")), 3)
    0.436
    """
    check_choice("absorption_model", absorption_model, ABSORPTION_MODELS)
    m = air_mass(zenith_angle_deg, model)
    if absorption_model == "lowtran7-table":
        tau = zenith_optical_depth(wavelength_nm, station_altitude_m, aod_550nm,
                                   angstrom_exponent)
        return 10.0 * np.log10(np.e) * m * tau
    tau = (rayleigh_optical_depth(wavelength_nm, station_altitude_m)
           + aerosol_optical_depth(wavelength_nm, aod_550nm, angstrom_exponent,
                                   station_altitude_m))
    t_abs = molecular_absorption_transmittance(wavelength_nm, m, station_altitude_m,
                                               precipitable_water_cm, bandwidth_nm,
                                               ozone_atm_cm)
    return 10.0 * np.log10(np.e) * m * tau - 10.0 * np.log10(t_abs)


@functools.lru_cache(maxsize=1)
def g173_table():
    """The bundled ASTM G173-03 spectra [5]_, 400-1700 nm at 1 nm.

    Returns
    -------
    tuple of ndarray
        Wavelength [nm], extraterrestrial and direct-normal (with circumsolar)
        spectral irradiance [W m^-2 nm^-1] at air mass 1.5.
    """
    table = np.loadtxt(data_path(*G173_TABLE), delimiter=",", skiprows=1)
    table.setflags(write=False)
    return table[:, 0], table[:, 1], table[:, 2]


def g173_aerosol_optical_depth(wavelength_nm):
    """Zenith aerosol optical depth [-] of the ASTM G173 atmosphere.

    Two-exponent Angstrom law through 0.084 at 500 nm ([5]_), exponents
    :data:`G173_AEROSOL_EXPONENTS` fitted to the G173 window residuals.
    """
    lam = np.asarray(wavelength_nm, dtype=float)
    alpha = np.where(lam < 500.0, G173_AEROSOL_EXPONENTS[0], G173_AEROSOL_EXPONENTS[1])
    return G173_AOD_500NM * (lam / 500.0) ** -alpha


@functools.lru_cache(maxsize=1)
def g173_absorption_optical_depths():
    """Sea-level zenith absorption optical depths of the G173 atmosphere per 1 nm sample.

    Returns
    -------
    tuple of ndarray
        Wavelength [nm] and the O2, ozone and water-vapour optical depths [-]
        (read-only; each sample belongs to exactly one of the three).
    """
    lam, etr, dni = g173_table()
    tau = -np.log(dni / etr) / G173_AIR_MASS  # Beer-Lambert on [5] at AM 1.5
    resid = np.clip(tau - rayleigh_optical_depth(lam) - g173_aerosol_optical_depth(lam),
                    0.0, None)
    is_o2 = np.zeros(lam.shape, dtype=bool)
    for lo, hi in O2_BANDS_NM:
        is_o2 |= (lam >= lo) & (lam <= hi)
    is_o3 = ~is_o2 & (lam < OZONE_UPPER_NM)
    is_h2o = ~is_o2 & ~is_o3
    parts = (lam,) + tuple(np.where(mask, resid, 0.0) for mask in (is_o2, is_o3, is_h2o))
    for part in parts:
        part.setflags(write=False)
    return parts


def molecular_absorption_transmittance(wavelength_nm, air_mass_value=1.0,
                                       station_altitude_m=0.0,
                                       precipitable_water_cm=G173_PRECIPITABLE_WATER_CM,
                                       bandwidth_nm=1.0, ozone_atm_cm=G173_OZONE_ATM_CM):
    """Band-averaged transmittance [-] of O2, ozone and water-vapour absorption.

    .. math:: T = \\frac{1}{\\Delta\\lambda}\\int_{\\Delta\\lambda}
              \\exp\\{-m[\\tau_{O_2}(\\lambda)\\,p/p_0 + \\tau_{O_3}(\\lambda)\\,O/O_{G173}
              + \\tau_{w}(\\lambda)\\,(W/W_{G173})\\,e^{-h/2\\,\\mathrm{km}}]\\}\\,d\\lambda

    with the zenith optical depths of :func:`molecular_absorption_optical_depth`'s
    model ([5]_), :math:`p/p_0 = e^{-h/8.43\\,\\mathrm{km}}`, and a flat filter
    of width ``bandwidth_nm`` centred on ``wavelength_nm``.

    Parameters
    ----------
    wavelength_nm : array_like
        Filter centre wavelength [nm], 400-1600.
    air_mass_value : array_like
        Relative air mass (1 at zenith, see :func:`air_mass`); NaN propagates.
    station_altitude_m : array_like
        Station altitude [m].
    precipitable_water_cm : float
        Precipitable water at sea level [cm] (1.42 for G173).
    bandwidth_nm : float
        Full width of the flat-topped filter [nm], 0.01-100; below the table's
        1 nm sampling the spectrum is interpolated linearly.
    ozone_atm_cm : float
        Total ozone column [atm-cm] (0.3438 for G173).

    Examples
    --------
    >>> t = molecular_absorption_transmittance([810.0, 850.0, 760.0])
    >>> bool(t[0] < t[1] and t[2] < 0.5)
    True
    """
    check_range("wavelength_nm", wavelength_nm, *G173_WAVELENGTH_RANGE_NM)
    check_range("precipitable_water_cm", precipitable_water_cm, 0.0, 20.0)
    check_range("bandwidth_nm", bandwidth_nm, 0.01, 100.0)
    check_range("ozone_atm_cm", ozone_atm_cm, 0.0, 1.0)
    lam_tab, o2, o3, h2o = g173_absorption_optical_depths()
    h_km = np.asarray(station_altitude_m, dtype=float)[..., None] / 1000.0
    offsets = float(bandwidth_nm) * (np.linspace(0.0, 1.0, _BAND_POINTS) - 0.5)
    lam = np.asarray(wavelength_nm, dtype=float)[..., None] + offsets
    tau = (np.interp(lam, lam_tab, o2) * np.exp(-h_km / RAYLEIGH_SCALE_HEIGHT_KM)
           + np.interp(lam, lam_tab, o3) * float(ozone_atm_cm) / G173_OZONE_ATM_CM
           + np.interp(lam, lam_tab, h2o) * float(precipitable_water_cm)
           / G173_PRECIPITABLE_WATER_CM * np.exp(-h_km / WATER_SCALE_HEIGHT_KM))
    m = np.asarray(air_mass_value, dtype=float)[..., None]
    out = np.mean(np.exp(-m * tau), axis=-1)
    return out if np.ndim(out) else float(out)


def molecular_absorption_optical_depth(wavelength_nm, station_altitude_m=0.0,
                                       precipitable_water_cm=G173_PRECIPITABLE_WATER_CM,
                                       bandwidth_nm=1.0, ozone_atm_cm=G173_OZONE_ATM_CM):
    """Zenith molecular absorption optical depth [-] over a filter band ([5]_).

    :math:`\\tau = -\\ln T` with ``T`` the band-averaged zenith transmittance of
    :func:`molecular_absorption_transmittance`. At other air masses use that
    function directly: inside a band with absorption lines ``T(m)`` is not
    ``exp(-m tau)``.

    Examples
    --------
    >>> tau = molecular_absorption_optical_depth([785.0, 810.0, 850.0])
    >>> [round(float(x), 3) for x in tau]
    [0.002, 0.02, 0.003]
    """
    return 0.0 - np.log(molecular_absorption_transmittance(
        wavelength_nm, 1.0, station_altitude_m, precipitable_water_cm, bandwidth_nm,
        ozone_atm_cm))
