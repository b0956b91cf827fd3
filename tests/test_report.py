"""The forecast report: headline, map, labelled Gantt, local times, assumptions; rendered in Chromium."""

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from orbitqkd import Scenario, forecast_scenario
from orbitqkd.io.report import headlines, local_solar_time, write_forecast


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = forecast_scenario(Scenario.from_toml("china-austria"), samples=50, relay_samples=10)
    write_forecast(result, out, title="Key forecast: china-austria", notes="test run")
    return out, result


def test_report_holds_what_a_planner_acts_on(report):
    out, result = report
    html = (out / "report.html").read_text()
    for heading in ("Headline", "Map", "Key per user pair and day", "Key held at each node",
                    "Served passes (Gantt", "local mean solar", "Assumptions"):
        assert heading in html, heading
    assert html.count("data:image/png;base64,") == 4  # map, forecast, stores, Gantt
    assert "Xinglong-Graz:" in html and "bits a day expected" in html
    assert "epoch 2016-12-18" in html  # the element set the forecast used
    for name in ("map.png", "gantt.png", "forecast.png", "stores.png"):
        assert (out / name).stat().st_size > 10_000


def test_local_mean_solar_time():
    # Xinglong, 117.5775 E: UTC + 7.84 h, so 16:52 UTC is 00:42 the next local day
    t = local_solar_time(pd.to_datetime(["2016-12-19T16:52Z"]), [117.5775])
    assert t.tolist() == ["2016-12-20 00:42"]
    assert local_solar_time(pd.to_datetime(["2016-12-19T03:00Z"]), [-79.95]).tolist() == [
        "2016-12-18 21:40"]


def test_headline_states_the_chance_a_demand_is_met():
    pairs = pd.DataFrame({"date": ["2025-01-06", "2025-01-07"], "demand": ["A-B", "A-B"],
                          "expected_bits": [5000.0, 15000.0], "demand_bits": [1e4, 1e4],
                          "p_demand_met": [0.2, 0.75]})
    assert headlines(pairs) == ("A-B: 10,000 bits a day expected; demand 10,000 bits/day met "
                                "with probability 01-06: 20%, 01-07: 75%.")


def _chromium():
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)


@pytest.mark.skipif(_chromium() is None, reason="Chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium(report, tmp_path):
    out, _ = report
    shot = tmp_path / "report.png"
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", f"--screenshot={shot}", "--window-size=1280,2400",
                    (out / "report.html").as_uri()], check=True, capture_output=True, timeout=120)
    import matplotlib.image

    img = matplotlib.image.imread(shot)
    assert img.shape[0] >= 2000 and img.shape[1] >= 1200
    gray = img[..., :3].mean(axis=2)
    # the page is not blank: text, tables and the embedded figures darken a good share of it,
    # and the map's land fill (light grey) is there
    assert (gray < 0.5).mean() > 0.005 and gray.std() > 0.05
