"""Entanglement-based BBM92 from a satellite pair source to two ground stations.

A continuous-wave parametric down-conversion source is treated per coincidence
window of width tau_c as a pulsed source with lambda = R_pair tau_c / 2 (half
the mean pair number per window, the convention of [1]); the accidental
coincidences of multi-pair emission and of background/dark counts then follow
from the thermal pair statistics of [1].

References
----------
.. [1] X. Ma, C.-H. F. Fung and H.-K. Lo, "Quantum key distribution with
   entangled photon sources", Phys. Rev. A 76, 012307 (2007).
   doi:10.1103/PhysRevA.76.012307
.. [2] C. C. W. Lim, M. Curty, N. Walenta, F. Xu and H. Zbinden, "Concise
   security bounds for practical decoy-state quantum key distribution",
   Phys. Rev. A 89, 022307 (2014). doi:10.1103/PhysRevA.89.022307
.. [3] J. Yin et al., "Entanglement-based secure quantum cryptography over
   1,120 kilometres", Nature 582, 501 (2020), Methods (finite-key analysis).
   doi:10.1038/s41586-020-2401-y
"""

from __future__ import annotations

import numpy as np

from .decoy import E0, binary_entropy
from .finite import ec_leakage, sampling_deviation

ZERO_QBER = "QBER too high: error correction and phase error exceed the key"
ZERO_FINITE_OVERHEAD = "block too short for finite key"


def _no_click_denominators(lam, eta_a, eta_b):
    """(1 + eta_a lam), (1 + eta_b lam) and (1 + eta_a lam + eta_b lam - eta_a eta_b lam)."""
    da = 1.0 + eta_a * lam
    db = 1.0 + eta_b * lam
    dab = 1.0 + eta_a * lam + eta_b * lam - eta_a * eta_b * lam
    return da, db, dab


def coincidence_gain(lam, eta_a, eta_b, y0_a, y0_b):
    """Probability Q_lambda of a coincidence per window (true + accidental).

    Parameters
    ----------
    lam : float or array_like
        Half the mean number of pairs per window, lambda = R_pair tau_c / 2.
    eta_a, eta_b : float or array_like
        Transmittance of each arm, source to detector click [linear].
    y0_a, y0_b : float or array_like
        Background/dark click probability per window of each station.

    Notes
    -----
    With P(n) = (n+1) lambda^n / (1+lambda)^(n+2) and threshold detectors, [1]
    Sec. III (Eq. (9))::

        Q = 1 - (1-Y0A)/(1+eta_A lam)^2 - (1-Y0B)/(1+eta_B lam)^2
              + (1-Y0A)(1-Y0B)/(1+eta_A lam+eta_B lam-eta_A eta_B lam)^2
    """
    lam, eta_a, eta_b, y0_a, y0_b = (np.asarray(a, dtype=float)
                                      for a in (lam, eta_a, eta_b, y0_a, y0_b))
    da, db, dab = _no_click_denominators(lam, eta_a, eta_b)
    # [1] Eq. (9)
    return 1.0 - (1.0 - y0_a) / da**2 - (1.0 - y0_b) / db**2 + (1.0 - y0_a) * (1.0 - y0_b) / dab**2


def singles_gain(lam, eta, y0):
    """Probability of a click at one station per window (pairs and background).

    [1] Sec. III: with P(n) = (n+1) lambda^n / (1+lambda)^(n+2) the probability
    that none of a station's photons is detected is 1/(1+eta lam)^2, so
    ``P = 1 - (1 - Y0)/(1 + eta lam)^2``.
    """
    lam, eta, y0 = (np.asarray(a, dtype=float) for a in (lam, eta, y0))
    return 1.0 - (1.0 - y0) / (1.0 + eta * lam) ** 2


