"""Pass key: window optimisation from a budget, fading-averaged counts, zero reasons."""

import dataclasses
import json
import time

import numpy as np
import pytest
from scipy.integrate import quad

from keyrate_budgets import budget, budget_table
from orbitqkd.cli import main
from orbitqkd.core.channel import fading
from orbitqkd.core.keyrate import (
    DecoyBB84,
    decoy_key_length,
    error_gain,
    fading_quadrature,
    gain,
    one_decoy_key_length,
    optimise_window,
    pass_key,
)
from orbitqkd.errors import InputError


def _pass(n=241, noise_cps=3e3, peak_db=30.0, extra_db=14.0):
    """Synthetic pass: loss peak_db at culmination rising by extra_db at 10 deg, noisy sky."""
    x = np.linspace(-1, 1, n)
    loss = peak_db + extra_db * x**2
    elev = 10.0 + 60.0 * (1 - x**2)
    b = budget(loss, noise_cps=noise_cps)
    return b, elev


def _with_scint(b, scint):
    return dataclasses.replace(b, scintillation_index=np.broadcast_to(scint, len(b)).astype(float))


# ---------------------------------------------------------------------------
# Window optimisation from a budget


def test_optimised_window_from_budget_matches_optimise_window():
    b, elev = _pass()
    proto = DecoyBB84(optimise=True)
    k = pass_key(b, proto, elevation_deg=elev)
    wk = optimise_window(b.transmittance, b.noise_rate_cps, 1.0, elev, proto,
                         repetition_rate_hz=1e8, gate_width_ns=2.0)
    # same optimiser on the same arrays; the pass key re-evaluates the window exactly
    assert k.finite_secret_bits == pytest.approx(wk.key_bits, rel=1e-9)
    assert k.min_elevation_deg == pytest.approx(wk.min_elevation_deg)
    assert k.min_elevation_deg > 30  # the noisy low-elevation arcs cost key
    assert k.window_s == wk.mask.sum() < len(b)
    t = b.time_utc[wk.mask]
    assert (k.window_start_utc, k.window_end_utc) == (t.min(), t.max())
    whole = pass_key(b, DecoyBB84(optimise=False))
    assert k.secret_bits > whole.secret_bits and whole.window_s == len(b)


def test_window_by_transmittance_without_elevation():
    # No track and no elevation column: samples ordered by transmittance. The
    # loss is symmetric in elevation, so the window is the same arc.
    b, elev = _pass()
    k_el = pass_key(b, DecoyBB84(optimise=True), elevation_deg=elev)
    k_tr = pass_key(b, DecoyBB84(optimise=True))
    assert np.isnan(k_tr.min_elevation_deg)
    assert k_tr.secret_bits == pytest.approx(k_el.secret_bits, rel=2e-3)
    assert k_tr.window_min_transmittance == pytest.approx(k_el.window_min_transmittance, rel=0.05)


def test_fixed_intensities_kept_and_cost_key():
    b, elev = _pass()
    free = pass_key(b, DecoyBB84(optimise=True), elevation_deg=elev)
    fixed = pass_key(b, DecoyBB84(optimise=True, fixed_intensities=True), elevation_deg=elev)
    assert (fixed.mu_s, fixed.mu_d) == (0.8, 0.1)
    assert 0 < fixed.secret_bits <= free.secret_bits * (1 + 1e-6)


def test_optimise_time_per_400_sample_pass():
    b, elev = _pass(n=420)
    proto = DecoyBB84(optimise=True)
    pass_key(b, proto, elevation_deg=elev)
    t0 = time.perf_counter()
    for _ in range(3):
        pass_key(b, proto, elevation_deg=elev)
    # 2-core shared CI machine: 25-35 ms measured, 100 ms leaves room for load
    assert (time.perf_counter() - t0) / 3 < 0.1


