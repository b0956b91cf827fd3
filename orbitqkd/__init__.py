"""orbitqkd: satellite QKD pass scheduling and link-budget engine.

The public API: the objects (:mod:`orbitqkd.model`), the chain from element
sets to key, schedules and relays (:mod:`orbitqkd.chain`, which resolves names
once), the network optimisers and the readers and writers of :mod:`orbitqkd.io`.
"""

from .chain import (
    candidate_passes,
    dual_downlink_passes,
    find_passes,
    forecast_scenario,
    keyed_passes,
    link_budget,
    pass_budgets,
    pass_keys,
    pass_track,
    relay_scenario,
    scenario_candidates,
    schedule_scenario,
)
from .core.budget import BUDGET_COLUMNS, LOSS_COLUMNS, LinkBudget
from .core.events import PASS_COLUMNS, TRACK_COLUMNS, Track, pass_tracks
from .core.isl import InterSatelliteLink, isl_contacts
from .core.propagation import (DesignOrbit, circular_orbit, find_passes_refreshed,
                               geostationary_orbit, molniya_orbit, sun_synchronous_orbit,
                               walker_orbits)
from .design import annual_statistics, pareto_front, sweep_designs
from .core.keyrate import BBM92, DecoyBB84, PassKey, accumulate_blocks, dual_downlink_key, pass_key
from .errors import (
    DataFileError,
    InputError,
    OrbitQKDError,
    OrbitQKDWarning,
    StaleElementsWarning,
    TLEFormatError,
    UnknownNameError,
)
from .executors import find_passes_dask
from .io.climate import cloud_free_probability, with_cloud_probability
from .io.exports import contact_plan, passes_to_czml, schedule_json, write_czml
from .io.report import write_forecast
from .io.scenario import SatelliteSpec, Scenario, bundled_scenarios
from .io.stations import bundled_stations, get_station, get_stations, read_stations
from .io.tle import load_satellites
from .model import (
    Demand,
    FibreLink,
    GroundStation,
    Link,
    PassTable,
    Receiver,
    Satellite,
    Transmitter,
    walker_delta,
)
from .network.forecast import forecast_key
from .network.relay import relay_flow
from .network.schedule import ScheduleConfig, rolling_horizon, schedule_passes
from .presets import link_preset, link_presets
from .validate import validate

__version__ = "0.1.0"

__all__ = [
    "BBM92", "BUDGET_COLUMNS", "DataFileError", "DecoyBB84", "Demand", "DesignOrbit",
    "FibreLink", "InterSatelliteLink", "annual_statistics", "circular_orbit",
    "find_passes_refreshed", "geostationary_orbit", "isl_contacts", "molniya_orbit",
    "pareto_front", "sun_synchronous_orbit", "sweep_designs", "walker_orbits",
    "GroundStation", "InputError", "LOSS_COLUMNS", "Link", "LinkBudget", "OrbitQKDError",
    "OrbitQKDWarning", "PASS_COLUMNS", "PassKey", "PassTable", "Receiver", "Satellite",
    "SatelliteSpec", "Scenario", "ScheduleConfig", "StaleElementsWarning", "TLEFormatError",
    "TRACK_COLUMNS", "Track", "Transmitter", "UnknownNameError", "__version__",
    "accumulate_blocks", "bundled_scenarios", "bundled_stations", "candidate_passes",
    "cloud_free_probability", "contact_plan", "dual_downlink_key", "dual_downlink_passes",
    "find_passes", "find_passes_dask", "forecast_key", "forecast_scenario", "get_station",
    "get_stations", "keyed_passes", "link_budget", "link_preset", "link_presets",
    "load_satellites", "pass_budgets", "pass_key", "pass_keys", "pass_track", "pass_tracks",
    "passes_to_czml", "read_stations", "relay_flow", "relay_scenario", "rolling_horizon",
    "scenario_candidates", "schedule_json", "schedule_passes", "schedule_scenario",
    "validate", "walker_delta", "with_cloud_probability", "write_czml", "write_forecast",
]
