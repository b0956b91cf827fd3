"""Secret key rate of a fibre QKD link, for the trusted-relay backbone."""

from __future__ import annotations

import numpy as np

from .decoy import decoy_rate


def decoy_bb84_fibre_rate_bps(length_km, attenuation_db_per_km=0.2, repetition_rate_hz=1e9,
                              detector_efficiency=0.2, dark_count_probability=1e-7,
                              misalignment_error=0.01, mean_photon_number=0.5,
                              error_correction_efficiency=1.16, sifting_factor=0.5):
    """Asymptotic decoy-state BB84 secret key rate over fibre [bit/s].

    GLLP rate with infinitely many decoys (Lo, Ma & Chen, PRL 94, 230504
    (2005), Eqs. 1-3; model of Ma, Qi, Zhao & Lo, PRA 72, 012326 (2005),
    sec. IV):

        R = q f_rep [ -Q_mu f H2(E_mu) + Q_1 (1 - H2(e_1)) ]

    with channel transmittance ``eta = eta_det 10^(-alpha L / 10)``,
    ``Y_0 = 2 p_dark`` (two detectors), ``Q_mu = Y_0 + 1 - exp(-eta mu)``,
    ``E_mu Q_mu = Y_0 / 2 + e_d (1 - exp(-eta mu))``,
    ``Y_1 = Y_0 + eta - Y_0 eta``, ``Q_1 = Y_1 mu exp(-mu)`` and
    ``e_1 = (Y_0 / 2 + e_d eta) / Y_1``, evaluated by
    :func:`orbitqkd.core.keyrate.decoy.decoy_rate`. Negative rates become 0.

    Parameters
    ----------
    length_km : float or array
        Fibre length [km].
    attenuation_db_per_km : float
        Fibre loss [dB/km] (0.2 dB/km: standard single-mode fibre at 1550 nm).
    repetition_rate_hz : float
        Source repetition rate [Hz] (1 GHz as in Lucamarini et al., Opt.
        Express 21, 24550 (2013)).
    detector_efficiency, dark_count_probability, misalignment_error : float
        Receiver efficiency [0-1], dark counts per gate per detector, and the
        optical error ``e_d``.
    mean_photon_number, error_correction_efficiency, sifting_factor : float
        Signal intensity ``mu``, ``f`` and the basis-sifting factor ``q``.

    Examples
    --------
    >>> round(float(decoy_bb84_fibre_rate_bps(50.0)) / 1e6, 2)  # Mbit/s
    2.32
    >>> float(decoy_bb84_fibre_rate_bps(400.0))
    0.0
    """
    length = np.asarray(length_km, dtype=float)
    eta = detector_efficiency * 10.0 ** (-attenuation_db_per_km * length / 10.0)
    r = decoy_rate(mean_photon_number, eta, 2.0 * dark_count_probability, misalignment_error,
                   f_ec=error_correction_efficiency, q=sifting_factor)  # [1] Eqs. 1-3
    out = np.where(length >= 0, np.maximum(r, 0.0) * repetition_rate_hz, np.nan)
    return out if out.ndim else float(out)
