"""Scenario files: loading, errors naming file and field, and the whole pipeline on them."""

import math

import pandas as pd
import pytest

from orbitqkd.data import data_path
from orbitqkd.errors import InputError, OrbitQKDError, UnknownNameError
from orbitqkd.chain import (relay_scenario, scenario_candidates, scenario_satellites,
                               schedule_scenario)
from orbitqkd.io.scenario import Scenario, bundled_scenarios
from orbitqkd.timescales import parse_utc

MICIUS = """
[scenario]
name = "t"
start = "2016-12-19T00:00:00Z"
days = 1

[[satellites]]
tle = "micius"
norad_ids = [41731]
name = "Micius"
link = "micius-xinglong"

[[stations]]
name = "Xinglong"
"""


def write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_every_bundled_scenario_loads_with_its_network():
    names = bundled_scenarios()
    assert names == ["china-austria", "china-south-africa", "china-space-ground",
                     "europe-glonass", "uk-fibre", "us-east-weather"]
    for name in names:
        sc = Scenario.from_toml(name)
        assert sc.name == name
        assert sc.demands, name
        sats, links = scenario_satellites(sc)
        assert sats and len(links) == len(sats)
        # every user pair is joined to the network by stations or fibre
        nodes = {s.name for s in sc.stations} | {x for f in sc.fibre_links for x in (f.a, f.b)}
        assert all(d.a in nodes and d.b in nodes for d in sc.demands)
    uk = Scenario.from_toml(data_path("scenarios", "uk-fibre.toml"))
    fibre_km = sum(f.length_km for f in uk.fibre_links if f.b != "London" or f.a != "Herstmonceux")
    assert fibre_km == pytest.approx(410.0)  # Bristol-Reading-London-Cambridge


def test_station_overrides_user_station_relative_tle_and_walker(tmp_path):
    (tmp_path / "tle").mkdir()
    (tmp_path / "tle" / "m.tle").write_text(data_path("tle", "micius-41731.tle").read_text())
    text = MICIUS.replace('tle = "micius"', 'tle = "tle/m.tle"') + """
aperture_m = 0.6
cloud_free_probability = 0.25
telescopes = 2

[[stations]]
name = "Site-X"
latitude_deg = 30.0
longitude_deg = 100.0
altitude_m = 3000.0

[[satellites]]
name = "W"
link = "meo-qkd"
walker = { total = 6, planes = 2, phasing = 1, altitude_km = 19100.0, inclination_deg = 64.8 }
"""
    sc = Scenario.from_toml(write(tmp_path, text))
    xinglong, site = sc.stations
    assert xinglong.aperture_m == 0.6 and xinglong.latitude_deg == pytest.approx(40.3956, abs=1e-3)
    assert site.name == "Site-X" and site.altitude_m == 3000.0
    assert sc.cloud_free_probability == {"Xinglong": 0.25}
    assert sc.schedule.telescopes_per_station == {"Xinglong": 2, "Site-X": 1}
    sats, links = scenario_satellites(sc)
    assert [s.name for s in sats][:2] == ["Micius", "W-01-01"] and len(sats) == 7
    assert sats[0].epoch.date().isoformat() == "2016-12-18"  # nearest the start
    assert links[[s.name for s in sats].index("W-02-03")].name == "meo-qkd"
    assert sats[1].epoch == sc.start  # elements without an epoch take the start


