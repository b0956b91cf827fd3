"""Handover: long passes cut into slots that different stations can take."""

import numpy as np
import pandas as pd
import pytest

from orbitqkd.chain import find_passes, pass_slots, schedule_scenario
from orbitqkd.io.scenario import Scenario


@pytest.fixture(scope="module")
def glonass_passes():
    return find_passes("glonass", ["Matera", "Graz"], "2022-02-04", days=0.5)


def test_slots_tile_each_pass(glonass_passes):
    slots = pass_slots(glonass_passes, 1800.0)
    t, s = glonass_passes.table, slots.table
    assert len(s) > len(t) and (s.duration_s <= 1800.0 + 1e-6).all()
    for label, group in s.groupby("pass_index"):
        whole = t.loc[label]
        # contiguous slots covering the pass exactly (to the microsecond rounding)
        assert group.rise_utc.iloc[0] == whole.rise_utc and group.set_utc.iloc[-1] == whole.set_utc
        assert (group.rise_utc.iloc[1:].to_numpy() == group.set_utc.iloc[:-1].to_numpy()).all()
        assert group.duration_s.sum() == pytest.approx(whole.duration_s, abs=1e-3)
        # the highest slot holds the culmination: 10 s samples of a MEO pass (elevation
        # changes < 0.1 deg per 10 s) reach the refined maximum within 0.1 deg
        assert group.max_elevation_deg.max() == pytest.approx(whole.max_elevation_deg, abs=0.1)
        assert (group.max_elevation_deg <= whole.max_elevation_deg + 1e-6).all()
    assert set(s.columns) >= set(t.columns) | {"pass_index", "slot"}


def test_a_long_pass_is_shared_when_that_serves_the_stations_better():
    # europe-glonass schedules for max-min fairness across six stations. With whole
    # passes a five-hour GLONASS pass ties its satellite to one station; with 30 min
    # slots the same satellite serves two stations in turn during overlapping visibility,
    # and the least-served station gets more key.
    sc = Scenario.from_toml("europe-glonass").replace(days=0.5)
    assert sc.handover_slot_s == 1800.0  # the bundled scenario shares its long passes
    whole = schedule_scenario(sc.replace(handover_slot_s=0.0))
    slotted = schedule_scenario(sc)
    assert slotted.objective_value > whole.objective_value
    served = slotted.served
    shared = 0
    for _, mine in served.groupby("satellite"):
        mine = mine.sort_values("rise_utc")
        change = mine.station.to_numpy()[1:] != mine.station.to_numpy()[:-1]
        back_to_back = (mine.rise_utc.to_numpy()[1:] - mine.set_utc.to_numpy()[:-1]) \
            <= pd.Timedelta(minutes=35).to_timedelta64()
        shared += int(np.sum(change & back_to_back))
    assert shared >= 1