def test_afterpulse_and_one_decoy_reach_the_pass_key():
    b = budget(np.full(200, 30.0))
    mu, p, px, ap = (0.8, 0.1, 0.0), (0.5, 0.25, 0.25), 0.5, 0.05
    k = pass_key(b, DecoyBB84(afterpulse=ap))
    # independent count path: per-sample gains with afterpulses, summed by hand
    eta, y0, pulses = 1e-3, -np.expm1(-300.0 * 2e-9), 1e8
    n = [pk * 200 * pulses * gain(m, eta, y0, ap) for m, pk in zip(mu, p)]
    e = [pk * 200 * pulses * error_gain(m, eta, y0, 0.01, ap) for m, pk in zip(mu, p)]
    c = [[px**2 * v for v in n], [px**2 * v for v in e], [(1 - px) ** 2 * v for v in n],
         [(1 - px) ** 2 * v for v in e]]
    assert k.finite_secret_bits == pytest.approx(float(decoy_key_length(*c, mu, p).key_bits), rel=1e-9)
    assert k.detections == pytest.approx(sum(n), rel=1e-12)
    assert k.finite_secret_bits < pass_key(b).finite_secret_bits  # afterpulses cost key
    one = pass_key(b, DecoyBB84(decoys=1, mu_s=0.5, mu_d=0.1, p_s=0.8))
    mu1, p1 = (0.5, 0.1), (0.8, 0.2)
    n1 = [pk * 200 * pulses * gain(m, eta, y0) for m, pk in zip(mu1, p1)]
    e1 = [pk * 200 * pulses * error_gain(m, eta, y0, 0.01) for m, pk in zip(mu1, p1)]
    c1 = [[px**2 * v for v in n1], [px**2 * v for v in e1], [(1 - px) ** 2 * v for v in n1],
          [(1 - px) ** 2 * v for v in e1]]
    assert one.finite_secret_bits == pytest.approx(
        float(one_decoy_key_length(*c1, mu1, p1).key_bits), rel=1e-9)
    assert one.finite_secret_bits > 0 and one.p_d == pytest.approx(0.2) and np.isnan(one.mu_v)


# ---------------------------------------------------------------------------
# Zero reasons


def test_five_percent_qber_pass_names_error_correction():
    # 5 % intrinsic QBER at 30 dB for 300 s: 1.4e6 single-photon events (the decoy
    # bound holds), but error correction and the phase error take more than they
    # give, even asymptotically. The old pipeline said "too few single-photon events".
    k = pass_key(budget(np.full(300, 30.0)), DecoyBB84(misalignment=0.05))
    assert k.secret_bits == 0 and k.asymptotic_secret_bits == 0
    assert 0.045 < k.qber < 0.055 and k.single_photon_bits > 1e6
    assert k.zero_reason == "error correction and phase error exceed the single-photon key"


def test_zero_reason_finite_only_and_threshold():
    assert pass_key(budget(np.full(3, 40.0))).zero_reason == "block too short for finite key"
    assert pass_key(budget(np.full(200, 30.0), noise_cps=5e6)).zero_reason == "QBER above threshold"


# ---------------------------------------------------------------------------
# Fading-averaged counts


def _lognormal_expectation(f, mean, scint):
    """E[f(h)] under the lognormal PDT by adaptive quadrature in ln h (independent of the nodes)."""
    s2 = np.log1p(scint)

    def integrand(z):  # h = mean exp(z), z ~ N(-s2/2, s2)
        return f(mean * np.exp(z)) * np.exp(-(z + s2 / 2) ** 2 / (2 * s2)) / np.sqrt(2 * np.pi * s2)

    return quad(integrand, -s2 / 2 - 12 * np.sqrt(s2), -s2 / 2 + 12 * np.sqrt(s2), epsabs=0,
                epsrel=1e-12, limit=200)[0]


