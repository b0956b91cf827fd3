"""Turbulence, fading, tracking and detector terms against closed forms,
published values and seeded Monte Carlo."""

import numpy as np
import pytest
from scipy import integrate, optimize, special

from orbitqkd.core.channel import detector, fading, pointing, turbulence
from orbitqkd.errors import InputError, UnknownNameError


# --- isoplanatic angle, tilt -------------------------------------------------

def test_isoplanatic_angle_hv57_and_andrews_example():
    # Valley, Appl. Opt. 19, 574 (1980): HV 5/7 gives theta_0 = 7 urad at 0.5 um
    # (quoted to one digit; the exact integral of the profile is 6.90 urad,
    # checked with scipy quad), hence 0.15 urad.
    assert turbulence.isoplanatic_angle_rad(0.0, 500.0) * 1e6 == pytest.approx(7.0, abs=0.15)
    # Andrews & Phillips (2005) Ch. 12 Worked Example 1 (p. 524): GEO link,
    # 1.06 um, zenith 30 deg, HV 5/7: theta_0 = 13.5 urad (printed to 3 digits).
    geo = turbulence.isoplanatic_angle_rad(30.0, 1060.0, satellite_altitude_km=38_500.0)
    assert geo * 1e6 == pytest.approx(13.5, abs=0.1)
    # Scalings of Eq. (12.30): lambda^(6/5), cos(zeta)^(8/5); exact for the model.
    th = turbulence.isoplanatic_angle_rad(np.array([0.0, 60.0, np.nan]), 850.0)
    assert th[1] / th[0] == pytest.approx(0.5 ** 1.6, rel=1e-9) and np.isnan(th[2])
    ratio = turbulence.isoplanatic_angle_rad(0.0, 1550.0) / turbulence.isoplanatic_angle_rad(0.0, 850.0)
    assert ratio == pytest.approx((1550 / 850) ** 1.2, rel=1e-9)
    # Far-field uplink: same ground-referred angle (reciprocity, Eq. 12.29 -> 12.30).
    assert turbulence.isoplanatic_angle_rad(20.0, 850.0, "uplink") == turbulence.isoplanatic_angle_rad(20.0, 850.0)
    with pytest.raises(UnknownNameError, match=r"direction = 'up' is not known; choose one of: downlink, uplink"):
        turbulence.isoplanatic_angle_rad(0.0, 850.0, "up")


def test_tilt_variance_against_noll_zernike_tilt():
    # Noll, JOSA 66, 207 (1976), Table IV: the two tilt modes hold
    # (1.0299 - 0.134)(D/r0)^(5/3) rad^2 of phase; a Zernike tilt coefficient a
    # is an angle 2 a lambda / (pi D) per axis, so the per-axis Z-tilt variance
    # is (2/pi)^2 * 0.896/2 (lambda/D)^2 (D/r0)^(5/3) = 0.1816 (...). Andrews &
    # Phillips' geometric-optics form (2.91/0.423/(2 pi)^2 = 0.1743) is 4 %
    # lower (a G-tilt-like estimate): pin the ratio to 0.960 +- 0.005, which a
    # radial (x2) or lambda-vs-k slip would break.
    lam, d, r0 = 850e-9, 1.0, 0.1
    noll = (2 / np.pi) ** 2 * (1.0299 - 0.134) / 2 * (lam / d) ** 2 * (d / r0) ** (5 / 3)
    ap = turbulence.tilt_variance_rad2(850.0, d, r0)
    assert ap / noll == pytest.approx(0.960, abs=0.005)
    out = turbulence.tilt_variance_rad2(850.0, np.array([0.5, 1.0]), np.array([[0.05], [0.1]]))
    assert out.shape == (2, 2)


# --- field stop ----------------------------------------------------------------

