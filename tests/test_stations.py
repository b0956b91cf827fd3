import numpy as np
import pytest

from orbitqkd.errors import InputError, UnknownNameError
from orbitqkd.core.orbits import ecef_to_geodetic_altitude_km, geodetic_to_ecef_km
from orbitqkd.io.stations import bundled_stations, get_station, get_stations, read_stations
from orbitqkd.model import GroundStation

REQUIRED = ["Xinglong", "Nanshan", "Delingha", "Lijiang", "Ali", "Graz", "Matera", "Tenerife",
            "Stellenbosch"]


def test_catalogue_has_the_qkd_stations():
    cat = bundled_stations()
    for name in REQUIRED:
        assert name in cat
    assert get_station("matera").aperture_m == 1.5


def test_geodetic_to_ecef_known_point():
    # Equator, prime meridian, sea level: (a, 0, 0); north pole: (0, 0, b), b = 6356.752 km
    assert np.allclose(geodetic_to_ecef_km(0, 0, 0), [6378.137, 0, 0])
    assert np.allclose(geodetic_to_ecef_km(90, 0, 0), [0, 0, 6356.7523142], atol=1e-6)


def test_ecef_to_altitude_inverse():
    lat = np.array([-60.0, 0.0, 40.4, 89.0])
    h_m = np.array([0.0, 500e3, 890.0, 20e6])
    r = geodetic_to_ecef_km(lat, 117.0, h_m)
    assert np.allclose(ecef_to_geodetic_altitude_km(r), h_m / 1000, atol=1e-6)  # 1 mm


def test_horizon_mask_interpolates():
    st = get_station("Herstmonceux")
    # mask 0:15;90:12;180:10;270:15 and floor 15 deg: halfway 90-180 -> max(15, 11) = 15
    assert st.horizon_deg(135.0) == 15.0
    low = GroundStation("X", 50, 0, min_elevation_deg=5, horizon_mask="0:15;90:12;180:10;270:15")
    assert low.horizon_deg([135.0, 315.0, 360.0]) == pytest.approx([11.0, 15.0, 15.0])


def test_bad_station_values():
    with pytest.raises(InputError, match=r"^X: aperture_m = -0.5 is outside the range 0 < X: aperture_m <= 50$"):
        GroundStation("X", 40, 10, aperture_m=-0.5)
    with pytest.raises(InputError, match=r"X: latitude_deg = 91 is outside the range"):
        GroundStation("X", 91, 10)
    with pytest.raises(InputError, match=r"X: horizon_mask = '90-12' is not 'azimuth_deg:elevation_deg'"):
        GroundStation("X", 40, 10, horizon_mask="90-12")


def test_lookup_and_latlon():
    with pytest.raises(UnknownNameError, match=r"station = 'Atlantis' is not known; known stations: Ali"):
        get_station("Atlantis")
    st = get_station("40.4,117.6,890")
    assert (st.latitude_deg, st.longitude_deg, st.altitude_m) == (40.4, 117.6, 890.0)
    with pytest.raises(InputError, match=r"station = 'Graz' is given twice"):
        get_stations(["Graz", "graz"])
    assert len(get_stations("all")) == len(bundled_stations())


def test_user_station_file(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("name,latitude_deg,longitude_deg,altitude_m,aperture_m\nMyOGS,51.5,-0.1,20,0.4\n")
    assert read_stations(path)["MyOGS"].aperture_m == 0.4
    path.write_text("name,latitude_deg,longitude_deg\nBad,abc,1\n")
    with pytest.raises(InputError, match=r"s.csv line 2: latitude_deg = 'abc' is not a number"):
        read_stations(path)
    path.write_text("name,lat\nBad,1\n")
    with pytest.raises(InputError, match=r"lacks column\(s\) latitude_deg, longitude_deg"):
        read_stations(path)
