"""Design orbits with refreshed element sets (orbitqkd.core.propagation)."""

import numpy as np
import pandas as pd
import pytest

from orbitqkd.core import events
from orbitqkd.core.orbits import TimeBase, propagate_ecef
from orbitqkd.core.propagation import (EARTH_RADIUS_KM, DesignOrbit, concat_passes,
                                       find_passes_refreshed, geostationary_orbit,
                                       j2_secular_rates_deg_day, molniya_orbit,
                                       raan_for_ltan_deg, sun_synchronous_inclination_deg,
                                       sun_synchronous_orbit, walker_orbits)
from orbitqkd.errors import InputError
from orbitqkd.io.stations import get_stations

START = pd.Timestamp("2025-01-01", tz="UTC")
SIDEREAL_DAY_S = 86164.0905  # IERS Conventions (2010), Sect. 1.2


def _ecef(orbit_or_sat, t0, seconds):
    sat = orbit_or_sat if not isinstance(orbit_or_sat, DesignOrbit) else orbit_or_sat.satellite()
    base = TimeBase.for_span(t0, float(np.max(seconds)))
    return propagate_ecef([sat.satrec], base, seconds)[0][0]


def test_j2_rates_against_sgp4_secular_rates():
    # independent: SGP4's own secular rates (J2, J2^2, J4; Hoots & Roehrich 1980). The
    # first-order J2 node and perigee rates differ from them by the J2^2 and J4 terms,
    # ~0.1 % of the rate at LEO, so 0.5 % is the tolerance.
    for alt, inc in ((500.0, 97.4), (800.0, 53.0), (1200.0, 30.0)):
        o = DesignOrbit("X", START, EARTH_RADIUS_KM + alt, 0.001, inc)
        node, argp, mean = (np.degrees(r) * 1440.0 for r in o.rates_rad_min())
        rn, ra, rm = j2_secular_rates_deg_day(o.semi_major_axis_km, 0.001, inc)
        assert rn == pytest.approx(node, rel=5e-3)
        assert ra == pytest.approx(argp, rel=5e-3)
        # SGP4 reads the input mean motion as Kozai's and recovers Brouwer's from it: they differ
        # by ~(3/4) J2 (R/a)^2 = 7e-4, the tolerance of the mean anomaly rate
        assert rm == pytest.approx(mean, rel=1e-3)
    arr = j2_secular_rates_deg_day(np.array([7000.0, 6000.0]), 0.0, 98.0)
    assert arr[0].shape == (2,) and np.isnan(arr[0][1])   # below the Earth's radius: NaN


def test_sun_synchronous_inclination():
    # Vallado (2013) Sect. 11.4 / Wertz SMAD: a circular SSO at 800 km has i = 98.6 deg,
    # at 500 km 97.4 deg (to 0.05 deg, the rounding of the tabulated values)
    assert sun_synchronous_inclination_deg(800.0) == pytest.approx(98.60, abs=0.05)
    assert sun_synchronous_inclination_deg(500.0) == pytest.approx(97.40, abs=0.05)
    out = sun_synchronous_inclination_deg(np.array([500.0, 7000.0]))
    assert np.isnan(out[1])   # no sun-synchronous circular orbit that high


def _node_local_time_h(orbit, t0, hours=3.5):
    """Local mean solar time [h] at the first ascending node after t0, from SGP4 positions."""
    s = np.arange(0.0, hours * 3600.0, 5.0)
    r = _ecef(orbit, t0, s)
    k = np.flatnonzero((r[:-1, 2] < 0) & (r[1:, 2] >= 0))[0]
    f = -r[k, 2] / (r[k + 1, 2] - r[k, 2])
    node = r[k] + f * (r[k + 1] - r[k])
    t = t0 + pd.Timedelta(seconds=s[k] + f * 5.0)
    lon = np.degrees(np.arctan2(node[1], node[0]))
    utc_h = (t - t.floor("D")).total_seconds() / 3600.0
    return (utc_h + lon / 15.0) % 24.0   # local mean solar time = UT + longitude / 15 deg/h