def test_field_stop_airy_closed_form():
    # No turbulence, no jitter: the Airy pattern, E = 1 - J0^2(pi a) - J1^2(pi a),
    # a = stop radius in lambda/D (Born & Wolf Sec. 8.5.2). The quadrature in
    # t = asin(u) converges to < 1e-6; tolerance 1e-5.
    a = np.array([0.3, 0.61, 1.22, 2.0, 5.0, 20.0])
    fov_urad = 2 * a * 0.85  # lambda/D = 0.85 urad for 850 nm, 1 m
    expected = 1 - special.j0(np.pi * a) ** 2 - special.j1(np.pi * a) ** 2
    got = turbulence.field_stop_fraction(fov_urad, 850.0, np.inf, 1.0)
    assert got == pytest.approx(expected, abs=1e-5)


def test_field_stop_gaussian_jitter_is_rayleigh():
    # A 30 m aperture makes the Airy core negligible (lambda/D = 0.03 urad):
    # the image is the 2-D Gaussian jitter, E = 1 - exp(-alpha^2 / 2 sigma^2)
    # (Rayleigh). Tolerance 2e-3 covers the residual diffraction blur.
    sigma, alpha = 2.0, np.array([1.0, 2.0, 4.0, 6.0])
    got = turbulence.field_stop_fraction(2 * alpha, 850.0, np.inf, 30.0, jitter_urad=sigma)
    assert got == pytest.approx(1 - np.exp(-alpha**2 / (2 * sigma**2)), abs=2e-3)


def test_field_stop_kolmogorov_long_exposure():
    # Independent route: the image from Fried's long-exposure MTF times the
    # telescope OTF by scipy quad. First its FWHM must be the published
    # 0.98 lambda/r0 (Fried 1966; Dierickx 1992) - within 3 %, as the 2 m
    # aperture (D/r0 = 40) adds a little diffraction. Then the encircled energy
    # 2 pi alpha Int T J1(2 pi alpha nu) dnu (not integrated by parts, adaptive
    # quadrature) must match field_stop_fraction to 2e-3.
    lam, d, r0 = 850e-9, 2.0, 0.05

    def mtf(nu):
        u = min(lam * nu / d, 1.0)
        tel = 2 / np.pi * (np.arccos(u) - u * np.sqrt(1 - u * u))
        return tel * np.exp(-3.44 * (lam * nu / r0) ** (5 / 3))

    top = 6 * r0 / lam
    psf = lambda th: integrate.quad(lambda nu: mtf(nu) * special.j0(2 * np.pi * th * nu) * nu,
                                    0, top, limit=400)[0]
    half = optimize.brentq(lambda th: psf(th) / psf(0.0) - 0.5, 1e-7, 4 * lam / r0)
    assert 2 * half / (lam / r0) == pytest.approx(0.98, rel=0.03)
    fov = np.array([10.0, 20.0, 40.0, 80.0])
    ee = [2 * np.pi * (f / 2 * 1e-6) * integrate.quad(
        lambda nu: mtf(nu) * special.j1(2 * np.pi * (f / 2 * 1e-6) * nu), 0, top, limit=800)[0]
        for f in fov]
    got = turbulence.field_stop_fraction(fov, 850.0, r0, d)
    assert got == pytest.approx(ee, abs=2e-3)
    # The Kolmogorov wings put more light outside a stop of two seeing widths
    # than the Gaussian image of fov_coupling_efficiency (by ~10 %).
    assert got[1] < turbulence.fov_coupling_efficiency(20.0, 850.0, r0, d) - 0.05


def test_field_stop_shapes_nan_and_large_stop():
    out = turbulence.field_stop_fraction(np.array([[50.0], [100.0]]), 850.0,
                                         np.array([0.05, 0.1, np.nan]), 1.0)
    assert out.shape == (2, 3) and np.isnan(out[:, 2]).all()
    assert np.all(np.diff(out[:, :2], axis=0) > 0)  # wider stop passes more
    assert isinstance(turbulence.field_stop_fraction(100.0, 850.0, 0.1, 1.0), float)
    # A 10 mrad stop (capped at 160 cycles) passes all but < 0.2 %.
    assert turbulence.field_stop_fraction(1e4, 850.0, np.inf, 1.0) == pytest.approx(1.0, abs=2e-3)


# --- aperture averaging ------------------------------------------------------------

