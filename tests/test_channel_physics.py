"""Channel physics against published values and independent calculations."""

import numpy as np
import pytest

from orbitqkd.core.channel import atmosphere, background, detector, geometry, pointing, turbulence
from orbitqkd.errors import InputError, UnknownNameError


# --- geometry ---------------------------------------------------------------

def test_slant_range_zenith_and_horizon():
    # Zenith: range = altitude exactly. Horizon (E = 0): sqrt((R+H)^2 - R^2),
    # the tangent length, computed independently here. Tolerance 1 mm.
    assert geometry.slant_range_km(90.0, 500.0) == pytest.approx(500.0, abs=1e-6)
    r = geometry.EARTH_MEAN_RADIUS_KM
    assert geometry.slant_range_km(0.0, 500.0) == pytest.approx(np.sqrt((r + 500) ** 2 - r**2), abs=1e-6)


def test_slant_range_micius_xinglong_span():
    # Liao et al., Nature 549, 43 (2017): Micius (~500 km) at 645 km and 1,200 km
    # range. On a sphere these ranges correspond to ~49 deg and ~20 deg elevation;
    # checked by the inverse (law of cosines) to 1 m.
    el = np.array([49.0, 19.8])
    rng = geometry.slant_range_km(el, 500.0, 890.0)
    assert rng == pytest.approx([644.1, 1198.4], abs=1.0)
    assert rng.shape == (2,)


def test_slant_range_nan_and_broadcast():
    out = geometry.slant_range_km(np.array([[10.0], [40.0]]), np.array([500.0, 800.0]))
    assert out.shape == (2, 2)
    assert np.isnan(geometry.slant_range_km(30.0, -1.0, 0.0))
    assert np.isnan(geometry.slant_range_km(np.nan, 500.0))


def test_gaussian_beam_far_field_matches_divergence():
    # Far field: w(z) -> z * theta, theta = lambda/(pi w0) (Siegman 1986, Ch. 17).
    # A 10 urad full divergence gives a 12 m diameter at 1,200 km (Liao 2017
    # quote the ~12 m footprint); tolerance 1 cm (the near-field term adds < 1e-6).
    w0 = geometry.gaussian_waist_from_divergence_m(10.0, 850.0)
    assert 2 * geometry.beam_radius_m(1200.0, 850.0, w0) == pytest.approx(12.0, abs=0.01)


def test_collection_efficiency_limits_and_obscuration():
    # Small aperture limit: eta ~ 2 a^2 / w^2 (peak intensity times area), 0.1 % rel.
    assert geometry.collection_efficiency(100.0, 1.0) == pytest.approx(2 * 0.25 / 1e4, rel=1e-3)
    # An obscuration of ratio e removes the central disc: annulus = full - disc.
    full = geometry.collection_efficiency(2.0, 1.0)
    disc = geometry.collection_efficiency(2.0, 0.3)
    assert geometry.collection_efficiency(2.0, 1.0, 0.3) == pytest.approx(full - disc, abs=1e-12)
    assert np.isnan(geometry.collection_efficiency(np.nan, 1.0))


# --- atmosphere -------------------------------------------------------------

def test_kasten_young_air_mass_published_values():
    # Kasten & Young (1989): ray-traced air mass 38.0868 at the horizon; their
    # Eq. 3 fits it to 0.5 % (37.92), hence the tolerance. Near zenith any air
    # mass is sec z (2 at 60 deg) to < 0.3 %.
    am = atmosphere.air_mass(np.array([0.0, 60.0, 90.0]))
    assert am == pytest.approx([1.0, 2.0, 38.0868], rel=5e-3)
    assert np.isnan(atmosphere.air_mass(95.0))


def test_air_mass_models_agree_at_moderate_zenith():
    # All three models agree within 1 % below 60 deg zenith (sec z is exact
    # for a flat atmosphere; curvature matters only near the horizon).
    z = np.linspace(0, 60, 7)
    ky = atmosphere.air_mass(z)
    for model in ("spherical-shell", "plane-parallel"):
        assert atmosphere.air_mass(z, model) == pytest.approx(ky, rel=1e-2)
    with pytest.raises(UnknownNameError, match=r"air mass model = 'foo' is not known; choose one of: kastenyoung1989"):
        atmosphere.air_mass(10.0, "foo")


