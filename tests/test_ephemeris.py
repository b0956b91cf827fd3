import numpy as np
import pandas as pd
import pytest
from astropy import units as u
from astropy.coordinates import AltAz, EarthLocation, get_body, solar_system_ephemeris
from astropy.time import Time
from astropy.utils import iers

from orbitqkd.core.ephemeris import body_elevation_deg, moon_illuminated_fraction, sun_ecef_km, sun_moon_ecef_km
from orbitqkd.core.orbits import enu_basis
from orbitqkd.io.stations import get_station


@pytest.mark.parametrize("when", ["2016-12-19T00:00", "2019-06-01T00:00"])
def test_sun_and_moon_elevation_vs_astropy(when):
    iers.conf.auto_download = False
    st = get_station("Graz")
    seconds = np.arange(0.0, 86400.0, 1234.5)
    sun, moon = sun_moon_ecef_km(pd.Timestamp(when, tz="UTC"), seconds)
    up = enu_basis(st.latitude_deg, st.longitude_deg)[2]
    loc = EarthLocation(lat=st.latitude_deg * u.deg, lon=st.longitude_deg * u.deg, height=st.altitude_m * u.m)
    t = Time(when, scale="utc") + seconds * u.s
    with solar_system_ephemeris.set("builtin"):
        frame = AltAz(obstime=t, location=loc)
        sun_alt = get_body("sun", t, loc).transform_to(frame).alt.deg
        moon_alt = get_body("moon", t, loc).transform_to(frame).alt.deg
    # astropy includes annual aberration (20.5" = 0.0057 deg) which we neglect; 0.01 deg bound
    assert np.max(np.abs(body_elevation_deg(sun, st.ecef_km(), up) - sun_alt)) < 0.01
    assert np.max(np.abs(body_elevation_deg(moon, st.ecef_km(), up) - moon_alt)) < 0.01


def test_moon_phase():
    # Full moon 2019-05-18 21:11 UTC, new moon 2019-06-03 10:02 UTC (USNO phases table)
    sun, moon = sun_moon_ecef_km(pd.Timestamp("2019-05-18T21:11Z"), [0.0, 16 * 86400 - 11 * 3600 - 9 * 60])
    k = moon_illuminated_fraction(sun, moon)
    assert k[0] > 0.99 and k[1] < 0.01


def test_sun_alone_is_the_sun_of_sun_and_moon():
    # the pass table's darkness uses the Sun alone: the same numbers, to the bit
    seconds = np.random.default_rng(0).uniform(-3600.0, 3 * 86400.0, 5000)
    start = pd.Timestamp("2026-03-19T00:00Z")
    assert np.array_equal(sun_ecef_km(start, seconds), sun_moon_ecef_km(start, seconds)[0])
    assert sun_ecef_km(start, []).shape == (0, 3)
