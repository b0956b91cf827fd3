"""Exports: CZML structure (Cesium CZML Guide), DTN contact plans, JSON schedules."""

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from orbitqkd.errors import InputError
from orbitqkd.io.exports import (
    CONTACT_PLAN_COLUMNS, contact_plan, ion_contact_plan, normalise_passes,
    passes_to_czml, read_passes, schedule_json, write_czml,
)
from orbitqkd.chain import find_passes
from orbitqkd.io.stations import get_stations
from orbitqkd.io.tle import load_satellites

START = "2016-12-19"


@pytest.fixture(scope="module")
def micius():
    return load_satellites("micius", near=START)


@pytest.fixture(scope="module")
def pass_table(micius):
    return find_passes(micius, ["Graz", "Xinglong"], START, days=1)


@pytest.fixture(scope="module")
def passes(pass_table):
    return pass_table.table


@pytest.fixture(scope="module")
def doc(pass_table):
    return passes_to_czml(pass_table, step_s=30)


def test_czml_document_packet_first(doc, passes):
    head = doc[0]
    assert head["id"] == "document" and head["version"] == "1.0"
    start, end = head["clock"]["interval"].split("/")
    assert pd.Timestamp(start) == passes.rise_utc.min()
    assert pd.Timestamp(end) == passes.set_utc.max()
    assert all(p["id"] != "document" for p in doc[1:])


def test_czml_ids_unique_and_packet_counts(doc, passes):
    ids = [p["id"] for p in doc]
    assert len(ids) == len(set(ids))
    kinds = [i.split("/")[0] for i in ids[1:]]
    assert kinds.count("satellite") == passes.norad_id.nunique() == 1
    assert kinds.count("station") == 2
    assert kinds.count("pass") == len(passes)
    json.dumps(doc, allow_nan=False)  # strictly valid JSON


def test_czml_keeps_satellites_apart_that_share_a_norad_id():
    from orbitqkd.model import Satellite

    sats = [Satellite.from_elements(n, "2025-03-20", altitude_km=500, inclination_deg=97.4,
                                    raan_deg=raan) for n, raan in (("A", 0.0), ("B", 120.0))]
    assert sats[0].norad_id == sats[1].norad_id  # both take the default id
    table = find_passes(sats, ["Graz", "Tenerife"], "2025-03-20", days=1)
    doc = passes_to_czml(table, step_s=60)
    ids = {p["id"] for p in doc}
    sat_packets = [p for p in doc if p["id"].startswith("satellite/")]
    assert sorted(p["name"] for p in sat_packets) == ["A", "B"]
    assert len(sat_packets) == 2 and len(ids) == len(doc)
    for p in doc:
        if p["id"].startswith("pass/"):
            ref = p["polyline"]["positions"]["references"][0].split("#")[0]
            assert ref in ids and ref.endswith("/" + p["name"].split(" over ")[0])


def test_czml_satellite_samples(doc, passes):
    sat = next(p for p in doc if p["id"] == "satellite/41731")
    pos = sat["position"]
    assert pos["referenceFrame"] == "FIXED"
    assert pd.Timestamp(pos["epoch"]) == passes.rise_utc.min()
    samples = np.array(pos["cartesian"]).reshape(-1, 4)
    span_s = (passes.set_utc.max() - passes.rise_utc.min()).total_seconds()
    assert len(samples) == int(np.ceil(span_s / 30.0)) + 1
    assert samples[0, 0] == 0 and samples[-1, 0] == pytest.approx(span_s)
    assert np.all(np.diff(samples[:, 0]) > 0)
    # Micius: 488-584 km altitude; Earth's radius 6357-6378 km -> |r| 6.84e6 - 6.97e6 m
    radius_m = np.linalg.norm(samples[:, 1:], axis=1)
    assert radius_m.min() > 6.80e6 and radius_m.max() < 7.0e6


def test_czml_pass_polylines(doc, passes):
    ids = {p["id"] for p in doc}
    lines = [p for p in doc if p["id"].startswith("pass/")]
    for line, row in zip(lines, passes.itertuples()):
        a, b = line["availability"].split("/")
        assert abs((pd.Timestamp(a) - row.rise_utc).total_seconds()) < 1e-6
        assert abs((pd.Timestamp(b) - row.set_utc).total_seconds()) < 1e-6
        refs = line["polyline"]["positions"]["references"]
        assert refs == [f"satellite/{row.norad_id}#position", f"station/{row.station}#position"]
        assert all(r.split("#")[0] in ids for r in refs)


