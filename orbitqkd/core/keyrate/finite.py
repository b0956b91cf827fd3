"""Finite-key bound for three-intensity decoy-state BB84 (Lim et al. 2014).

All functions are numpy-vectorised: every count and parameter may be an array,
so one call evaluates a whole grid of candidate intensities and probabilities
(this is how the per-pass optimiser stays fast). Counts are the numbers of
events observed in the block (in planning, their expected values).

The statistical fluctuations of the per-intensity counts are bounded with one
of three concentration inequalities (``bound=``):

``'zhang2017'`` (default)
    Multiplicative Chernoff bound solved exactly for the expected count [3];
    per intensity, the tightest of the three.
``'yin2020'``
    Closed-form relaxation of the same Chernoff bound [4] (SatQuMA's default).
``'lim2014'``
    Hoeffding's inequality with the deviation of the total count [1].

References
----------
.. [1] C. C. W. Lim, M. Curty, N. Walenta, F. Xu and H. Zbinden, "Concise
   security bounds for practical decoy-state quantum key distribution",
   Phys. Rev. A 89, 022307 (2014). doi:10.1103/PhysRevA.89.022307
.. [2] X. Ma, B. Qi, Y. Zhao and H.-K. Lo, "Practical decoy state for quantum
   key distribution", Phys. Rev. A 72, 012326 (2005). doi:10.1103/PhysRevA.72.012326
.. [3] Z. Zhang, Q. Zhao, M. Razavi and X. Ma, "Improved key-rate bounds for
   practical decoy-state quantum-key-distribution systems", Phys. Rev. A 95,
   012333 (2017). doi:10.1103/PhysRevA.95.012333
.. [4] H.-L. Yin, M.-G. Zhou, J. Gu, Y.-M. Xie, Y.-S. Lu and Z.-B. Chen, "Tight
   security bounds for decoy-state quantum key distribution", Sci. Rep. 10,
   14312 (2020). doi:10.1038/s41598-020-71107-6
.. [5] M. Tomamichel, J. Martinez-Mateo, C. Pacher and D. Elkouss, "Fundamental
   finite key limits for one-way information reconciliation in quantum key
   distribution", Quantum Inf. Process. 16, 280 (2017). doi:10.1007/s11128-017-1709-5
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np
from scipy.special import ndtri
from scipy.stats import binom

from ...errors import check_choice
from .decoy import binary_entropy

LN2 = np.log(2.0)
BOUNDS = ("zhang2017", "yin2020", "lim2014")  # tightest first; the first is the default
EC_MODELS = ("fixed", "tomamichel2017")
N_ESTIMATES = 21  # [1] Sec. III: eps_sec is shared by 21 estimates (eps_sec/21 each)
_NEWTON_STEPS = 6  # exact-Chernoff root: quadratic convergence from a conservative start

ZERO_NO_SINGLE_PHOTON = "too few single-photon events for decoy bound"
ZERO_PHASE_ERROR = "phase-error bound reaches 1/2"
ZERO_ERROR_CORRECTION = "error correction and phase error exceed the single-photon key"
ZERO_FINITE_OVERHEAD = "block too short for finite key"


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
        g = np.sqrt((c + d) * (1.0 - b) * b / (c * d * LN2) * np.log2(np.maximum(arg, 1.0)))
    return np.where((c > 0) & (d > 0), g, np.inf)


def chernoff_bounds(count, eps, *, bound="zhang2017"):
    """Lower and upper bounds on the expected value of an observed count (Chernoff).

    Parameters
    ----------
    count : float or array_like
        Observed number of events x >= 0 (a sum of independent Bernoulli trials).
    eps : float
        Failure probability of each side.
    bound : {'zhang2017', 'yin2020'}
        Exact inversion of the multiplicative Chernoff bound [3], or its
        closed-form relaxation [4].

    Returns
    -------
    lower, upper : ndarray
        Bounds on the expected count [counts]. The closed form ``'yin2020'``
        lower bound goes negative for x below ~L; :func:`decoy_key_length`
        clips it at 0.

    Notes
    -----
    With L = ln(1/eps), the multiplicative Chernoff tails
    ``P(X >= (1+d) mu) <= (e^d / (1+d)^(1+d))^mu`` and
    ``P(X <= (1-d) mu) <= (e^-d / (1-d)^(1-d))^mu`` are
    inverted for mu at X = x (the construction of [3]); both sides give the two
    roots of::

        mu - x - x ln(mu / x) = L                                  ('zhang2017')

    solved here in w = ln(x/mu) (lower root) and v = ln(mu/x) (upper root) by
    Newton steps from the closed form below. The function is convex, so every
    step stays on the conservative side of the root.

    Relaxing the exponents (to d^2/2 for the upper bound) gives the closed form
    of [4] used by SatQuMA (equation numbers not checked: the paper's text was
    not available; the form is SatQuMA 1.1's ``nXZpm``, which cites [4])::

        lower = x - L/2 - sqrt(2 x L + L^2/4)                      ('yin2020')
        upper = x + L + sqrt(2 x L + L^2)
    """
    check_choice("bound", bound, BOUNDS[:2])
    x = np.asarray(count, dtype=float)
    big_l = np.log(1.0 / eps)
    lo = x - 0.5 * big_l - np.sqrt(2.0 * x * big_l + 0.25 * big_l**2)  # [4] lower
    hi = x + big_l + np.sqrt(2.0 * x * big_l + big_l**2)  # [4] upper
    if bound == "zhang2017":
        # counts so small that L / x overflows take the x = 0 limit (mu in [0, L]),
        # which the bounds tend to continuously
        pos = x > big_l * 1e-290
        with np.errstate(divide="ignore", invalid="ignore"):
            xp = np.where(pos, x, 1.0)
            c = big_l / xp
            # lower root: exp(-w) - 1 + w = c, start at w >= root (mu below the root)
            w = np.where(lo > 0, np.log(xp / np.where(lo > 0, lo, 1.0)), c + 1.0)
            w = np.minimum(w, c + 1.0)
            # upper root: exp(v) - 1 - v = c, start at v >= root (closed form is above)
            v = np.log(hi / xp)
            for _ in range(_NEWTON_STEPS):
                w = w - (np.expm1(-w) + w - c) / (-np.expm1(-w))
                v = v - (np.expm1(v) - v - c) / np.expm1(v)
            lo = np.where(pos, xp * np.exp(-w), 0.0)
            hi = np.where(pos, xp * np.exp(v), big_l)  # x = 0: mu = L closes [3]'s bound
    return lo, hi


def _count_bounds(counts, eps, bound, finite, clip_lower=True):
    """Per-intensity bounds (lower, upper) on expected counts, lower bounds clipped at 0."""
    if not finite:
        return list(counts), list(counts)
    if bound == "lim2014":
        delta = hoeffding_delta(sum(counts), eps)  # [1] Sec. III: deviation of the total count
        pairs = [(c - delta, c + delta) for c in counts]
    else:
        pairs = [chernoff_bounds(c, eps, bound=bound) for c in counts]
    floor = 0.0 if clip_lower else -np.inf
    return [np.maximum(a, floor) for a, _ in pairs], [b for _, b in pairs]


def ec_leakage(n_bits, qber, *, f_ec=1.16, eps_cor=1e-15, model="fixed", exact=True):
    """Bits disclosed by error correction of a block, lambda_EC [bits].

    Parameters
    ----------
    n_bits : float or array_like
        Sifted key-basis bits n_X.
    qber : float or array_like
        Key-basis bit error rate E_X, 0 <= E_X <= 1/2.
    f_ec : float
        Inefficiency of the fixed model (leakage / Shannon limit).
    eps_cor : float
        Correctness parameter, used by the finite-size model.
    model : {'fixed', 'tomamichel2017'}
        ``'fixed'``: ``f n h(E)`` ([1] Sec. IV). ``'tomamichel2017'``: the
        finite-size approximation of [5] for a binary symmetric channel.
    exact : bool
        ``'tomamichel2017'`` only: the binomial quantile exactly (scipy), or by
        its Cornish-Fisher expansion (within 1.2 counts of it for n E > 20,
        i.e. < 12 bits of leakage; 10x faster, used inside optimiser grids).

    Notes
    -----
    [5] (the approximation SatQuMA 1.1 cites as its Eq. (6); equation number
    not checked), with F^-1 the binomial quantile function and logs in base 2::

        leak = n h(E) + (n (1-E) - F^-1(eps_cor; n, 1-E) - 1) log2((1-E)/E)
               - 1/2 log2(n) - log2(1/eps_cor)

    SatQuMA evaluates the last three logarithms in base e; at its example
    block sizes (n_X ~ 1e7-1e8) the two differ by < 0.1 % of the key.
    """
    check_choice("ec_model", model, EC_MODELS)
    n = np.asarray(n_bits, dtype=float)
    e = np.clip(np.asarray(qber, dtype=float), 0.0, 0.5)
    shannon = n * binary_entropy(e)
    if model == "fixed":
        return f_ec * shannon
    with np.errstate(divide="ignore", invalid="ignore"):
        nn = np.floor(np.where(n >= 1, n, 1.0))
        if exact:
            q = binom.ppf(eps_cor, nn, 1.0 - e)  # F^-1(eps_cor; n, 1-E)
        else:  # Cornish-Fisher: errors' (1 - eps) quantile = mean + sigma (z + (z^2-1) skew/6)
            z = -ndtri(eps_cor)
            q = nn - (nn * e + np.sqrt(nn * e * (1.0 - e)) * z + (z * z - 1.0) * (1.0 - 2.0 * e) / 6.0)
        extra = (nn * (1.0 - e) - q - 1.0) * np.log2((1.0 - e) / e)
        leak = shannon + np.where(e > 0, extra, 0.0) - 0.5 * np.log2(nn) - np.log2(1.0 / eps_cor)
    return np.where(n >= 1, np.maximum(leak, 0.0), 0.0)


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


def _scale(bounds, mu, p):
    """e^{mu_k}/p_k x bound, [1] Sec. III (n^{+-}_k and m^{+-}_k)."""
    return [np.exp(mk) / pk * b for b, mk, pk in zip(bounds, mu, p)]


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
        Error-correction leakage lambda_EC [bits].
    single_photon_errors : ndarray
        Upper bound v_{Z,1} on single-photon errors in the test basis, capped
        by the errors observed there.
    test_single_photon_events : ndarray
        Lower bound s_{Z,1} on single-photon events in the test basis.
    privacy_bits : ndarray
        ``s_X0 + s_X1 (1 - h(phi_X))`` [bits], before error correction.
    overhead_bits : float
        Finite-size terms ``6 log2(21/eps_sec) + log2(2/eps_cor)`` [bits].
    eps_estimate : float
        Failure probability given to each of the 21 estimates (eps_sec/21).
    """

    key_bits: np.ndarray
    vacuum_events: np.ndarray
    single_photon_events: np.ndarray
    phase_error: np.ndarray
    qber: np.ndarray
    leak_ec_bits: np.ndarray
    single_photon_errors: np.ndarray
    test_single_photon_events: np.ndarray
    privacy_bits: np.ndarray
    overhead_bits: float
    eps_estimate: float


def decoy_key_length(n_x, m_x, n_z, m_z, mu, p, *, eps_sec=1e-10, eps_cor=1e-15,
                     f_ec=1.16, finite=True, bound="zhang2017", ec_model="fixed",
                     clip_lower=True, leak_ec_bits=None):
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
        Secrecy and correctness parameters. Each of the 21 estimates of [1]
        fails with probability eps_sec/21; privacy amplification and the
        smoothing take the rest (the ``6 log2(21/eps_sec)`` term).
    f_ec : float
        Error-correction inefficiency (``ec_model='fixed'``).
    finite : bool
        With False, drop all statistical deviations and epsilon terms: the
        asymptotic Lo-Ma-Chen decoy bound, equal to [2] Eqs. (34), (37) for mu_3 = 0.
    bound : {'zhang2017', 'yin2020', 'lim2014'}
        Concentration inequality for the per-intensity counts (module docstring).
    ec_model : {'fixed', 'tomamichel2017'}
        Error-correction leakage model, see :func:`ec_leakage`.
    clip_lower : bool
        Clip the lower bounds on expected counts at 0 (valid, and the default);
        False only to reproduce codes that do not (SatQuMA 1.1).
    leak_ec_bits : float or array_like, optional
        Error-correction leakage [bits] when it is known (the syndrome length
        of the reconciliation actually run); replaces ``ec_model``.

    Returns
    -------
    DecoyBound

    Notes
    -----
    [1] Eq. (1)::

        ell = s_X0 + s_X1 (1 - h(phi_X)) - lambda_EC - 6 log2(21/eps_sec) - log2(2/eps_cor)

    with s_X0, s_X1 from Eqs. (2), (3), v_Z1 from Eq. (4) and
    ``phi_X = v_Z1/s_Z1 + gamma(eps_sec/21, v_Z1/s_Z1, s_Z1, s_X1)`` from Eq. (5).
    Two always-valid tightenings: the lower count bounds are clipped at 0 (an
    expected count cannot be negative), and v_Z1 is capped by the errors m_Z
    observed in the test basis (single-photon errors are a subset of them).
    """
    check_choice("bound", bound, BOUNDS)
    check_choice("ec_model", ec_model, EC_MODELS)
    mu = [np.asarray(m, dtype=float) for m in mu]
    p = [np.asarray(v, dtype=float) for v in p]
    n_x, m_x, n_z, m_z = ([np.asarray(c, dtype=float) for c in cs] for cs in (n_x, m_x, n_z, m_z))
    tau0, tau1 = _tau(0, mu, p), _tau(1, mu, p)
    eps1 = eps_sec / N_ESTIMATES
    tot_nx, tot_mx, tot_mz = sum(n_x), sum(m_x), sum(m_z)

    with np.errstate(divide="ignore", invalid="ignore"):
        lo_x, hi_x = (_scale(b, mu, p) for b in _count_bounds(n_x, eps1, bound, finite, clip_lower))
        s_x0 = np.maximum(_vacuum_events(mu, lo_x, hi_x, tau0), 0.0)  # [1] Eq. (2)
        s_x1 = _single_photon_events(mu, lo_x, hi_x, s_x0, tau0, tau1)  # [1] Eq. (3)
        lo_z, hi_z = (_scale(b, mu, p) for b in _count_bounds(n_z, eps1, bound, finite, clip_lower))
        s_z0 = np.maximum(_vacuum_events(mu, lo_z, hi_z, tau0), 0.0)
        s_z1 = _single_photon_events(mu, lo_z, hi_z, s_z0, tau0, tau1)
        elo_z, ehi_z = (_scale(b, mu, p) for b in _count_bounds(m_z, eps1, bound, finite, clip_lower))
        v_z1 = tau1 * (ehi_z[1] - elo_z[2]) / (mu[1] - mu[2])  # [1] Eq. (4)
        return key_from_bounds(s_x0, s_x1, s_z1, v_z1, tot_nx, tot_mx, tot_mz, eps_sec=eps_sec,
                               eps_cor=eps_cor, f_ec=f_ec, ec_model=ec_model, finite=finite,
                               leak_ec_bits=leak_ec_bits)


def key_from_bounds(s_x0, s_x1, s_z1, v_z1, n_x, m_x, m_z, *, eps_sec, eps_cor, f_ec, ec_model,
                    finite=True, leak_ec_bits=None) -> DecoyBound:
    """The key length [1] Eq. (1) from the decoy bounds on the block's events.

    Shared by the 2-decoy bound (:func:`decoy_key_length`) and the 1-decoy
    bound (:func:`orbitqkd.core.keyrate.one_decoy.one_decoy_key_length`):
    ``s_x0``, ``s_x1`` lower bounds on the key-basis vacuum and single-photon
    events, ``s_z1`` on the test basis's, ``v_z1`` the upper bound on its
    single-photon errors (capped here by the ``m_z`` errors observed); ``n_x``,
    ``m_x`` the key-basis detections and errors.
    """
    eps1 = eps_sec / N_ESTIMATES
    with np.errstate(divide="ignore", invalid="ignore"):
        v_z1 = np.clip(v_z1, 0.0, m_z)  # cap: single-photon errors <= observed errors
        ratio = np.clip(v_z1 / s_z1, 0.0, 0.5)
        phi = ratio + (sampling_deviation(eps1, ratio, s_z1, s_x1) if finite else 0.0)  # Eq. (5)
        phi = np.where((s_z1 > 0) & (s_x1 > 0), np.minimum(phi, 0.5), 0.5)
        e_x = m_x / n_x
        if leak_ec_bits is None:
            leak = ec_leakage(n_x, np.clip(e_x, 0.0, 1.0), f_ec=f_ec, eps_cor=eps_cor,
                              model=ec_model if finite else "fixed")
        else:
            leak = np.asarray(leak_ec_bits, dtype=float)
        overhead = 6.0 * np.log2(N_ESTIMATES / eps_sec) + np.log2(2.0 / eps_cor) if finite else 0.0
        s_x1c = np.maximum(s_x1, 0.0)
        privacy = s_x0 + s_x1c * (1.0 - binary_entropy(phi))
        ell = privacy - leak - overhead  # [1] Eq. (1)
    ell = np.where(np.isfinite(ell), np.maximum(ell, 0.0), 0.0)
    return DecoyBound(ell, s_x0, s_x1c, phi, e_x, leak, v_z1, np.maximum(s_z1, 0.0), privacy,
                      float(overhead), float(eps1))


def zero_key_reason(result) -> str:
    """Why a (scalar) bound gives no key: ``''`` when ``key_bits > 0``.

    Parameters
    ----------
    result : DecoyBound
        From :func:`decoy_key_length` or
        :func:`orbitqkd.core.keyrate.one_decoy.one_decoy_key_length`, one block.

    Returns
    -------
    str
        ``ZERO_NO_SINGLE_PHOTON`` when the decoy bound gives no single-photon
        event; ``ZERO_PHASE_ERROR`` when the phase-error bound is 1/2;
        ``ZERO_ERROR_CORRECTION`` when error correction takes more than the
        single-photon key ``s_X0 + s_X1 (1 - h(phi))``; else
        ``ZERO_FINITE_OVERHEAD`` (only the finite-size epsilon terms are left).
    """
    if float(np.ravel(result.key_bits)[0]) > 0:
        return ""
    if not float(np.ravel(result.single_photon_events)[0]) > 0:
        return ZERO_NO_SINGLE_PHOTON
    if float(np.ravel(result.phase_error)[0]) >= 0.5:
        return ZERO_PHASE_ERROR
    if float(np.ravel(result.privacy_bits)[0]) <= float(np.ravel(result.leak_ec_bits)[0]):
        return ZERO_ERROR_CORRECTION
    return ZERO_FINITE_OVERHEAD
