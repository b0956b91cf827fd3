"""Regression tests of issue 13: no silent wrong answers, no lost or mixed outputs, one CLI convention.

Each test names the case of the issue it pins.
"""

import json
import os
import stat

import numpy as np
import pandas as pd
import pytest

from orbitqkd.cli import main
from orbitqkd.core import events
from orbitqkd.core.orbits import TimeBase, propagate_ecef, valid_states
from orbitqkd.errors import InputError
from orbitqkd.io.tables import atomic_folder, present
from orbitqkd.io.tle import load_satellites
from orbitqkd.io.stations import get_stations
from orbitqkd.network.forecast import forecast_key
from orbitqkd.model import Demand

STALE_OK = pytest.mark.filterwarnings("ignore::orbitqkd.errors.StaleElementsWarning")


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err):
    return err.count("\n") == 1 and "Traceback" not in err


# --- (2) SGP4 error codes end the track; impossible states are never rows ---------------

def test_error_code_ends_track_and_impossible_radius_is_invalid():
    # an error at sample 2 of 5 (after the epoch at t=0) makes samples 2..4 invalid even
    # where SGP4 later returns 0; a radius of 1e19 km (the 2200 case) is invalid
    err = np.array([[0, 0, 6, 0, 0], [0, 0, 0, 0, 0]])
    r = np.full((2, 5, 3), 4000.0)
    r[1, 3] = 1e19
    ok = valid_states(err, r, np.arange(5.0), np.array([0.0, 0.0]), np.array([7000.0, 7000.0]))
    assert ok.tolist() == [[True, True, False, False, False], [True, True, True, False, False]]
    # before the epoch the track ends backwards: an error at t=-2 invalidates t <= -2
    ok = valid_states(np.array([[0, 6, 0, 0]]), np.full((1, 4, 3), 4000.0),
                      np.array([-3.0, -2.0, -1.0, 0.0]), np.array([0.0]), np.array([7000.0]))
    assert ok.tolist() == [[False, False, True, True]]


@STALE_OK
def test_propagation_far_from_epoch_gives_no_impossible_rows():
    # issue: 'passes --start 2200' gave 125 passes a day with min_range_km ~1e19
    sat = load_satellites("micius", near="2016-12-19")[0]
    base = TimeBase.for_span(pd.Timestamp("2200-01-01", tz="UTC"), 86400.0)
    r, _ = propagate_ecef([sat.satrec], base, np.linspace(0, 86400, 50))
    assert np.isnan(r).all()
    p = events.find_passes([sat], get_stations(["Graz"]), "2200-01-01", days=1).table
    assert len(p) == 0


def test_stale_start_refused_naming_epoch(capsys):
    code, _, err = run(capsys, "passes", "--start", "2200-01-01", "-s", "Graz")
    assert code == 2 and one_line(err)
    assert "days from the element epoch" in err and "--allow-stale" in err
    code, _, err = run(capsys, "budget", "--start", "2030-01-01")
    assert code == 2 and "element epoch" in err
    code, _, err = run(capsys, "forecast", "china-austria", "--start", "1900-01-01",
                       "--no-progress")
    assert code == 2 and "element epoch" in err and one_line(err)
    # the last representable second: the age in nanoseconds would overflow
    code, _, err = run(capsys, "passes", "--start", "9999-12-31T23:59:59", "-s", "Graz")
    assert code == 2 and one_line(err) and "days from the element epoch" in err


@STALE_OK
def test_decayed_object_names_decay_time(tmp_path, capsys):
    # a low orbit with strong drag: SGP4 reports decay within weeks of the epoch
    from orbitqkd.model import Satellite
    sat = Satellite.from_elements("LOW", "2020-01-01", altitude_km=200.0, bstar=0.05)
    from orbitqkd.cli.checks import check_epochs
    with pytest.raises(InputError, match=r"LOW; SGP4 has it decayed by 2020-"):
        check_epochs([sat], pd.Timestamp("2020-03-01", tz="UTC"),
                     pd.Timestamp("2020-03-02", tz="UTC"), False)
    passes = events.find_passes([sat], get_stations(["Graz"]), "2020-01-01", days=60).table
    per_day = len(passes) / 60
    assert per_day < 8  # issue: a decaying object gave 3,105 passes in 60 days


