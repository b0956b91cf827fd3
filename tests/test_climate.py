"""Cloud climatology: bundled table, lookups, user files and forecasts, error messages."""

import numpy as np
import pytest

from orbitqkd.io.climate import bundled_climatology, cloud_free_probability, read_climatology
from orbitqkd.data import data_path
from orbitqkd.errors import DataFileError, InputError, UnknownNameError
from orbitqkd.io.stations import bundled_stations


def test_bundled_covers_every_station_and_month():
    df = bundled_climatology()
    assert set(df.station) == set(bundled_stations())
    assert all(sorted(g) == list(range(1, 13)) for _, g in df.groupby("station").month)
    assert df.cloud_free_probability.between(0, 1).all()
    # every value says where it came from, and estimates say so
    assert df.source.str.len().gt(20).all()
    assert df.source.str.startswith("estimate").all()


def test_bundled_values_follow_published_seasonality():
    # Xinglong: worst in July-August, best in winter (Yao et al. 2012, RAA 12, 772)
    x = cloud_free_probability("Xinglong", np.arange(1, 13))
    assert x.argmin() in (6, 7) and x[11] > 2 * x[6]
    # Ali: clear nights near 60 % a year (Qian et al. 2024, MNRAS, stae582)
    assert cloud_free_probability("Ali", np.arange(1, 13)).mean() == pytest.approx(0.6, abs=0.08)
    # Tenerife above the inversion: summer clearest, annual 0.62-0.80 (La Palma 62.6-71.9 %)
    t = cloud_free_probability("Tenerife", np.arange(1, 13))
    assert t[6] > t[0] and 0.62 <= t.mean() <= 0.80


def test_scalar_array_and_shape():
    v = cloud_free_probability("Graz", 3)
    assert isinstance(v, float)
    arr = cloud_free_probability("Graz", np.array([[1, 2], [3, 4]]))
    assert arr.shape == (2, 2) and arr[1, 0] == v
    assert cloud_free_probability("graz", 3) == v  # case-insensitive
    assert cloud_free_probability(bundled_stations()["Graz"], 3) == v  # GroundStation accepted
    assert cloud_free_probability("Graz", date="2026-03-19") == v
    d = cloud_free_probability("Graz", date=["2026-01-05", "2026-03-19"])
    assert d.shape == (2,) and d[1] == v


def test_unknown_station_lists_known():
    with pytest.raises(UnknownNameError, match=r"^station = 'Atlantis' has no cloud climatology; "
                                                r"known stations: Xinglong, Nanshan, .*Hefei, Beijing$"):
        cloud_free_probability("Atlantis", 1)


def test_bad_months_and_arguments():
    with pytest.raises(InputError, match=r"^month = 13 is outside the range 1 <= month <= 12$"):
        cloud_free_probability("Graz", [1, 13])
    with pytest.raises(InputError, match=r"^month = 2.5 is not a whole month"):
        cloud_free_probability("Graz", 2.5)
    with pytest.raises(InputError, match="give exactly one of month or date"):
        cloud_free_probability("Graz")
    with pytest.raises(InputError, match=r"^date = 'soon' is not a date"):
        cloud_free_probability("Graz", date="soon")


def write(tmp_path, text, name="clim.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_user_file_overrides_monthly_and_adds_stations(tmp_path):
    path = write(tmp_path, "station,month,cloud_free_probability\nGraz,3,0.9\nMyStation,3,0.25\n")
    assert cloud_free_probability("Graz", 3, source=path) == 0.9
    assert cloud_free_probability("Graz", 4, source=path) == cloud_free_probability("Graz", 4)
    assert cloud_free_probability("MyStation", 3, source=path) == 0.25
    with pytest.raises(InputError, match=r"'MyStation' has no cloud-free probability for month 4"):
        cloud_free_probability("MyStation", [3, 4], source=path)
    # the bundled table is untouched
    assert cloud_free_probability("Graz", 3) != 0.9


def test_daily_forecast_overrides_monthly(tmp_path):
    path = write(tmp_path, "station,month,cloud_free_probability,date\n"
                           "Graz,3,0.05,2026-03-19\nGraz,3,0.95,2026-03-20\n")
    monthly = cloud_free_probability("Graz", 3)
    got = cloud_free_probability("Graz", date=["2026-03-18", "2026-03-19", "2026-03-20T23:00"],
                                 source=path)
    np.testing.assert_array_equal(got, [monthly, 0.05, 0.95])
    # month lookups ignore forecasts
    assert cloud_free_probability("Graz", 3, source=path) == monthly


def test_file_errors_name_file_and_line(tmp_path):
    bad_p = write(tmp_path, "station,month,cloud_free_probability\nGraz,1,0.5\nGraz,2,1.3\n", "p.csv")
    with pytest.raises(InputError, match=r"^p.csv line 3: cloud_free_probability = 1.3 is outside "
                                         r"the range 0 <= cloud_free_probability <= 1$"):
        read_climatology(bad_p)
    with pytest.raises(InputError, match=r"^p.csv line 3"):
        cloud_free_probability("Graz", 1, source=bad_p)
    neg = write(tmp_path, "station,month,cloud_free_probability\nGraz,1,-0.1\n", "n.csv")
    with pytest.raises(InputError, match=r"^n.csv line 2: cloud_free_probability = -0.1"):
        read_climatology(neg)
    text = write(tmp_path, "station,month,cloud_free_probability\nGraz,1,clear\n", "t.csv")
    with pytest.raises(InputError, match=r"^t.csv line 2: cloud_free_probability = 'clear'"):
        read_climatology(text)
    month = write(tmp_path, "station,month,cloud_free_probability\nGraz,0,0.5\n", "m.csv")
    with pytest.raises(InputError, match=r"^m.csv line 2: month = 0 is outside the range"):
        read_climatology(month)
    cols = write(tmp_path, "station,prob\nGraz,0.5\n", "c.csv")
    with pytest.raises(InputError, match=r"^c.csv: missing columns month, cloud_free_probability"):
        read_climatology(cols)
    dup = write(tmp_path, "station,month,cloud_free_probability\nGraz,1,0.5\nGraz,1,0.6\n", "d.csv")
    with pytest.raises(InputError, match=r"^d.csv line 3: a second monthly value for Graz month 1"):
        read_climatology(dup)
    date = write(tmp_path, "station,month,cloud_free_probability,date\nGraz,2,0.5,2026-03-01\n", "x.csv")
    with pytest.raises(InputError, match=r"^x.csv line 2: month = 2 does not match date"):
        read_climatology(date)
    with pytest.raises(DataFileError, match="does not exist"):
        cloud_free_probability("Graz", 1, source=tmp_path / "none.csv")


def test_user_file_reread_after_change(tmp_path):
    import os

    path = write(tmp_path, "station,month,cloud_free_probability\nGraz,3,0.9\n")
    assert cloud_free_probability("Graz", 3, source=path) == 0.9
    path.write_text("station,month,cloud_free_probability\nGraz,3,0.1\n")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert cloud_free_probability("Graz", 3, source=path) == 0.1


def test_bundled_file_resolves():
    assert data_path("climate", "cloud_free_monthly.csv").is_file()
    assert (data_path("climate", "README.md")).is_file()
