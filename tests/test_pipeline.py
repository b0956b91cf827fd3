import dataclasses

import numpy as np
import pytest

from orbitqkd.chain import (KEY_COLUMNS, candidate_passes, find_passes, link_budget,
                            pass_budgets, pass_keys, pass_track)
from orbitqkd.core.keyrate.passkey import pass_key
from orbitqkd.errors import InputError
from orbitqkd.io.stations import get_station


@pytest.fixture(scope="module")
def micius_passes():
    return find_passes("micius", ["Xinglong", "Graz"], "2016-12-19", days=1)


def test_pass_budgets_equal_single_pass_budget(micius_passes):
    b = pass_budgets(micius_passes, "micius-xinglong", step_s=5.0)
    table = micius_passes.table
    assert set(b.pass_id) == set(table.index)
    row = table.iloc[2]
    one = link_budget(pass_track("micius", row.station, row.rise_utc, row.set_utc, step_s=5.0),
                      "micius-xinglong")
    mine = b.select(b.pass_id == table.index[2])
    # same samples, same physics: identical to numerical noise of the two time origins
    assert len(mine) == len(one)
    assert np.nanmax(np.abs(mine.total_loss_db - one.total_loss_db)) < 1e-6
    assert (mine.repetition_rate_hz == one.repetition_rate_hz).all()
    assert mine.sample_s == 5.0


def test_links_by_satellite(micius_passes):
    with pytest.raises(InputError, match=r"link for satellite = 'MICIUS \(QUESS\) 2016-12-18' \(NORAD 41731\) is not given"):
        pass_budgets(micius_passes, {"OTHER": "micius-xinglong"})
    b = pass_budgets(micius_passes, {41731: "micius-xinglong"}, step_s=10.0)
    assert len(b) > 0


def test_pass_keys_match_pass_key(micius_passes):
    b = pass_budgets(micius_passes, "micius-xinglong", step_s=5.0)
    keys = pass_keys(micius_passes, b).table
    night = keys[keys.dark]
    day = keys[~keys.dark]
    # daylight floods the detectors (QBER ~ 50 %): no key; dark passes give key
    assert (day.key_bits == 0).all() and (day.zero_reason == "QBER above threshold").all()
    assert (night.key_bits > 0).all()
    pid = night.index[0]
    direct = pass_key(b.select(b.pass_id == pid))
    assert night.loc[pid, "key_bits"] == pytest.approx(direct.secret_bits)


def test_candidate_passes_columns():
    c = candidate_passes("micius", ["Graz"], "2016-12-19", days=1, step_s=10.0).table
    assert all(col in c for col in KEY_COLUMNS)
    assert (c.key_bits >= 0).all() and c.key_bits.notna().all()


def test_custom_station_keeps_its_aperture_down_to_the_key():
    # Regression: a custom Xinglong with a 0.1 m aperture used to be swapped for the
    # catalogue's 1 m Xinglong when pass_budgets looked the station up by name again,
    # giving 17 dB of geometric loss instead of ~37 dB. The pass table now carries the
    # station it was computed for. Expected difference, exactly (Gaussian beam of radius
    # w into circular apertures): 10 log10[(1 - exp(-2 (0.5/w)^2)) / (1 - exp(-2 (0.05/w)^2))],
    # which tends to 20 dB for a beam much wider than both apertures; tolerance 1e-6 dB.
    small = dataclasses.replace(get_station("Xinglong"), aperture_m=0.1)
    custom = find_passes("micius", [small], "2016-12-19T16:00", "2016-12-19T17:30")
    catalogue = find_passes("micius", ["Xinglong"], "2016-12-19T16:00", "2016-12-19T17:30")
    assert custom.stations[0].aperture_m == 0.1
    b_small = pass_budgets(custom, "micius-xinglong", step_s=10.0)
    b_big = pass_budgets(catalogue, "micius-xinglong", step_s=10.0)
    assert (b_small.track.station_arrays(np.arange(len(b_small)))["aperture_m"] == 0.1).all()
    up = b_small.above_horizon & b_big.above_horizon
    diff = b_small.geometric_loss_db[up] - b_big.geometric_loss_db[up]
    w = b_small.beam_radius_m[up]
    expected = 10 * np.log10(-np.expm1(-2 * (0.5 / w) ** 2) / -np.expm1(-2 * (0.05 / w) ** 2))
    assert diff == pytest.approx(expected, abs=1e-6)
    assert 19.85 < expected.min() and expected.max() < 20.0
    assert np.nanmin(b_small.geometric_loss_db) > 30.0
    keys_small = pass_keys(custom, b_small).table.key_bits.sum()
    keys_big = pass_keys(catalogue, b_big).table.key_bits.sum()
    assert keys_small < keys_big


def test_core_functions_take_objects_not_names():
    from orbitqkd.core import events

    with pytest.raises(InputError, match=r"^satellite = 'micius' is not a Satellite"):
        events.find_passes(["micius"], [get_station("Graz")], "2016-12-19", days=1)
    with pytest.raises(InputError, match=r"^station = 'Graz' is not a GroundStation"):
        events.find_passes(find_passes("micius", ["Graz"], "2016-12-19", days=0.1).satellites,
                           ["Graz"], "2016-12-19", days=1)


def test_dual_downlink_windows_delingha_nanshan():
    # Yin et al., Nature 582, 501 (2020): Micius entanglement QKD between Delingha and
    # Nanshan, 1,120 km apart, at night. Common windows exist on most nights.
    from orbitqkd.chain import DUAL_COLUMNS, dual_downlink_passes

    # One night window is far too short for a finite key at these losses: Yin et al. pooled
    # 3,100 s of windows into one block (see orbitqkd validate).
    d = dual_downlink_passes("micius", "Delingha", "Nanshan", "2021-04-26T12:00", days=1.0)
    assert list(d.columns) == DUAL_COLUMNS and len(d) >= 1
    # both photons must arrive: the QBER is a few percent at night (Yin et al.: 4.5 %),
    # near 50 % in daylight; no window alone gives a finite key
    night = d[d.qber_percent < 6.0]
    assert len(night) >= 1 and night.qber_percent.between(2.0, 6.0).all()
    assert (d.secret_bits == 0).all() and (d.zero_reason != "").all()
    assert (d.duration_s > 0).all() and (d.end_utc > d.start_utc).all()


def test_dual_downlink_cli(capsys):
    from orbitqkd.cli import main

    code = main(["dual-downlink", "Delingha", "Nanshan", "--start", "2021-04-26T12:00",
                 "--days", "0.5", "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("satellite,norad_id,station_a,station_b")
