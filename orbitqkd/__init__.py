"""orbitqkd: satellite QKD pass scheduling and link-budget engine.

The public API: the objects (:mod:`orbitqkd.model`), the chain from element
sets to key, schedules and relays (:mod:`orbitqkd.chain`, which resolves names
once), the network optimisers and the readers and writers of :mod:`orbitqkd.io`.
"""

import importlib

# Public names and the module that defines each. They are imported on first
# use (PEP 562 module __getattr__), so ``import orbitqkd`` does not load
# pandas, scipy or matplotlib until a name that needs them is touched.
_WHERE = {
    ".chain": (
        "candidate_passes", "dual_downlink_passes", "find_passes", "forecast_scenario",
        "keyed_passes", "link_budget", "pass_budgets", "pass_keys", "pass_slots", "pass_track",
        "relay_scenario", "scenario_candidates", "schedule_for_demand", "schedule_scenario",
    ),
    ".core.budget": (
        "BUDGET_COLUMNS", "LOSS_COLUMNS", "LinkBudget",
    ),
    ".core.events": (
        "PASS_COLUMNS", "TRACK_COLUMNS", "Track", "pass_tracks",
    ),
    ".core.isl": (
        "InterSatelliteLink", "isl_contacts",
    ),
    ".core.propagation": (
        "DesignOrbit", "circular_orbit", "find_passes_refreshed", "geostationary_orbit",
        "molniya_orbit", "sun_synchronous_orbit", "walker_orbits",
    ),
    ".design": (
        "annual_statistics", "design_annual_statistics", "pareto_front", "sweep_designs",
    ),
    ".core.keyrate": (
        "BBM92", "DecoyBB84", "PassKey", "accumulate_blocks", "dual_downlink_key", "pass_key",
    ),
    ".errors": (
        "DataFileError", "InputError", "OrbitQKDError", "OrbitQKDWarning",
        "StaleElementsWarning", "TLEFormatError", "UnknownNameError",
    ),
    ".executors": (
        "find_passes_dask",
    ),
    ".io.climate": (
        "cloud_free_probability", "with_cloud_probability",
    ),
    ".io.exports": (
        "contact_plan", "passes_to_czml", "schedule_json", "write_czml",
    ),
    ".io.report": (
        "write_forecast",
    ),
    ".io.scenario": (
        "SatelliteSpec", "Scenario", "bundled_scenarios",
    ),
    ".io.stations": (
        "bundled_stations", "get_station", "get_stations", "read_stations",
    ),
    ".io.tle": (
        "load_satellites",
    ),
    ".model": (
        "Demand", "FibreLink", "GroundStation", "Link", "PassTable", "Receiver", "Satellite",
        "Transmitter", "walker_delta",
    ),
    ".network.forecast": (
        "forecast_key",
    ),
    ".network.relay": (
        "relay_flow",
    ),
    ".network.schedule": (
        "ScheduleConfig", "rolling_horizon", "schedule_passes",
    ),
    ".presets": (
        "link_preset", "link_presets",
    ),
    ".validation": (
        "validate",
    ),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}

__version__ = "0.1.0"

__all__ = [
    "BBM92", "BUDGET_COLUMNS", "DataFileError", "DecoyBB84", "Demand", "DesignOrbit",
    "FibreLink", "InterSatelliteLink", "annual_statistics", "circular_orbit",
    "design_annual_statistics",
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
    "load_satellites", "pass_budgets", "pass_key", "pass_keys", "pass_slots", "pass_track", "pass_tracks",
    "passes_to_czml", "read_stations", "relay_flow", "relay_scenario", "rolling_horizon",
    "scenario_candidates", "schedule_for_demand", "schedule_json", "schedule_passes", "schedule_scenario",
    "validate", "walker_delta", "with_cloud_probability", "write_czml", "write_forecast",
]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'orbitqkd' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
