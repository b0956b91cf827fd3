"""Finite-key bound for the 1-decoy (two-intensity) BB84 protocol of Rusca et al. (2018).

Same conventions as :mod:`orbitqkd.core.keyrate.finite` (counts observed in the
block, numpy broadcasting, ``bound=`` choice of concentration inequality), with
two intensities mu_1 > mu_2 sent with probabilities p_1, p_2 = 1 - p_1.

References
----------
.. [1] D. Rusca, A. Boaron, F. Grünenfelder, A. Martin and H. Zbinden,
   "Finite-key analysis for the 1-decoy state QKD protocol", Appl. Phys. Lett.
   112, 171104 (2018). doi:10.1063/1.5023340
.. [2] C. C. W. Lim, M. Curty, N. Walenta, F. Xu and H. Zbinden, "Concise
   security bounds for practical decoy-state quantum key distribution",
   Phys. Rev. A 89, 022307 (2014). doi:10.1103/PhysRevA.89.022307
"""

from __future__ import annotations

import numpy as np

from ...errors import check_choice
from .finite import (
    BOUNDS,
    EC_MODELS,
    N_ESTIMATES,
    _count_bounds,
    _scale,
    _tau,
    hoeffding_delta,
    key_from_bounds,
)


def _one_decoy_events(mu, lo, hi, m_hi, n_tot, tau0, tau1, eps, finite):
    """(s_0 lower, s_0 upper, s_1 lower) of one basis from scaled count bounds [1]."""
    mu1, mu2 = mu
    s0_lo = np.maximum(tau0 * (mu1 * lo[1] - mu2 * hi[0]) / (mu1 - mu2), 0.0)
    # vacuum clicks err with probability 1/2: s_0 <= 2 x (errors of the decoy) [1]
    s0_hi = 2.0 * (tau0 * m_hi[1] + (hoeffding_delta(n_tot, eps) if finite else 0.0))
    s1 = tau1 * mu1 / (mu2 * (mu1 - mu2)) * (
        lo[1] - mu2**2 / mu1**2 * hi[0] - (mu1**2 - mu2**2) / mu1**2 * s0_hi / tau0)
    return s0_lo, s0_hi, s1


def one_decoy_key_length(n_x, m_x, n_z, m_z, mu, p, *, eps_sec=1e-10, eps_cor=1e-15,
                         f_ec=1.16, finite=True, bound="zhang2017", ec_model="fixed",
                         clip_lower=True, leak_ec_bits=None):
    """Secret key length of a 1-decoy BB84 block [1].

    Parameters
    ----------
    n_x, m_x : sequence of 2 float or array_like
        Key-basis detections and errors for intensities mu_1 (signal), mu_2 (decoy).
    n_z, m_z : sequence of 2 float or array_like
        Test-basis detections and errors per intensity.
    mu : sequence of 2 float or array_like
        Intensities mu_1 > mu_2 > 0 [photons/pulse].
    p : sequence of 2 float or array_like
        Probabilities of sending each intensity (p_1 + p_2 = 1).
    eps_sec, eps_cor, f_ec, finite, bound, ec_model, clip_lower, leak_ec_bits
        As in :func:`orbitqkd.core.keyrate.finite.decoy_key_length`.

    Returns
    -------
    DecoyBound

    Notes
    -----
    With ñ_k = e^{mu_k} n_k / p_k bounded above/below by the chosen inequality
    and tau_n = sum_k p_k e^{-mu_k} mu_k^n / n!, [1]::

        s_0^u = 2 ( tau_0 e^{mu_2} m_2^+ / p_2 + sqrt(n/2 ln(1/eps)) )
        s_1^l = tau_1 mu_1 / (mu_2 (mu_1 - mu_2))
                [ ñ_2^- - mu_2^2/mu_1^2 ñ_1^+ - (mu_1^2 - mu_2^2)/mu_1^2 s_0^u / tau_0 ]
        v_1^u = tau_1 (m̃_1^+ - m̃_2^-) / (mu_1 - mu_2)

    and a vacuum lower bound ``s_0^l = tau_0 (mu_1 ñ_2^- - mu_2 ñ_1^+)/(mu_1 - mu_2)``
    (the two-intensity form of [2] Eq. (2)). The key length is [2] Eq. (1) with
    these bounds, v_1^u capped by the observed test-basis errors, and the
    epsilon split of [2] (eps_sec/21 per estimate; [1] needs fewer estimates,
    so this is conservative).
    """
    check_choice("bound", bound, BOUNDS)
    check_choice("ec_model", ec_model, EC_MODELS)
    mu = [np.asarray(m, dtype=float) for m in mu]
    p = [np.asarray(v, dtype=float) for v in p]
    n_x, m_x, n_z, m_z = ([np.asarray(c, dtype=float) for c in cs] for cs in (n_x, m_x, n_z, m_z))
    tau0, tau1 = _tau(0, mu, p), _tau(1, mu, p)
    eps1 = eps_sec / N_ESTIMATES
    tot_nx, tot_mx, tot_nz, tot_mz = sum(n_x), sum(m_x), sum(n_z), sum(m_z)

    def scaled(counts):
        return (_scale(b, mu, p) for b in _count_bounds(counts, eps1, bound, finite, clip_lower))

    with np.errstate(divide="ignore", invalid="ignore"):
        lo_x, hi_x = scaled(n_x)
        _, ehi_x = scaled(m_x)
        s_x0, _, s_x1 = _one_decoy_events(mu, lo_x, hi_x, ehi_x, tot_nx, tau0, tau1, eps1, finite)
        lo_z, hi_z = scaled(n_z)
        elo_z, ehi_z = scaled(m_z)
        _, _, s_z1 = _one_decoy_events(mu, lo_z, hi_z, ehi_z, tot_nz, tau0, tau1, eps1, finite)
        v_z1 = tau1 * (ehi_z[0] - elo_z[1]) / (mu[0] - mu[1])
    return key_from_bounds(s_x0, s_x1, s_z1, v_z1, tot_nx, tot_mx, tot_mz, eps_sec=eps_sec,
                           eps_cor=eps_cor, f_ec=f_ec, ec_model=ec_model, finite=finite,
                           leak_ec_bits=leak_ec_bits)  # [2] Eq. (1)
