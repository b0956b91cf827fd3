import json

import pytest

from orbitqkd.errors import InputError, TLEFormatError, UnknownNameError
from orbitqkd.io.tle import load_satellites, parse_tle_text
from orbitqkd.model import Satellite, tle_checksum, walker_delta

L1 = "1 41731U 16051A   16353.90152003  .00000364  00000-0  17957-4 0  9993"
L2 = "2 41731  97.3699 267.4500 0013200 178.5836 246.0824 15.23915303 19063"


def test_parse_3le_and_epoch():
    (sat,) = parse_tle_text(f"MICIUS\n{L1}\n{L2}\n")
    assert sat.name == "MICIUS" and sat.norad_id == 41731
    # epoch 16353.90152003 = 2016 day 353.90152003 = 2016-12-18 21:38:11.33 UTC
    assert sat.epoch.isoformat().startswith("2016-12-18T21:38:11.33")
    # mean motion 15.23915303 rev/day -> period 1440/15.239 = 94.49 min
    assert sat.period_min == pytest.approx(1440 / 15.23915303, abs=0.01)


def test_parse_two_line_without_name():
    (sat,) = parse_tle_text(f"{L1}\n{L2}\n")
    assert sat.name == "NORAD 41731"


def test_bad_checksum_names_file_and_line():
    bad = L2[:68] + "4"
    with pytest.raises(TLEFormatError, match=r"^my.tle line 3: checksum '4' does not match the computed checksum 3$"):
        parse_tle_text(f"MICIUS\n{L1}\n{bad}\n", "my.tle")


def test_short_line_and_missing_line2():
    with pytest.raises(TLEFormatError, match=r"line 2: TLE line 1 has 60 characters; 69 are required"):
        parse_tle_text(f"X\n{L1[:60]}\n{L2}\n", "f")
    with pytest.raises(TLEFormatError, match=r"line 1: TLE line 1 is not followed by a line 2"):
        parse_tle_text(f"{L1}\n", "f")
    with pytest.raises(TLEFormatError, match=r"f: no TLE found"):
        parse_tle_text("\n\n", "f")


def test_mismatched_catalogue_numbers():
    l2 = "2 41732" + L2[7:68]
    l2 = l2 + str(tle_checksum(l2))
    with pytest.raises(TLEFormatError, match=r"catalogue number '41732' differs from line 1's '41731'"):
        parse_tle_text(f"{L1}\n{l2}\n", "f")


def test_bundled_sets_and_nearest_epoch():
    assert len(load_satellites("glonass")) == 25
    assert load_satellites("micius")[0].epoch.year == 2025  # newest by default
    assert load_satellites("micius", near="2021-05-01")[0].epoch.year == 2021
    with pytest.raises(UnknownNameError, match=r"satellites = 'nope' is neither a file nor a bundled set"):
        load_satellites("nope")
    with pytest.raises(InputError, match=r"norad_ids = \[1\] match no satellite"):
        load_satellites("micius", norad_ids=[1])


def test_omm_json_round_trip(tmp_path):
    # CelesTrak OMM JSON keys for the same element set as L1/L2
    rec = {
        "OBJECT_NAME": "MICIUS", "OBJECT_ID": "2016-051A", "EPOCH": "2016-12-18T21:38:11.330592",
        "MEAN_MOTION": 15.23915303, "ECCENTRICITY": 0.00132, "INCLINATION": 97.3699,
        "RA_OF_ASC_NODE": 267.45, "ARG_OF_PERICENTER": 178.5836, "MEAN_ANOMALY": 246.0824,
        "EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": 41731,
        "ELEMENT_SET_NO": 999, "REV_AT_EPOCH": 1906, "BSTAR": 1.7957e-05,
        "MEAN_MOTION_DOT": 3.64e-06, "MEAN_MOTION_DDOT": 0,
    }
    path = tmp_path / "m.json"
    path.write_text(json.dumps([rec]))
    (omm_sat,) = load_satellites(path)
    (tle_sat,) = parse_tle_text(f"{L1}\n{L2}")
    e1, r1, _ = omm_sat.satrec.sgp4(2457742.5, 0.3)
    e2, r2, _ = tle_sat.satrec.sgp4(2457742.5, 0.3)
    # same elements -> same position; 1 m covers the rounding of the epoch in the JSON
    assert e1 == e2 == 0
    assert max(abs(a - b) for a, b in zip(r1, r2)) < 1e-3


def test_omm_missing_field(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps([{"OBJECT_NAME": "X"}]))
    with pytest.raises(TLEFormatError, match=r"m.json record 1: bad or missing OMM field"):
        load_satellites(path)


def test_from_elements_period_and_errors():
    # a = 6378.135 + 500 km; T = 2 pi sqrt(a^3 / mu) = 94.62 min (mu = 398600.8, WGS 72)
    sat = Satellite.from_elements("S", "2025-01-01", altitude_km=500.0)
    assert sat.period_min == pytest.approx(94.62, abs=0.01)
    with pytest.raises(InputError, match=r"S: eccentricity = 1.2 is outside the range 0 <= S: eccentricity < 1"):
        Satellite.from_elements("S", "2025-01-01", altitude_km=500.0, eccentricity=1.2)
    with pytest.raises(InputError, match=r"give exactly one of altitude_km or semi_major_axis_km"):
        Satellite.from_elements("S", "2025-01-01")


def test_walker_delta_layout():
    sats = walker_delta(6, 3, 1, 1000.0, 60.0, "2025-01-01")
    raan = sorted({round(s.satrec.nodeo, 6) for s in sats})
    assert len(raan) == 3
    with pytest.raises(InputError, match=r"planes = 4 does not divide total = 6"):
        walker_delta(6, 4, 1, 1000.0, 60.0, "2025-01-01")