@pytest.mark.parametrize("change, message", [
    (("days = 1", "days = -1"), "s.toml: days = -1 is outside the range 0 < days <= 3660"),
    (('name = "Xinglong"', 'name = "Xinglong"\naperture_m = -1.0'),
     "s.toml: [[stations]] 1: Xinglong: aperture_m = -1 is outside the range"),
    (('name = "Xinglong"', 'name = "Nowhere"'),
     "s.toml: [[stations]] 1: station = 'Nowhere' is not in the catalogue and lacks"),
    (('link = "micius-xinglong"', 'link = "laser"'),
     "s.toml: [[satellites]] 1: link = 'laser' is not known"),
    (('link = "micius-xinglong"', 'link = "micius-xinglong"\ncolour = "red"'),
     "s.toml: [[satellites]] 1: key 'colour' is not known"),
    (('start = "2016-12-19T00:00:00Z"', 'start = "yesterday"'),
     "s.toml: [scenario] start = 'yesterday' is not a UTC time"),
    (("days = 1", "days = 1\n[schedule]\nobjective = 'most'"),
     "s.toml: [schedule] objective = 'most' is not known"),
    (("days = 1", "days = 1\n[relay]\nkey_store_bits = 'big'"),
     "s.toml: [relay]: key_store_bits = 'big' is not a number"),
    (("days = 1", "days = 1\n[[demands]]\na = 'Xinglong'\nb = 'Mars'"),
     "s.toml: demand Xinglong-Mars: node = 'Mars' is neither a station nor a fibre node"),
    (("days = 1", "days = 1\n[[fibre]]\na = 'X'\nb = 'Y'"),
     "s.toml: fibre link 'X'-'Y' needs length_km or rate_bps"),
    (("[scenario]", "[scenario\n"), "s.toml: not valid TOML"),
])
def test_bad_scenarios_are_one_line_errors_naming_the_field(tmp_path, change, message):
    path = write(tmp_path, MICIUS.replace(*change, 1))
    with pytest.raises(OrbitQKDError) as info:
        Scenario.from_toml(path)
    text = str(info.value)
    assert text.startswith(message), text
    assert "\n" not in text


def test_unknown_scenario_and_missing_tables(tmp_path):
    with pytest.raises(UnknownNameError, match="bundled: china-austria"):
        Scenario.from_toml("atlantis")
    with pytest.raises(InputError, match="lacks 'days'"):
        Scenario.from_toml(write(tmp_path, MICIUS.replace("days = 1", "")))
    no_stations = MICIUS[:MICIUS.index("[[stations]]")]
    with pytest.raises(InputError, match="stations = \\[\\] is empty"):
        Scenario.from_toml(write(tmp_path, no_stations))


def test_china_austria_relays_key_through_micius_causally():
    """Liao et al. 2018: Micius holds key with Xinglong, then with Graz, and publishes the XOR."""
    sc = Scenario.from_toml("china-austria")
    candidates = scenario_candidates(sc).table
    assert set(candidates["station"]) == {"Xinglong", "Graz"}
    assert candidates["cloud_free_probability"].between(0, 1).all()
    schedule = schedule_scenario(sc, candidates)
    assert schedule.gap <= sc.schedule.mip_gap + 1e-9
    served = schedule.served
    assert served["dark"].all()  # night_only
    flow = relay_scenario(sc, schedule)
    d = flow.demands.set_index("demand")
    assert d.at["Xinglong-Graz", "path"] == "Xinglong > Micius > Graz"
    assert d.at["Beijing-Vienna", "trusted_nodes"] == 5  # two fibre nodes, Xinglong, Micius, Graz
    # maxmin: both pairs get the same key, and together no more than Graz's key
    # made after Micius first met Xinglong (key cannot be relayed backwards in time)
    first_xinglong = served.loc[served.station == "Xinglong", "culmination_utc"].min()
    graz_after = served.loc[(served.station == "Graz")
                            & (served.culmination_utc > first_xinglong), "expected_key_bits"]
    total = d["delivered_bits"].sum()
    assert d.at["Xinglong-Graz", "delivered_bits"] == pytest.approx(
        d.at["Beijing-Vienna", "delivered_bits"], rel=1e-4)
    assert 0 < total <= graz_after.sum() * (1 + 1e-9)


def test_rolling_horizon_for_spans_longer_than_the_horizon():
    sc = Scenario.from_toml("china-south-africa").replace(days=4.0, horizon_days=2.0)
    result = schedule_scenario(sc)
    assert result.method == "rolling-milp"
    one = schedule_scenario(sc.replace(horizon_days=4.0))
    assert result.objective_value <= one.objective_value * (1 + 1e-9)
    assert result.objective_value >= 0.9 * one.objective_value


def test_replace_checks_again():
    sc = Scenario.from_toml("uk-fibre")
    assert sc.replace(start="2024-12-01").start == pd.Timestamp("2024-12-01T00:00Z")
    with pytest.raises(InputError, match="step_days"):
        sc.replace(step_days=5.0)
    assert math.isinf(Scenario.from_toml("china-south-africa").ground_store_bits)


