"""Optical ground stations: the bundled catalogue, user files and ad-hoc sites."""

from __future__ import annotations

import csv
import functools
import io
import os
from pathlib import Path

from ..errors import DataFileError, InputError, UnknownNameError
from ..model import GroundStation
from ..data import data_path
from .tables import read_text_file

STATION_COLUMNS = (
    "name", "full_name", "country", "latitude_deg", "longitude_deg", "altitude_m",
    "aperture_m", "obscuration_ratio", "min_elevation_deg", "horizon_mask", "source",
)


def read_stations(path: str | os.PathLike) -> dict[str, GroundStation]:
    """Read a station catalogue CSV (columns as ``data/stations/*.csv``)."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"stations file = '{path}' does not exist")
    stations: dict[str, GroundStation] = {}
    text = read_text_file(path, "stations file")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames or ()
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(f"stations file = '{path}' is not a CSV table: {exc}") from None
    required = {"name", "latitude_deg", "longitude_deg"}
    missing = required - set(fieldnames)
    if missing:
        raise InputError(
            f"stations file = '{path}' lacks column(s) {', '.join(sorted(missing))}; "
            f"columns are {', '.join(STATION_COLUMNS)}"
        )
    for lineno, row in enumerate(rows, start=2):
        kwargs = {}
        for key, value in row.items():
            if key not in STATION_COLUMNS or not isinstance(value, str) or value == "":
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
        absent = sorted(required - set(kwargs))
        if absent:
            raise InputError(f"{path.name} line {lineno}: {', '.join(absent)} is empty; "
                             "every station needs name, latitude_deg and longitude_deg")
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
