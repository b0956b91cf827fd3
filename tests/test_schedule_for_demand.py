"""Scheduling for the user pairs' demand through the trusted relay."""

import pandas as pd
import pytest

from orbitqkd.chain import relay_scenario, schedule_for_demand, schedule_scenario
from orbitqkd.io.scenario import Scenario

TOML = """
[scenario]
name = "short-pair"
start = "2021-06-01T00:00:00Z"
days = 1

[[satellites]]
name = "S"
link = "micius-2021"
elements = { altitude_km = 500.0, inclination_deg = 97.4 }

[[stations]]
name = "A"
latitude_deg = 40.0
longitude_deg = 100.0
[[stations]]
name = "B"
latitude_deg = 41.0
longitude_deg = 102.0
[[stations]]
name = "C"
latitude_deg = 47.0
longitude_deg = 15.0

[schedule]
objective = "total"

[[demands]]
a = "B"
b = "C"
"""


def _candidates():
    # One satellite terminal; each of B's and C's passes overlaps an A pass with ten
    # times the key. Station A reaches no user pair.
    t0 = pd.Timestamp("2021-06-01T02:00Z")
    rows = []
    for k, (station, start_min, key) in enumerate([("A", 0, 1e7), ("B", 2, 1e6),
                                                   ("A", 300, 1e7), ("C", 302, 1e6)]):
        rise = t0 + pd.Timedelta(minutes=start_min)
        rows.append({"satellite": "S", "norad_id": 99999, "station": station, "rise_utc": rise,
                     "culmination_utc": rise + pd.Timedelta(minutes=4),
                     "set_utc": rise + pd.Timedelta(minutes=8), "max_elevation_deg": 60.0,
                     "duration_s": 480.0, "min_range_km": 600.0, "sun_elevation_deg": -30.0,
                     "dark": True, "key_bits": key, "cloud_free_probability": 1.0})
    return pd.DataFrame(rows)


def test_a_short_pair_gets_more_key_than_schedule_then_route(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(TOML)
    sc = Scenario.from_toml(path)
    candidates = _candidates()
    # schedule-then-route: the scheduler takes A's passes (most key) and the pair gets none
    plain = schedule_scenario(sc, candidates)
    assert set(plain.served.station) == {"A"}
    assert relay_scenario(sc, plain).demands.delivered_bits.iloc[0] == 0.0
    # joint: B and C are weighted up by their pair's shortfall until they are served;
    # the pair then gets the smaller of the two passes' keys through the satellite
    schedule, flow = schedule_for_demand(sc, candidates)
    assert set(schedule.served.station) == {"B", "C"}
    assert flow.demands.delivered_bits.iloc[0] == pytest.approx(1e6, rel=1e-6)
    assert flow.demands.path.iloc[0] == "B > S > C"


def test_scenario_key_serve_demand_drives_the_relay_command(tmp_path, capsys):
    from orbitqkd.cli import main

    path = tmp_path / "short.toml"
    path.write_text(TOML + "\n[relay]\nserve_demand = true\n")
    assert Scenario.from_toml(path).serve_demand
    bad = tmp_path / "bad.toml"
    bad.write_text(TOML + "\n[relay]\nserve_demand = 1\n")
    assert main(["relay", str(bad)]) == 2
    assert "serve_demand" in capsys.readouterr().err
