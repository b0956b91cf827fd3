"""Optical ground stations: the bundled catalogue, user files and ad-hoc sites."""

from __future__ import annotations

import csv
import dataclasses
import functools
import os
from pathlib import Path

import numpy as np

from ..constants import WGS84_A_KM, WGS84_E2
from .data import data_path
from ..errors import DataFileError, InputError, UnknownNameError, check_range

STATION_COLUMNS = (
    "name", "full_name", "country", "latitude_deg", "longitude_deg", "altitude_m",
    "aperture_m", "obscuration_ratio", "min_elevation_deg", "horizon_mask", "source",
)


def _parse_mask(text: str, field: str) -> tuple[tuple[float, float], ...]:
    """Parse ``"az:el;az:el"`` (degrees) into sorted (azimuth_deg, elevation_deg) pairs."""
    text = (text or "").strip()
    if not text:
        return ()
    points = []
    for item in text.split(";"):
        try:
            az, el = (float(v) for v in item.split(":"))
        except ValueError:
            raise InputError(
                f"{field} = {item!r} is not 'azimuth_deg:elevation_deg' (e.g. '90:12')"
            ) from None
        check_range(f"{field} azimuth_deg", az, 0.0, 360.0, high_inclusive=False)
        check_range(f"{field} elevation_deg", el, -5.0, 90.0)
        points.append((az, el))
    return tuple(sorted(points))