def test_czml_station_position(doc):
    graz = next(p for p in doc if p["id"] == "station/Graz")
    sta = get_stations("Graz")[0]
    assert graz["position"]["cartographicDegrees"] == [sta.longitude_deg, sta.latitude_deg, sta.altitude_m]


def test_write_czml_roundtrip(tmp_path, doc):
    path = write_czml(doc, tmp_path / "p.czml")
    assert json.loads(path.read_text()) == json.loads(json.dumps(doc))
    with pytest.raises(InputError, match="must start with the 'document' packet"):
        write_czml(doc[1:], tmp_path / "bad.czml")


def test_czml_errors(pass_table):
    # the satellites and stations travel in the PassTable: a table whose rows name
    # objects it does not hold is refused when it is built
    with pytest.raises(InputError, match=r"norad_id = 41731 \(MICIUS \(QUESS\) 2016-12-18\) of the "
                                         r"passes is not among the satellites given"):
        passes_to_czml(dataclasses.replace(pass_table, satellites=load_satellites("glonass")))
    with pytest.raises(InputError, match=r"^step_s = 0 is outside the range"):
        passes_to_czml(pass_table, step_s=0)
    with pytest.raises(InputError, match=r"station = 'Xinglong' of the passes is not among the "
                                         r"stations given \(Graz\)"):
        passes_to_czml(dataclasses.replace(pass_table, stations=get_stations(["Graz"])))


def test_contact_plan(passes):
    plan = contact_plan(passes)
    assert list(plan.columns) == CONTACT_PLAN_COLUMNS
    assert len(plan) == len(passes)
    assert (plan.start_utc == passes.rise_utc).all() and (plan.end_utc == passes.set_utc).all()
    assert (plan.to_node == passes.station).all()
    assert plan.rate_bps.isna().all()
    # light time: 299 792.458 km/s exactly; 500-2000 km -> 1.7-6.7 ms
    np.testing.assert_allclose(plan.owlt_s, passes.min_range_km / 299_792.458, rtol=1e-15)
    assert plan.owlt_s.between(1.5e-3, 7e-3).all()


def test_contact_plan_rates(passes):
    with_bits = passes.assign(key_bits=1000.0 * passes.duration_s)
    np.testing.assert_allclose(contact_plan(with_bits).rate_bps, 1000.0)
    with_rate = passes.assign(key_rate_bps=50.0, key_bits=1.0)  # rate column wins
    assert (contact_plan(with_rate).rate_bps == 50.0).all()


def test_ion_contact_plan(passes):
    plan = contact_plan(passes.assign(key_rate_bps=8000.0))
    text = ion_contact_plan(plan, {plan.from_node[0]: 1, "Graz": 2, "Xinglong": 3},
                            absolute=False)
    lines = [x for x in text.splitlines() if not x.startswith("#")]
    assert len(lines) == 2 * len(plan)
    first = lines[0].split()
    assert first[:2] == ["a", "contact"] and first[2] == "+0" and first[-1] == "1000"
    assert lines[1].startswith("a range +0 ") and lines[1].endswith(" 1")
    # absolute UTC times (ION's yyyy/mm/dd-hh:mm:ss), node numbers assigned by name
    absolute = [x for x in ion_contact_plan(plan).splitlines() if x.startswith("a contact")]
    start = plan.start_utc.iloc[0].tz_convert("UTC").strftime("%Y/%m/%d-%H:%M:%S")
    assert absolute[0].split()[2] == start and len(absolute) == len(plan)
    with pytest.raises(InputError, match="node_numbers lack Graz"):
        ion_contact_plan(plan, {plan.from_node[0]: 1, "Xinglong": 3})


def test_schedule_json(passes):
    sched = schedule_json(passes)
    assert len(sched) == len(passes)
    text = json.dumps(sched, allow_nan=False)
    back = pd.DataFrame(json.loads(text))
    assert (pd.to_datetime(back.rise_utc) == passes.rise_utc).all()
    assert sched[0]["rise_utc"].endswith("Z") and isinstance(sched[0]["dark"], bool)
    nan = passes.assign(max_elevation_deg=np.nan)
    assert schedule_json(nan)[0]["max_elevation_deg"] is None


