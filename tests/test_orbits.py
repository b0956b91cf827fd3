import numpy as np
import pandas as pd
import pytest
from skyfield.api import EarthSatellite, wgs84
from skyfield.framelib import itrs

from orbitqkd.core.orbits import TimeBase, enu_basis, gmst1982_rad, look_angles, propagate_ecef
from orbitqkd.io.stations import get_station
from orbitqkd.timescales import skyfield_times, timescale
from orbitqkd.io.tle import load_satellites

START = pd.Timestamp("2016-12-19T16:40:00Z")
SECONDS = np.arange(0.0, 1200.0, 30.0)


@pytest.fixture(scope="module")
def micius():
    return load_satellites("micius", near=START)[0]


def test_gmst_j2000():
    # GMST at J2000.0 (UT1) = 18h 41m 50.54841s = 280.46061837 deg (Vallado 2013, Eq. 3-45)
    assert np.degrees(gmst1982_rad(2451545.0)) == pytest.approx(280.46061837, abs=1e-8)


def test_ecef_matches_skyfield_itrs(micius):
    r, v = propagate_ecef([micius.satrec], TimeBase.for_span(START, SECONDS[-1]), SECONDS)
    t = skyfield_times(START, SECONDS)
    sky = EarthSatellite.from_satrec(micius.satrec, timescale()).at(t)
    r_sky = sky.frame_xyz(itrs).km.T
    # Skyfield goes TEME -> GCRS -> ITRS with IAU 2000 nutation; we rotate by GMST 1982 only.
    # Both describe the same Earth-fixed frame to ~1e-6 rad; 40 m at 7,000 km radius.
    assert np.max(np.linalg.norm(r[0] - r_sky, axis=1)) < 0.04


def test_look_angles_match_skyfield(micius):
    st = get_station("Xinglong")
    r, v = propagate_ecef([micius.satrec], TimeBase.for_span(START, SECONDS[-1]), SECONDS)
    look = look_angles(r[0], v[0], st.ecef_km(), enu_basis(st.latitude_deg, st.longitude_deg))
    t = skyfield_times(START, SECONDS)
    topos = wgs84.latlon(st.latitude_deg, st.longitude_deg, st.altitude_m)
    sat = EarthSatellite.from_satrec(micius.satrec, timescale())
    alt, az, dist = (sat - topos).at(t).altaz()
    # 40 m over >= 500 km is 5e-3 deg at most; elevations agree to 0.005 deg
    assert np.max(np.abs(look["elevation_deg"] - alt.degrees)) < 5e-3
    assert np.max(np.abs(look["range_km"] - dist.km)) < 0.05


def test_elevation_rate_is_the_derivative(micius):
    st = get_station("Xinglong")
    site, basis = st.ecef_km(), enu_basis(st.latitude_deg, st.longitude_deg)
    base = TimeBase.for_span(START, 1300.0)
    el = {}
    for dt in (-0.5, 0.0, 0.5):
        r, v = propagate_ecef([micius.satrec], base, SECONDS + dt)
        el[dt] = look_angles(r[0], v[0], site, basis)
    fd = el[0.5]["elevation_deg"] - el[-0.5]["elevation_deg"]  # central difference over 1 s
    # truncation error el''' h^2 / 24 < 1e-5 deg/s for el''' < 2e-4 deg/s^3 (LEO near zenith)
    assert np.max(np.abs(fd - el[0.0]["elevation_rate_deg_s"])) < 1e-4
