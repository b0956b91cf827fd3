"""Finite-key bound for three-intensity decoy-state BB84 (Lim et al. 2014).

All functions are numpy-vectorised: every count and parameter may be an array,
so one call evaluates a whole grid of candidate intensities and probabilities
(this is how the per-pass optimiser stays fast). Counts are *expected* numbers
of events in the block, i.e. the values an experiment would observe.

References
----------
.. [1] C. C. W. Lim, M. Curty, N. Walenta, F. Xu and H. Zbinden, "Concise
   security bounds for practical decoy-state quantum key distribution",
   Phys. Rev. A 89, 022307 (2014). doi:10.1103/PhysRevA.89.022307
.. [2] X. Ma, B. Qi, Y. Zhao and H.-K. Lo, "Practical decoy state for quantum
   key distribution", Phys. Rev. A 72, 012326 (2005). doi:10.1103/PhysRevA.72.012326
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np

from .decoy import binary_entropy

LN2 = np.log(2.0)


def hoeffding_delta(n, eps):
    """Hoeffding deviation sqrt(n/2 ln(1/eps)) of a count n at failure probability eps.

    Notes
    -----
    [1] Sec. III: the bounds n^{+-}_k use ``delta(n, eps) = sqrt(n/2 ln(1/eps))``
    with eps = eps_sec/21.
    """
    n = np.asarray(n, dtype=float)
    return np.sqrt(np.maximum(n, 0.0) / 2.0 * np.log(1.0 / eps))


def sampling_deviation(eps, rate, n_test, n_key):
    """Random-sampling deviation gamma of an error rate, [1] Eq. (5).

    Parameters
    ----------
    eps : float
        Failure probability of the estimate (``a / 21`` in [1]'s notation).
    rate : float or array_like
        Error rate ``b`` observed on the test sample, 0 < b < 1.
    n_test, n_key : float or array_like
        Sizes ``c`` of the test sample and ``d`` of the key sample.

    Notes
    -----
    [1] Eq. (5)::

        gamma(a,b,c,d) = sqrt( (c+d)(1-b)b / (c d ln 2)
                               * log2( (c+d) / (c d (1-b) b) * 21^2 / a^2 ) )

    written here with ``eps = a / 21`` so it serves any split of eps_sec.

    A rate of 0 is replaced by 1/(c+d) so the deviation stays finite.
    """
    c = np.asarray(n_test, dtype=float)
    d = np.asarray(n_key, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        b = np.clip(np.asarray(rate, dtype=float), 1.0 / (c + d), 0.5)
        arg = (c + d) / (c * d * (1.0 - b) * b) / eps**2
        g = np.sqrt((c + d) * (1.0 - b) * b / (c * d * LN2) * np.log2(arg))
    return np.where((c > 0) & (d > 0), g, np.inf)


def _tau(n, mu, p):
    """Probability that a pulse carries n photons, averaged over intensities [1] Sec. III."""
    return sum(pk * np.exp(-mk) * mk**n for mk, pk in zip(mu, p)) / factorial(n)


def _vacuum_events(mu, lo, hi, tau0):
    """Lower bound on vacuum events s_0 [1] Eq. (2) (uses mu_2 and mu_3)."""
    _, mu2, mu3 = mu
    return tau0 * (mu2 * lo[2] - mu3 * hi[1]) / (mu2 - mu3)


def _single_photon_events(mu, lo, hi, s0, tau0, tau1):
    """Lower bound on single-photon events s_1 [1] Eq. (3)."""
    mu1, mu2, mu3 = mu
    num = lo[1] - hi[2] - (mu2**2 - mu3**2) / mu1**2 * (hi[0] - s0 / tau0)
    return tau1 * mu1 * num / (mu1 * (mu2 - mu3) - mu2**2 + mu3**2)


def _scaled_bounds(counts, mu, p, delta):
    """n^{+-}_k = e^{mu_k}/p_k (n_k +- delta) for the three intensities [1] Sec. III."""
    lo = [np.exp(mk) / pk * (nk - delta) for nk, mk, pk in zip(counts, mu, p)]
    hi = [np.exp(mk) / pk * (nk + delta) for nk, mk, pk in zip(counts, mu, p)]
    return lo, hi


@dataclass(frozen=True)
class DecoyBound:
    """Result of :func:`decoy_key_length` (arrays broadcast like the inputs).

    Attributes
    ----------
    key_bits : ndarray
        Extractable secret key length ell [bits], clipped at 0.
    vacuum_events, single_photon_events : ndarray
        Lower bounds s_{X,0}, s_{X,1} on key-basis events.
    phase_error : ndarray
        Upper bound phi_X on the single-photon phase error rate.
    qber : ndarray
        Key-basis bit error rate E_X = m_X / n_X.
    leak_ec_bits : ndarray
        Error-correction leakage lambda_EC = f n_X h(E_X) [bits].
    """

    key_bits: np.ndarray
    vacuum_events: np.ndarray
    single_photon_events: np.ndarray
    phase_error: np.ndarray
    qber: np.ndarray
    leak_ec_bits: np.ndarray


def decoy_key_length(n_x, m_x, n_z, m_z, mu, p, *, eps_sec=1e-10, eps_cor=1e-15,
                     f_ec=1.16, finite=True):
    """Secret key length of a decoy-state BB84 block [1] Eqs. (1)-(5).

    Parameters
    ----------
    n_x, m_x : sequence of 3 float or array_like
        Key-basis (X) detections and errors for intensities mu_1, mu_2, mu_3.
    n_z, m_z : sequence of 3 float or array_like
        Test-basis (Z) detections and errors per intensity.
    mu : sequence of 3 float or array_like
        Intensities mu_1 > mu_2 + mu_3, mu_2 > mu_3 >= 0 [photons/pulse].
    p : sequence of 3 float or array_like
        Probabilities of sending each intensity.
    eps_sec, eps_cor : float
        Secrecy and correctness parameters.
    f_ec : float
        Error-correction inefficiency.
    finite : bool
        With False, drop all statistical deviations and epsilon terms: the
        asymptotic Lo-Ma-Chen decoy bound, equal to [2] Eqs. (34), (37) for mu_3 = 0.

    Returns
    -------
    DecoyBound

    Notes
    -----
    [1] Eq. (1)::

        ell = s_X0 + s_X1 (1 - h(phi_X)) - lambda_EC - 6 log2(21/eps_sec) - log2(2/eps_cor)

    with s_X0, s_X1 from Eqs. (2), (3), v_Z1 from Eq. (4) and
    ``phi_X = v_Z1/s_Z1 + gamma(eps_sec, v_Z1/s_Z1, s_Z1, s_X1)`` from Eq. (5).
    """
    mu = [np.asarray(m, dtype=float) for m in mu]
    p = [np.asarray(v, dtype=float) for v in p]
    n_x, m_x, n_z, m_z = ([np.asarray(c, dtype=float) for c in cs] for cs in (n_x, m_x, n_z, m_z))
    tau0, tau1 = _tau(0, mu, p), _tau(1, mu, p)
    eps1 = eps_sec / 21.0
    tot = {k: sum(v) for k, v in (("nx", n_x), ("mx", m_x), ("nz", n_z), ("mz", m_z))}
    d = {k: hoeffding_delta(v, eps1) if finite else 0.0 for k, v in tot.items()}

    with np.errstate(divide="ignore", invalid="ignore"):
        lo_x, hi_x = _scaled_bounds(n_x, mu, p, d["nx"])
        s_x0 = np.maximum(_vacuum_events(mu, lo_x, hi_x, tau0), 0.0)  # [1] Eq. (2)
        s_x1 = _single_photon_events(mu, lo_x, hi_x, s_x0, tau0, tau1)  # [1] Eq. (3)
        lo_z, hi_z = _scaled_bounds(n_z, mu, p, d["nz"])
        s_z0 = np.maximum(_vacuum_events(mu, lo_z, hi_z, tau0), 0.0)
        s_z1 = _single_photon_events(mu, lo_z, hi_z, s_z0, tau0, tau1)
        elo_z, ehi_z = _scaled_bounds(m_z, mu, p, d["mz"])
        v_z1 = tau1 * (ehi_z[1] - elo_z[2]) / (mu[1] - mu[2])  # [1] Eq. (4)
        ratio = np.clip(v_z1 / s_z1, 0.0, 0.5)
        phi = ratio + (sampling_deviation(eps1, ratio, s_z1, s_x1) if finite else 0.0)  # Eq. (5)
        phi = np.where((s_z1 > 0) & (s_x1 > 0), np.minimum(phi, 0.5), 0.5)
        e_x = tot["mx"] / tot["nx"]
        leak = f_ec * tot["nx"] * binary_entropy(np.clip(e_x, 0.0, 1.0))
        overhead = 6.0 * np.log2(21.0 / eps_sec) + np.log2(2.0 / eps_cor) if finite else 0.0
        s_x1c = np.maximum(s_x1, 0.0)
        ell = s_x0 + s_x1c * (1.0 - binary_entropy(phi)) - leak - overhead  # [1] Eq. (1)
    ell = np.where(np.isfinite(ell), np.maximum(ell, 0.0), 0.0)
    return DecoyBound(ell, s_x0, s_x1c, phi, e_x, leak)
