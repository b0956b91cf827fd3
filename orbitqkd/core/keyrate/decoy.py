"""Decoy-state BB84 with weak coherent pulses: gains, error rates and the GLLP rate.

Pure numpy functions, scalars or arrays in and out (broadcasting). Samples
outside the physical domain give NaN, never an exception.

References
----------
.. [1] X. Ma, B. Qi, Y. Zhao and H.-K. Lo, "Practical decoy state for quantum
   key distribution", Phys. Rev. A 72, 012326 (2005). doi:10.1103/PhysRevA.72.012326
.. [2] H.-K. Lo, X. Ma and K. Chen, "Decoy state quantum key distribution",
   Phys. Rev. Lett. 94, 230504 (2005). doi:10.1103/PhysRevLett.94.230504
.. [3] D. Gottesman, H.-K. Lo, N. Lütkenhaus and J. Preskill, "Security of
   quantum key distribution with imperfect devices", Quantum Inf. Comput. 4,
   325 (2004). doi:10.26421/QIC4.5-1
.. [4] C. C. W. Lim, M. Curty, N. Walenta, F. Xu and H. Zbinden, "Concise
   security bounds for practical decoy-state quantum key distribution",
   Phys. Rev. A 89, 022307 (2014), Sec. IV (detection model with afterpulses,
   as implemented by SatQuMA 1.1, ``DRate_j`` and ``error_j``).
   doi:10.1103/PhysRevA.89.022307
"""

from __future__ import annotations

import numpy as np

E0 = 0.5  # error probability of a click from background/dark counts, [1] Sec. II


def binary_entropy(x):
    """Binary Shannon entropy h(x) [bits].

    Parameters
    ----------
    x : float or array_like
        Probability, 0 <= x <= 1; values outside give NaN.

    Returns
    -------
    float or ndarray
        ``-x log2 x - (1-x) log2(1-x)``, with h(0) = h(1) = 0.

    Examples
    --------
    >>> float(binary_entropy(0.5))
    1.0
    >>> float(binary_entropy(0.0))
    0.0
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -x * np.log2(x) - (1.0 - x) * np.log2(1.0 - x)
    h = np.where((x == 0.0) | (x == 1.0), 0.0, h)
    h = np.where((x < 0.0) | (x > 1.0), np.nan, h)
    return h[()] if h.ndim == 0 else h


def gain(mu, eta, y0, afterpulse=0.0):
    """Overall gain Q_mu: probability that a pulse of mean photon number mu gives a click.

    Parameters
    ----------
    mu : float or array_like
        Mean photon number of the coherent pulse [photons].
    eta : float or array_like
        Overall transmittance, source output to detector click [linear, 0..1].
    y0 : float or array_like
        Background/dark click probability per pulse (vacuum yield) [0..1]; with
        two detectors of extraneous-count probability p_ec each, y0 = 2 p_ec.
    afterpulse : float or array_like, optional
        Afterpulse probability p_ap per click (default 0).

    Notes
    -----
    With the n-photon yield Y_n = 1 - (1 - Y0)(1 - eta)^n and Poisson photon
    statistics, [1] Sec. II::

        Q_mu = sum_n Y_n e^{-mu} mu^n / n! = 1 - (1 - Y0) exp(-eta mu)

    which is [1]'s ``Q_mu = Y0 + 1 - e^{-eta mu}`` without dropping the product
    term Y0 e^{-eta mu}. Afterpulses multiply it by (1 + p_ap), [4] Sec. IV:
    ``R_mu = (1 + p_ap) Q_mu``.
    """
    mu, eta, y0, ap = (np.asarray(a, dtype=float) for a in (mu, eta, y0, afterpulse))
    return (1.0 + ap) * (1.0 - (1.0 - y0) * np.exp(-eta * mu))


def error_gain(mu, eta, y0, misalignment, afterpulse=0.0):
    """Erroneous-click probability E_mu Q_mu per pulse of mean photon number mu.

    Parameters
    ----------
    mu, eta, y0, afterpulse : float or array_like
        As in :func:`gain`.
    misalignment : float or array_like
        Probability e_d that a signal photon hits the wrong detector.

    Notes
    -----
    [1] Sec. II: ``E_mu Q_mu = e0 Y0 + e_d (1 - exp(-eta mu))`` with e0 = 1/2;
    afterpulses add ``e0 p_ap R_mu`` ([4] Sec. IV, R_mu from :func:`gain`).
    """
    mu, eta, y0, ed, ap = (np.asarray(a, dtype=float) for a in (mu, eta, y0, misalignment, afterpulse))
    base = E0 * y0 + ed * (1.0 - np.exp(-eta * mu))
    return base + E0 * ap * gain(mu, eta, y0, ap)


def qber(mu, eta, y0, misalignment, afterpulse=0.0):
    """Quantum bit error rate E_mu of pulses with mean photon number mu (see :func:`error_gain`)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return error_gain(mu, eta, y0, misalignment, afterpulse) / gain(mu, eta, y0, afterpulse)


