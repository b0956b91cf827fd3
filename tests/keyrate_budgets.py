"""Synthetic link budgets for the keyrate tests (shared by the test modules)."""

import numpy as np
import pandas as pd

from orbitqkd.core.budget import LinkBudget


def budget(loss_db, noise_cps=300.0, start="2016-12-19T17:00Z", rep_hz=1e8, gate_ns=2.0,
           above=None):
    """A LinkBudget with 1 s samples from a loss series [dB] (see :func:`budget_table`)."""
    return LinkBudget.from_frame(budget_table(loss_db, noise_cps, start, above),
                                 repetition_rate_hz=rep_hz, gate_width_ns=gate_ns, sample_s=1.0)


def budget_table(loss_db, noise_cps=300.0, start="2016-12-19T17:00Z", above=None):
    """A budget table with 1 s samples from a loss series [dB]."""
    loss_db = np.asarray(loss_db, dtype=float)
    n = loss_db.size
    df = pd.DataFrame({
        "time_utc": pd.Timestamp(start) + pd.to_timedelta(np.arange(n), "s"),
        "elevation_deg": np.full(n, 45.0),
        "range_km": np.full(n, 800.0),
        "total_loss_db": loss_db,
        "transmittance": 10 ** (-loss_db / 10),
        "noise_rate_cps": np.full(n, noise_cps),
        "above_horizon": np.ones(n, bool) if above is None else above,
    })
    return df


def micius_budget(extra_loss_db=6.7):
    """Synthetic 273 s Micius-Xinglong pass (Liao et al. 2017, 19 Dec 2016).

    Range follows a straight-line pass with 645 km closest approach and 1,200 km
    at both ends of the 273 s window; the published channel loss (22 dB at
    645 km, 35 dB at 1,200 km) is interpolated linearly in range, plus a constant
    receiver/detector loss ``extra_loss_db`` calibrated once so the sifted key
    matches the published 3,551,136 bits (the loss curve itself is not published).
    """
    t = np.arange(-136, 137)
    v_km_s = np.sqrt(1200**2 - 645**2) / 136.5
    rng = np.sqrt(645**2 + (v_km_s * t) ** 2)
    loss = 22 + (rng - 645) / (1200 - 645) * 13 + extra_loss_db
    return budget(loss, noise_cps=300.0)


def yin_budgets(seconds=3100):
    """Two arms Delingha/Nanshan with 29.5-34 dB each (sum ~64 dB), 3,100 s in total."""
    t = np.arange(seconds)
    la = 29.5 + 4.5 * np.abs(np.sin(t / 310 * np.pi))
    lb = 29.5 + 4.5 * np.abs(np.cos(t / 310 * np.pi))
    return budget(la, noise_cps=500.0, start="2018-01-01T00:00Z"), budget(lb, noise_cps=500.0, start="2018-01-01T00:00Z")
