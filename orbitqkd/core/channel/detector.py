"""Single-photon detection: efficiency, dark counts, dead time, saturation,
afterpulsing and timing jitter against the detection gate.

References
----------
.. [1] G. F. Knoll, *Radiation Detection and Measurement*, 4th ed. (Wiley,
   2010), Ch. 4 (dead time: the non-paralysable model).
.. [2] X. Ma, B. Qi, Y. Zhao and H.-K. Lo, "Practical decoy state for quantum
   key distribution", Phys. Rev. A 72, 012326 (2005),
   doi:10.1103/PhysRevA.72.012326, Eq. (3) (threshold detector: click
   probability 1 - exp(-eta mu) plus background).
"""

from __future__ import annotations

import numpy as np
from scipy import special


def dead_time_rate_cps(incident_rate_cps, dead_time_ns, n_detectors=1):
    """Registered count rate [1/s] of non-paralysable detectors.

    .. math:: m = \\frac{n}{1 + n\\tau/N}

    ([1]_ Ch. 4), ``n`` the total rate of detectable events, ``tau`` the dead
    time and N the number of detectors sharing the events equally (each sees
    n/N and registers (n/N)/(1 + n tau/N)). It saturates at N/tau.

    Examples
    --------
    >>> float(dead_time_rate_cps(1e6, 100.0))  # 10 % lost at n tau = 0.1
    909090.9090909091
    >>> float(dead_time_rate_cps(4e6, 100.0, n_detectors=4))
    3636363.6363636362
    """
    n = np.asarray(incident_rate_cps, dtype=float)
    tau = np.asarray(dead_time_ns, dtype=float) * 1e-9
    return n / (1.0 + n * tau / np.asarray(n_detectors, dtype=float))


def click_probability(mean_photons, efficiency=1.0, background_probability=0.0):
    """Probability [-] that a threshold detector clicks in one gate.

    .. math:: p = 1 - (1 - p_b)\\,e^{-\\eta\\mu}

    ([2]_ Eq. (3)): Poisson light of mean ``mean_photons`` mu at the detector
    input, detection efficiency eta, independent background / dark click
    probability p_b per gate. A threshold detector saturates at one click per
    gate: p -> 1, and the click rate falls below eta mu once eta mu ~ 0.1.
    """
    mu = np.asarray(mean_photons, dtype=float)
    eta = np.asarray(efficiency, dtype=float)
    pb = np.asarray(background_probability, dtype=float)
    return 1.0 - (1.0 - pb) * np.exp(-eta * mu)  # [2] Eq. 3


def afterpulse_rate_cps(detection_rate_cps, afterpulse_probability, cascade=True):
    """Extra count rate [1/s] from afterpulsing.

    Each registered count is followed by an afterpulse with probability p.
    With ``cascade`` (afterpulses trigger afterpulses, a branching process) a
    primary count yields on average :math:`1/(1-p)` counts, so the extra rate
    is :math:`R\\,p/(1-p)`; without it, :math:`R\\,p`. Apply dead time
    (:func:`dead_time_rate_cps`) to the primary rate first: afterpulses fall
    after the hold-off. NaN for p outside [0, 1).
    """
    r = np.asarray(detection_rate_cps, dtype=float)
    p = np.asarray(afterpulse_probability, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        extra = np.where(cascade, r * p / (1.0 - p), r * p)
    return np.where((p >= 0) & (p < 1), extra, np.nan)


FWHM_PER_SIGMA = 2.0 * np.sqrt(2.0 * np.log(2.0))  # Gaussian FWHM / sigma = 2.3548


def combined_jitter_fwhm_ps(*fwhm_ps):
    """FWHM [ps] of independent Gaussian timing jitters in series (root sum square).

    Source pulse width, detector jitter and time-tagger jitter convolve; for
    Gaussians the variances add.
    """
    return np.sqrt(np.sum([np.asarray(f, dtype=float) ** 2 for f in fwhm_ps], axis=0))


def gate_signal_fraction(gate_width_ns, jitter_fwhm_ps, offset_ps=0.0):
    """Fraction [-] of signal detections inside a detection gate.

    Detection times spread around the expected arrival by a Gaussian of FWHM
    ``jitter_fwhm_ps`` (sigma = FWHM / 2.3548); the gate of width g is
    centred ``offset_ps`` away from the mean arrival:

    .. math:: f = \\tfrac12\\Big[\\mathrm{erf}\\frac{g/2 - t_0}{\\sqrt2\\sigma}
              + \\mathrm{erf}\\frac{g/2 + t_0}{\\sqrt2\\sigma}\\Big]

    Examples
    --------
    >>> round(float(gate_signal_fraction(1.0, 1000.0)), 4)  # gate = FWHM: 76.1 %
    0.761
    """
    g = 0.5 * np.asarray(gate_width_ns, dtype=float) * 1e3
    t0 = np.asarray(offset_ps, dtype=float)
    s = np.asarray(jitter_fwhm_ps, dtype=float) / FWHM_PER_SIGMA * np.sqrt(2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return 0.5 * (special.erf((g - t0) / s) + special.erf((g + t0) / s))


def gate_background_fraction(gate_width_ns, repetition_rate_hz):
    """Fraction [-] of time-uniform background / dark counts kept by the gates.

    One gate of width g per pulse at repetition rate f keeps min(1, g f) of a
    uniform count stream (the duty cycle).
    """
    duty = np.asarray(gate_width_ns, dtype=float) * 1e-9 * np.asarray(repetition_rate_hz,
                                                                        dtype=float)
    return np.minimum(duty, 1.0)


def counts_per_gate(rate_cps, gate_width_ns):
    """Mean counts [-] of a Poisson rate inside one detection gate."""
    return np.asarray(rate_cps, dtype=float) * np.asarray(gate_width_ns, dtype=float) * 1e-9


def efficiency_loss_db(*efficiencies):
    """Loss [dB] of a chain of efficiencies (each in (0, 1]).

    >>> round(float(efficiency_loss_db(0.5, 0.5)), 3), float(efficiency_loss_db(1.0))
    (6.021, 0.0)
    """
    eta = np.prod([np.asarray(e, dtype=float) for e in efficiencies], axis=0)
    return 0.0 - 10.0 * np.log10(eta)  # 0.0 - turns -0.0 (a lossless term) into 0.0