def test_chunked_search_equals_one_chunk(monkeypatch):
    # memory stays bounded: the time grid is cut into pieces; the passes are the same
    sats = load_satellites("glonass", near="2022-02-03")[:3]
    stas = get_stations(["Matera", "Graz"])
    a = events.find_passes(sats, stas, "2022-02-03", days=2).table
    monkeypatch.setattr(events, "MAX_GRID_POINTS", 50)
    b = events.find_passes(sats, stas, "2022-02-03", days=2).table
    assert len(a) == len(b) > 0
    for col in ("rise_utc", "culmination_utc", "set_utc"):
        assert (a[col] - b[col]).abs().max() < pd.Timedelta(milliseconds=10)
    assert (a.starts_before_window == b.starts_before_window).all()


# --- (3) forecast bands count every draw and list every demand -------------------------

def test_forecast_bands_count_draws_that_deliver_nothing():
    # one satellite pass, 1 Mbit to each of two stations, 10 % cloud-free: most of the
    # draws deliver nothing. The pair band must average over every draw (expected ~ 0.1
    # x 1 Mbit shared), and a demand that can never be served is listed with 0.
    t = pd.Timestamp("2016-12-19T16:50Z")
    cand = pd.DataFrame({
        "satellite": ["SAT", "SAT"], "norad_id": [1, 1], "station": ["A", "B"],
        "rise_utc": [t, t + pd.Timedelta(hours=2)],
        "culmination_utc": [t + pd.Timedelta(minutes=3), t + pd.Timedelta(hours=2, minutes=3)],
        "set_utc": [t + pd.Timedelta(minutes=6), t + pd.Timedelta(hours=2, minutes=6)],
        "max_elevation_deg": [50.0, 50.0], "duration_s": [360.0, 360.0], "dark": [True, True],
        "min_range_km": [600.0, 600.0], "sun_elevation_deg": [-30.0, -30.0],
        "key_bits": [1e6, 1e6], "cloud_free_probability": [0.1, 0.1]})
    from orbitqkd.model import GroundStation
    stations = [GroundStation(name="A", latitude_deg=40, longitude_deg=0),
                GroundStation(name="B", latitude_deg=40, longitude_deg=10),
                GroundStation(name="C", latitude_deg=40, longitude_deg=20)]
    demands = [Demand("A", "B"), Demand("A", "C")]
    res = forecast_key(cand, stations, demands=demands, samples=200, relay_samples=200,
                       seed=3, start="2016-12-19", days=1)
    pairs = res["pairs"]
    assert set(pairs["demand"]) == {"A-B", "A-C"}
    ac = pairs[pairs.demand == "A-C"].iloc[0]
    assert ac.expected_bits == ac.p90_bits == 0.0
    ab = pairs[pairs.demand == "A-B"].iloc[0]
    # both stations clear (0.1 x 0.1) is needed to forward key from A to B via the
    # satellite; over 200 draws the mean is ~1 % of 1 Mbit, and the P50 is 0
    assert ab.p50_bits == 0.0 and 0.0 <= ab.expected_bits < 0.2e6


# --- (1) inputs checked before work, one line each ---------------------------------------

