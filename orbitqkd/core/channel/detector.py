"""Single-photon detection: efficiency, dark counts, dead time and gating.

References
----------
.. [1] G. F. Knoll, *Radiation Detection and Measurement*, 4th ed. (Wiley,
   2010), Ch. 4 (dead time: the non-paralysable model).
"""

from __future__ import annotations

import numpy as np


def dead_time_rate_cps(incident_rate_cps, dead_time_ns):
    """Registered count rate [1/s] of a non-paralysable detector.

    .. math:: m = \\frac{n}{1 + n\\tau}

    ([1]_ Ch. 4), ``n`` the rate of detectable events, ``tau`` the dead time.

    Examples
    --------
    >>> float(dead_time_rate_cps(1e6, 100.0))  # 10 % lost at n tau = 0.1
    909090.9090909091
    """
    n = np.asarray(incident_rate_cps, dtype=float)
    return n / (1.0 + n * np.asarray(dead_time_ns, dtype=float) * 1e-9)


def counts_per_gate(rate_cps, gate_width_ns):
    """Mean counts [-] of a Poisson rate inside one detection gate."""
    return np.asarray(rate_cps, dtype=float) * np.asarray(gate_width_ns, dtype=float) * 1e-9


def efficiency_loss_db(*efficiencies):
    """Loss [dB] of a chain of efficiencies (each in (0, 1]).

    >>> round(float(efficiency_loss_db(0.5, 0.5)), 3)
    6.021
    """
    eta = np.prod([np.asarray(e, dtype=float) for e in efficiencies], axis=0)
    return -10.0 * np.log10(eta)
