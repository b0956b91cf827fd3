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

from .core.budget import (
    BUDGET_COLUMNS,
    Link,
    Receiver,
    Transmitter,
    link_budget,
    link_preset,
    link_presets,
)
from .io.climate import cloud_free_probability
from .io.exports import contact_plan, passes_to_czml, schedule_json, write_czml
from .network.forecast import forecast_key, forecast_scenario, with_cloud_probability, write_forecast
from .core.keyrate import BBM92, DecoyBB84, PassKey, accumulate_blocks, dual_downlink_key, pass_key
from .core.events import PASS_COLUMNS, TRACK_COLUMNS, find_passes, pass_track, pass_tracks
from .chain import (
    candidate_passes,
    pass_budgets,
    pass_keys,
    relay_scenario,
    scenario_candidates,
    schedule_scenario,
)
from .network.relay import Demand, FibreLink, relay_flow
from .io.scenario import SatelliteSpec, Scenario, bundled_scenarios
from .executors import find_passes_dask
from .network.schedule import ScheduleConfig, rolling_horizon, schedule_passes
from .io.stations import GroundStation, bundled_stations, get_station, get_stations, read_stations
from .io.tle import Satellite, load_satellites, walker_delta

__version__ = "0.1.0"

__all__ = [
    "BBM92",
    "DecoyBB84",
    "Demand",
    "FibreLink",
    "PassKey",
    "ScheduleConfig",
    "accumulate_blocks",
    "candidate_passes",
    "cloud_free_probability",
    "contact_plan",
    "dual_downlink_key",
    "find_passes_dask",
    "forecast_key",
    "forecast_scenario",
    "SatelliteSpec",
    "Scenario",
    "bundled_scenarios",
    "relay_scenario",
    "scenario_candidates",
    "schedule_scenario",
    "pass_budgets",
    "pass_key",
    "pass_keys",
    "passes_to_czml",
    "relay_flow",
    "rolling_horizon",
    "schedule_json",
    "schedule_passes",
    "with_cloud_probability",
    "write_czml",
    "write_forecast",
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