# --- property: any corruption of a valid scenario is a clean error or a valid scenario ---

import tomllib  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

BASE = tomllib.loads(data_path("scenarios", "china-space-ground.toml").read_text())
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                 st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                 st.lists(st.integers(-5, 5), max_size=3), st.dictionaries(st.text(max_size=4),
                                                                         st.integers(), max_size=2))


def _leaves(doc, prefix=()):
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _leaves(v, prefix + (k,))
    elif isinstance(doc, list) and doc and all(isinstance(x, dict) for x in doc):
        for i, v in enumerate(doc):
            yield from _leaves(v, prefix + (i,))
    yield prefix


LEAVES = [p for p in _leaves(BASE) if p]


def _set(doc, path, value):
    import copy

    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(LEAVES), value=JUNK)
def test_corrupted_scenarios_raise_only_orbitqkd_errors(path, value):
    doc = _set(BASE, path, value)
    try:
        sc = Scenario.from_dict(doc)
    except OrbitQKDError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    # accepted: it must be a coherent scenario
    assert sc.days > 0 and sc.stations and sc.satellites
    assert math.isfinite(sc.days)


@settings(max_examples=60, deadline=None)
@given(key=st.text(min_size=1, max_size=10).filter(lambda k: k not in BASE["scenario"]),
       table=st.sampled_from(["scenario", "schedule", "relay"]))
def test_unknown_keys_are_refused(key, table):
    from orbitqkd.io.scenario import _RELAY_KEYS, _SCENARIO_KEYS, _SCHEDULE_KEYS

    known = {"scenario": _SCENARIO_KEYS, "schedule": _SCHEDULE_KEYS, "relay": _RELAY_KEYS}
    if key in known[table]:  # a known key (e.g. "objective") is checked for its value instead
        return
    doc = _set(BASE, (table, key), 1)
    with pytest.raises(InputError, match="is not known; allowed keys"):
        Scenario.from_dict(doc)


def test_with_tle_keeps_each_blocks_selection_and_refuses_element_only_scenarios():
    sc = Scenario.from_toml("china-space-ground")
    swapped = sc.with_tle("micius")
    assert [s.tle for s in swapped.satellites] == ["micius"] * len(sc.satellites)
    assert [s.norad_ids for s in swapped.satellites] == [s.norad_ids for s in sc.satellites]
    design = Scenario.from_toml(data_path("scenarios", "design", "design-europe.toml"))
    with pytest.raises(InputError, match="takes no satellite from a tle"):
        design.with_tle("micius")


def test_start_words_are_utc_midnights():
    now = pd.Timestamp.now(tz="UTC")
    today, tomorrow = parse_utc("today"), parse_utc(" Tomorrow ")
    assert today == now.floor("D") or today == now.floor("D") + pd.Timedelta(days=1)
    assert tomorrow - today == pd.Timedelta(days=1) and tomorrow.tz is not None
    assert abs(parse_utc("now") - now) < pd.Timedelta(minutes=5)
    with pytest.raises(InputError, match="today, tomorrow"):
        parse_utc("yesterday-ish")


def test_demand_hourly_use_from_a_scenario_file(tmp_path):
    text = data_path("scenarios", "china-austria.toml").read_text().replace(
        'a = "Beijing"\nb = "Vienna"',
        'a = "Beijing"\nb = "Vienna"\nbits_per_day = 1e5\nhourly_use = ' + str([1] * 8 + [3] * 16))
    sc = Scenario.from_toml(write(tmp_path, text))
    use = sc.demands[1].hourly_use
    assert len(use) == 24 and use[0] == pytest.approx(1 / 56) and use[8] == pytest.approx(3 / 56)
    served = schedule_scenario(sc).served
    flow = relay_scenario(sc, served)
    assert flow.demands.set_index("demand").loc["Beijing-Vienna", "delivered_bits"] <= 1e5 * 3
    bad = text.replace(str([1] * 8 + [3] * 16), '"all day"')
    with pytest.raises(InputError, match="hourly_use = 'all day' is not a list"):
        Scenario.from_toml(write(tmp_path, bad, "bad.toml"))
