"""Weather in: hourly cloud series and cloud draws correlated between stations."""

import numpy as np
import pandas as pd
import pytest

from orbitqkd.errors import InputError
from orbitqkd.io.weather import bundled_weather, read_weather, weather_cloud_free, with_weather
from orbitqkd.network.clouds import correlated_clear_sky, great_circle_km, station_correlation


def test_bundled_sample_is_two_typical_years():
    w = bundled_weather()
    assert set(w.station) == {"Greensboro", "Sand Point"}
    assert (w.groupby("station").size() == 8760).all()
    assert w.cloud_free_probability.between(0, 1).all()
    # NREL TMY3 opaque sky cover: Greensboro averages 4.8 tenths, Sand Point 7.0
    mean = w.groupby("station").cloud_free_probability.mean()
    assert mean["Greensboro"] == pytest.approx(1 - 0.481, abs=0.001)
    assert mean["Sand Point"] == pytest.approx(1 - 0.698, abs=0.001)


def test_typical_year_lookup_by_hour_of_year():
    w = bundled_weather()
    # the first Greensboro hour of the file: 1 Jan 1988, 00:00-01:00 EST = 05:30 UTC, 10 tenths
    v = weather_cloud_free(w, "Greensboro", ["2031-01-01T05:30Z", "2031-01-01T05:10Z"],
                           typical_year=True)
    assert v.tolist() == [0.0, 0.0]
    assert np.isnan(weather_cloud_free(w, "Graz", ["2031-01-01T05:30Z"], typical_year=True))[0]
    # by time (not a typical year): only within an hour of a sample
    exact = weather_cloud_free(w, "Greensboro", ["1988-01-01T05:30Z", "2031-01-01T05:30Z"])
    assert exact[0] == 0.0 and np.isnan(exact[1])


def test_with_weather_replaces_climatology_where_it_has_data():
    passes = pd.DataFrame({"station": ["Greensboro", "Graz"],
                           "culmination_utc": pd.to_datetime(["2031-07-01T04:00Z"] * 2),
                           "cloud_free_probability": [0.5, 0.5]})
    out = with_weather(passes, bundled_weather(), typical_year=True)
    assert out.cloud_source.tolist() == ["weather", "climatology"]
    assert out.cloud_free_probability.iloc[1] == 0.5
    july = weather_cloud_free(bundled_weather(), "Greensboro", ["2031-07-01T04:00Z"],
                              typical_year=True)[0]
    assert out.cloud_free_probability.iloc[0] == july


def test_bad_weather_files_are_one_line_errors(tmp_path):
    bad = tmp_path / "w.csv"
    bad.write_text("station,time_utc,opaque_cloud_tenths\nA,2021-01-01T00:00Z,11\n")
    with pytest.raises(InputError, match=r"^w.csv line 2: cloud value is outside the range"):
        read_weather(bad)
    bad.write_text("station,time_utc,cloud_free_probability\nA,yesterday,0.5\n")
    with pytest.raises(InputError, match=r"^w.csv line 2: time_utc = 'yesterday' is not"):
        read_weather(bad)
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError, match=r"^weather file = 'w.csv'"):
        read_weather(bad)


def test_correlated_draws_keep_marginals_and_correlate_nearby_stations():
    # Xinglong and a station 150 km away, both 50 % cloud-free, one pass each per night.
    lat, lon = np.array([40.40, 39.90]), np.array([117.58, 116.00])
    d = great_circle_km(lat[0], lon[0], lat[1], lon[1])
    rho = np.exp(-d / 300.0)
    assert station_correlation(lat, lon)[0, 1] == pytest.approx(rho)
    nights = np.repeat(np.arange(50), 2)
    sta = np.tile([0, 1], 50)
    clear = correlated_clear_sky(sta, nights, np.full(100, 0.5), lat, lon, samples=400, seed=1)
    assert clear.mean() == pytest.approx(0.5, abs=0.01)  # 40,000 outcomes: 3 sigma = 0.0075
    both = (clear[:, ::2] & clear[:, 1::2]).mean()
    # bivariate normal orthant: P(both) = 1/4 + arcsin(rho) / (2 pi) (Sheppard's formula)
    assert both == pytest.approx(0.25 + np.arcsin(rho) / (2 * np.pi), abs=0.01)
    independent = correlated_clear_sky(sta, nights, np.full(100, 0.5), lat, lon, samples=400,
                                       seed=1, correlation_length_km=0.0)
    assert (independent[:, ::2] & independent[:, 1::2]).mean() == pytest.approx(0.25, abs=0.01)