def single_photon_yield_lower(mu, nu, q_mu, q_nu, y0):
    """Lower bound on the single-photon yield Y1 from vacuum + one weak decoy.

    Parameters
    ----------
    mu, nu : float or array_like
        Signal and weak-decoy mean photon numbers, mu > nu > 0 (with mu > 2 nu
        for a tight bound).
    q_mu, q_nu : float or array_like
        Measured gains of signal and decoy pulses.
    y0 : float or array_like
        Vacuum yield measured with the vacuum decoy.

    Notes
    -----
    [1] Eq. (34)::

        Y1 >= mu / (mu nu - nu^2) * (Q_nu e^nu - Q_mu e^mu nu^2/mu^2
                                     - (mu^2 - nu^2)/mu^2 Y0)
    """
    mu, nu, q_mu, q_nu, y0 = (np.asarray(a, dtype=float) for a in (mu, nu, q_mu, q_nu, y0))
    # [1] Eq. (34)
    return mu / (mu * nu - nu**2) * (
        q_nu * np.exp(nu) - q_mu * np.exp(mu) * nu**2 / mu**2 - (mu**2 - nu**2) / mu**2 * y0
    )


def single_photon_error_upper(nu, eq_nu, y0, y1_lower):
    """Upper bound on the single-photon error rate e1 from the weak decoy.

    Parameters
    ----------
    nu : float or array_like
        Weak-decoy mean photon number.
    eq_nu : float or array_like
        Error gain E_nu Q_nu of decoy pulses.
    y0, y1_lower : float or array_like
        Vacuum yield and the lower bound on Y1.

    Notes
    -----
    [1] Eq. (37): ``e1 <= (E_nu Q_nu e^nu - e0 Y0) / (Y1 nu)``.
    """
    nu, eq_nu, y0, y1 = (np.asarray(a, dtype=float) for a in (nu, eq_nu, y0, y1_lower))
    with np.errstate(divide="ignore", invalid="ignore"):
        return (eq_nu * np.exp(nu) - E0 * y0) / (y1 * nu)  # [1] Eq. (37)


def gllp_rate(q_mu, e_mu, q1, e1, f_ec=1.22, q=0.5):
    """GLLP secret key rate per sent pulse [bits/pulse], clipped at zero.

    Parameters
    ----------
    q_mu, e_mu : float or array_like
        Gain and QBER of the signal pulses.
    q1, e1 : float or array_like
        Gain and error rate of single-photon signal pulses (or their bounds).
    f_ec : float
        Error-correction inefficiency.
    q : float
        Sifting factor (1/2 for standard BB84).

    Notes
    -----
    [3], as written in [1] Eq. (1)::

        R >= q { -Q_mu f h(E_mu) + Q1 [1 - h(e1)] }
    """
    r = q * (-q_mu * f_ec * binary_entropy(e_mu) + q1 * (1.0 - binary_entropy(e1)))
    return np.maximum(r, 0.0)


def decoy_rate(mu, eta, y0, misalignment, nu=None, f_ec=1.22, q=0.5):
    """Asymptotic decoy-state BB84 key rate per pulse [bits/pulse].

    With ``nu=None`` the single-photon yield and error are the true values
    (infinitely many decoys, [2]); with a weak decoy ``nu`` and a vacuum decoy they
    are the bounds of [1] Eqs. (34) and (37).

    Parameters
    ----------
    mu : float or array_like
        Signal mean photon number.
    eta, y0, misalignment : float or array_like
        Transmittance, vacuum yield and misalignment (see :func:`gain`).
    nu : float, optional
        Weak-decoy mean photon number.
    f_ec, q : float
        Error-correction inefficiency and sifting factor.

    Examples
    --------
    GYS parameters of [1] at 100 km of fibre (0.21 dB/km, detector 4.5 %):

    >>> eta = 0.045 * 10 ** (-0.021 * 100)
    >>> r = decoy_rate(0.48, eta, 1.7e-6, 0.033, f_ec=1.22)
    >>> f"{float(r):.2e}"
    '1.72e-05'
    """
    mu, eta, y0, ed = (np.asarray(a, dtype=float) for a in (mu, eta, y0, misalignment))
    q_mu = gain(mu, eta, y0)
    e_mu = qber(mu, eta, y0, ed)
    if nu is None:
        y1 = 1.0 - (1.0 - y0) * (1.0 - eta)  # [2] Y_1 = Y0 + eta - Y0 eta
        with np.errstate(divide="ignore", invalid="ignore"):
            e1 = (E0 * y0 + ed * eta) / y1
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            y1 = single_photon_yield_lower(mu, nu, q_mu, gain(nu, eta, y0), y0)
        y1 = np.where(mu > nu, y1, np.nan)  # the bound needs mu > nu
        e1 = single_photon_error_upper(nu, error_gain(nu, eta, y0, ed), y0, y1)
        bad = ~(y1 > 0.0)
        y1 = np.where(bad, 0.0, y1)
        e1 = np.where(bad | (e1 > 0.5), 0.5, e1)
    q1 = y1 * mu * np.exp(-mu)  # Poisson single-photon fraction, [1] Sec. II
    r = gllp_rate(q_mu, e_mu, q1, np.clip(e1, 0.0, 0.5), f_ec=f_ec, q=q)
    return r if nu is None else np.where(mu > nu, r, np.nan)
