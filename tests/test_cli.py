"""CLI wiring and messages: one-line errors, exit codes, no half-written files."""

import io
import sys

import pandas as pd
import pytest

from orbitqkd.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_passes_table_and_csv(tmp_path, capsys):
    code, out, err = run(capsys, "passes", "--start", "2016-12-19", "--days", "1", "-s", "Xinglong")
    assert code == 0 and "Xinglong" in out and "MICIUS" in out
    path = tmp_path / "p.csv"
    code, out, err = run(capsys, "passes", "--start", "2016-12-19", "--days", "1", "-s", "Xinglong",
                         "-s", "40.0,116.0,50", "--output", str(path))
    assert code == 0 and "wrote" in err
    df = pd.read_csv(path)
    assert set(df.station) == {"Xinglong", "40.0000,116.0000"}


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_passes_other_formats(tmp_path, capsys, fmt):
    path = tmp_path / f"p.{fmt}"
    code, _, _ = run(capsys, "passes", "--start", "2016-12-19", "--days", "1", "-s", "Graz", "-o", str(path))
    assert code == 0
    df = pd.read_json(path) if fmt == "json" else pd.read_parquet(path)
    assert len(df) >= 1 and "max_elevation_deg" in df


def test_unknown_station_is_one_line(capsys):
    code, out, err = run(capsys, "passes", "--start", "2016-12-19", "-s", "Atlantis")
    assert code == 2
    assert err.startswith("error: station = 'Atlantis' is not known;")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_malformed_tle_file(tmp_path, capsys):
    bad = tmp_path / "bad.tle"
    bad.write_text("SAT\n1 41731U 16051A   16353.90152003  .00000364  00000-0  17957-4 0  9990\n"
                   "2 41731  97.3699 267.4500 0013200 178.5836 246.0824 15.23915303 19063\n")
    code, _, err = run(capsys, "passes", "--tle", str(bad), "--start", "2016-12-19", "-s", "Graz")
    assert code == 2
    assert err == "error: bad.tle line 2: checksum '0' does not match the computed checksum 3\n"


def test_end_before_start_and_bad_option(capsys):
    code, _, err = run(capsys, "passes", "--start", "not-a-date", "-s", "Graz")
    assert code == 2 and err.startswith("error: start = 'not-a-date' is not a UTC time")
    code, _, err = run(capsys, "passes", "--days", "-1")
    assert code == 2 and "Traceback" not in err


def test_output_directory_missing_leaves_nothing(tmp_path, capsys):
    target = tmp_path / "nope" / "p.csv"
    code, _, err = run(capsys, "passes", "--start", "2016-12-19", "-s", "Graz", "-o", str(target))
    assert code == 2 and "does not exist" in err
    assert not target.parent.exists()


def test_failed_write_keeps_previous_file(tmp_path, capsys, monkeypatch):
    path = tmp_path / "p.csv"
    path.write_text("previous\n")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    # an unforeseen OSError is one line and exit 2, never a traceback (issue 13)
    code, _, err = run(capsys, "passes", "--start", "2016-12-19", "-s", "Graz", "-o", str(path))
    assert code == 2 and err == "error: disk full\n"
    assert path.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.csv"]


def test_stations_command(capsys):
    code, out, _ = run(capsys, "stations")
    assert code == 0 and "Matera" in out


@pytest.mark.filterwarnings("default::orbitqkd.errors.StaleElementsWarning")
def test_stale_warning_is_one_line(capsys):
    # issue 13: beyond 30 days from the epoch a span is refused unless --allow-stale
    code, _, err = run(capsys, "passes", "--start", "2017-03-01", "-s", "Graz")
    assert code == 2 and "element epoch" in err and err.count("\n") == 1
    code, _, err = run(capsys, "passes", "--start", "2017-03-01", "-s", "Graz", "--allow-stale")
    assert code == 0 and err.startswith("warning: propagating MICIUS")


def test_passes_dask_takes_every_option_of_passes(tmp_path, capsys):
    # Regression: passes-dask borrowed the passes options by rewriting its signature and
    # dropped --name, so it returned the passes of all 25 GLONASS satellites instead of
    # one. Both commands now declare the same options from one alias each.
    args = ["--tle", "glonass", "--name", "(720)", "-s", "Matera", "--start", "2022-02-03",
            "--days", "1", "--format", "csv"]
    code, out_single, _ = run(capsys, "passes", *args)
    assert code == 0
    code, out_dask, _ = run(capsys, "passes-dask", *args, "--scheduler", "sync")
    assert code == 0
    single, dask = (pd.read_csv(io.StringIO(o)) for o in (out_single, out_dask))
    assert len(single) >= 1 and set(single["satellite"]) == {"COSMOS 2433 (720)"}
    assert len(dask) == len(single) and set(dask["satellite"]) == set(single["satellite"])


def test_passes_dask_without_dask_is_one_line(capsys, monkeypatch):
    # Regression: without Dask installed passes-dask printed a traceback.
    monkeypatch.setitem(sys.modules, "dask", None)  # 'import dask' fails
    code, out, err = run(capsys, "passes-dask", "-s", "Graz", "--start", "2016-12-19",
                         "--days", "0.1", "--scheduler", "sync")
    assert code == 2
    assert err.strip() == ("error: scheduler needs Dask: install it with "
                           "python -m pip install 'orbitqkd[scale]'")
