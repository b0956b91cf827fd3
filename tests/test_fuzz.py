"""Fuzz harness of the command line (issue 13): malformed inputs at every command.

hypothesis builds malformed TLEs, OMM files, station files, scenario files,
climate files, dates and output paths, and a driver runs ``orbitqkd`` in this
process on each. Every case must end with exit status 0 or 2, never a
traceback (any exception escaping :func:`orbitqkd.cli.main` fails the test),
leave no partial output (no temporary file, no output on failure), and write
no NaN or impossible value in any table.

CI runs a bounded number of cases (``FUZZ_EXAMPLES``, about 10 s); by hand::

    ORBITQKD_FUZZ_EXAMPLES=2000 python -m pytest -q -p no:cacheprovider tests/test_fuzz.py
"""

import io
import json
import os
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbitqkd.cli import main
from orbitqkd.data import data_path

FUZZ_EXAMPLES = int(os.environ.get("ORBITQKD_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))
CASES = {"count": 0}

TLE = data_path("tle", "micius-41731.tle").read_text().splitlines()[:3]
STATIONS = "name,latitude_deg,longitude_deg,altitude_m\nHere,48.1,11.3,650\n"
SCENARIO = data_path("scenarios", "china-austria.toml").read_text()
CLIMATE = "station,date,cloud_free_probability\nGraz,2016-12-19,0.5\n"
OMM = {"OBJECT_NAME": "X", "OBJECT_ID": "2016-051A", "EPOCH": "2016-12-18T21:38:00",
       "MEAN_MOTION": 15.24, "ECCENTRICITY": 0.0013, "INCLINATION": 97.37, "RA_OF_ASC_NODE": 267.4,
       "ARG_OF_PERICENTER": 178.6, "MEAN_ANOMALY": 246.1, "EPHEMERIS_TYPE": 0,
       "CLASSIFICATION_TYPE": "U", "NORAD_CAT_ID": 41731, "ELEMENT_SET_NO": 999,
       "REV_AT_EPOCH": 1906, "BSTAR": 1.8e-5, "MEAN_MOTION_DOT": 3.6e-6, "MEAN_MOTION_DDOT": 0}

JUNK = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def _mutate(text: str):
    """Text with a few characters replaced, inserted or removed, or truncated, or binary."""
    return st.one_of(
        st.tuples(st.integers(0, max(len(text) - 1, 0)), JUNK).map(
            lambda e: text[:e[0]] + e[1] + text[e[0] + len(e[1]):]),
        st.integers(0, len(text)).map(lambda n: text[:n]),
        st.binary(max_size=64).map(lambda b: b),
        st.just(text),
    )


def _omm():
    return st.one_of(
        st.dictionaries(st.sampled_from(sorted(OMM)), st.one_of(
            st.floats(allow_nan=True, allow_infinity=True), JUNK, st.integers(-10**12, 10**12)),
            max_size=6).map(lambda d: json.dumps({**OMM, **d}, default=str)),
        _mutate(json.dumps(OMM)))


DATES = st.one_of(st.sampled_from(["2016-12-19", "1900-01-01", "2200-01-01", "2016-13-40",
                                   "", "now", "2016-12-19T25:00", "9999-12-31T23:59:59"]),
                  JUNK)
PATHS = st.sampled_from(["/proc/x.csv", "/dev/null", "/nonexistent/dir/x.csv", "{tmp}/ok.csv",
                         "{tmp}", "{tmp}/x.png", "{tmp}/out", "{tmp}/x.unknown"])


def _write(folder: Path, name: str, content) -> str:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return str(path)


def _case(draw_kind, data, folder: Path):
    """One command line: a command with one malformed input."""
    base = ["--start", "2016-12-19", "--days", "0.2"]
    if draw_kind == "tle":
        lines = data.draw(_mutate("\n".join(TLE) + "\n"))
        src = _write(folder, "sat.tle", lines)
        cmd = data.draw(st.sampled_from(["passes", "budget", "export", "dual-downlink"]))
        argv = {"passes": ["passes", "--tle", src, "-s", "Graz", *base],
                "budget": ["budget", "--tle", src, "-s", "Graz", *base],
                "export": ["export", "--tle", src, "-s", "Graz", *base, "--json",
                           str(folder / "s.json")],
                "dual-downlink": ["dual-downlink", "Xinglong", "Nanshan", "--satellites", src,
                                  "--start", "2016-12-19", "--days", "0.2"]}[cmd]
    elif draw_kind == "omm":
        src = _write(folder, "sat.json", data.draw(_omm()))
        argv = ["passes", "--tle", src, "-s", "Graz", *base]
    elif draw_kind == "stations":
        src = _write(folder, "st.csv", data.draw(_mutate(STATIONS)))
        argv = ["passes", "--stations-file", src, "-s", "Here", *base]
    elif draw_kind == "scenario":
        src = _write(folder, "sc.toml", data.draw(_mutate(SCENARIO)))
        cmd = data.draw(st.sampled_from(["schedule", "relay", "forecast"]))
        argv = [cmd, src, "--days", "0.5", "--no-progress"]
        if cmd == "forecast":
            argv += ["--samples", "10", "--relay-samples", "1"]
    elif draw_kind == "climate":
        src = _write(folder, "c.csv", data.draw(_mutate(CLIMATE)))
        argv = ["schedule", "china-austria", "--days", "0.5", "--climate", src, "--no-progress"]
    elif draw_kind == "keyrate":
        src = _write(folder, "b.csv", data.draw(_mutate(
            "time_utc,transmittance,noise_rate_cps,above_horizon\n"
            "2016-12-19T16:50:00Z,1e-4,100,True\n2016-12-19T16:50:01Z,1e-4,100,True\n")))
        argv = ["keyrate", src]
    elif draw_kind == "dates":
        cmd = data.draw(st.sampled_from(["passes", "budget", "dual-downlink", "forecast"]))
        start = data.draw(DATES)
        argv = {"passes": ["passes", "-s", "Graz", "--start", start],
                "budget": ["budget", "--start", start],
                "dual-downlink": ["dual-downlink", "Xinglong", "Nanshan", "--start", start],
                "forecast": ["forecast", "china-austria", "--start", start, "--days", "0.5",
                             "--samples", "10", "--relay-samples", "1", "--no-progress"]}[cmd]
        argv += data.draw(st.sampled_from([[], ["--days", "0"], ["--days", "1e9"],
                                           ["--days", "nan"], ["--days", "0.1"]]))
    else:  # output paths
        target = data.draw(PATHS).format(tmp=folder)
        cmd = data.draw(st.sampled_from(["passes", "stations", "budget", "validate-skip",
                                         "schedule"]))
        argv = {"passes": ["passes", "-s", "Graz", *base, "-o", target],
                "stations": ["stations", "-o", target],
                "budget": ["budget", "--start", "2016-12-19", "--plot", target],
                "validate-skip": ["stations", "--output", target, "--format", "json"],
                "schedule": ["schedule", "china-austria", "--days", "0.5", "--no-progress",
                             "-o", target]}[cmd]
    return argv


def _check_tables(folder: Path, stdout: str, inputs: set):
    """No NaN, inf or impossible value in any table written (CSV), no temporary file left."""
    frames = []
    for path in folder.rglob("*"):
        if path.name.startswith("."):
            raise AssertionError(f"temporary file left: {path}")
        if path.is_file() and path.suffix == ".csv" and path.name not in inputs:
            try:
                frames.append(pd.read_csv(path))
            except pd.errors.ParserError:  # --format json into a file named .csv
                frames.append(pd.DataFrame(json.loads(path.read_text())))
    for df in frames:
        for col in df.columns:
            values = pd.to_numeric(df[col], errors="coerce")
            if col.endswith("_bits") or col == "bits":
                assert (values.dropna() >= 0).all() and (values.dropna() % 1 == 0).all(), col
            if col in ("min_range_km", "range_km"):
                assert (values.dropna() < 1e5).all(), col
            assert not np.isinf(values).any(), col
            if col in ("rise_utc", "set_utc", "culmination_utc", "min_range_km",
                       "max_elevation_deg", "secret_bits", "key_bits"):
                assert values.notna().all() or col.endswith("_utc"), col
    assert "Traceback" not in stdout


@FUZZ
@given(st.sampled_from(["tle", "omm", "stations", "scenario", "climate", "keyrate", "dates",
                        "paths"]), st.data())
def test_fuzz_every_command(kind, data):
    CASES["count"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        argv = _case(kind, data, folder)
        before = {p.name for p in folder.iterdir()}
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)  # any exception escaping here is a traceback: the test fails
        assert code in (0, 2), (argv, code, err.getvalue())
        assert "Traceback" not in err.getvalue()
        if code == 2:
            msg = err.getvalue().strip().splitlines()
            assert msg and msg[-1].startswith("error: "), (argv, err.getvalue())
            assert {p.name for p in folder.iterdir()} == before, "partial output on failure"
        _check_tables(folder, out.getvalue(), before)


def test_fuzz_report_count():
    # runs after the fuzz test in file order: how many cases hypothesis tried
    print(f"fuzz cases tried: {CASES['count']}")
    assert CASES["count"] >= 1
