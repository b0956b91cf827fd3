"""Design studies: sweep orbits, satellites, stations and apertures; keep the Pareto front.

A scenario's ``[design]`` table declares the parameters to sweep
(:data:`DESIGN_KEYS`); every combination is one design: a Walker pattern of
``planes x satellites_per_plane`` design orbits (sun-synchronous by local
time, or inclined), optionally geostationary relay satellites joined by
inter-satellite links, a candidate station set and a telescope aperture.
Each design runs the chain over a representative span (passes with refreshed
element sets -> link budgets -> keys -> schedule -> trusted relay) and is
scored by the key delivered to the scenario's user pairs, the share of their
demand met and the key its stations receive; :func:`pareto_front` keeps the
designs no other design beats with as few satellites and stations.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd

from . import executors
from .chain import keyed_passes, resolve_link
from .core.isl import InterSatelliteLink, isl_contacts
from .core.propagation import (REFRESH_DAYS, DesignOrbit, find_passes_refreshed,
                               geostationary_orbit, segment_bounds, segment_satellites,
                               walker_orbits)
from .data import data_dir
from .errors import InputError, UnknownNameError, check_range
from .io.climate import with_cloud_probability
from .io.scenario import Scenario
from .network.annual import (link_time_statistics, pair_key_statistics,
                              station_key_statistics)
from .network.relay import relay_flow
from .network.schedule import rolling_horizon, schedule_passes

#: Keys of a scenario's [design] table; lists are swept, scalars fixed
DESIGN_KEYS = ("planes", "satellites_per_plane", "phasing", "altitude_km", "inclination_deg",
               "ltan_hours", "station_sets", "aperture_m", "link", "span_days",
               "refresh_days", "relay_geo_longitudes_deg", "step_s", "name")
SWEPT = ("planes", "satellites_per_plane", "altitude_km", "inclination_deg", "ltan_hours",
         "station_set", "aperture_m")
RESULT_COLUMNS = ["design", "planes", "satellites_per_plane", "n_satellites", "n_relays",
                  "altitude_km", "inclination_deg", "ltan_hours", "station_set", "n_stations",
                  "aperture_m", "passes_served", "station_key_bits", "delivered_bits",
                  "demand_met", "pareto"]


def bundled_design_scenarios() -> list[str]:
    """Names of the design scenarios in ``data/scenarios/design/``."""
    return sorted(p.stem for p in (data_dir() / "scenarios" / "design").glob("*.toml"))


def load_design_scenario(name) -> Scenario:
    """A scenario file, a bundled design scenario (``'design-europe'``) or a bundled scenario.

    Design scenarios live in ``data/scenarios/design/`` beside the network
    scenarios of :func:`orbitqkd.io.scenario.bundled_scenarios`.
    """
    path = data_dir() / "scenarios" / "design" / f"{name}.toml"
    if str(name) in bundled_design_scenarios() and path.is_file():
        return Scenario.from_toml(path)
    try:
        return Scenario.from_toml(name)
    except UnknownNameError as err:  # name the design scenarios too
        raise UnknownNameError(f"{err}; bundled design scenarios: "
                               f"{', '.join(bundled_design_scenarios())}") from None


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def design_grid(space: dict, stations) -> list[dict]:
    """Every combination of the swept parameters of a ``[design]`` table.

    ``station_sets`` maps a set's name to station names (default: one set
    ``'all'`` of the scenario's ``stations``); ``ltan_hours`` (sun-synchronous
    planes) and ``inclination_deg`` are alternatives.
    """
    unknown = [k for k in space if k not in DESIGN_KEYS]
    if unknown:
        raise InputError(f"[design]: key {unknown[0]!r} is not known; allowed keys: "
                         f"{', '.join(DESIGN_KEYS)}")
    if ("ltan_hours" in space) == ("inclination_deg" in space):
        raise InputError("[design]: give exactly one of ltan_hours or inclination_deg")
    names = [s.name for s in stations]
    sets = space.get("station_sets", {"all": names})
    if not isinstance(sets, dict) or not sets:
        raise InputError("[design] station_sets must be a table of name = [stations]")
    for set_name, members in sets.items():
        for m in _as_list(members):
            if m not in names:
                raise InputError(f"[design] station_sets.{set_name}: station = {m!r} is not a "
                                 f"[[stations]] of the scenario ({', '.join(names)})")
    axes = {
        "planes": _as_list(space.get("planes", 1)),
        "satellites_per_plane": _as_list(space.get("satellites_per_plane", 1)),
        "altitude_km": _as_list(space.get("altitude_km", 500.0)),
        "inclination_deg": _as_list(space.get("inclination_deg", [None])),
        "ltan_hours": _as_list(space.get("ltan_hours", [None])),
        "station_set": list(sets),
        "aperture_m": _as_list(space.get("aperture_m", [None])),
    }
    grid = []
    for values in itertools.product(*axes.values()):
        d = dict(zip(axes, values))
        d["stations"] = tuple(_as_list(sets[d["station_set"]]))
        d["design"] = len(grid)
        grid.append(d)
    return grid


def design_orbits(design: dict, space: dict, epoch) -> list[DesignOrbit]:
    """The Walker pattern of design orbits and the geostationary relays of one design."""
    planes, per = int(design["planes"]), int(design["satellites_per_plane"])
    ltan = design.get("ltan_hours")
    orbits = walker_orbits(planes * per, planes, int(space.get("phasing", 0)) % planes,
                           float(design["altitude_km"]), epoch,
                           inclination_deg=design.get("inclination_deg") if ltan is None else None,
                           ltan_hours=ltan, name=str(space.get("name", "D")),
                           raan_spread_deg=180.0 if ltan is not None else 360.0)
    for k, lon in enumerate(_as_list(space.get("relay_geo_longitudes_deg", []))):
        orbits.append(geostationary_orbit(f"GEO-{k + 1}", float(lon), epoch,
                                          norad_id=89000 + k))
    return orbits


def design_candidates(orbits, stations, link, start, days: float, *,
                      refresh_days: float = REFRESH_DAYS, step_s: float = 10.0,
                      night_only: bool = True, climate_source=None,
                      cloud_overrides=None) -> pd.DataFrame:
    """Keyed candidate passes of design orbits over a span, segment by segment.

    Each refresh segment's passes (:func:`find_passes_refreshed`) get their
    budgets and keys with that segment's element sets
    (:func:`orbitqkd.chain.keyed_passes`); with ``night_only`` only dark
    passes are keyed (day passes are dropped: the scheduler would not serve
    them). Adds ``cloud_free_probability``.
    """
    frames = []
    for seg in find_passes_refreshed(orbits, stations, start, days=days,
                                     refresh_days=refresh_days):
        if night_only:
            seg = seg.where(seg.table["dark"].to_numpy(bool))
        if len(seg):
            frames.append(keyed_passes(seg, link, step_s=step_s).table)
    if not frames:
        return pd.DataFrame(columns=["satellite", "station", "culmination_utc", "duration_s",
                                     "key_bits", "cloud_free_probability", "dark"])
    table = pd.concat(frames, ignore_index=True)
    return with_cloud_probability(table, source=climate_source, overrides=cloud_overrides)


def design_isl_contacts(orbits, start, days: float, link: InterSatelliteLink, *,
                        refresh_days: float = REFRESH_DAYS, step_s: float = 60.0,
                        chunk_s: float = 600.0) -> pd.DataFrame:
    """Contacts between every geostationary relay and every other design satellite."""
    relays = [k for k, o in enumerate(orbits) if o.kind == "geo"]
    pairs = [(r, k) for r in relays for k in range(len(orbits)) if k != r and
             (orbits[k].kind != "geo" or k > r)]
    if not pairs:
        return pd.DataFrame()
    t0 = pd.Timestamp(start)
    frames = [isl_contacts(segment_satellites(orbits, seg), pairs, seg[0], seg[1], link,
                           step_s=step_s, chunk_s=chunk_s)
              for seg in segment_bounds(t0, t0 + pd.Timedelta(days=days), refresh_days)]
    return pd.concat(frames, ignore_index=True)


def _schedule(scenario, candidates: pd.DataFrame):
    if scenario.days > scenario.horizon_days:
        return rolling_horizon(candidates, scenario.schedule, horizon_days=scenario.horizon_days,
                               step_days=scenario.step_days, method=scenario.schedule_method)
    return schedule_passes(candidates, scenario.schedule, method=scenario.schedule_method)


def _design_parts(scenario, space: dict, design: dict):
    """Stations (with the design's aperture), orbits and link of one design."""
    stations = [s for s in scenario.stations if s.name in design["stations"]]
    if design.get("aperture_m") is not None:
        stations = [dataclasses.replace(s, aperture_m=float(design["aperture_m"]))
                    for s in stations]
    orbits = design_orbits(design, space, scenario.start)
    link = resolve_link(space.get("link", scenario.satellites[0].link))
    return stations, orbits, link


def evaluate_design(scenario, space: dict, design: dict) -> dict:
    """Run one design over the representative span; its row of the sweep table.

    Module-level, so Dask workers can run it (:func:`sweep_designs`).
    """
    days = float(space.get("span_days", scenario.days))
    sc = scenario.replace(days=days)
    stations, orbits, link = _design_parts(scenario, space, design)
    refresh = float(space.get("refresh_days", REFRESH_DAYS))
    ground = [o for o in orbits if o.kind != "geo"]
    cand = design_candidates(ground, stations, link, scenario.start, days,
                             refresh_days=refresh, step_s=float(space.get("step_s", 10.0)),
                             night_only=scenario.schedule.night_only,
                             cloud_overrides=scenario.cloud_free_probability)
    served = pd.DataFrame()
    if len(cand):
        served = _schedule(sc, cand).served
    station_key = float((served["key_bits"] * served["cloud_free_probability"]).sum()) \
        if len(served) else 0.0
    delivered, met = 0.0, np.nan
    if scenario.demands and len(served):
        isl = None
        if len(ground) < len(orbits) and scenario.isl is not None:
            isl = design_isl_contacts(orbits, scenario.start, days, scenario.isl,
                                      refresh_days=refresh)
        flow = relay_flow(served, scenario.fibre_links, scenario.demands,
                          key_store_bits=scenario.key_store_bits, start=scenario.start,
                          days=days, time_step_s=scenario.relay_time_step_s,
                          objective=scenario.relay_objective,
                          ground_store_bits=scenario.ground_store_bits, isl_contacts=isl)
        delivered = float(flow.demands["delivered_bits"].sum())
        met = float(flow.demands["demand_met"].mean()) \
            if flow.demands["demand_met"].notna().any() else np.nan
    elif scenario.demands:
        met = 0.0
    return {
        "design": design["design"], "planes": design["planes"],
        "satellites_per_plane": design["satellites_per_plane"],
        "n_satellites": len(orbits), "n_relays": len(orbits) - len(ground),
        "altitude_km": design["altitude_km"], "inclination_deg": design.get("inclination_deg"),
        "ltan_hours": design.get("ltan_hours"), "station_set": design["station_set"],
        "n_stations": len(stations), "aperture_m": design.get("aperture_m"),
        "passes_served": int(len(served)), "station_key_bits": station_key,
        "delivered_bits": delivered, "demand_met": met,
    }


def pareto_front(table: pd.DataFrame, objective: str = "delivered_bits",
                 costs=("n_satellites", "n_stations"), rtol: float = 1e-6) -> np.ndarray:
    """Rows no other row dominates: at most the costs and at least the objective, one strictly.

    Objectives within ``rtol`` (relative) count as equal, so LP round-off
    does not put a design with more satellites but the same key on the front.

    >>> t = pd.DataFrame({"n_satellites": [1, 2, 2], "n_stations": [2, 2, 3],
    ...                   "delivered_bits": [5.0, 4.0, 9.0]})
    >>> pareto_front(t).tolist()
    [True, False, True]
    """
    if objective not in table.columns:
        raise InputError(f"objective = {objective!r} is not a column; columns: "
                         f"{', '.join(table.columns)}")
    obj = table[objective].to_numpy(float)
    obj = np.where(np.isnan(obj), -np.inf, obj)
    cost = table[list(costs)].to_numpy(float)
    front = np.ones(len(table), bool)
    tol = rtol * np.maximum(np.abs(np.where(np.isfinite(obj), obj, 0.0)), 1e-300)
    for i in range(len(table)):
        no_worse = (cost <= cost[i]).all(axis=1) & (obj >= obj[i] - tol[i])
        better = (cost < cost[i]).any(axis=1) | (obj > obj[i] + tol[i])
        front[i] = not (no_worse & better).any()
    return front


def sweep_designs(scenario, space: dict | None = None, *, scheduler=None,
                  progress: bool = False, objective: str = "delivered_bits") -> pd.DataFrame:
    """Evaluate every design of a scenario's ``[design]`` table; one row each.

    ``scheduler`` runs the designs as Dask tasks
    (:func:`orbitqkd.executors.run_tasks`); the rows are the same either way.
    The ``pareto`` column marks :func:`pareto_front` for ``objective``
    against the number of satellites and stations.
    """
    space = dict(scenario.design if space is None else space)
    if not space:
        raise InputError(f"scenario {scenario.name!r} has no [design] table to sweep")
    check_range("span_days", float(space.get("span_days", scenario.days)), 0.01, 366.0)
    grid = design_grid(space, scenario.stations)
    arguments = [(scenario, space, d) for d in grid]
    if scheduler is None:
        rows = [evaluate_design(*a) for a in arguments]
    else:
        rows = executors.run_tasks(evaluate_design, arguments, scheduler, progress)
    table = pd.DataFrame(rows)
    table["pareto"] = pareto_front(table, objective)
    return table[RESULT_COLUMNS]


def annual_statistics(scenario, orbits, *, days: float = 365.0, samples: int = 200,
                      relay_samples: int = 3, seed: int = 0, step_s: float = 10.0,
                      refresh_days: float = REFRESH_DAYS, window_days: float = 30.0,
                      climate_source=None, link=None) -> dict:
    """Key per month and year per station and user pair over weather years.

    The design orbits' passes over the scenario's stations for ``days`` from
    its start (element sets refreshed every ``refresh_days``), keyed by the
    chain, scheduled as the scenario says (rolling horizon), then
    :func:`~orbitqkd.network.annual.station_key_statistics` over ``samples``
    weather draws and :func:`~orbitqkd.network.annual.pair_key_statistics`
    over the first ``relay_samples`` of them.

    Returns
    -------
    dict
        ``stations_monthly``, ``stations_total``, ``pairs_monthly``,
        ``pairs_total``, ``days_met``, ``served`` (the schedule's passes), and
        ``link_time_monthly`` / ``link_time_total``: passes and link time of
        every candidate pass (dark ones with ``night_only``), served or not
        (:func:`~orbitqkd.network.annual.link_time_statistics`).
    """
    link = resolve_link(link or scenario.satellites[0].link)
    cand = design_candidates(orbits, scenario.stations, link, scenario.start, days,
                             refresh_days=refresh_days, step_s=step_s,
                             night_only=scenario.schedule.night_only,
                             climate_source=climate_source,
                             cloud_overrides=scenario.cloud_free_probability)
    sc = scenario.replace(days=days)
    served = _schedule(sc, cand).served if len(cand) else cand
    lon = {s.name: s.longitude_deg for s in scenario.stations}
    st = station_key_statistics(served, lon, samples=samples, seed=seed)
    access = link_time_statistics(cand, lon)
    out = {"stations_monthly": st["monthly"], "stations_total": st["total"], "served": served,
           "link_time_monthly": access["monthly"], "link_time_total": access["total"]}
    if scenario.demands and relay_samples:
        pairs = pair_key_statistics(served, lon, scenario.demands, scenario.start, days,
                                    fibre_links=scenario.fibre_links,
                                    key_store_bits=scenario.key_store_bits,
                                    samples=relay_samples, seed=seed, window_days=window_days,
                                    time_step_s=scenario.relay_time_step_s,
                                    objective=scenario.relay_objective,
                                    ground_store_bits=scenario.ground_store_bits)
        out.update(pairs_monthly=pairs["monthly"], pairs_total=pairs["total"],
                   days_met=pairs["days_met"])
    return out


def design_annual_statistics(scenario, design: int, *, days: float = 365.0, samples: int = 200,
                             relay_samples: int = 3, seed: int = 0) -> dict:
    """:func:`annual_statistics` of design number ``design`` of the scenario's ``[design]`` table.

    The design's stations (with its aperture), its orbits (geostationary
    relays left out: no station links to them) and link, over ``days`` from
    the scenario's start. The returned dict also holds ``design``, the
    design's row of :func:`design_grid`.
    """
    space = dict(scenario.design)
    if not space:
        raise InputError(f"scenario {scenario.name!r} has no [design] table")
    grid = design_grid(space, scenario.stations)
    if not 0 <= int(design) < len(grid):
        raise InputError(f"design = {design} is outside the range 0 <= design <= "
                         f"{len(grid) - 1} (the designs of {scenario.name}'s [design] table)")
    check_range("days", days, 1.0, 3660.0)
    chosen = grid[int(design)]
    stations, orbits, link = _design_parts(scenario, space, chosen)
    out = annual_statistics(scenario.replace(stations=tuple(stations)),
                            [o for o in orbits if o.kind != "geo"], days=days, samples=samples,
                            relay_samples=relay_samples, seed=seed, link=link,
                            step_s=float(space.get("step_s", 10.0)),
                            refresh_days=float(space.get("refresh_days", REFRESH_DAYS)))
    out["design"] = chosen
    return out
