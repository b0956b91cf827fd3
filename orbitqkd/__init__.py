"""orbitqkd: satellite QKD pass scheduling and link-budget engine."""

from .errors import (
    DataFileError,
    InputError,
    OrbitQKDError,
    OrbitQKDWarning,
    StaleElementsWarning,
    TLEFormatError,
    UnknownNameError,
)

from .budget import (
    BUDGET_COLUMNS,
    Link,
    Receiver,
    Transmitter,
    link_budget,
    link_preset,
    link_presets,
)
from .passes import PASS_COLUMNS, TRACK_COLUMNS, find_passes, pass_track, pass_tracks
from .stations import GroundStation, bundled_stations, get_station, get_stations, read_stations
from .tle import Satellite, load_satellites, walker_delta

__version__ = "0.1.0"

__all__ = [
    "BUDGET_COLUMNS",
    "Link",
    "Receiver",
    "Transmitter",
    "link_budget",
    "link_preset",
    "link_presets",
    "GroundStation",
    "PASS_COLUMNS",
    "Satellite",
    "TRACK_COLUMNS",
    "bundled_stations",
    "find_passes",
    "get_station",
    "get_stations",
    "load_satellites",
    "pass_track",
    "pass_tracks",
    "read_stations",
    "walker_delta",
    "DataFileError",
    "InputError",
    "OrbitQKDError",
    "OrbitQKDWarning",
    "StaleElementsWarning",
    "TLEFormatError",
    "UnknownNameError",
    "__version__",
]