def test_ltan_holds_over_a_year():
    # independent: the node found in SGP4 Earth-fixed positions; local mean time = UT + lon/15
    # (UT1-UTC < 1 s). Tolerance 1.5 min: the mean Sun of the Almanac (0.01 deg = 2.4 s) and
    # the sampled node (< 1 s) are far inside it; the year's drift of the node against the
    # mean Sun with the SGP4-solved inclination stays under a minute.
    o = sun_synchronous_orbit("SSO", 550.0, 22.5, START)
    assert _node_local_time_h(o, START) == pytest.approx(22.5, abs=1.5 / 60)
    later = START + pd.Timedelta(days=300)
    assert _node_local_time_h(o.at(later), later) == pytest.approx(22.5, abs=1.5 / 60)
    assert raan_for_ltan_deg("2000-01-01T12:00:00Z", 12.0) == pytest.approx(280.46, abs=1e-3)


def test_refreshed_passes_equal_one_element_set_without_drag():
    # without drag the refreshed element sets reproduce SGP4's secular theory, so the passes
    # of one element set are the reference; a 0.3-day refresh cuts many passes at segment
    # boundaries, which must be joined back (same count; rise and set within 50 ms, the pass engine's
    # Hermite refinement error on grids of different origin, core/events.py)
    o = sun_synchronous_orbit("SSO", 500.0, 22.5, START)
    st = get_stations(["Graz", "Matera"])
    naive = events.find_passes([o.satellite()], st, START, days=4).table
    fresh = concat_passes(find_passes_refreshed([o], st, START, days=4, refresh_days=0.3))
    assert len(fresh) == len(naive)
    a = naive.sort_values(["station", "rise_utc"]).reset_index(drop=True)
    b = fresh.sort_values(["station", "rise_utc"]).reset_index(drop=True)
    for col in ("rise_utc", "set_utc"):
        assert np.abs((a[col] - b[col]).dt.total_seconds()).max() < 0.05
    assert np.abs(a["max_elevation_deg"] - b["max_elevation_deg"]).max() < 2e-3  # events.py: < 0.002 deg


def test_geostationary_stays_over_its_longitude_and_molniya_period():
    g = geostationary_orbit("GEO", 60.0, START)
    for day in (0.0, 10.0, 29.5):
        t = START + pd.Timedelta(days=day)
        r = _ecef(g.at(t), t, np.array([0.0, 3600.0]))
        lon = np.degrees(np.arctan2(r[:, 1], r[:, 0]))
        # 0.05 deg: SDP4's lunar-solar terms within a refresh interval; no drift across them
        assert lon == pytest.approx(60.0, abs=0.05)
    m = molniya_orbit("MOL", START)
    nodal_s = 2 * np.pi / (m.satellite().satrec.mdot + m.satellite().satrec.argpdot) * 60.0
    assert nodal_s == pytest.approx(SIDEREAL_DAY_S / 2, rel=2e-3)  # relative to the node


def test_geostationary_pass_spans_segments():
    st = get_stations(["Matera"])
    g = geostationary_orbit("GEO", 16.7, START)
    p = concat_passes(find_passes_refreshed([g], st, START, days=3, refresh_days=1.0))
    assert len(p) == 1 and p["duration_s"].iloc[0] == pytest.approx(3 * 86400.0, abs=1.0)


def test_walker_and_errors():
    w = walker_orbits(6, 3, 1, 550.0, START, ltan_hours=22.0, raan_spread_deg=90.0)
    assert len(w) == 6 and {o.kind for o in w} == {"sso"}
    assert np.diff([w[0].raan_deg, w[2].raan_deg])[0] % 360 == pytest.approx(30.0, abs=1e-6)
    with pytest.raises(InputError, match="exactly one of inclination_deg or ltan_hours"):
        walker_orbits(2, 1, 0, 550.0, START, inclination_deg=50.0, ltan_hours=10.0)
    with pytest.raises(InputError, match="planes = 4 does not divide total = 6"):
        walker_orbits(6, 4, 0, 550.0, START, inclination_deg=50.0)
    with pytest.raises(InputError, match="X: perigee altitude = .* km is outside"):
        DesignOrbit("X", START, 7000.0, 0.2)
    with pytest.raises(InputError, match="holds no DesignOrbit"):
        find_passes_refreshed([], get_stations(["Graz"]), START, days=1)
