"""Truncated-beam gain, G173 molecular absorption, horizontal paths and the
retroreflector link, against published values and independent calculations."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize_scalar
from scipy.special import j0

from orbitqkd.core.channel import atmosphere, geometry, horizontal, retroreflector
from orbitqkd.errors import InputError, UnknownNameError


# --- truncated Gaussian transmitter (Klein & Degnan 1974) --------------------

def _kd_on_axis(alpha, gamma=0.0):
    # Klein & Degnan, Appl. Opt. 13, 2134 (1974): on-axis far-field gain over
    # the uniformly lit aperture's 4 pi A / lambda^2, written out independently.
    return 2.0 / alpha**2 * (np.exp(-gamma**2 * alpha**2) - np.exp(-alpha**2)) ** 2


def test_klein_degnan_optimum_truncation():
    # Published: alpha = a/w = 1.12 maximises the on-axis gain at 0.8145 of
    # 4 pi A / lambda^2 (no obscuration). The function's gain over a grid of
    # w0 must peak there: 0.01 in alpha (grid step 0.002), 1e-4 in g.
    a, lam_m = 0.15, 850e-9
    alphas = np.arange(0.9, 1.4, 0.002)
    g = np.array([geometry.truncated_gaussian_gain(0.0, 850.0, a, a / al) for al in alphas])
    g = g / (4 * np.pi * np.pi * a**2 / lam_m**2)
    assert alphas[np.argmax(g)] == pytest.approx(1.12, abs=0.01)
    assert g.max() == pytest.approx(0.8145, abs=1e-4)
    # K&D's fit of the optimum with obscuration, alpha = 1.12 - 1.30 g^2 + 2.12 g^4,
    # agrees with the optimum of the function within 0.01 for gamma <= 0.3.
    for gamma in (0.1, 0.2, 0.3):
        best = minimize_scalar(
            lambda al: -geometry.truncated_gaussian_gain(0.0, 850.0, a, a / al, gamma),
            bounds=(0.6, 2.0), method="bounded").x
        assert best == pytest.approx(1.12 - 1.30 * gamma**2 + 2.12 * gamma**4, abs=0.01)
        assert geometry.truncated_gaussian_gain(0.0, 850.0, a, a / best, gamma) / (
            4 * np.pi * np.pi * a**2 / lam_m**2) == pytest.approx(_kd_on_axis(best, gamma), rel=1e-9)


def test_truncated_gain_untruncated_limit():
    # a >> w0: the far field of the untruncated Gaussian of geometry.beam_radius_m,
    # G = 4 pi R^2 I / P = 8 R^2 / w(R)^2 times exp(-2 theta^2 / theta_b^2)
    # (Siegman 1986 Ch. 17). With a = 5 w0 the clipped power is e^-50; at
    # 100,000 km the near-field term (z_R/R)^2 of w(R) is 8.5e-9: 1e-6 rel.
    w0, r_km = 0.05, 1e5
    theta = np.array([0.0, 2.0, 5.0, 8.0])
    w = geometry.beam_radius_m(r_km, 850.0, w0)
    expected = 8 * (r_km * 1e3) ** 2 / w**2 * np.exp(-2 * (theta * 1e-6 * r_km * 1e3) ** 2 / w**2)
    got = geometry.truncated_gaussian_gain(theta, 850.0, 5 * w0, w0)
    assert got == pytest.approx(expected, rel=1e-6)


def test_truncated_gain_against_scipy_quadrature():
    # Independent adaptive quadrature of the Fraunhofer integral over the
    # annulus in r (not u = r^2/a^2), K&D normalisation; 1e-7 relative.
    lam, a, w0, gamma = 850e-9, 0.15, 0.12, 0.2
    k = 2 * np.pi / lam
    for th_urad in (0.0, 1.5, 4.0, 9.0):
        x = k * np.sin(th_urad * 1e-6)
        amp = quad(lambda r: np.exp(-r**2 / w0**2) * j0(x * r) * 2 * np.pi * r,
                   gamma * a, a, limit=200)[0]
        gain = 4 * np.pi / lam**2 * amp**2 / (np.pi * w0**2 / 2)
        assert geometry.truncated_gaussian_gain(th_urad, 850.0, a, w0, gamma) == pytest.approx(
            gain, rel=1e-7)


def test_truncation_penalty_of_the_current_model():
    # (a) 0.3 m transmitter, w0 = 0.89 a (budget.OPTIMUM_TRUNCATION): the
    # untruncated far field is 2.889 dB too high on axis (1 mdB);
    # (b) Micius, 10 urad full divergence at 850 nm (w0 = 54 mm, a/w0 = 2.77):
    # 0.004 dB, negligible.
    a = 0.15
    for w0, expected_db in ((0.89 * a, 2.889), (geometry.gaussian_waist_from_divergence_m(10.0, 850.0), 0.004)):
        untruncated = 8 * np.pi**2 * w0**2 / 850e-9**2
        db = 10 * np.log10(untruncated / geometry.truncated_gaussian_gain(0.0, 850.0, a, w0))
        assert db == pytest.approx(expected_db, abs=1e-3)


def test_clipping_and_collection_shapes_and_errors():
    # Clipping: 1 - e^-2 at a = w0 (power integral by hand).
    assert geometry.aperture_clipping_efficiency(0.1, 0.1) == pytest.approx(1 - np.exp(-2), rel=1e-12)
    eta = geometry.truncated_beam_collection_efficiency(np.array([500.0, 1000.0, -1.0]), 850.0,
                                                        0.15, 0.13, 1.0, 0.2)
    assert eta.shape == (3,) and np.isnan(eta[2])
    assert eta[0] / eta[1] == pytest.approx(4.0, rel=1e-12)  # 1/R^2 in the far field
    # Small receiver, untruncated beam: equals collection_efficiency, within
    # its curvature over the receiver (a_r/w)^2 = 9e-5 and the near-field term
    # (z_R/R)^2 = 9e-5 of w(R): 5e-4 rel.
    w = geometry.beam_radius_m(1000.0, 850.0, 0.05)
    assert geometry.truncated_beam_collection_efficiency(1000.0, 850.0, 1.0, 0.05, 0.1) == pytest.approx(
        geometry.collection_efficiency(w, 0.1), rel=5e-4)
    assert isinstance(geometry.truncated_gaussian_gain(0.0, 850.0, 0.15, 0.1), float)
    with pytest.raises(InputError, match=r"^obscuration_ratio = 1 is outside the range 0 <= obscuration_ratio < 1$"):
        geometry.truncated_gaussian_gain(0.0, 850.0, 0.15, 0.1, 1.0)
    with pytest.raises(InputError, match=r"^aperture_radius_m = 0 is outside the range aperture_radius_m > 0$"):
        geometry.aperture_clipping_efficiency(0.0, 0.1)


# --- molecular absorption from ASTM G173-03 --------------------------------

def test_g173_direct_normal_reproduced_from_the_pieces():
    # ETR x exp(-1.5 (Rayleigh + aerosol)) x band transmittance at AM 1.5 must
    # give back G173's direct normal. Where the G173 residual went negative
    # (aerosol fit too high) it is clipped to 0, so samples differ by up to
    # 4.3 % in saturated bands; where DNI > 20 % of ETR, within 1 %; the
    # 400-1600 nm integral within 0.1 %.
    lam, etr, dni = atmosphere.g173_table()
    keep = lam <= 1600
    lam, etr, dni = lam[keep], etr[keep], dni[keep]
    model = (etr * np.exp(-1.5 * (atmosphere.rayleigh_optical_depth(lam)
                                  + atmosphere.g173_aerosol_optical_depth(lam)))
             * atmosphere.molecular_absorption_transmittance(lam, 1.5, bandwidth_nm=0.01))
    clear = dni > 0.2 * etr
    assert np.max(np.abs(model[clear] / dni[clear] - 1)) < 0.01
    assert model.sum() == pytest.approx(dni.sum(), rel=1e-3)


def test_absorption_810_850_and_o2_a_band():
    # G173 [Gueymard 2002]: 810 nm sits on the 820 nm water band, 850 nm in a
    # window; the O2 A band at 760 nm absorbs most light at 1 nm resolution.
    t = atmosphere.molecular_absorption_transmittance(np.array([760.0, 785.0, 810.0, 850.0]))
    assert t[0] < 0.5
    assert 0.97 < t[2] < 0.99 and t[3] > 0.995 and t[1] > 0.995
    # A 10 nm filter at 810 nm takes in the 815-825 nm lines: more absorption.
    assert atmosphere.molecular_absorption_transmittance(810.0, bandwidth_nm=10.0) < t[2]
    # Water scales with precipitable water and altitude; O2 with pressure only.
    wet = atmosphere.molecular_absorption_optical_depth(810.0, precipitable_water_cm=2 * 1.4164)
    assert wet == pytest.approx(2 * atmosphere.molecular_absorption_optical_depth(810.0), rel=0.05)
    high = atmosphere.molecular_absorption_optical_depth(760.0, station_altitude_m=3000.0)
    assert high < atmosphere.molecular_absorption_optical_depth(760.0)


def test_extinction_new_keywords_keep_old_calls():
    old = atmosphere.extinction_loss_db(np.array([0.0, 60.0]), 850.0)
    assert atmosphere.extinction_loss_db(np.array([0.0, 60.0]), 850.0,
                                         absorption_model="lowtran7-table") == pytest.approx(old)
    new = atmosphere.extinction_loss_db(np.array([0.0, 60.0, np.nan]), 850.0,
                                        absorption_model="astm-g173", model="plane-parallel")
    assert np.isnan(new[2]) and new[1] > new[0]
    # At zenith (air mass exactly 1 in the plane-parallel model) the G173 loss
    # is Rayleigh + aerosol + the molecular tau.
    tau = atmosphere.zenith_optical_depth(850.0, absorption_model="astm-g173")
    assert new[0] == pytest.approx(10 * np.log10(np.e) * tau, rel=1e-9)
    assert isinstance(atmosphere.molecular_absorption_transmittance(850.0), float)
    with pytest.raises(InputError, match=r"^wavelength_nm = 1700 is outside the range 400 <= wavelength_nm <= 1600$"):
        atmosphere.extinction_loss_db(30.0, 1700.0, absorption_model="astm-g173")
    with pytest.raises(UnknownNameError, match=r"^absorption_model = 'modtran' is not known"):
        atmosphere.zenith_optical_depth(850.0, absorption_model="modtran")


# --- horizontal paths ------------------------------------------------------

def test_horizontal_coefficient_integrates_to_zenith_depth():
    # The local coefficient integrated from the station to infinity must give
    # the zenith optical depth above it (scipy quad, 1e-8 relative).
    for h in (0.0, 1500.0):
        col = quad(lambda z: horizontal.extinction_coefficient_per_km(850.0, z * 1e3), h / 1e3, 200.0)[0]
        tau = atmosphere.rayleigh_optical_depth(850.0, h) + atmosphere.aerosol_optical_depth(850.0, 0.1, 1.3, h)
        assert col == pytest.approx(tau, rel=1e-8)
    # Short path in a window: Beer's law on the coefficient, 1e-3 relative
    # (the water/O2 absorption at 850 nm adds ~ 1 %, counted in the expected).
    lam_tab, o2, _, h2o = atmosphere.g173_absorption_optical_depths()
    kappa = np.interp(850.0, lam_tab, h2o) / 2.0 + np.interp(850.0, lam_tab, o2) / 8.43
    beta = horizontal.extinction_coefficient_per_km(850.0)
    loss = horizontal.horizontal_extinction_loss_db(np.array([0.275, 1.0]), 850.0, bandwidth_nm=0.01)
    assert loss == pytest.approx(10 * np.log10(np.e) * (beta + kappa) * np.array([0.275, 1.0]), rel=1e-3)


def test_gaussian_beam_near_and_far_field():
    # Rayleigh range: W(z_R) = sqrt(2) W0; far field equals geometry.beam_radius_m;
    # focused on the receiver (F0 = L): W = W0 Lambda0 = 2L/(k W0) (A&P Ch. 4).
    w0, lam = 0.02, 785.0
    z_r = horizontal.rayleigh_range_m(lam, w0)
    assert horizontal.gaussian_beam_radius_m(z_r, lam, w0) == pytest.approx(np.sqrt(2) * w0, rel=1e-12)
    d = np.array([275.0, 1e4, 1e6])
    assert horizontal.gaussian_beam_radius_m(d, lam, w0) == pytest.approx(
        geometry.beam_radius_m(d / 1e3, lam, w0), rel=1e-12)
    k = 2 * np.pi / (lam * 1e-9)
    assert horizontal.gaussian_beam_radius_m(275.0, lam, w0, 275.0) == pytest.approx(
        2 * 275.0 / (k * w0), rel=1e-12)


def test_constant_cn2_turbulence_closed_forms():
    cn2, lam, d = 1e-14, 785.0, 275.0
    k = 2 * np.pi / (lam * 1e-9)
    # Rytov variance 1.23 Cn2 k^(7/6) L^(11/6) by hand; spherical 0.4 of it (A&P Ch. 8).
    s2 = horizontal.rytov_variance_horizontal(cn2, lam, np.array([d, 2 * d]))
    assert s2[0] == pytest.approx(1.23 * cn2 * k ** (7 / 6) * d ** (11 / 6), rel=1e-12)
    assert s2[1] / s2[0] == pytest.approx(2 ** (11 / 6), rel=1e-12)
    assert horizontal.rytov_variance_horizontal(cn2, lam, d, "spherical") == pytest.approx(0.4 * s2[0])
    # Fried: r0 = 2.1 rho0 with rho0 = (0.545 Cn2 k^2 L)^(-3/5) (spherical) and
    # (1.46 Cn2 k^2 L)^(-3/5) (plane), A&P Ch. 6; the 2.1 is rounded: 0.5 %.
    assert horizontal.fried_parameter_horizontal_m(cn2, lam, d, "spherical") == pytest.approx(
        2.1 * (0.545 * cn2 * k**2 * d) ** -0.6, rel=5e-3)
    assert horizontal.fried_parameter_horizontal_m(cn2, lam, d) == pytest.approx(
        2.1 * (1.46 * cn2 * k**2 * d) ** -0.6, rel=5e-3)
    assert np.isinf(horizontal.fried_parameter_horizontal_m(0.0, lam, d))
    # No turbulence: the long-term radius is the diffraction radius; more Cn2, larger.
    w = horizontal.gaussian_beam_radius_m(d, lam, 0.02)
    assert horizontal.long_term_beam_radius_horizontal_m(0.0, lam, d, 0.02) == pytest.approx(w, rel=1e-12)
    assert horizontal.long_term_beam_radius_horizontal_m(1e-13, lam, d, 0.02) > w
    with pytest.raises(UnknownNameError, match=r"^wave = 'cylindrical' is not known"):
        horizontal.rytov_variance_horizontal(cn2, lam, d, "cylindrical")


# --- retroreflector link -----------------------------------------------------

def test_lageos_velocity_aberration_published_range():
    # LAGEOS (semi-major axis 12,270 km, altitude ~5,900 km): velocity
    # aberration "about 32-40 microradians" (D. A. Arnold, abstract of "Thermal-
    # optical design of a geodetic satellite for one millimeter accuracy").
    # Zenith angles 0-70 deg: the range must lie inside the published one.
    lo, hi = retroreflector.velocity_aberration_range_urad(5900.0, np.array([0.0, 40.0, 70.0]))
    assert np.all(lo >= 32.0) and np.all(hi <= 40.0)
    assert hi[0] == pytest.approx(2 * 5.70e3 / 299792458 * 1e6, rel=2e-3)  # 2v/c by hand
    assert lo[2] < lo[0]


def test_cube_corner_pattern_matches_uniform_aperture_gain():
    # A cube corner returns the Airy pattern of its (uniformly lit) aperture.
    # Independent: Klein & Degnan's gain with w0 >> a (uniform illumination,
    # quadrature) normalised on axis; tolerance 1e-6 of the peak.
    d, lam = 0.0381, 532.0
    alpha = np.array([0.0, 5.0, 10.0, 20.0, 38.0])
    sigma = retroreflector.cube_corner_cross_section_m2(d, lam, alpha, reflectivity=1.0)
    gain = geometry.truncated_gaussian_gain(alpha, lam, d / 2, 1e3 * d)
    assert sigma / sigma[0] == pytest.approx(gain / gain[0], abs=1e-6)
    # Peak rho pi^3 D^4 / (4 lambda^2) by hand: 5.77e7 m^2 for a 1.5 inch cube at 532 nm.
    assert sigma[0] == pytest.approx(np.pi**3 * d**4 / (4 * (lam * 1e-9) ** 2), rel=1e-12)
    assert sigma[0] == pytest.approx(5.77e7, rel=1e-3)
    eta = retroreflector.cube_corner_effective_area_factor(np.array([0.0, 20.0, 40.0, 95.0]))
    assert eta[0] == pytest.approx(1.0) and eta[0] > eta[1] > eta[2] > 0 and np.isnan(eta[3])


def test_slr_link_equation_against_step_by_step_photon_budget():
    # One cube at normal incidence, traced step by step: photons per m^2 at
    # the satellite, times the cube area and reflectivity, re-radiated with the
    # uniform-aperture gain 4 pi A / lambda^2 (Klein & Degnan), spread over
    # 4 pi R^2, caught by A_r. Must equal the link equation with the cube's
    # cross-section (Degnan 1993 Sec. 4); 1e-12 relative.
    r_km, e_j, lam = np.array([6000.0, 7500.0]), 0.1, 532.0
    gt = 8 / (20e-6) ** 2
    d, rho, a_r, t_a = 0.0381, 0.78, 1.5, 0.7
    n_t = e_j * lam * 1e-9 / (6.62607015e-34 * 299792458.0)
    r_m = r_km * 1e3
    area = np.pi * d**2 / 4
    at_sat = n_t * 0.8 * gt * t_a / (4 * np.pi * r_m**2)
    back = at_sat * area * rho * (4 * np.pi * area / (lam * 1e-9) ** 2) * t_a / (4 * np.pi * r_m**2)
    expected = back * a_r * 0.5 * 0.3
    sigma = retroreflector.cube_corner_cross_section_m2(d, lam, 0.0, rho)
    got = retroreflector.slr_link_photoelectrons(r_km, e_j, lam, gt, sigma, a_r, 0.8, 0.5, 0.3, t_a)
    assert got == pytest.approx(expected, rel=1e-12)
    up, down = retroreflector.slr_link_loss_db(r_km, gt, sigma, a_r, t_a)
    assert n_t * 10 ** (-(up + down) / 10) == pytest.approx(expected / (0.8 * 0.5 * 0.3), rel=1e-12)
    assert np.isnan(retroreflector.slr_link_photoelectrons(-1.0, e_j, lam, gt, sigma, a_r))
