"""Inter-satellite links, relays without a ground path, annual statistics, design sweeps."""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from orbitqkd.cli import main
from orbitqkd.core.isl import (InterSatelliteLink, isl_contacts, isl_transmittance,
                               segment_clearance_km)
from orbitqkd.core.propagation import circular_orbit
from orbitqkd.design import design_grid, pareto_front
from orbitqkd.errors import InputError
from orbitqkd.io.scenario import Scenario
from orbitqkd.model import Demand
from orbitqkd.network.annual import (link_time_statistics, pair_key_statistics,
                                     station_key_statistics)
from orbitqkd.network.relay import relay_flow

DAY = pd.Timestamp("2025-01-10T00:00Z")


# --- inter-satellite links ----------------------------------------------------------

def test_segment_clearance_against_sampling():
    # independent: the lowest of 20001 points along each segment (spacing < 0.6 km at
    # these lengths gives < 1e-3 km error near the minimum, where the altitude is flat)
    rng = np.random.default_rng(3)
    a = rng.normal(size=(5, 3)) * 7000.0
    b = rng.normal(size=(5, 3)) * 7000.0
    s = np.linspace(0.0, 1.0, 20001)[:, None, None]
    pts = a[None] + s * (b - a)[None]
    brute = np.linalg.norm(pts, axis=-1).min(axis=0) - 6371.0088
    assert segment_clearance_km(a, b) == pytest.approx(brute, abs=2e-3)
    assert isinstance(segment_clearance_km(a[0], b[0]), float)


def test_isl_transmittance_against_quadrature():
    # independent: the received fraction of a diffracted Gaussian beam as a scipy quadrature
    # of its intensity over the receiving disc, times the transmitter's clipping; no jitter
    lam, dt, dr, rng_km = 850.0, 0.12, 0.2, 3000.0
    w0 = 0.89 * dt / 2
    z_r = np.pi * w0**2 / (lam * 1e-9)
    w = w0 * np.sqrt(1 + (rng_km * 1e3 / z_r) ** 2)
    caught = integrate.quad(lambda r: 2 * np.pi * r * 2 / (np.pi * w**2) * np.exp(-2 * r**2 / w**2),
                            0.0, dr / 2)[0]
    clip = 1 - np.exp(-2 * (dt / 2) ** 2 / w0**2)
    eta = isl_transmittance(rng_km, lam, dt, dr, receiver_efficiency=0.5)
    assert eta == pytest.approx(0.5 * clip * caught, rel=1e-9)
    # pointing: jitter equal to the beam half-angle keeps 1/5 (theta_b^2 / (theta_b^2 + 4 s^2))
    half = w / (rng_km * 1e3) * 1e6
    ratio = isl_transmittance(rng_km, lam, dt, dr, jitter_urad=half) / isl_transmittance(
        rng_km, lam, dt, dr)
    assert ratio == pytest.approx(0.2, rel=1e-9)
    arr = isl_transmittance(np.array([1000.0, 0.0]), lam, dt, dr)
    assert arr.shape == (2,) and np.isnan(arr[1])


def test_isl_contacts_between_two_leo_satellites():
    # same plane 20 deg apart at 500 km: 2,389 km apart, line of sight 402 km above the
    # ground (always in view); 70 deg apart the Earth blocks it
    link = InterSatelliteLink(tx_aperture_m=0.15, rx_aperture_m=0.15, dark_count_probability=1e-7)
    sats = [circular_orbit(n, 500.0, 53.0, DAY, phase_deg=p, norad_id=k).satellite()
            for k, (n, p) in enumerate((("A", 0.0), ("B", 20.0), ("C", 90.0)))]
    c = isl_contacts(sats, [(0, 1), (0, 2)], DAY, DAY + pd.Timedelta(hours=1), link,
                     step_s=60.0, chunk_s=1800.0)
    assert set(c["satellite_b"]) == {"B"} and len(c) == 2   # one hour in two 30-min pieces
    assert c["min_range_km"].iloc[0] == pytest.approx(2 * (6378.135 + 500) * np.sin(np.radians(10)),
                                                      rel=5e-3)
    # key = rate at the (nearly constant) range x duration, within 1 % (SGP4 short-period terms)
    expected = link.key_rate_bps(c["min_range_km"].iloc[0]) * 3600.0
    assert c["key_bits"].sum() == pytest.approx(expected, rel=1e-2)
    assert expected > 0
    with pytest.raises(InputError, match=r"isl pair = \(0, 0\) is not two distinct"):
        isl_contacts(sats, [(0, 0)], DAY, DAY + pd.Timedelta(hours=1))