def test_normalise_passes_errors():
    with pytest.raises(InputError, match=r"^passes lacks the columns norad_id, set_utc"):
        normalise_passes(pd.DataFrame({"satellite": ["a"], "station": ["b"], "rise_utc": ["2020-01-01"]}))
    bad = pd.DataFrame({"satellite": ["a"], "norad_id": [1], "station": ["b"],
                        "rise_utc": ["2020-01-01T00:10"], "set_utc": ["2020-01-01T00:00"]})
    with pytest.raises(InputError, match=r"row 0: set_utc .* is before rise_utc"):
        normalise_passes(bad)


def test_read_passes_csv_and_parquet(tmp_path, passes):
    passes.to_csv(tmp_path / "p.csv", index=False)
    passes.to_parquet(tmp_path / "p.parquet", index=False)
    for name in ("p.csv", "p.parquet"):
        back = read_passes(tmp_path / name)
        assert (back.rise_utc == passes.rise_utc).all()


def test_cli_export(tmp_path, capsys):
    from orbitqkd.cli import main

    p = tmp_path / "p.csv"
    assert main(["passes", "--satellites", "micius", "-s", "Graz", "-s", "Xinglong",
                 "--start", START, "--days", "1", "-o", str(p)]) == 0
    assert main(["export", "--passes", str(p), "--czml", str(tmp_path / "a.czml"),
                 "--contact-plan", str(tmp_path / "c.csv"), "--json", str(tmp_path / "s.json")]) == 0
    czml = json.loads((tmp_path / "a.czml").read_text())
    assert czml[0]["id"] == "document"
    assert len(pd.read_csv(tmp_path / "c.csv")) == len(pd.read_csv(p))
    assert len(json.loads((tmp_path / "s.json").read_text())) == len(pd.read_csv(p))
    # predicting passes directly
    assert main(["export", "--satellites", "micius", "-s", "Graz", "--start", START,
                 "--json", str(tmp_path / "t.json")]) == 0
    capsys.readouterr()
    assert main(["export", "--start", START]) == 2
    assert capsys.readouterr().err == "error: export needs -o FOLDER or at least one of --czml, --contact-plan, --oem, --json\n"


def test_oem_of_the_passes(pass_table):
    from orbitqkd.io.exports import passes_to_oem

    text = passes_to_oem(pass_table, step_s=60.0)
    lines = text.splitlines()
    assert lines[0] == "CCSDS_OEM_VERS = 2.0" and "REF_FRAME = ITRF" in lines
    data = [x.split() for x in lines if x[:2] == "20"]
    assert len(data) > 100 and all(len(row) == 7 for row in data)
    # Micius (perigee ~490 km, apogee ~510 km over a 6,357-6,378 km Earth): radius 6,850-6,900 km
    radius = np.linalg.norm(np.array([[float(v) for v in row[1:4]] for row in data]), axis=1)
    assert (radius > 6850.0).all() and (radius < 6900.0).all()


def test_export_cli_ion_and_oem_of_a_schedule(tmp_path, capsys):
    from orbitqkd.cli import main

    assert main(["schedule", "china-austria", "--no-progress", "-o", str(tmp_path / "plan")]) == 0
    capsys.readouterr()
    ionrc, oem = tmp_path / "c.ionrc", tmp_path / "m.oem"
    assert main(["export", "--passes", str(tmp_path / "plan" / "schedule.csv"),
                 "--contact-plan", str(ionrc), "--oem", str(oem)]) == 0
    contacts = [x.split() for x in ionrc.read_text().splitlines() if x.startswith("a contact")]
    served = pd.read_csv(tmp_path / "plan" / "schedule.csv")
    served = served[served.served.astype(str).str.lower() == "true"]
    assert len(contacts) == len(served) > 0  # the served passes only
    assert all(len(c[2]) == 19 and c[2][4] == "/" for c in contacts)  # absolute yyyy/mm/dd-hh:mm:ss
    assert all(int(c[-1]) > 0 for c in contacts)  # each contact carries its key rate
    assert oem.read_text().startswith("CCSDS_OEM_VERS = 2.0")