@dataclasses.dataclass(frozen=True, slots=True)
class GroundStation:
    """An optical ground station.

    Parameters
    ----------
    name : str
        Short unique name (``"Xinglong"``).
    latitude_deg, longitude_deg : float
        WGS 84 geodetic latitude and longitude [deg], east positive.
    altitude_m : float
        Height above the WGS 84 ellipsoid [m].
    aperture_m : float
        Receiving telescope clear aperture diameter [m].
    obscuration_ratio : float
        Central obscuration diameter as a fraction of ``aperture_m`` [0-1).
    min_elevation_deg : float
        Lowest elevation the station observes [deg].
    horizon_mask : tuple of (azimuth_deg, elevation_deg)
        Local horizon, linearly interpolated in azimuth; it raises the floor set
        by ``min_elevation_deg`` where higher.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0
    aperture_m: float = 1.0
    obscuration_ratio: float = 0.0
    min_elevation_deg: float = 10.0
    horizon_mask: tuple = ()
    full_name: str = ""
    country: str = ""
    source: str = ""

    def __post_init__(self):
        if not str(self.name).strip():
            raise InputError("station name = '' is empty; give a name")
        check_range(f"{self.name}: latitude_deg", self.latitude_deg, -90.0, 90.0)
        check_range(f"{self.name}: longitude_deg", self.longitude_deg, -180.0, 360.0,
                    high_inclusive=False)
        check_range(f"{self.name}: altitude_m", self.altitude_m, -500.0, 9000.0)
        check_range(f"{self.name}: aperture_m", self.aperture_m, 0.0, 50.0, low_inclusive=False)
        check_range(f"{self.name}: obscuration_ratio", self.obscuration_ratio, 0.0, 1.0,
                    high_inclusive=False)
        check_range(f"{self.name}: min_elevation_deg", self.min_elevation_deg, -5.0, 90.0,
                    high_inclusive=False)
        if isinstance(self.horizon_mask, str):
            object.__setattr__(self, "horizon_mask",
                               _parse_mask(self.horizon_mask, f"{self.name}: horizon_mask"))
        else:
            object.__setattr__(self, "horizon_mask", tuple(
                (float(a), float(e)) for a, e in self.horizon_mask))

    @classmethod
    def from_latlon_string(cls, text: str, **kwargs) -> "GroundStation":
        """Build a station from ``"lat,lon[,alt_m]"`` (degrees, metres).

        >>> GroundStation.from_latlon_string("40.4,117.6,890").altitude_m
        890.0
        """
        parts = [p.strip() for p in text.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) not in (2, 3):
            raise InputError(
                f"station = {text!r} is neither a known station nor 'lat_deg,lon_deg[,alt_m]'"
            )
        lat, lon = values[:2]
        alt = values[2] if len(values) == 3 else 0.0
        name = kwargs.pop("name", f"{lat:.4f},{lon:.4f}")
        return cls(name=name, latitude_deg=lat, longitude_deg=lon, altitude_m=alt, **kwargs)

    def ecef_km(self) -> np.ndarray:
        """Earth-fixed (ITRS) position [km], WGS 84 geodetic to Cartesian."""
        return geodetic_to_ecef_km(self.latitude_deg, self.longitude_deg, self.altitude_m)

    def horizon_deg(self, azimuth_deg) -> np.ndarray:
        """Elevation floor [deg] at ``azimuth_deg``: the mask or ``min_elevation_deg``."""
        az = np.asarray(azimuth_deg, dtype=float)
        floor = np.full(az.shape, float(self.min_elevation_deg))
        if self.horizon_mask:
            pts = np.array(self.horizon_mask)
            mask = np.interp(az % 360.0, pts[:, 0], pts[:, 1], period=360.0)
            floor = np.maximum(floor, mask)
        return floor

    def to_row(self) -> dict:
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row["horizon_mask"] = ";".join(f"{a:g}:{e:g}" for a, e in self.horizon_mask)
        return row


def geodetic_to_ecef_km(latitude_deg, longitude_deg, altitude_m) -> np.ndarray:
    """WGS 84 geodetic coordinates to Earth-fixed Cartesian [km], shape (..., 3).

    References
    ----------
    NIMA TR8350.2 (2000), Eq. 4-14.
    """
    lat = np.radians(latitude_deg)
    lon = np.radians(longitude_deg)
    h_km = np.asarray(altitude_m, dtype=float) / 1000.0
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)  # prime vertical radius
    x = (n + h_km) * np.cos(lat) * np.cos(lon)
    y = (n + h_km) * np.cos(lat) * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + h_km) * np.sin(lat)
    return np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def ecef_to_geodetic_altitude_km(r_km) -> np.ndarray:
    """Height above the WGS 84 ellipsoid [km] of Earth-fixed positions (..., 3).

    Bowring's method with two iterations (Bowring 1976, Survey Review 23, 323),
    accurate to millimetres from the ground to GEO.
    """
    r = np.asarray(r_km, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    p = np.hypot(x, y)
    b = WGS84_A_KM * np.sqrt(1.0 - WGS84_E2)
    ep2 = WGS84_E2 / (1.0 - WGS84_E2)
    lat = np.arctan2(z, p * (1.0 - WGS84_E2))
    for _ in range(2):
        beta = np.arctan2(b * np.sin(lat), WGS84_A_KM * np.cos(lat))
        lat = np.arctan2(z + ep2 * b * np.sin(beta) ** 3, p - WGS84_E2 * WGS84_A_KM * np.cos(beta) ** 3)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)
    cos_lat = np.cos(lat)
    return np.where(np.abs(cos_lat) > 1e-9, p / np.where(cos_lat == 0, 1, cos_lat) - n,
                    np.abs(z) - b)


def read_stations(path: str | os.PathLike) -> dict[str, GroundStation]:
    """Read a station catalogue CSV (columns as ``data/stations/*.csv``)."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"stations file = '{path}' does not exist")
    stations: dict[str, GroundStation] = {}
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        required = {"name", "latitude_deg", "longitude_deg"}
        missing = required - set(reader.fieldnames or ())
        if missing:
            raise InputError(
                f"stations file = '{path}' lacks column(s) {', '.join(sorted(missing))}; "
                f"columns are {', '.join(STATION_COLUMNS)}"
            )
        for lineno, row in enumerate(reader, start=2):
            kwargs = {}
            for key, value in row.items():
                if key not in STATION_COLUMNS or value is None or value == "":
                    continue
                if key in ("latitude_deg", "longitude_deg", "altitude_m", "aperture_m",
                           "obscuration_ratio", "min_elevation_deg"):
                    try:
                        value = float(value)
                    except ValueError:
                        raise InputError(
                            f"{path.name} line {lineno}: {key} = {value!r} is not a number"
                        ) from None
                kwargs[key] = value
            try:
                station = GroundStation(**kwargs)
            except InputError as exc:
                raise InputError(f"{path.name} line {lineno}: {exc}") from None
            stations[station.name] = station
    return stations


@functools.lru_cache(maxsize=1)
def bundled_stations() -> dict[str, GroundStation]:
    """The bundled catalogue of optical ground stations, by name."""
    return read_stations(data_path("stations", "optical_ground_stations.csv"))


def get_station(name_or_latlon: str | GroundStation,
                catalogue: dict[str, GroundStation] | None = None) -> GroundStation:
    """Look up a station by name (case-insensitive) or parse ``"lat,lon[,alt_m]"``.

    >>> get_station("xinglong").aperture_m
    1.0
    """
    if isinstance(name_or_latlon, GroundStation):
        return name_or_latlon
    catalogue = bundled_stations() if catalogue is None else catalogue
    key = str(name_or_latlon).strip()
    by_lower = {k.lower(): v for k, v in catalogue.items()}
    if key.lower() in by_lower:
        return by_lower[key.lower()]
    if any(c.isdigit() for c in key) and "," in key:
        return GroundStation.from_latlon_string(key)
    raise UnknownNameError(
        f"station = {key!r} is not known; known stations: {', '.join(sorted(catalogue))}"
        " (or give 'lat_deg,lon_deg[,alt_m]')"
    )


def get_stations(names, catalogue: dict[str, GroundStation] | None = None) -> list[GroundStation]:
    """Resolve several station names; ``None`` or ``"all"`` means the whole catalogue."""
    catalogue = bundled_stations() if catalogue is None else catalogue
    if names is None or (isinstance(names, str) and names.lower() == "all"):
        return list(catalogue.values())
    if isinstance(names, (str, GroundStation)):
        names = [names]
    out = [get_station(n, catalogue) for n in names]
    seen = set()
    for s in out:
        if s.name in seen:
            raise InputError(f"station = {s.name!r} is given twice; name each station once")
        seen.add(s.name)
    return out