def _airy_filtered_scintillation(zen, lam_nm, d):
    # Weak-fluctuation plane-wave scintillation behind a hard circular aperture:
    # 8 pi^2 k^2 sec Int dh Cn2 Int kappa Phi(kappa) [1 - cos(kappa^2 z/k)]
    # [2 J1(x)/x]^2 dkappa, Phi = 0.033 Cn2 kappa^(-11/3), x = kappa D/2
    # (the weak-fluctuation spectral integral of Andrews & Phillips Ch. 10 with
    # the exact filter of a circular lens instead of their Gaussian lens),
    # evaluated here on grids independent of the module.
    k = 2 * np.pi / (lam_nm * 1e-9)
    sec = 1 / np.cos(np.radians(zen))
    h = np.geomspace(1.0, 30_000.0, 300)
    kap = np.geomspace(1e-2, 1e5, 4000)
    x = kap * d / 2
    filt = (2 * special.j1(x) / x) ** 2 if d > 0 else np.ones_like(kap)
    inner = np.trapezoid(0.033 * kap ** (-8 / 3) * (1 - np.cos(kap**2 * (h * sec)[:, None] / k)) * filt,
                         kap, axis=1)
    return 8 * np.pi**2 * k**2 * sec * np.trapezoid(turbulence.hufnagel_valley_cn2(h) * inner, h)


def test_aperture_averaging_against_hard_aperture_integral():
    # Point receiver: Eq. (12.39) -> Rytov variance (8.70 cos(5 pi/12) = 2.2517
    # vs 2.25: 0.1 %). With an aperture: Andrews & Phillips' Gaussian-lens form
    # against the hard-aperture integral; measured differences 2-13 % for
    # D = 5 cm to 1 m (the Gaussian lens W_G^2 = D^2/8 is an approximation),
    # hence 15 %. A Fresnel-zone or k-vs-lambda slip changes A by factors.
    assert turbulence.aperture_averaged_scintillation_index(30.0, 850.0, 0.0) == pytest.approx(
        turbulence.rytov_variance(30.0, 850.0), rel=1e-3)
    assert turbulence.aperture_averaged_scintillation_index(30.0, 850.0, 0.0) == pytest.approx(
        _airy_filtered_scintillation(30.0, 850.0, 0.0), rel=2e-3)
    for d in (0.05, 0.3, 1.0):
        assert turbulence.aperture_averaged_scintillation_index(30.0, 850.0, d) == pytest.approx(
            _airy_filtered_scintillation(30.0, 850.0, d), rel=0.15)
    a = turbulence.aperture_averaging_factor(np.array([0.0, 45.0]), 850.0, np.array([[0.1], [1.0]]))
    assert a.shape == (2, 2) and np.all((a > 0) & (a < 1)) and np.all(a[1] < a[0])


# --- fading distributions ------------------------------------------------------------

CASES = [
    ("lognormal", dict(scintillation_index=0.4)),
    ("gamma-gamma", dict(alpha=4.0, beta=1.8)),
    ("pointing", dict(pointing_gamma=0.8)),
    ("lognormal+pointing", dict(scintillation_index=0.2, pointing_gamma=1.5)),
    ("gamma-gamma+pointing", dict(alpha=6.0, beta=2.5, pointing_gamma=0.6)),
    ("none", {}),
]


def test_pdfs_normalised_with_the_right_mean():
    # scipy quad of each density: unit integral and the requested mean (1e-6).
    m = 2e-3
    f_ln = lambda h: fading.lognormal_pdf(h, m, 0.4)
    f_gg = lambda h: fading.gamma_gamma_pdf(h, m, 4.0, 1.8)
    for f in (f_ln, f_gg):
        assert integrate.quad(f, 0, 100 * m, limit=200, points=[m])[0] == pytest.approx(1, abs=1e-6)
        assert integrate.quad(lambda h: h * f(h), 0, 100 * m, limit=200, points=[m])[0] == pytest.approx(m, rel=1e-6)
    a0, g = 3e-3, 0.8  # Farid & Hranilovic Eq. (11): mean A0 g^2/(1+g^2)
    f_p = lambda h: fading.pointing_pdf(h, a0, g)
    assert integrate.quad(f_p, 0, a0)[0] == pytest.approx(1, abs=1e-6)
    assert integrate.quad(lambda h: h * f_p(h), 0, a0)[0] == pytest.approx(a0 * g**2 / (1 + g**2), rel=1e-6)
    # Al-Habash alpha, beta reproduce the extended-Rytov scintillation index.
    s2 = np.array([0.1, 1.0, 5.0])
    a, b = fading.gamma_gamma_parameters(s2)
    assert 1 / a + 1 / b + 1 / (a * b) == pytest.approx(turbulence.scintillation_index(s2), rel=1e-12)