def coincidence_error_gain(lam, eta_a, eta_b, y0_a, y0_b, misalignment):
    """Erroneous-coincidence probability E_lambda Q_lambda per window.

    Notes
    -----
    [1] Sec. III (Eq. (10))::

        E Q = e0 Q - 2 (e0 - e_d) eta_A eta_B lam (1 + lam)
                     / [(1+eta_A lam)(1+eta_B lam)(1+eta_A lam+eta_B lam-eta_A eta_B lam)]

    Uncorrelated (accidental) coincidences are wrong with probability e0 = 1/2.
    """
    lam, eta_a, eta_b, ed = (np.asarray(a, dtype=float) for a in (lam, eta_a, eta_b, misalignment))
    da, db, dab = _no_click_denominators(lam, eta_a, eta_b)
    q = coincidence_gain(lam, eta_a, eta_b, y0_a, y0_b)
    # [1] Eq. (10)
    return E0 * q - 2.0 * (E0 - ed) * eta_a * eta_b * lam * (1.0 + lam) / (da * db * dab)


def bbm92_key_length(n_key, e_key, n_test, e_test, *, eps_sec=1e-10, eps_cor=1e-15,
                     f_ec=1.19, finite=True, ec_model="fixed"):
    """Secret key length of an entanglement-based BBM92 block [bits].

    Parameters
    ----------
    n_key, e_key : float or array_like
        Sifted coincidences in the key basis and their error rate.
    n_test, e_test : float or array_like
        Sifted coincidences in the other basis (phase-error estimate) and their error rate.
    eps_sec, eps_cor : float
        Secrecy and correctness parameters.
    f_ec : float
        Error-correction inefficiency.
    finite : bool
        With False, the asymptotic rate of [1] Eq. (11):
        ``n_key [1 - f h(e_key) - h(e_test)]``.
    ec_model : {'fixed', 'tomamichel2017'}
        Error-correction leakage model (:func:`orbitqkd.core.keyrate.finite.ec_leakage`).

    Returns
    -------
    key_bits, phase_error : ndarray
        Key length clipped at 0, and the phase-error bound used.

    Notes
    -----
    With entanglement there is no multi-photon term, so the bound of [2]
    Eqs. (1), (5) reduces to (eps_sec split as 3 equal parts, parameter
    estimation + 2 x privacy amplification)::

        phi = e_test + gamma(eps_sec/3, e_test, n_test, n_key)
        ell = n_key [1 - h(phi)] - lambda_EC - 2 log2(3/(2 eps_sec)) - log2(2/eps_cor)

    which is the form of [3] (Methods): ``ell = n [1 - h(e_ph)] - leak_EC
    - log2(2/eps_cor) - 2 log2(1/(2 eps_PA))`` with eps_PA = eps_sec/3.
    """
    n_key, e_key, n_test, e_test = (np.asarray(a, dtype=float)
                                    for a in (n_key, e_key, n_test, e_test))
    if finite:
        phi = e_test + sampling_deviation(eps_sec / 3.0, e_test, n_test, n_key)
        overhead = 2.0 * np.log2(3.0 / (2.0 * eps_sec)) + np.log2(2.0 / eps_cor)
    else:
        phi, overhead = e_test, 0.0
    phi = np.minimum(phi, 0.5)
    leak = ec_leakage(n_key, np.clip(e_key, 0, 0.5), f_ec=f_ec, eps_cor=eps_cor,
                      model=ec_model if finite else "fixed")
    with np.errstate(invalid="ignore"):
        ell = n_key * (1.0 - binary_entropy(phi)) - leak - overhead
    return np.where(np.isfinite(ell), np.maximum(ell, 0.0), 0.0), phi


def bbm92_zero_reason(n_key, e_key, phase_error, *, eps_sec=1e-10, eps_cor=1e-15, f_ec=1.19,
                      ec_model="fixed"):
    """Why a (scalar) BBM92 block gives no key: ``''`` when it gives some.

    Returns :data:`ZERO_QBER` when error correction and the phase-error term
    alone exceed ``n_key`` (``n [1 - h(phi)] <= lambda_EC``), else
    :data:`ZERO_FINITE_OVERHEAD` when only the epsilon terms are left.
    """
    n = float(n_key)
    leak = float(ec_leakage(n, min(max(float(e_key), 0.0), 0.5), f_ec=f_ec, eps_cor=eps_cor,
                            model=ec_model))
    privacy = n * (1.0 - float(binary_entropy(min(float(phase_error), 0.5))))
    overhead = 2.0 * np.log2(3.0 / (2.0 * eps_sec)) + np.log2(2.0 / eps_cor)
    if privacy - leak - overhead > 0:
        return ""
    return ZERO_QBER if privacy <= leak else ZERO_FINITE_OVERHEAD