def test_rayleigh_optical_depth_against_bodhaine_1999():
    # Independent fit: Bodhaine et al., J. Atmos. Ocean. Tech. 16, 1854 (1999),
    # Eq. 30 (sea level, 1013.25 hPa, 45 deg N, 360 ppm CO2; lambda in um).
    # Hansen & Travis (1974) agrees within 2 % over 532-1550 nm (older
    # refractive index and depolarisation), hence the tolerance.
    lam = np.array([0.532, 0.785, 0.810, 0.850, 1.064, 1.550])
    b99 = 0.0021520 * (1.0455996 - 341.29061 * lam**-2 - 0.90230850 * lam**2) / (
        1 + 0.0027059889 * lam**-2 - 85.968563 * lam**2)
    assert atmosphere.rayleigh_optical_depth(lam * 1000) == pytest.approx(b99, rel=0.02)
    # Pressure scaling: at 8.43 km, 1/e of sea level.
    assert atmosphere.rayleigh_optical_depth(850.0, 8430.0) == pytest.approx(
        atmosphere.rayleigh_optical_depth(850.0) / np.e, rel=1e-12)


def test_extinction_loss_shape_wavelengths_and_altitude():
    loss = atmosphere.extinction_loss_db(np.array([0.0, 60.0, np.nan]), 850.0)
    assert loss.shape == (3,) and np.isnan(loss[2])
    assert loss[1] / loss[0] == pytest.approx(atmosphere.air_mass(60.0) / atmosphere.air_mass(0.0), rel=1e-12)
    # 1550 nm is clearer than 785/810/850 nm; a high site is clearer than sea level.
    t = atmosphere.zenith_transmittance(np.array([785.0, 810.0, 850.0, 1550.0]))
    assert t[3] > t[2] and np.all((t > 0.85) & (t < 0.99))
    assert atmosphere.zenith_transmittance(850.0, 3000.0) > atmosphere.zenith_transmittance(850.0)


def test_wavelength_outside_table_is_error():
    with pytest.raises(InputError, match=r"^wavelength_nm = 2000 is outside the range 532 <= wavelength_nm <= 1550$"):
        atmosphere.extinction_loss_db(30.0, 2000.0)


# --- turbulence -------------------------------------------------------------

def test_hv57_fried_parameter_is_5cm():
    # Valley (1980): HV 5/7 gives r0 = 5 cm at 0.5 um at zenith. Tolerance 1 mm
    # (the numerical integral converges to < 0.1 mm).
    assert turbulence.fried_parameter_m(0.0, 500.0) == pytest.approx(0.05, abs=1e-3)


def test_fried_parameter_scalings():
    # r0 ~ lambda^(6/5) and ~ cos(zeta)^(3/5) (Fried 1966); exact for the model.
    r0 = turbulence.fried_parameter_m(np.array([0.0, 60.0]), 850.0)
    assert r0[1] / r0[0] == pytest.approx(0.5 ** 0.6, rel=1e-9)
    ratio = turbulence.fried_parameter_m(0.0, 1550.0) / turbulence.fried_parameter_m(0.0, 850.0)
    assert ratio == pytest.approx((1550 / 850) ** 1.2, rel=1e-9)
    assert np.isnan(turbulence.fried_parameter_m(np.nan, 850.0))


def test_hv57_cn2_ground_value_and_rytov():
    assert turbulence.hufnagel_valley_cn2(0.0) == pytest.approx(1.7e-14 + 2.7e-16, rel=1e-12)
    # Andrews & Phillips (2005) Sec. 12.4: downlink Rytov variance at zenith for
    # HV 5/7 is ~0.1 in the near-IR (weak fluctuations); grows as sec^(11/6).
    s = turbulence.rytov_variance(np.array([0.0, 60.0]), 850.0)
    assert 0.05 < s[0] < 0.3
    assert s[1] / s[0] == pytest.approx(2 ** (11 / 6), rel=1e-9)
    # Scintillation index tends to the Rytov variance in weak turbulence (1 %).
    assert turbulence.scintillation_index(1e-3) == pytest.approx(1e-3, rel=1e-2)


def test_uplink_beam_spread_and_wander():
    # Uplink from a 0.3 m beacon-class transmitter: 2W0/r0 ~ 3, so W_LT/W =
    # (1 + 3^(5/3))^(3/5) ~ 2.9 (Yura 1973); the downlink beam is not spread.
    w_lt = turbulence.long_term_beam_radius_m(10.0, 0.15, 0.1, "uplink")
    assert w_lt / 10.0 == pytest.approx((1 + 3 ** (5 / 3)) ** 0.6, rel=1e-12)
    assert turbulence.long_term_beam_radius_m(10.0, 0.15, 0.1, "downlink") == 10.0
    # Wander angle ~ sqrt(0.54) (lambda/2W0) (2W0/r0)^(5/6) ~ 5 urad here.
    wander = turbulence.uplink_beam_wander_rad(850.0, 0.15, 0.1)
    assert wander == pytest.approx(np.sqrt(0.54) * 850e-9 / 0.3 * 3 ** (5 / 6), rel=1e-9)
    with pytest.raises(UnknownNameError, match=r"direction = 'sideways' is not known"):
        turbulence.fried_parameter_m(0.0, 850.0, "sideways")