@pytest.mark.parametrize("argv", [
    ["passes", "--start", "2016-12-19", "-s", "Graz", "-o", "/proc/x.csv"],
    ["passes", "--start", "2016-12-19", "-s", "Graz", "-o", "/dev/null"],
    ["budget", "--start", "2016-12-19", "--plot", "/proc/x.png"],
    ["schedule", "china-austria", "--no-progress", "-o", "/proc/sched"],
])
def test_unwritable_outputs_are_one_line_before_work(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2 and one_line(err) and err.startswith("error: ")
    assert ("cannot be written" in err or "not a regular file" in err)


def test_binary_stations_file_is_one_line(tmp_path, capsys):
    bad = tmp_path / "st.csv"
    bad.write_bytes(b"\xff\xfe\x00garbage\x89PNG")
    code, _, err = run(capsys, "passes", "--stations-file", bad, "-s", "Graz",
                       "--start", "2016-12-19")
    assert code == 2 and one_line(err) and "not UTF-8 text" in err


def test_climate_with_date_column_and_foreign_station(tmp_path, capsys):
    # the --help form: station, date, cloud_free_probability (no month column) is accepted
    good = tmp_path / "c.csv"
    good.write_text("station,date,cloud_free_probability\nGraz,2016-12-19,0.9\n")
    from orbitqkd.io.climate import read_climatology
    assert read_climatology(good)["month"].tolist() == [12]
    # a station the scenario lacks is refused, not ignored
    other = tmp_path / "o.csv"
    other.write_text("station,date,cloud_free_probability\nMatera,2016-12-19,0.9\n")
    code, _, err = run(capsys, "forecast", "china-austria", "--climate", other, "--no-progress")
    assert code == 2 and one_line(err) and "'Matera' that scenario 'china-austria' lacks" in err


def test_relay_refuses_passes_of_another_scenario(tmp_path, capsys):
    # the README chain: a schedule of china-space-ground given to relay china-austria
    sched = tmp_path / "plan"
    assert run(capsys, "schedule", "china-space-ground", "--days", "1", "--no-progress",
               "-o", sched)[0] == 0
    code, _, err = run(capsys, "relay", "china-austria", "--passes", sched / "schedule.csv",
                       "--no-progress")
    assert code == 2 and one_line(err) and "that scenario 'china-austria' lacks" in err


# --- (4) outputs written whole ---------------------------------------------------------------

def test_folder_swapped_whole_with_manifest_and_umask(tmp_path, capsys):
    out = tmp_path / "d"
    old = os.umask(0o022)
    try:
        code, _, err = run(capsys, "schedule", "china-austria", "--days", "1", "--no-progress",
                           "-o", out)
    finally:
        os.umask(old)
    assert code == 0, err
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["command"][:3] == ["orbitqkd", "schedule", "china-austria"]
    assert manifest["version"] and {f["name"] for f in manifest["files"]} == \
        {p.name for p in out.iterdir()} - {"run.json"}
    assert any(i["path"].endswith("china-austria.toml") and len(i["sha256"]) == 64
               for i in manifest["inputs"])
    assert stat.S_IMODE((out / "stations.csv").stat().st_mode) == 0o644
    # issue: 'schedule -o d/' then 'forecast -o d/' mixed both runs' files in one folder
    code, _, err = run(capsys, "forecast", "china-austria", "--days", "1", "--samples", "20",
                       "--relay-samples", "2", "--no-progress", "-o", out)
    assert code == 0, err
    names = {p.name for p in out.iterdir()}
    assert "summary.json" not in names and "report.html" in names  # only the forecast's files
    assert [p.name for p in tmp_path.iterdir()] == ["d"]  # no temporary folder left


def test_interrupt_leaves_previous_folder(tmp_path, capsys, monkeypatch):
    out = tmp_path / "d"
    out.mkdir()
    (out / "run.json").write_text("{}")
    (out / "a.csv").write_text("previous\n")
    import orbitqkd.io.report as report

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "forecast_figure", interrupted)
    code, _, err = run(capsys, "forecast", "china-austria", "--days", "1", "--samples", "20",
                       "--relay-samples", "2", "--no-progress", "-o", out)
    assert code == 130 and err.strip().endswith("interrupted")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "run.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["d"]


def test_foreign_folder_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "schedule", "china-austria", "--no-progress", "-o", tmp_path)
    assert code == 2 and "no run.json" in err and (tmp_path / "notes.txt").exists()


def test_atomic_folder_error_keeps_old(tmp_path):
    out = tmp_path / "d"
    with atomic_folder(out) as tmp:
        (tmp / "x").write_text("1")
        (tmp / "run.json").write_text("{}")
    with pytest.raises(RuntimeError):
        with atomic_folder(out) as tmp:
            (tmp / "y").write_text("2")
            raise RuntimeError
    assert sorted(p.name for p in out.iterdir()) == ["run.json", "x"]


# --- (5) one convention -----------------------------------------------------------------------

def test_version_and_times_and_whole_bits(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("orbitqkd ")
    code, out, _ = run(capsys, "passes", "--start", "2016-12-19", "-s", "Xinglong",
                       "--format", "csv")
    df = pd.read_csv(__import__("io").StringIO(out))
    assert df["rise_utc"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z").all()
    shown = present(pd.DataFrame({"secret_bits": [12.7], "expected_bits": [3.2]}))
    assert shown.values.tolist() == [[12, 3]]


@pytest.mark.parametrize("command", ["stations", "passes", "passes-dask", "budget", "keyrate",
                                     "dual-downlink", "validate", "schedule", "relay",
                                     "forecast", "export"])
def test_every_command_takes_output_and_no_step_s(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and "--output" in out and "-o" in out
    import re
    assert not re.search(r"--step-s\b|--out-dir|--mu-[sdv]\b", out)
    if command not in ("export",):
        assert "--format" in out