def test_forecast_with_real_weather_differs_from_climatology():
    # us-east-weather: the bundled TMY3 typical year covers Greensboro, not Raleigh.
    from orbitqkd import Scenario, forecast_scenario

    sc = Scenario.from_toml("us-east-weather")
    clim = forecast_scenario(sc, samples=100, relay_samples=20)
    wx = forecast_scenario(sc, samples=100, relay_samples=20, weather=bundled_weather(),
                           typical_year=True)
    sources = wx["candidates"].table.groupby("station").cloud_source.agg(set)
    assert sources["Greensboro"] == {"weather"} and sources["Raleigh"] == {"climatology"}
    key = ["station", "culmination_utc"]
    assert not clim["schedule"].served[key].equals(wx["schedule"].served[key])
    # every date of the 3-day span is listed for the pair, with the probability its
    # 10 kbit/day demand is met
    pairs = wx["pairs"]
    assert list(pairs.date) == ["2025-01-06", "2025-01-07", "2025-01-08"]
    assert pairs.p_demand_met.between(0, 1).all() and (pairs.demand_bits == 1e4).all()


def _tmy_grid(path, *, era5=False, raleigh=np.nan):
    """A cloud-cover grid over North Carolina holding, in Greensboro's cell, the bundled TMY3
    opaque cover of Greensboro; the other cells hold other values (``raleigh`` in Raleigh's)."""
    xr = pytest.importorskip("xarray")
    w = bundled_weather()
    g = w[w.station == "Greensboro"].drop_duplicates("time_utc").sort_values("time_utc")
    times = pd.DatetimeIndex(g["time_utc"]).tz_convert(None).to_numpy()
    lats = np.array([35.5, 36.0, 36.5])
    lons = np.array([-80.5, -80.0, -79.5, -79.0, -78.5])
    rng = np.random.default_rng(1)
    cover = rng.uniform(0, 1, (len(times), len(lats), len(lons)))
    cover[:, 1, 1] = 1.0 - g["cloud_free_probability"].to_numpy()  # Greensboro 36.1 N 79.95 W
    cover[:, 1, 4] = raleigh  # Raleigh 35.78 N 78.64 W
    lon_name, time_name = ("longitude", "valid_time") if era5 else ("lon", "time")
    da = xr.DataArray(cover, dims=(time_name, "latitude", lon_name),
                      coords={time_name: times, "latitude": lats,
                              lon_name: lons % 360 if era5 else lons})
    if era5:  # ERA5 files from the CDS carry an ensemble dimension of length 1
        da = da.expand_dims(number=[0], axis=1)
    da.to_dataset(name="tcc").to_netcdf(path, engine="h5netcdf")
    return g


@pytest.mark.parametrize("era5", [False, True])
def test_gridded_weather_samples_each_stations_nearest_cell(tmp_path, era5):
    from orbitqkd import Scenario

    sc = Scenario.from_toml("us-east-weather")
    g = _tmy_grid(tmp_path / "tcc.nc", era5=era5, raleigh=0.25)
    got = read_weather(tmp_path / "tcc.nc", stations=sc.stations)
    gb = got[got.station == "Greensboro"]
    np.testing.assert_allclose(gb["cloud_free_probability"], g["cloud_free_probability"],
                               atol=1e-12)
    assert (gb["time_utc"].to_numpy() == g["time_utc"].to_numpy()).all()
    rl = got[got.station == "Raleigh"]
    assert np.allclose(rl["cloud_free_probability"], 0.75)
    assert (rl["latitude_deg"].iloc[0], rl["longitude_deg"].iloc[0] % 360) == (36.0, 281.5)