def test_fov_coupling():
    # A field stop much wider than the seeing disk passes everything.
    assert turbulence.fov_coupling_efficiency(1000.0, 850.0, 0.05, 1.0) == pytest.approx(1.0, abs=1e-9)
    fwhm = turbulence.seeing_fwhm_rad(850.0, 0.05)
    # Stop diameter = FWHM of a Gaussian image: by the definition of the FWHM the
    # fraction inside is 1 - exp(-ln 2) = 0.5, up to the small Airy term (< 1 %).
    assert turbulence.fov_coupling_efficiency(fwhm * 1e6, 850.0, 0.05, 1.0) == pytest.approx(0.5, abs=0.01)


# --- pointing ---------------------------------------------------------------

def test_pointing_efficiency_against_monte_carlo():
    # Independent Monte Carlo of the Gaussian far field under Rice-distributed
    # error: 200k draws, statistical error ~0.2 %, tolerance 1 %.
    rng = np.random.default_rng(1)
    theta_b, sigma, bias = 5.0, 1.5, 2.0
    x = bias + sigma * rng.standard_normal(200_000)
    y = sigma * rng.standard_normal(200_000)
    mc = np.mean(np.exp(-2 * (x**2 + y**2) / theta_b**2))
    assert pointing.pointing_efficiency(theta_b, sigma, bias) == pytest.approx(mc, rel=1e-2)
    assert pointing.pointing_efficiency(np.array([5.0, 10.0]), 0.0, 0.0) == pytest.approx([1.0, 1.0])


# --- background and detector --------------------------------------------------

def test_moon_phase_published():
    # Krisciunas & Schaefer (1991) Eq. 20: quarter moon (alpha = 90 deg) is
    # 0.026*90 + 4e-9*90^4 = 2.6024 mag fainter than full; new moon is 8.88 mag fainter.
    assert background.moon_phase_factor(0.5) == pytest.approx(10 ** (-0.4 * 2.6024), rel=1e-4)
    assert background.moon_phase_factor(0.0) < 3e-4  # 0.026*180 + 4e-9*180^4 = 8.88 mag


def test_sky_radiance_regimes_ordered():
    night = background.sky_radiance(850.0, -30.0)
    moonlit = background.sky_radiance(850.0, -30.0, 45.0, 1.0)
    twilight = background.sky_radiance(850.0, -9.0)
    day = background.sky_radiance(850.0, 45.0)
    assert night < moonlit < twilight < day
    assert night == pytest.approx(background.NIGHT_RADIANCE_850, rel=1e-12)
    # Near the Moon the sky is brighter (K&S Eq. 21).
    near = background.sky_radiance(850.0, -30.0, 45.0, 1.0, moon_separation_deg=10.0)
    assert near > moonlit
    assert np.isnan(background.sky_radiance(850.0, np.nan))
    assert background.sky_radiance(850.0, np.array([-30.0, 10.0])).shape == (2,)


def test_background_photon_rate_independent():
    # L = 1e-8 W/m2/sr/nm, FOV 100 urad, D = 1 m, 1 nm, 850 nm:
    # P = 1e-8 * pi*(5e-5)^2 * pi/4 * 1 = 6.17e-17 W; / (hc/lambda = 2.337e-19 J)
    # = 264 photons/s (hand calculation, 0.5 %).
    assert background.background_photon_rate_cps(1e-8, 850.0, 100.0, 1.0, 1.0) == pytest.approx(264.0, rel=5e-3)


def test_solar_irradiance_black_body():
    # ASTM E-490: ~0.96 W m^-2 nm^-1 at 850 nm; the 5772 K black body is within 10 %.
    assert background.solar_spectral_irradiance(850.0) == pytest.approx(0.96, rel=0.1)


def test_detector_dead_time_and_gate():
    # Knoll Ch. 4, non-paralysable model: n tau = 1 halves the rate.
    assert detector.dead_time_rate_cps(1e7, 100.0) == pytest.approx(5e6)
    assert detector.counts_per_gate(1e3, 2.0) == pytest.approx(2e-6)
    assert detector.efficiency_loss_db(0.1) == pytest.approx(10.0)
