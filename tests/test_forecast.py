import numpy as np
import pandas as pd
import pytest

from orbitqkd.errors import InputError
from orbitqkd.network.forecast import night_index, quantile_bands, sample_clear_sky


def test_night_index_groups_a_night_across_midnight():
    # Xinglong (117.6 E, UTC+7.84 h local mean time): 20:00 and 04:00 local are one night
    t = pd.to_datetime(["2016-12-19T12:10Z", "2016-12-19T20:10Z", "2016-12-20T12:00Z"])
    n = night_index(t, 117.6)
    assert n[0] == n[1] and n[2] == n[1] + 1


def test_shared_draws_and_frequency():
    group = ["A-1", "A-1", "B-1"]
    clear = sample_clear_sky(group, [0.3, 0.3, 0.8], samples=20000, seed=3)
    assert clear.shape == (20000, 3)
    assert (clear[:, 0] == clear[:, 1]).all()
    # binomial standard error sqrt(p(1-p)/n) = 0.0032: 4 sigma
    assert clear[:, 0].mean() == pytest.approx(0.3, abs=0.013)
    assert clear[:, 2].mean() == pytest.approx(0.8, abs=0.012)
    again = sample_clear_sky(group, [0.3, 0.3, 0.8], samples=20000, seed=3)
    assert (again == clear).all()


def test_bad_probability():
    with pytest.raises(InputError, match=r"cloud_free_probability = 1.2 is outside the range 0 <= cloud_free_probability <= 1"):
        sample_clear_sky(["a"], [1.2], samples=10)


def test_quantile_bands_match_numpy():
    v = np.random.default_rng(0).normal(size=(1000, 4))
    b = quantile_bands(v)
    assert set(b) == {"expected", "p10", "p50", "p90"}
    assert np.allclose(b["p90"], np.quantile(v, 0.9, axis=0))


def synthetic_candidates():
    # two stations, two nights; hand-made keys and cloud-free probabilities
    t = pd.to_datetime(["2016-12-19T15:00Z", "2016-12-19T18:00Z", "2016-12-20T15:00Z",
                        "2016-12-19T20:00Z"])
    return pd.DataFrame({
        "satellite": ["S", "S", "S", "S"], "norad_id": 1, "station": ["Xinglong", "Xinglong", "Xinglong", "Graz"],
        "rise_utc": t, "culmination_utc": t + pd.Timedelta(minutes=3),
        "set_utc": t + pd.Timedelta(minutes=6), "duration_s": 360.0, "dark": True,
        "max_elevation_deg": 60.0, "min_range_km": 600.0, "sun_elevation_deg": -30.0,
        "key_bits": [1e6, 2e6, 3e6, 4e6], "cloud_free_probability": [0.5, 0.5, 0.8, 0.25],
    })


def test_forecast_expected_key_and_bands():
    from orbitqkd.network.forecast import forecast_key
    from orbitqkd.io.stations import get_stations

    st = get_stations(["Xinglong", "Graz"])
    f = forecast_key(synthetic_candidates(), st, samples=20000, relay_samples=0, seed=1)
    t = f["stations"].set_index(["date", "station"])
    # one night at Xinglong holds both 19 Dec passes: all-or-nothing 3 Mbit with p = 0.5
    x = t.loc[("2016-12-19", "Xinglong")]
    assert x.expected_bits == pytest.approx(1.5e6, rel=0.03)  # 3 sigma of the binomial mean
    assert x.p10_bits == 0 and x.p90_bits == 3e6 and x.served_passes == 2
    g = t.loc[("2016-12-19", "Graz")]
    assert g.expected_bits == pytest.approx(1e6, rel=0.06)
    assert (t.p10_bits <= t.p50_bits).all() and (t.p50_bits <= t.p90_bits).all()
    again = forecast_key(synthetic_candidates(), st, samples=20000, relay_samples=0, seed=1)
    pd.testing.assert_frame_equal(again["stations"], f["stations"])


def test_forecast_pairs_through_the_satellite():
    from orbitqkd.network.forecast import forecast_key
    from orbitqkd.model import Demand
    from orbitqkd.io.stations import get_stations

    c = synthetic_candidates()
    c["cloud_free_probability"] = 1.0
    st = get_stations(["Xinglong", "Graz"])
    f = forecast_key(c, st, demands=[Demand("Xinglong", "Graz")], samples=4, relay_samples=4)
    pairs = f["pairs"]
    # clear skies: Xinglong shares 1 + 2 + 3 Mbit with the satellite, Graz 4 Mbit; the
    # satellite as trusted relay delivers min(6, 4) = 4 Mbit over the two days
    assert pairs.p50_bits.sum() == pytest.approx(4e6)
    assert (pairs.p10_bits == pairs.p90_bits).all()  # no clouds, no spread


def test_write_forecast_files(tmp_path):
    from orbitqkd.network.forecast import forecast_key
    from orbitqkd.io.report import write_forecast
    from orbitqkd.model import Demand
    from orbitqkd.io.stations import get_stations

    st = get_stations(["Xinglong", "Graz"])
    f = forecast_key(synthetic_candidates(), st, demands=[Demand("Xinglong", "Graz")],
                     samples=50, relay_samples=5)
    paths = write_forecast(f, tmp_path, notes="test")
    names = sorted(p.name for p in paths)
    assert "report.html" in names and "forecast.png" in names and "pairs.parquet" in names
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html and "Xinglong-Graz" in html
    assert pd.read_parquet(tmp_path / "stations.parquet").shape[0] == 3
    with pytest.raises(InputError, match=r"output directory = '.*nope' does not exist"):
        write_forecast(f, tmp_path / "nope")


def test_nan_key_is_refused():
    from orbitqkd.network.forecast import forecast_key
    from orbitqkd.io.stations import get_stations

    c = synthetic_candidates()
    c.loc[1, "key_bits"] = np.nan
    with pytest.raises(InputError, match=r"key_bits = nan is outside the range key_bits >= 0"):
        forecast_key(c, get_stations(["Xinglong", "Graz"]), samples=10, relay_samples=0)


def test_reused_routes_give_the_bands_of_solving_every_draw():
    """Draws that clear the same passes are routed once; the bands are those of every draw."""
    from orbitqkd import Scenario
    from orbitqkd.chain import scenario_candidates
    from orbitqkd.network.forecast import forecast_key

    sc = Scenario.from_toml("china-austria")
    c = scenario_candidates(sc).table
    runs = [forecast_key(c, list(sc.stations), config=sc.schedule, fibre_links=sc.fibre_links,
                         demands=sc.demands, key_store_bits=sc.key_store_bits, samples=60,
                         relay_samples=60, relay_objective=sc.relay_objective, start=sc.start,
                         days=sc.days, reuse_routes=reuse)
            for reuse in (True, False)]
    pd.testing.assert_frame_equal(runs[0]["pairs"], runs[1]["pairs"])
    assert runs[0]["pairs"]["p90_bits"].gt(runs[0]["pairs"]["p10_bits"]).any()  # clouds matter
