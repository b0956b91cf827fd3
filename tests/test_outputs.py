import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from orbitqkd.errors import InputError
from orbitqkd.io.tables import html_report, write_json, write_table, write_text


def test_write_table_formats(tmp_path):
    df = pd.DataFrame({"t_utc": pd.to_datetime(["2016-12-19T16:48:43Z"]), "loss_db": [22.5]})
    for suffix in ("csv", "json", "parquet"):
        write_table(df, tmp_path / f"x.{suffix}")
    assert pd.read_parquet(tmp_path / "x.parquet").loss_db.iloc[0] == 22.5
    with pytest.raises(InputError, match=r"output = '.*x.xlsx' has format 'xlsx'; allowed formats are csv, json, parquet"):
        write_table(df, tmp_path / "x.xlsx")


def test_write_json_nan_and_numpy(tmp_path):
    path = write_json({"a": np.float64(np.nan), "b": np.int64(3), "c": [1.5]}, tmp_path / "x.json")
    assert json.loads(path.read_text()) == {"a": None, "b": 3, "c": [1.5]}


def test_html_report_is_self_contained(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    page = html_report("Key <forecast>", [("Table", pd.DataFrame({"x": [1.0]})), ("Plot", fig),
                                          ("Note", "a < b")])
    plt.close(fig)
    assert "data:image/png;base64," in page and "Key &lt;forecast&gt;" in page
    assert "a &lt; b" in page and "http" not in page.replace("http-equiv", "")
    write_text(page, tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