@pytest.mark.parametrize("model,kw", CASES)
def test_quadrature_weights_mean_and_moments(model, kw):
    # Weights sum to 1 and the mean is exact (1e-12); moments 2-4 against the
    # closed forms of transmittance_moment: 1e-8 for one factor (Gauss-Hermite
    # in ln h is not exact for e^(k s z); Gauss-Jacobi is exact); 1e-5 for the
    # products reduced in ln h (measured < 1e-6 here).
    m = np.array([[1e-3], [4e-4]]) * np.ones(3)
    x, w = fading.transmittance_quadrature(m, model=model, n_nodes=16, **kw)
    assert x.shape == w.shape == (2, 3, 16)
    assert w.sum(-1) == pytest.approx(1.0, abs=1e-12)
    assert (w * x).sum(-1) == pytest.approx(m, rel=1e-12)
    assert np.all(w >= 0) and np.all(x >= 0)
    for k in (2, 3, 4):
        assert (w * x**k).sum(-1) == pytest.approx(
            fading.transmittance_moment(k, m, model=model, **kw),
            rel=1e-5 if ("+" in model or model == "gamma-gamma") else 1e-8)


def test_quadrature_against_seeded_monte_carlo():
    # Draw each fading process from its physics, not from its density:
    # lognormal ln-variance ln(1+s^2); gamma-gamma X*Y of unit-mean gammas;
    # pointing: Gaussian beam exp(-2 r^2/w^2) with a 2-D Gaussian displacement
    # (sigma per axis, gamma = w / 2 sigma) (Farid & Hranilovic Eqs. 9-11).
    # E[sqrt(h)] (a concave, key-rate-like function) from 400k draws, whose
    # standard error is < 0.1 % (the quadrature's own error is < 0.1 %, see
    # transmittance_quadrature Notes); tolerance 0.5 %.
    rng = np.random.default_rng(7)
    n = 400_000
    s2 = np.log1p(0.4)
    ln = np.exp(np.sqrt(s2) * rng.standard_normal(n) - s2 / 2)
    gg = rng.gamma(4.0, 1 / 4.0, n) * rng.gamma(1.8, 1 / 1.8, n)
    w_beam, sig = 1.0, 1.0 / (2 * 0.8)
    r2 = (sig * rng.standard_normal(n)) ** 2 + (sig * rng.standard_normal(n)) ** 2
    pt = np.exp(-2 * r2 / w_beam**2)
    pt = pt / pt.mean()
    draws = {"lognormal": ln, "gamma-gamma": gg, "pointing": pt,
             "lognormal+pointing": ln * rng.permutation(pt)}
    kws = {"lognormal": dict(scintillation_index=0.4), "gamma-gamma": dict(alpha=4.0, beta=1.8),
           "pointing": dict(pointing_gamma=0.8),
           "lognormal+pointing": dict(scintillation_index=0.4, pointing_gamma=0.8)}
    for model, sample in draws.items():
        x, w = fading.transmittance_quadrature(1.0, model=model, **kws[model])
        assert np.sum(w * np.sqrt(x)) == pytest.approx(np.sqrt(sample).mean(), rel=5e-3), model
    # Farid's density itself against the simulated beam (histogram of 40 bins,
    # each within 5 standard errors).
    a0 = 1.0
    hist, edges = np.histogram(np.exp(-2 * r2 / w_beam**2), bins=40, range=(0, a0), density=True)
    mid = 0.5 * (edges[1:] + edges[:-1])
    expected = np.array([integrate.quad(lambda h: fading.pointing_pdf(h, a0, 0.8), lo, hi)[0]
                         for lo, hi in zip(edges[:-1], edges[1:])]) / np.diff(edges)
    err = np.sqrt(expected / (n * np.diff(edges)))
    assert np.all(np.abs(hist - expected) < 5 * err + 1e-12), mid[np.argmax(np.abs(hist - expected) / err)]


