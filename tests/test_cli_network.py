"""``orbitqkd schedule``, ``relay`` and ``forecast`` over bundled scenarios, and the forecast script."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from orbitqkd.cli import main

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_schedule_writes_tables_gantt_and_json(tmp_path, capsys):
    out = tmp_path / "sched"
    code, stdout, err = run(capsys, "schedule", "china-space-ground", "--days", "2",
                            "--no-progress", "-o", str(out))
    assert code == 0, err
    assert "Xinglong" in stdout and "Nanshan" in stdout
    assert "passes served" in err and "gap" in err
    assert {p.name for p in out.iterdir()} == {"schedule.csv", "schedule.parquet",
                                               "stations.csv", "schedule.json",
                                               "summary.json", "gantt.png", "run.json"}
    table = pd.read_parquet(out / "schedule.parquet")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["passes_served"] == int(table["served"].sum()) > 0
    assert summary["total_expected_key_bits"] == pytest.approx(
        table.loc[table.served, "expected_key_bits"].sum())
    served = json.loads((out / "schedule.json").read_text())
    assert len(served) == summary["passes_served"]
    assert (out / "gantt.png").read_bytes()[:4] == b"\x89PNG"
    # the greedy on the same candidates, read back from the table
    code, _, err = run(capsys, "schedule", "china-space-ground", "--passes",
                       str(out / "schedule.csv"), "--method", "greedy", "--no-progress")
    assert code == 0 and "greedy (total)" in err


def test_relay_from_a_written_schedule(tmp_path, capsys):
    sched = tmp_path / "sched"
    assert run(capsys, "schedule", "china-austria", "--no-progress", "-o", str(sched))[0] == 0
    out = tmp_path / "relay"
    code, stdout, err = run(capsys, "relay", "china-austria", "--passes",
                            str(sched / "schedule.csv"), "-o", str(out))
    assert code == 0, err
    assert "Xinglong > Micius > Graz" in stdout
    demands = pd.read_csv(out / "demands.csv")
    daily = pd.read_csv(out / "daily.csv")
    assert daily["bits"].sum() == pytest.approx(demands["delivered_bits"].sum(), rel=1e-9)
    assert json.loads((out / "relay.json").read_text())["objective"] == "maxmin"
    assert (out / "relay.png").stat().st_size > 10_000
    stores = pd.read_csv(out / "stores.csv")
    assert {"node", "kind", "end_utc", "stored_bits"} <= set(stores.columns)
    assert (out / "stores.png").read_bytes()[:4] == b"\x89PNG"
    # the same as predicting and scheduling in one go
    code, stdout2, _ = run(capsys, "relay", "china-austria", "--no-progress")
    assert code == 0 and stdout2 == stdout


def test_forecast_command(tmp_path, capsys):
    out = tmp_path / "fc"
    code, stdout, err = run(capsys, "forecast", "china-austria", "--days", "2", "--samples",
                            "200", "--relay-samples", "10", "--no-progress", "-o", str(out))
    assert code == 0, err
    assert "p10_bits" in stdout and "Xinglong-Graz" in stdout
    stations = pd.read_csv(out / "stations.csv")
    assert (stations["p10_bits"] <= stations["p90_bits"]).all()
    assert "<img" in (out / "report.html").read_text()


def test_daily_forecast_script_is_deterministic(tmp_path):
    outs = []
    for k in range(2):
        out = tmp_path / f"f{k}"
        proc = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "daily_forecast.py"), "china-south-africa",
             "--days", "2", "--samples", "100", "--relay-samples", "5", "--seed", "7",
             "--no-progress", "-o", str(out)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outs.append((out / "stations.csv").read_text() + (out / "pairs.csv").read_text())
    assert outs[0] == outs[1]


@pytest.mark.parametrize("argv, message", [
    (["schedule", "atlantis"], "error: scenario = 'atlantis' is neither a file nor a bundled"),
    (["relay", "uk-fibre", "--days", "-1"], "error: Invalid value for '--days'"),
    (["forecast", "uk-fibre", "--start", "soon"], "error: start = 'soon' is not a UTC time"),
    (["schedule", "uk-fibre", "--method", "exact"], "error: Invalid value for '--method'"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "o"
    code, stdout, err = run(capsys, *argv, "--no-progress", "-o", str(out))
    assert code == 2
    assert err.startswith(message), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_relay_without_demands_is_an_error(tmp_path, capsys):
    text = (ROOT / "data" / "scenarios" / "china-south-africa.toml").read_text()
    path = tmp_path / "nodemand.toml"
    path.write_text(text[:text.index("[[demands]]")])
    code, _, err = run(capsys, "relay", str(path), "--no-progress")
    assert code == 2 and "has no [[demands]]" in err


def test_tle_replaces_the_scenarios_element_sets(tmp_path, capsys):
    """--tle plans from a given element-set file; the file is checked and listed in run.json."""
    lines = (ROOT / "data" / "tle" / "micius-41731.tle").read_text().splitlines()
    old = tmp_path / "micius-2016.tle"  # only the element set of 2016-12-18
    old.write_text("\n".join(lines[:3]) + "\n")
    code, _, err = run(capsys, "schedule", "china-space-ground", "--tle", str(old), "--days", "1")
    assert code == 2 and "element epoch 2016-12-18" in err  # 4.4 years from the start
    out = tmp_path / "sched"
    code, stdout, err = run(capsys, "schedule", "china-space-ground", "--tle", str(old),
                            "--start", "2016-12-19", "--days", "1", "--no-progress",
                            "-o", str(out))
    assert code == 0, err
    served = pd.read_csv(out / "schedule.csv")
    assert len(served) > 0 and served["satellite"].eq("Micius").all()  # the scenario's name
    inputs = {Path(i["path"]).name for i in json.loads((out / "run.json").read_text())["inputs"]}
    assert inputs == {"china-space-ground.toml", "micius-2016.tle"}
    code, _, err = run(capsys, "forecast", "china-space-ground", "--tle", str(tmp_path / "no.tle"))
    assert code == 2 and "no.tle' is neither a file nor a bundled set" in err
