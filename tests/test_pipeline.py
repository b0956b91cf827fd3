import numpy as np
import pytest

from orbitqkd.core.budget import link_budget
from orbitqkd.errors import InputError
from orbitqkd.core.events import find_passes, pass_track
from orbitqkd.chain import pass_budgets


@pytest.fixture(scope="module")
def micius_passes():
    return find_passes("micius", ["Xinglong", "Graz"], "2016-12-19", days=1)


def test_pass_budgets_equal_single_pass_budget(micius_passes):
    b = pass_budgets(micius_passes, "micius", "micius-xinglong", step_s=5.0)
    assert set(b.pass_id) == set(micius_passes.index)
    row = micius_passes.iloc[2]
    one = link_budget(pass_track("micius", row.station, row.rise_utc, row.set_utc, step_s=5.0),
                      "micius-xinglong")
    mine = b[b.pass_id == micius_passes.index[2]]
    # same samples, same physics: identical to numerical noise of the two time origins
    assert len(mine) == len(one)
    assert np.nanmax(np.abs(mine.total_loss_db.to_numpy() - one.total_loss_db.to_numpy())) < 1e-6
    attrs = b.attrs["per_pass"][micius_passes.index[2]]
    assert attrs["repetition_rate_hz"] == one.attrs["repetition_rate_hz"]
    assert attrs["sample_s"] == 5.0


def test_links_by_satellite(micius_passes):
    with pytest.raises(InputError, match=r"link for satellite = 'MICIUS \(QUESS\) 2016-12-18' \(NORAD 41731\) is not given"):
        pass_budgets(micius_passes, "micius", {"OTHER": "micius-xinglong"})
    b = pass_budgets(micius_passes, "micius", {41731: "micius-xinglong"}, step_s=10.0)
    assert len(b) > 0


def test_pass_keys_match_pass_key(micius_passes):
    from orbitqkd.core.keyrate.passkey import pass_key
    from orbitqkd.chain import pass_keys

    b = pass_budgets(micius_passes, "micius", "micius-xinglong", step_s=5.0)
    keys = pass_keys(micius_passes, b)
    night = keys[keys.dark]
    day = keys[~keys.dark]
    # daylight floods the detectors (QBER ~ 50 %): no key; dark passes give key
    assert (day.key_bits == 0).all() and (day.zero_reason == "QBER above threshold").all()
    assert (night.key_bits > 0).all()
    pid = night.index[0]
    direct = pass_key(b[b.pass_id == pid], repetition_rate_hz=b.attrs["per_pass"][pid]["repetition_rate_hz"],
                      gate_width_ns=b.attrs["per_pass"][pid]["gate_width_ns"], sample_s=5.0)
    assert night.loc[pid, "key_bits"] == pytest.approx(direct.secret_bits)


def test_candidate_passes_columns():
    from orbitqkd.chain import KEY_COLUMNS, candidate_passes

    c = candidate_passes("micius", ["Graz"], "2016-12-19", days=1, step_s=10.0)
    assert all(col in c for col in KEY_COLUMNS)
    assert (c.key_bits >= 0).all() and c.key_bits.notna().all()


def test_dual_downlink_windows_delingha_nanshan():
    # Yin et al., Nature 582, 501 (2020): Micius entanglement QKD between Delingha and
    # Nanshan, 1,120 km apart, at night. Common windows exist on most nights.
    from orbitqkd.chain import DUAL_COLUMNS, dual_downlink_passes

    d = dual_downlink_passes("micius", "Delingha", "Nanshan", "2021-04-26T12:00", days=1.0)
    assert list(d.columns) == DUAL_COLUMNS and len(d) >= 1
    night = d[d.zero_reason == ""]
    assert len(night) >= 1
    # both photons must arrive: the QBER is a few percent at night, never in daylight
    assert night.qber_percent.between(0.5, 6.0).all()
    assert (d.duration_s > 0).all() and (d.end_utc > d.start_utc).all()


def test_dual_downlink_cli(capsys):
    from orbitqkd.cli import main

    code = main(["dual-downlink", "Delingha", "Nanshan", "--start", "2021-04-26T12:00",
                 "--days", "0.5", "--format", "csv"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("satellite,norad_id,station_a,station_b")