# --- relay: key between continents with no ground path ----------------------------------

def _passes(*items):
    return pd.DataFrame([{"satellite": s, "station": g,
                          "culmination_utc": DAY + pd.Timedelta(hours=h), "expected_key_bits": k}
                         for s, g, h, k in items])


def _isl(*items):
    return pd.DataFrame([{"satellite_a": a, "satellite_b": b,
                          "culmination_utc": DAY + pd.Timedelta(hours=h), "key_bits": k}
                         for a, b, h, k in items])


def test_isl_carries_key_where_no_ground_path_exists():
    # LEO-EU only meets Graz, LEO-CN only Xinglong: no ground or satellite path joins them
    p = _passes(("LEO-EU", "Graz", 1, 4e5), ("LEO-CN", "Xinglong", 6, 3e5))
    demand = [Demand("Graz", "Xinglong")]
    without = relay_flow(p, demands=demand, start=DAY, days=1)
    assert without.demands["delivered_bits"].iloc[0] == pytest.approx(0.0, abs=1e-3)
    # an ISL contact between the two after Graz's pass and before Xinglong's carries the key
    with_isl = relay_flow(p, demands=demand, start=DAY, days=1,
                          isl_contacts=_isl(("LEO-CN", "LEO-EU", 3, 1e6)))
    row = with_isl.demands.iloc[0]
    assert row["delivered_bits"] == pytest.approx(3e5, rel=1e-6)   # Xinglong's pass limits
    assert row["path"] == "Graz > LEO-EU > LEO-CN > Xinglong"
    assert row["trusted_nodes"] == 2
    assert "isl" in set(with_isl.edges["kind"])
    # an ISL contact before Graz's pass has no key to carry yet (causality)
    early = relay_flow(p, demands=demand, start=DAY, days=1,
                       isl_contacts=_isl(("LEO-EU", "LEO-CN", 0.2, 1e6)))
    assert early.demands["delivered_bits"].iloc[0] == pytest.approx(0.0, abs=1e-3)


def test_geostationary_relay_never_seen_by_a_station():
    # key goes up to a relay in GEO from one LEO satellite and down to another, the ISL key
    # (2e5 bits on the GEO-CN link) limiting
    p = _passes(("LEO-EU", "Graz", 1, 4e5), ("LEO-CN", "Xinglong", 6, 3e5))
    isl = _isl(("LEO-EU", "GEO-1", 2, 1e6), ("GEO-1", "LEO-CN", 4, 2e5))
    res = relay_flow(p, demands=[Demand("Graz", "Xinglong")], start=DAY, days=1,
                     isl_contacts=isl, key_store_bits={"GEO-1": 1e9, "LEO-EU": 1e9,
                                                       "LEO-CN": 1e9})
    row = res.demands.iloc[0]
    assert row["delivered_bits"] == pytest.approx(2e5, rel=1e-6)
    assert row["path"] == "Graz > LEO-EU > GEO-1 > LEO-CN > Xinglong"
    with pytest.raises(InputError, match="isl_contacts lack column"):
        relay_flow(p, demands=[Demand("Graz", "Xinglong")], start=DAY, days=1,
                   isl_contacts=isl.drop(columns="key_bits"))


# --- annual statistics ----------------------------------------------------------------

def _served(days=60):
    rows = []
    for d in range(days):
        for st, h, k in (("Graz", 20.5, 3e5), ("Matera", 20.6, 2e5), ("Graz", 22.0, 1e5)):
            rows.append({"satellite": "S", "station": st, "key_bits": k,
                         "culmination_utc": DAY + pd.Timedelta(days=d, hours=h),
                         "cloud_free_probability": 0.3 if st == "Graz" else 0.6})
    return pd.DataFrame(rows)