def test_quadrature_domain_and_errors():
    x, w = fading.transmittance_quadrature(np.array([1e-3, -1.0, np.nan]), np.array([0.2, 0.2, 0.2]),
                                           n_nodes=4)
    assert np.isfinite(x[0]).all() and np.isnan(x[1:]).all() and np.isnan(w[1:]).all()
    x, w = fading.transmittance_quadrature(1e-3, 0.0)  # no scintillation: every node at the mean
    assert x == pytest.approx(np.full(16, 1e-3)) and w.sum() == pytest.approx(1.0)
    x, w = fading.transmittance_quadrature(1e-3, model="pointing", pointing_gamma=np.inf)
    assert x == pytest.approx(np.full(16, 1e-3))
    with pytest.raises(UnknownNameError, match=r"model = 'rician' is not known; choose one of: "
                       r"lognormal, gamma-gamma, pointing, lognormal\+pointing, gamma-gamma\+pointing, none"):
        fading.transmittance_quadrature(1e-3, model="rician")
    with pytest.raises(InputError, match=r"model = 'gamma-gamma' needs alpha and beta"):
        fading.transmittance_quadrature(1e-3, model="gamma-gamma")
    with pytest.raises(InputError, match=r"n_nodes = 0 is outside the range 1 <= n_nodes <= 32"):
        fading.transmittance_quadrature(1e-3, n_nodes=0)


# --- pointing and tracking ------------------------------------------------------------

def test_pointing_gamma_matches_mean_pointing_loss():
    # Farid & Hranilovic mean A0 g^2/(1+g^2) equals Toyoshima's jitter loss
    # theta_b^2/(theta_b^2 + 4 sigma^2) at zero bias: same physics, exact.
    tb, sig = np.array([5.0, 10.0, 3.0]), np.array([1.0, 4.0, 0.0])
    g = pointing.pointing_gamma(tb, sig)
    eta = 1.0 / (1.0 + 1.0 / g**2)
    assert eta == pytest.approx(pointing.pointing_efficiency(tb, sig), rel=1e-12)


def test_angular_rate_straight_line_flyby():
    # A target at height d moving at v along x with cross-track offset y0
    # (flat geometry): omega = v sqrt(y0^2 + d^2) / r^2 exactly. Alt-az rates
    # by finite differences (1 ms step: error < 1e-6 relative).
    v, d, y0 = 7.6, 500.0, 300.0
    t = np.linspace(-120, 120, 240_001)
    x = v * t
    r = np.sqrt(x**2 + y0**2 + d**2)
    el = np.degrees(np.arcsin(d / r))
    az = np.degrees(np.unwrap(np.arctan2(x, y0)))
    dt = t[1] - t[0]
    om = pointing.angular_rate_rad_s(np.gradient(el, dt), np.gradient(az, dt), el)
    exact = v * np.sqrt(y0**2 + d**2) / r**2
    sl = slice(10, -10, 1000)
    assert om[sl] == pytest.approx(exact[sl], rel=1e-5)
    rdot = v**2 * t / r
    assert pointing.angular_rate_from_range_rad_s(r, rdot, v) == pytest.approx(exact, rel=1e-9)
    assert np.isnan(pointing.angular_rate_from_range_rad_s(500.0, 8.0, 7.6))


