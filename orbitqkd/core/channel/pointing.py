"""Mean loss from pointing jitter and bias of a Gaussian beam.

References
----------
.. [1] M. Toyoshima, T. Jono, K. Nakagawa and A. Yamamoto, "Optimum divergence
   angle of a Gaussian beam wave in the presence of random jitter in free-space
   laser communication systems", J. Opt. Soc. Am. A 19, 567 (2002),
   doi:10.1364/JOSAA.19.000567, Sec. 2 (Gaussian far field and Rayleigh /
   Rice distributed pointing error).
"""

from __future__ import annotations

import numpy as np


def pointing_efficiency(beam_half_angle_urad, jitter_urad=0.0, bias_urad=0.0):
    """Mean fraction of on-axis power kept under pointing jitter and bias.

    The far field of a Gaussian beam falls as :math:`\\exp(-2\\theta^2/\\theta_b^2)`
    ([1]_ Sec. 2), :math:`\\theta_b` its 1/e^2 half-angle. With a pointing error
    :math:`\\vec\\theta = \\vec b + \\vec n`, ``bias`` b fixed and ``jitter``
    :math:`\\vec n` circular Gaussian with standard deviation :math:`\\sigma`
    per axis (Rice distribution of :math:`|\\vec\\theta|`, [1]_ Sec. 2), the
    average over the error distribution is

    .. math:: \\eta_p = \\frac{\\theta_b^2}{\\theta_b^2 + 4\\sigma^2}
              \\exp\\Big(-\\frac{2b^2}{\\theta_b^2 + 4\\sigma^2}\\Big)

    (for b = 0 this is the Rayleigh-jitter result of [1]_; with b it follows
    from the same Gaussian integral).

    Parameters
    ----------
    beam_half_angle_urad : array_like
        1/e^2 half-angle of the beam at the receiver, :math:`w(L)/L` [urad].
    jitter_urad : float
        Rms pointing jitter per axis [urad].
    bias_urad : float
        Static pointing offset [urad].

    Examples
    --------
    >>> round(float(pointing_efficiency(5.0, jitter_urad=0.0, bias_urad=5.0)), 6)  # e^-2
    0.135335
    """
    tb2 = np.asarray(beam_half_angle_urad, dtype=float) ** 2
    s2 = 4.0 * np.asarray(jitter_urad, dtype=float) ** 2
    b2 = np.asarray(bias_urad, dtype=float) ** 2
    return tb2 / (tb2 + s2) * np.exp(-2.0 * b2 / (tb2 + s2))