def test_station_statistics_against_the_analytic_mean_and_spread():
    # independent: one draw per station and night, so the total over the span has mean
    # sum_n p_n K_n and variance sum_n p_n (1 - p_n) K_n^2 over nights n (K_n the night's key);
    # with 4000 draws the sample mean lies within 4 standard errors
    served = _served()
    out = station_key_statistics(served, {"Graz": 15.5, "Matera": 16.7}, samples=4000, seed=1)
    total = out["total"].set_index("station")
    for st, k_night, p in (("Graz", 4e5, 0.3), ("Matera", 2e5, 0.6)):
        mean = 60 * p * k_night
        sd = np.sqrt(60 * p * (1 - p)) * k_night
        assert total.at[st, "expected_bits"] == pytest.approx(mean, abs=4 * sd / np.sqrt(4000))
        # P10-P90 width: that of the binomial count of clear nights (scipy), to one night's key
        width = (stats.binom.ppf(0.9, 60, p) - stats.binom.ppf(0.1, 60, p)) * k_night
        assert total.at[st, "p90_bits"] - total.at[st, "p10_bits"] == pytest.approx(
            width, abs=k_night)
    monthly = out["monthly"]
    assert set(monthly["month"]) == {"2025-01", "2025-02", "2025-03"}
    assert monthly["expected_bits"].sum() == pytest.approx(total.at["all", "expected_bits"])


def test_link_time_statistics_by_hand():
    # Matera at 16.7 deg E: local mean solar time = UTC + 1.11 h
    t = pd.to_datetime(["2018-01-10T23:30Z", "2018-01-11T03:00Z", "2018-01-11T12:00Z",
                        "2018-02-01T04:00Z"])
    passes = pd.DataFrame({"station": "Matera", "culmination_utc": t,
                           "duration_s": [100.0, 200.0, 400.0, 50.0]})
    lon = {"Matera": 16.7}
    night = link_time_statistics(passes, lon, local_hours=(0.0, 6.0))
    # 23:30 UTC is 00:37 local (in), 03:00 -> 04:07 (in), 12:00 -> 13:07 (out), 04:00 -> 05:07
    assert night["total"].to_dict("records") == [
        {"station": "Matera", "passes": 3, "link_time_s": 350.0, "mean_pass_s": 350.0 / 3},
        {"station": "all", "passes": 3, "link_time_s": 350.0, "mean_pass_s": 350.0 / 3}]
    assert night["monthly"][["month", "passes", "link_time_s"]].values.tolist() == [
        ["2018-01", 2, 300.0], ["2018-02", 1, 50.0]]
    # a window across midnight wraps: 22 h-1 h local holds only the 00:37 pass
    wrap = link_time_statistics(passes, lon, local_hours=(22.0, 1.0))["total"]
    assert wrap["link_time_s"].tolist() == [100.0, 100.0]
    assert link_time_statistics(passes, lon)["total"]["link_time_s"].tolist() == [750.0, 750.0]
    with pytest.raises(InputError, match="local_hours"):
        link_time_statistics(passes, lon, local_hours=(-1.0, 6.0))
    with pytest.raises(InputError, match="'Matera' has no longitude"):
        link_time_statistics(passes, {})


def test_pair_statistics_and_days_met():
    # the satellite meets Graz then Matera every night; with clear skies (p = 1) the pair
    # gets min(3e5 + 1e5 stored... ) = 2e5 a night (Matera's key limits), so a demand of
    # 1.5e5 bits/day is met every day and one of 3e5 never
    served = _served(6).assign(cloud_free_probability=1.0)
    demands = [Demand("Graz", "Matera", bits_per_day=1.5e5), Demand("Graz", "Vienna")]
    out = pair_key_statistics(served, {"Graz": 15.5, "Matera": 16.7}, demands, DAY, 6,
                              samples=2, window_days=3)
    daily = out["daily"]
    gm = daily[daily["demand"] == "Graz-Matera"]
    assert gm["bits"].to_numpy() == pytest.approx(np.full(12, 1.5e5), rel=1e-6)
    met = out["days_met"].set_index("demand")
    assert met.at["Graz-Matera", "expected_days_met"] == pytest.approx(1.0)
    total = out["total"].set_index("demand")
    assert total.at["Graz-Vienna", "expected_bits"] == pytest.approx(0.0, abs=1e-3)


# --- design sweeps ------------------------------------------------------------------------

def test_pareto_front_against_brute_force():
    rng = np.random.default_rng(7)
    t = pd.DataFrame({"n_satellites": rng.integers(1, 6, 40), "n_stations": rng.integers(1, 5, 40),
                      "delivered_bits": rng.random(40).round(2)})
    front = pareto_front(t)
    rows = t.to_dict("records")
    for i, r in enumerate(rows):   # independent: a design is dominated if any other is no worse
        dominated = any(
            o["n_satellites"] <= r["n_satellites"] and o["n_stations"] <= r["n_stations"]
            and o["delivered_bits"] >= r["delivered_bits"]
            and (o["n_satellites"], o["n_stations"], o["delivered_bits"])
            != (r["n_satellites"], r["n_stations"], r["delivered_bits"])
            for o in rows)
        assert front[i] == (not dominated)
    with pytest.raises(InputError, match="objective = 'x' is not a column"):
        pareto_front(t, "x")


