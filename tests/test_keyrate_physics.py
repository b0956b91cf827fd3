"""Closed-form and published checks of the decoy-state, finite-key and BBM92 physics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitqkd.core.keyrate import (
    bbm92_key_length,
    binary_entropy,
    coincidence_error_gain,
    coincidence_gain,
    decoy_key_length,
    decoy_rate,
    error_gain,
    gain,
    qber,
    single_photon_error_upper,
    single_photon_yield_lower,
)

# GYS parameters used by Ma et al., PRA 72, 012326 (2005), Table I / Sec. V:
# detector efficiency 4.5 %, Y0 = 1.7e-6, e_d = 3.3 %, alpha = 0.21 dB/km, f = 1.22.
GYS = dict(y0=1.7e-6, misalignment=0.033, f_ec=1.22)


def gys_eta(length_km):
    return 0.045 * 10 ** (-0.021 * np.asarray(length_km))


def max_distance_km(nu):
    lengths = np.arange(120.0, 160.0, 0.05)
    mus = np.linspace(0.05, 1.0, 191)[:, None]
    r = np.nanmax(decoy_rate(mus, gys_eta(lengths), nu=nu, **GYS), axis=0)
    return lengths[r > 0].max()


def test_binary_entropy_values_and_nan():
    assert binary_entropy(0.5) == 1.0
    assert binary_entropy(0.0) == 0.0 and binary_entropy(1.0) == 0.0
    assert binary_entropy(0.11) == pytest.approx(0.4999, abs=1e-3)  # Shor-Preskill threshold
    out = binary_entropy([0.1, -0.1, 1.2])
    assert out.shape == (3,) and np.isnan(out[1:]).all()


def test_zero_noise_zero_misalignment_gives_zero_qber_and_gain_formula():
    assert qber(0.5, np.array([1e-3, 0.1]), 0.0, 0.0) == pytest.approx([0.0, 0.0])
    # Q = 1 - exp(-eta mu) for Y0 = 0 (Ma et al. 2005 Sec. II)
    assert gain(0.5, 0.1, 0.0) == pytest.approx(1 - np.exp(-0.05))
    # dark counts only: QBER -> e0 = 1/2
    assert qber(0.5, 0.0, 1e-6, 0.0) == pytest.approx(0.5)


def test_decoy_bound_is_exact_without_noise_in_the_limit_of_weak_decoy():
    eta, y0, mu = 1e-3, 1e-6, 0.5
    true_y1 = 1 - (1 - y0) * (1 - eta)
    nu = np.array([1e-3, 0.05, 0.2])
    y1 = single_photon_yield_lower(mu, nu, gain(mu, eta, y0), gain(nu, eta, y0), y0)
    assert np.all(y1 <= true_y1 * (1 + 1e-9))  # a lower bound
    assert y1[0] == pytest.approx(true_y1, rel=2e-3)  # tight as nu -> 0
    assert np.all(np.diff(y1) < 0)  # looser as nu grows


def test_infinite_decoy_gllp_equals_closed_form():
    # Lo, Ma & Chen PRL 94, 230504 (2005): with true Y1, e1 the rate is
    # q { -Q f h(E) + Q1 [1 - h(e1)] }, Q1 = Y1 mu e^-mu.
    eta, y0, ed, mu, f = 5e-3, 2e-6, 0.02, 0.5, 1.16
    y1 = y0 + eta - y0 * eta
    e1 = (0.5 * y0 + ed * eta) / y1
    q = gain(mu, eta, y0)
    e = qber(mu, eta, y0, ed)
    expected = 0.5 * (-q * f * binary_entropy(e) + y1 * mu * np.exp(-mu) * (1 - binary_entropy(e1)))
    assert decoy_rate(mu, eta, y0, ed, f_ec=f) == pytest.approx(expected, rel=1e-12)


def test_rate_monotonic_in_transmittance():
    eta = np.geomspace(1e-6, 1e-1, 60)
    r = decoy_rate(0.5, eta, **GYS)
    pos = r > 0
    assert pos.any() and np.all(np.diff(r[pos]) > 0)


def test_gys_maximum_distance_matches_ma_2005():
    # Ma et al. 2005 Sec. V: with infinitely many decoys the GYS set-up reaches
    # (figure as printed in the paper; the search corpus did not hold its text)
    # 142.05 km; vacuum + weak decoy approaches it as nu -> 0 and loses a few km
    # for nu = 0.1. Tolerance 0.5 km: our grid in L is 0.05 km and in mu 0.005.
    inf = max_distance_km(None)
    assert inf == pytest.approx(142.05, abs=0.5)
    assert max_distance_km(0.01) == pytest.approx(inf, abs=0.5)
    assert inf - 5.0 < max_distance_km(0.1) < inf


def _counts(eta, y0, ed, mu, p, px, pulses):
    q = [p_k * pulses * gain(m, eta, y0) for m, p_k in zip(mu, p)]
    e = [p_k * pulses * error_gain(m, eta, y0, ed) for m, p_k in zip(mu, p)]
    x, z = px**2, (1 - px) ** 2
    return [x * c for c in q], [x * c for c in e], [z * c for c in q], [z * c for c in e]


def test_lim_asymptotic_limit_equals_ma_vacuum_weak_bound():
    # With mu_3 = 0 and no fluctuations, Lim et al. Eq. (3) reduces to Ma et al. Eq. (34).
    eta, y0, ed, mu, p, px = 1e-3, 1e-6, 0.01, (0.6, 0.1, 0.0), (0.6, 0.3, 0.1), 0.5
    nx, mx, nz, mz = _counts(eta, y0, ed, mu, p, px, 1e10)
    b = decoy_key_length(nx, mx, nz, mz, mu, p, finite=False)
    tau1 = sum(pk * np.exp(-m) * m for m, pk in zip(mu, p))
    y1 = single_photon_yield_lower(0.6, 0.1, gain(0.6, eta, y0), gain(0.1, eta, y0), y0)
    assert b.single_photon_events == pytest.approx(tau1 * y1 * px**2 * 1e10, rel=1e-9)
    e1 = single_photon_error_upper(0.1, qber(0.1, eta, y0, ed) * gain(0.1, eta, y0), y0, y1)
    assert b.phase_error == pytest.approx(e1, rel=1e-6)


def test_finite_key_below_asymptotic_and_converges():
    eta, y0, ed, mu, p, px = 1e-3, 1e-6, 0.01, (0.6, 0.1, 0.0), (0.6, 0.3, 0.1), 0.8
    ratios = []
    for pulses in (1e10, 1e12, 1e14):
        c = _counts(eta, y0, ed, mu, p, px, pulses)
        fin = decoy_key_length(*c, mu, p, finite=True).key_bits
        asy = decoy_key_length(*c, mu, p, finite=False).key_bits
        assert fin < asy
        ratios.append(fin / asy)
    assert ratios[0] < ratios[1] < ratios[2] and ratios[2] > 0.97


def test_finite_key_zero_for_tiny_block():
    c = _counts(1e-3, 1e-6, 0.01, (0.6, 0.1, 0.0), (0.6, 0.3, 0.1), 0.8, 1e6)
    assert decoy_key_length(*c, (0.6, 0.1, 0.0), (0.6, 0.3, 0.1)).key_bits == 0.0


def test_decoy_key_length_broadcasts_over_grid():
    mu1 = np.array([0.4, 0.6, 0.8])[:, None]
    p1 = np.array([0.5, 0.7])[None, :]
    mu, p = (mu1, 0.1, 0.0), (p1, 0.2, 0.8 - p1)
    c = _counts(1e-3, 1e-6, 0.01, mu, p, 0.8, 1e11)
    assert decoy_key_length(*c, mu, p).key_bits.shape == (3, 2)


def test_bbm92_coincidences_limits():
    # No noise, lambda small: Q ~ 2 lambda eta_A eta_B and QBER -> e_d.
    lam, ea, eb = 1e-5, 1e-3, 2e-3
    q = coincidence_gain(lam, ea, eb, 0.0, 0.0)
    assert q == pytest.approx(2 * lam * ea * eb, rel=1e-3)
    e = coincidence_error_gain(lam, ea, eb, 0.0, 0.0, 0.02) / q
    assert e == pytest.approx(0.02, abs=1e-4)
    # Dark counts only (no pairs): accidentals Y0A*Y0B, QBER 1/2.
    q0 = coincidence_gain(0.0, ea, eb, 1e-4, 2e-4)
    assert q0 == pytest.approx(2e-8, rel=1e-6)
    assert coincidence_error_gain(0.0, ea, eb, 1e-4, 2e-4, 0.02) / q0 == pytest.approx(0.5)
    # More pairs per window -> more multi-pair accidentals -> higher QBER.
    lams = np.array([1e-4, 1e-2, 1e-1])
    qb = coincidence_error_gain(lams, 0.1, 0.1, 0, 0, 0.01) / coincidence_gain(lams, 0.1, 0.1, 0, 0)
    assert np.all(np.diff(qb) > 0)


def test_bbm92_key_asymptotic_closed_form_and_threshold():
    k, _ = bbm92_key_length(1e6, 0.03, 1e6, 0.03, f_ec=1.2, finite=False)
    assert k == pytest.approx(1e6 * (1 - 2.2 * binary_entropy(0.03)))
    assert bbm92_key_length(1e6, 0.12, 1e6, 0.12, finite=False)[0] == 0.0
    fin, phi = bbm92_key_length(1e6, 0.03, 1e6, 0.03)
    assert 0 < fin < k and phi > 0.03



@settings(max_examples=60, deadline=None)
@given(loss_db=st.floats(10, 70), noise=st.floats(0, 1e-4), ed=st.floats(0, 0.2),
       pulses=st.floats(1e6, 1e13), px=st.floats(0.5, 0.95))
def test_finite_key_properties(loss_db, noise, ed, pulses, px):
    eta = 10 ** (-loss_db / 10)
    mu, p = (0.6, 0.15, 0.0), (0.6, 0.3, 0.1)
    c = _counts(eta, noise, ed, mu, p, px, pulses)
    fin = decoy_key_length(*c, mu, p)
    asy = decoy_key_length(*c, mu, p, finite=False)
    assert 0 <= fin.key_bits <= asy.key_bits + 1e-6
    assert fin.key_bits <= fin.single_photon_events + fin.vacuum_events + 1e-6
    assert 0 <= fin.phase_error <= 0.5


@pytest.mark.parametrize("lam", [1e-4, 1e-3, 1e-2])
def test_coincidence_to_accidental_ratio_is_one_over_the_pairs_per_window(lam):
    """Without background, coincidences over accidentals (singles product) minus one is
    1/mu for mu = 2 lambda pairs per window (the textbook coincidence-to-accidental ratio
    of a thermal pair source at low mean pair number), whatever the arms' losses."""
    from orbitqkd.core.keyrate import coincidence_gain, singles_gain

    for eta_a, eta_b in ((1e-3, 1e-4), (0.5, 0.2)):
        q = coincidence_gain(lam, eta_a, eta_b, 0.0, 0.0)
        acc = singles_gain(lam, eta_a, 0.0) * singles_gain(lam, eta_b, 0.0)
        assert q / acc - 1.0 == pytest.approx(1.0 / (2.0 * lam), rel=3 * lam + 1e-6)
    # background clicks add accidentals: the ratio falls
    q = coincidence_gain(lam, 1e-3, 1e-3, 1e-5, 1e-5)
    acc = singles_gain(lam, 1e-3, 1e-5) * singles_gain(lam, 1e-3, 1e-5)
    assert q / acc - 1.0 < 1.0 / (2.0 * lam) / 2
