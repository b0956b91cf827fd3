"""Wiring and messages of ``orbitqkd keyrate``."""

import json

import numpy as np
import pandas as pd

from keyrate_budgets import budget, micius_budget, yin_budgets
from orbitqkd.cli import main


def _write(df, path):
    df = df if isinstance(df, pd.DataFrame) else df.to_frame()
    df.to_csv(path, index=False)
    return str(path)


def test_keyrate_csv_one_pass_json_out(tmp_path, capsys):
    src = _write(micius_budget(), tmp_path / "b.csv")
    out = tmp_path / "k.json"
    assert main(["keyrate", src, "--gate-width-ns", "2", "--misalignment", "0.01", "-o", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert len(rows) == 1 and rows[0]["secret_bits"] > 1e5 and rows[0]["zero_reason"] == ""
    assert abs(rows[0]["qber_percent"] - 1.1) < 0.2


def test_keyrate_pass_id_splits_and_accumulate(tmp_path, capsys):
    parts = []
    for i in range(4):
        b = budget(np.full(5, 37.0), start=f"2020-01-0{i + 1}T00:00Z").to_frame()
        b["pass_id"] = i
        parts.append(b)
    import pandas as pd

    src = _write(pd.concat(parts), tmp_path / "b.csv")
    assert main(["keyrate", src, "--format", "csv"]) == 0
    per_pass = capsys.readouterr().out.strip().splitlines()
    assert len(per_pass) == 5 and "block too short for finite key" in per_pass[1]
    assert main(["keyrate", src, "--accumulate", "--format", "csv", "--asymptotic"]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 5  # asymptotic: every pass positive


def test_keyrate_bbm92(tmp_path, capsys):
    a, b = yin_budgets(600)
    args = ["keyrate", _write(a, tmp_path / "a.csv"), "--protocol", "bbm92", "--format", "json",
            "--misalignment", "0.03", "--asymptotic"]
    assert main(args + ["--budget-b", _write(b, tmp_path / "b.csv")]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["protocol"] == "bbm92" and rows[0]["secret_bits"] > 0


def test_keyrate_errors_are_one_line(tmp_path, capsys):
    src = _write(micius_budget(), tmp_path / "b.csv")
    assert main(["keyrate", src, "--mu-decoy", "0.9"]) == 2
    assert capsys.readouterr().err.strip() == "error: mu_d = 0.9 is outside the range mu_d < mu_s = 0.8"
    assert main(["keyrate", src, "--eps-sec", "2"]) == 2
    assert "eps_sec = 2 is outside the range 0 < eps_sec < 1" in capsys.readouterr().err
    assert main(["keyrate", src, "--protocol", "bbm92"]) == 2
    assert capsys.readouterr().err.startswith("error: budget_b is missing")