SCENARIO = """
[scenario]
name = "tiny-design"
start = "2025-01-10T00:00:00Z"
days = 1

[[satellites]]
name = "BASE"
link = "micius-xinglong"
elements = { altitude_km = 500.0 }

[[stations]]
name = "Graz"

[[stations]]
name = "Matera"

[schedule]
night_only = true
method = "greedy"

[[demands]]
a = "Graz"
b = "Matera"
bits_per_day = 1e5

[design]
satellites_per_plane = [1, 2]
ltan_hours = 22.5
altitude_km = 500.0
station_sets = { both = ["Graz", "Matera"] }
span_days = 1.0
"""


def test_design_grid_and_errors():
    sc = Scenario.from_dict(__import__("tomllib").loads(SCENARIO))
    grid = design_grid(sc.design, sc.stations)
    assert [g["satellites_per_plane"] for g in grid] == [1, 2]
    with pytest.raises(InputError, match="exactly one of ltan_hours or inclination_deg"):
        design_grid({"inclination_deg": 50.0, "ltan_hours": 1.0}, sc.stations)
    with pytest.raises(InputError, match=r"station_sets.x: station = 'Nowhere' is not"):
        design_grid({"ltan_hours": 1.0, "station_sets": {"x": ["Nowhere"]}}, sc.stations)
    with pytest.raises(InputError, match="\\[design\\]: key 'bogus' is not known"):
        design_grid({"bogus": 1}, sc.stations)
    with pytest.raises(InputError, match=r"\[isl\]: key 'size' is not known"):
        Scenario.from_dict({**__import__("tomllib").loads(SCENARIO), "isl": {"size": 1.0}})


def test_design_cli_writes_pareto_table_and_plot(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(SCENARIO)
    out = tmp_path / "out"
    assert main(["design", str(path), "-o", str(out)]) == 0
    table = pd.read_csv(out / "designs.csv")
    assert list(table["n_satellites"]) == [1, 2]
    assert (table["delivered_bits"] >= 0).all() and table["pareto"].any()
    assert (out / "pareto.png").stat().st_size > 0 and (out / "pareto.parquet").exists()


def test_annual_cli_writes_statistics_and_plot(tmp_path, capsys):
    out = tmp_path / "annual"
    args = ["annual", "design-europe", "--design", "3", "--days", "20", "--samples", "20",
            "--relay-samples", "2", "-o", str(out)]
    assert main(args) == 0
    total = pd.read_csv(out / "stations_total.csv").set_index("station")
    monthly = pd.read_csv(out / "stations_monthly.csv")
    # the year's key is the sum of its months; the 'all' row the sum of the stations
    for name, rows in monthly.groupby("station"):
        assert rows["expected_bits"].sum() == pytest.approx(total.at[name, "expected_bits"],
                                                            abs=len(rows))
    stations = total.drop(index="all")
    assert stations["passes"].sum() == total.at["all", "passes"] > 0
    assert (stations["p10_bits"] <= stations["p90_bits"]).all()
    assert set(pd.read_csv(out / "pairs_total.csv")["demand"]) == {
        "Graz-Matera", "London-Matera", "Tenerife-Graz"}
    assert (out / "annual.png").stat().st_size > 0 and (out / "run.json").exists()
    assert main(["annual", "design-europe", "--design", "99"]) == 2
    assert "design = 99 is outside the range 0 <= design <= 15" in capsys.readouterr().err


def test_bundled_design_scenario_loads_with_its_grid():
    from orbitqkd.design import bundled_design_scenarios, load_design_scenario
    assert "design-europe" in bundled_design_scenarios()
    sc = load_design_scenario("design-europe")
    grid = design_grid(sc.design, sc.stations)
    assert len(grid) == 16 and sc.demands and sc.schedule.night_only


def test_unknown_design_scenario_names_the_design_scenarios(capsys):
    assert main(["annual", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "scenario = 'nosuch'" in err and "bundled design scenarios: design-europe" in err