def test_gridded_weather_forecast_equals_the_same_values_from_csv(tmp_path):
    """The NetCDF path and the CSV path give the same forecast for the same cloud series."""
    from orbitqkd import Scenario, forecast_scenario

    sc = Scenario.from_toml("us-east-weather")
    _tmy_grid(tmp_path / "tcc.nc")  # Raleigh's cell empty: Raleigh keeps its climatology
    grid = read_weather(tmp_path / "tcc.nc", stations=sc.stations)
    assert set(grid.station) == {"Greensboro"}
    runs = [forecast_scenario(sc, samples=50, relay_samples=5, weather=w, typical_year=True)
            for w in (grid, bundled_weather())]
    pd.testing.assert_frame_equal(runs[0]["stations"], runs[1]["stations"])


def test_bad_gridded_weather_is_one_line(tmp_path):
    xr = pytest.importorskip("xarray")
    from orbitqkd import GroundStation, Scenario

    sc = Scenario.from_toml("us-east-weather")
    _tmy_grid(tmp_path / "a.nc")
    with pytest.raises(InputError, match="is gridded: give the stations"):
        read_weather(tmp_path / "a.nc")
    far = GroundStation("Graz", 47.07, 15.49, 500.0, aperture_m=1.5)
    with pytest.raises(InputError, match="'Graz' .* lies outside the grid of 'a.nc'"):
        read_weather(tmp_path / "a.nc", stations=[far])
    t = pd.date_range("2025-01-06", periods=3, freq="h")
    xr.DataArray(np.full((3, 1, 1), 80.0), dims=("time", "lat", "lon"),
                 coords={"time": t, "lat": [36.0], "lon": [-80.0]}).to_dataset(
        name="tcc").to_netcdf(tmp_path / "pct.nc", engine="h5netcdf")
    with pytest.raises(InputError, match="tcc = 80 is outside 0-1"):
        read_weather(tmp_path / "pct.nc", stations=sc.stations[:1])
    xr.Dataset({"rain": (("time",), np.zeros(3))}, coords={"time": t, "lat": [1.0],
                                                          "lon": [1.0]}).to_netcdf(
        tmp_path / "rain.nc", engine="h5netcdf")
    with pytest.raises(InputError, match="no cloud variable"):
        read_weather(tmp_path / "rain.nc", stations=sc.stations)
    (tmp_path / "junk.nc").write_text("not netcdf")
    with pytest.raises(InputError, match="not a NetCDF file"):
        read_weather(tmp_path / "junk.nc", stations=sc.stations)


def test_forecast_cli_reads_gridded_weather(tmp_path, capsys):
    from orbitqkd.cli import main

    _tmy_grid(tmp_path / "tcc.nc", era5=True)
    code = main(["forecast", "us-east-weather", "--weather", str(tmp_path / "tcc.nc"),
                 "--typical-year", "--samples", "20", "--relay-samples", "2", "--format", "csv"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Greensboro" in out
    code = main(["forecast", "us-east-weather", "--weather", str(tmp_path / "tcc.nc"),
                 "--start", "2025-01-06", "--days", "1", "--samples", "20", "--relay-samples", "2"])
    assert code == 0  # no typical year: no hour of 2025 in the grid, the climatology holds


def test_gridded_weather_without_xarray_names_the_extra(tmp_path, monkeypatch):
    import sys

    from orbitqkd import Scenario

    _tmy_grid(tmp_path / "tcc.nc")
    monkeypatch.setitem(sys.modules, "xarray", None)  # import xarray now raises ImportError
    with pytest.raises(InputError, match=r"needs xarray: .* install 'orbitqkd\[weather\]'"):
        read_weather(tmp_path / "tcc.nc", stations=Scenario.from_toml("us-east-weather").stations)
