"""Shared fixtures: synthetic but realistic candidate passes."""

import numpy as np
import pandas as pd
import pytest

T0 = pd.Timestamp("2016-12-19T12:00:00Z")


def make_pass(satellite, station, rise_min, duration_s, key_bits, dark=True, **extra):
    """One candidate pass rising ``rise_min`` minutes after T0."""
    rise = T0 + pd.Timedelta(minutes=rise_min)
    row = dict(
        satellite=satellite, norad_id=41731, station=station, rise_utc=rise,
        culmination_utc=rise + pd.Timedelta(seconds=duration_s / 2),
        set_utc=rise + pd.Timedelta(seconds=duration_s), max_elevation_deg=45.0,
        duration_s=float(duration_s), min_range_km=700.0,
        sun_elevation_deg=-20.0 if dark else 20.0, dark=dark, key_bits=float(key_bits),
    )
    row.update(extra)
    return row


def random_passes(n_sats, n_stations, days, seed=0, per_station_day=4):
    """LEO-like passes: a few 3-9 minute passes per satellite, station and day."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_sats):
        for g in range(n_stations):
            n = rng.poisson(per_station_day * days)
            rises = np.sort(rng.uniform(0, days * 1440, n))
            for r in rises:
                rows.append(make_pass(f"SAT-{s}", f"GS-{g}", r, rng.uniform(180, 540),
                                      rng.lognormal(12, 1.0), dark=bool(rng.random() < 0.5)))
    return pd.DataFrame(rows)


@pytest.fixture
def passes_factory():
    return make_pass


@pytest.fixture
def random_passes_factory():
    return random_passes