def test_lognormal_fading_key_equals_direct_integration():
    # 40 samples, scintillation index 0.05-1.2 and transmittance up to 0.3 (a strong
    # fade regime where the gain 1 - exp(-mu h) is far from linear): counts from
    # scipy quad over the lognormal PDT of each sample, then the same finite-key bound.
    n = 40
    eta = np.geomspace(0.3, 1e-3, n)
    scint = np.linspace(0.05, 1.2, n)
    b = _with_scint(budget(-10 * np.log10(eta), noise_cps=2e4), scint)
    proto = DecoyBB84(fading="lognormal", mu_s=0.8, mu_d=0.1)
    k = pass_key(b, proto)
    mu, p, px, ed = (0.8, 0.1, 0.0), (0.5, 0.25, 0.25), 0.5, 0.01
    y0 = -np.expm1(-2e4 * 2e-9)
    qn = [pk * 1e8 * sum(_lognormal_expectation(lambda h: gain(m, h, y0), e_, s_) for e_, s_ in zip(eta, scint))
          for m, pk in zip(mu, p)]
    qe = [pk * 1e8 * sum(_lognormal_expectation(lambda h: error_gain(m, h, y0, ed), e_, s_)
                         for e_, s_ in zip(eta, scint)) for m, pk in zip(mu, p)]
    c = [[px**2 * v for v in qn], [px**2 * v for v in qe], [(1 - px) ** 2 * v for v in qn],
         [(1 - px) ** 2 * v for v in qe]]
    direct = float(decoy_key_length(*c, mu, p).key_bits)
    # 8 Gauss-Hermite nodes in ln h: counts within 1e-6 relative, key within 1e-5
    assert k.detections == pytest.approx(sum(qn), rel=1e-6)
    assert k.finite_secret_bits == pytest.approx(direct, rel=1e-5)
    # fading lowers the expected clicks (1 - exp(-mu h) is concave in h)
    plain = pass_key(b, DecoyBB84(mu_s=0.8, mu_d=0.1))
    assert k.detections < plain.detections * (1 - 0.005)
    assert k.fading == "lognormal" and plain.fading == "none"


def test_pointing_fading_against_direct_integration():
    # Pointing PDT f(h) = g^2/A0 (h/A0)^(g^2-1) on [0, A0] (Farid & Hranilovic 2007
    # Eq. 11), A0 = mean (1 + g^2)/g^2; expectation of the gain by quad in u = h/A0.
    eta, g, mu, y0 = np.array([0.05, 0.2]), np.array([0.7, 1.5]), 0.8, 1e-5
    nodes, w = fading.transmittance_quadrature(eta, model="pointing", pointing_gamma=g, n_nodes=8)
    got = np.sum(gain(mu, nodes, y0) * w, axis=-1)
    for k in range(2):
        a0, g2 = eta[k] * (1 + g[k] ** 2) / g[k] ** 2, g[k] ** 2
        ref = quad(lambda u: gain(mu, a0 * u, y0) * g2 * u ** (g2 - 1), 0, 1, epsrel=1e-12)[0]
        assert got[k] == pytest.approx(ref, rel=1e-6)


def test_fading_quadrature_from_a_budget_and_its_guards():
    b = _with_scint(budget(np.full(5, 30.0)), 0.3)
    x, w = fading_quadrature(b, "gamma-gamma")
    assert x.shape == (5, 8) and np.allclose((x * w).sum(-1), 1e-3)
    # gamma-gamma variance recovers the budget's scintillation index (weak branch)
    var = (x**2 * w).sum(-1) / 1e-6 - 1
    assert var == pytest.approx(0.3, rel=1e-3)
    with pytest.raises(InputError, match="fading = 'pointing' needs the budget's track"):
        pass_key(b, DecoyBB84(fading="pointing"))
    with pytest.raises(InputError, match="needs the budget's scintillation_index"):
        pass_key(budget(np.full(5, 30.0)), DecoyBB84(fading="lognormal"))
    with pytest.raises(InputError, match="fading = 'rice' is not known"):
        DecoyBB84(fading="rice")


# ---------------------------------------------------------------------------
# CLI


def test_cli_optimise_uses_the_elevation_column(tmp_path, capsys):
    b, elev = _pass()
    df = budget_table(b.total_loss_db, noise_cps=3e3)
    df["elevation_deg"] = elev
    src = tmp_path / "b.csv"
    df.to_csv(src, index=False)
    assert main(["keyrate", str(src), "--optimise", "--fixed-intensities", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)[0]
    ref = pass_key(b, DecoyBB84(optimise=True, fixed_intensities=True), elevation_deg=elev)
    assert row["min_elevation_deg"] == pytest.approx(ref.min_elevation_deg)
    # the CLI writes whole bits (issue 13): rounded down, so within one bit
    assert row["secret_bits"] == np.floor(ref.secret_bits)
    assert (row["mu_s"], row["mu_d"]) == (0.8, 0.1)
    assert main(["keyrate", str(src), "--fading", "pointing"]) == 2
    assert "needs the budget's track (range) and links" in capsys.readouterr().err