def test_tracking_error_terms_add_in_quadrature():
    # Floor only: the Micius 0.5 urad (Opt. Express 28, 8291 (2020)).
    assert pointing.tracking_error_urad(0.0) == pytest.approx(0.5)
    # Type-1 lag omega/K_v: 0.015 rad/s over K_v = 2 pi 1 kHz = 2.387 urad.
    got = pointing.tracking_error_urad(np.array([0.0, 0.015]), velocity_constant_per_s=2 * np.pi * 1e3,
                                       floor_urad=0.0)
    assert got == pytest.approx([0.0, 0.015 / (2 * np.pi * 1e3) * 1e6], rel=1e-12)
    # NEA grows with range: low elevation (2000 km) is worse than zenith (500 km).
    lo, hi = pointing.tracking_error_urad(0.005, 0.0, np.array([2000.0, 500.0]), nea_urad=1.0)
    assert lo == pytest.approx(np.hypot(0.5, 2.0)) and hi == pytest.approx(np.hypot(0.5, 0.5))


# --- detectors ---------------------------------------------------------------------------

def _simulate_nonparalysable(times, tau):
    count, free_at = 0, -np.inf
    for t in times:
        if t >= free_at:
            count += 1
            free_at = t + tau
    return count


@pytest.mark.parametrize("n_det", [1, 4])
def test_dead_time_against_monte_carlo(n_det):
    # Poisson events at n = 5 Mcps shared at random among N non-paralysable
    # detectors of 200 ns dead time (n tau = 1: half lost for N = 1), simulated
    # for 20 ms (1e5 events). Tolerance 1 %: ~4 standard errors.
    rng = np.random.default_rng(3)
    rate, tau, span = 5e6, 200e-9, 0.02
    times = np.cumsum(rng.exponential(1 / rate, int(rate * span * 1.1)))
    times = times[times < span]
    which = rng.integers(0, n_det, times.size)
    counted = sum(_simulate_nonparalysable(times[which == i], tau) for i in range(n_det))
    assert counted / span == pytest.approx(detector.dead_time_rate_cps(rate, 200.0, n_det), rel=0.01)


def test_saturation_afterpulsing_and_gate():
    # Threshold detector (Ma et al. 2005 Eq. 3): small mu -> eta mu + p_b; a
    # seeded Poisson/binomial simulation at eta mu = 2 gives 1 - e^-2 (4 s.e.).
    assert detector.click_probability(1e-4, 0.5, 1e-6) == pytest.approx(0.5e-4 + 1e-6, rel=1e-3)
    rng = np.random.default_rng(5)
    clicks = rng.binomial(rng.poisson(4.0, 200_000), 0.5) > 0
    assert clicks.mean() == pytest.approx(detector.click_probability(4.0, 0.5), abs=4 * 0.0011)
    # Afterpulsing as a branching process, simulated: each count begets another
    # with probability p; total / primary -> 1/(1-p).
    p, primaries = 0.05, 200_000
    total = rng.geometric(1 - p, primaries).sum()  # counts per primary chain
    assert (total - primaries) / primaries == pytest.approx(
        detector.afterpulse_rate_cps(1.0, p), rel=0.03)
    assert detector.afterpulse_rate_cps(1e3, 0.05, cascade=False) == pytest.approx(50.0)
    assert np.isnan(detector.afterpulse_rate_cps(1e3, 1.0))
    # Gate = FWHM of the jitter: erf(sqrt(ln 2)) = 0.76096; an offset gate
    # against 400k seeded Gaussian arrival times (3 s.e.).
    assert detector.gate_signal_fraction(1.0, 1000.0) == pytest.approx(special.erf(np.sqrt(np.log(2))), rel=1e-12)
    t = rng.normal(0.0, 350.0 / detector.FWHM_PER_SIGMA, 400_000)
    inside = np.mean(np.abs(t - 200.0) <= 300.0)
    assert detector.gate_signal_fraction(0.6, 350.0, offset_ps=200.0) == pytest.approx(inside, abs=3e-3)
    assert detector.combined_jitter_fwhm_ps(300.0, 400.0) == pytest.approx(500.0)
    # Background: duty cycle g f, capped at 1 (2 ns gates at 100 MHz: 0.2).
    assert detector.gate_background_fraction(np.array([2.0, 20.0]), 100e6) == pytest.approx([0.2, 1.0])
