"""The one chain: passes -> tracks -> link budget -> secret key -> schedule -> relay.

This is the library's edge. Its functions accept names (bundled element sets,
TLE/OMM files, catalogue stations, link presets) and resolve them into
:class:`~orbitqkd.model.Satellite`, :class:`~orbitqkd.model.GroundStation`
and :class:`~orbitqkd.model.Link` objects once; every step below takes the
objects, and every table carries the objects it was computed for
(:class:`~orbitqkd.model.PassTable`). One function per step, one route from
passes to key; ``executor`` chooses where it runs: ``None`` in this process,
or a Dask scheduler (``'local'``, an address, a ``distributed.Client``,
``'threads'``, ``'processes'``, ``'sync'``) sharded by satellite.
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from . import executors
from .core import events
from .core import budget as core_budget
from .core.budget import LinkBudget
from .core.keyrate.passkey import dual_downlink_key, keys_per_pass
from .core.keyrate.protocol import BBM92, DecoyBB84
from .errors import InputError, check_range
from .io.climate import with_cloud_probability
from .io.weather import with_weather
from .io.stations import get_stations
from .io.tle import load_satellites
from .model import GroundStation, Link, PassTable, Satellite
from .network.clouds import DEFAULT_CORRELATION_LENGTH_KM
from .network.forecast import forecast_key
from .network.relay import RelayResult, relay_flow
from .network.schedule import ScheduleResult, rolling_horizon, schedule_passes
from .presets import link_preset
from .timescales import parse_utc

KEY_COLUMNS = [
    "usable_s", "mean_loss_db", "detections", "sifted_bits", "qber_percent", "secret_bits",
    "key_bits", "secret_rate_bps", "zero_reason",
]
DUAL_COLUMNS = [
    "satellite", "norad_id", "station_a", "station_b", "start_utc", "end_utc", "duration_s",
    "coincidences", "sifted_bits", "qber_percent", "secret_bits", "zero_reason",
]


# --- names to objects, once -------------------------------------------------

def resolve_satellites(satellites, near=None) -> tuple[Satellite, ...]:
    """Satellites from objects, a bundled set name or a TLE/OMM file (element sets nearest ``near``)."""
    if isinstance(satellites, Satellite):
        return (satellites,)
    if isinstance(satellites, (list, tuple)) and satellites and all(
            isinstance(s, Satellite) for s in satellites):
        return tuple(satellites)
    return tuple(load_satellites(satellites, near=near))


def resolve_stations(stations) -> tuple[GroundStation, ...]:
    """Stations from objects, catalogue names or ``'lat,lon[,alt_m]'`` strings."""
    return tuple(get_stations(stations))


def resolve_link(link) -> Link:
    """A :class:`~orbitqkd.model.Link`, or a preset name resolved into one."""
    if isinstance(link, Link):
        return link
    if isinstance(link, str):
        return link_preset(link)
    raise InputError(f"link = {link!r} is neither a Link nor a preset name")


def resolve_links(links, satellites: Sequence[Satellite]) -> tuple[Link, ...]:
    """The link of each satellite: one link (or preset) for all, or a mapping by name or NORAD id."""
    if isinstance(links, (Link, str)):
        one = resolve_link(links)
        return tuple(one for _ in satellites)
    if not isinstance(links, Mapping):
        raise InputError(f"links = {links!r} is neither a link, a preset name nor a mapping")
    resolved = {key: resolve_link(value) for key, value in links.items()}
    out = []
    for s in satellites:
        for key in (s.name, s.norad_id, str(s.norad_id)):
            if key in resolved:
                out.append(resolved[key])
                break
        else:
            raise InputError(
                f"link for satellite = {s.name!r} (NORAD {s.norad_id}) is not given; "
                f"links are given for {', '.join(map(str, links))}")
    return tuple(out)


# --- passes and tracks --------------------------------------------------------

def find_passes(satellites, stations, start, end=None, days=None, **options) -> PassTable:
    """Every pass of the satellites over the stations (names or objects).

    Names are resolved once (element sets nearest the middle of the span);
    then :func:`orbitqkd.core.events.find_passes`, whose options (``min_elevation_deg``,
    ``step_s``, ``dark_sun_elevation_deg``, ``progress``, ``chunk_size``) pass through.

    >>> p = find_passes("micius", ["Xinglong"], "2016-12-19", days=1)
    >>> len(p) > 0, p.table.columns[0], p.stations[0].aperture_m
    (True, 'satellite', 1.0)
    """
    t0, t1 = events.resolve_span(start, end, days)
    sats = resolve_satellites(satellites, near=t0 + (t1 - t0) / 2)
    return events.find_passes(sats, resolve_stations(stations), t0, t1, **options)


def pass_track(satellite, station, start, end, step_s: float = 1.0) -> events.Track:
    """Geometry of one satellite over one station (names or objects), every ``step_s``."""
    t0 = parse_utc(start, "start")
    sats = resolve_satellites(satellite, near=t0)
    if len(sats) != 1:
        raise InputError(f"satellite = {satellite!r} holds {len(sats)} satellites; "
                         "pass_track takes one")
    stas = resolve_stations(station)
    if len(stas) != 1:
        raise InputError(f"station = {station!r} holds {len(stas)} stations; pass_track takes one")
    return events.pass_track(sats[0], stas[0], t0, end, step_s)


def link_budget(track: events.Track, link) -> LinkBudget:
    """:func:`orbitqkd.core.budget.link_budget` with ``link`` a Link or a preset name.

    >>> track = pass_track("micius", "Xinglong", "2016-12-19T16:48:44", "2016-12-19T16:55:40")
    >>> round(float(link_budget(track, "micius-xinglong").total_loss_db.min()), 1)
    33.2
    """
    return core_budget.link_budget(track, resolve_link(link))


# --- handover: passes cut into slots -----------------------------------------------

def pass_slots(passes: PassTable, slot_s: float, sample_s: float = 10.0) -> PassTable:
    """Cut every pass longer than ``slot_s`` into consecutive slots the scheduler can
    give to different stations (handover on long MEO and GEO passes).

    Each slot is a row like a pass (rise and set are the slot's bounds;
    culmination, maximum elevation, minimum range, azimuths, Sun elevation and
    ``dark`` from the slot's own geometry sampled every ``sample_s``), plus
    ``pass_index`` (the row label of the pass it came from) and ``slot`` (its
    number in that pass). Passes no longer than ``slot_s`` stay one slot.
    """
    if not isinstance(passes, PassTable):
        raise InputError(f"passes = {type(passes).__name__} is not a PassTable; see find_passes()")
    check_range("slot_s", slot_s, 60.0, 30 * 86400.0)
    table = passes.table
    if len(table) == 0:
        return passes.with_table(table.assign(pass_index=pd.Series(dtype=int),
                                              slot=pd.Series(dtype=int)))
    counts = np.maximum(np.ceil(table["duration_s"].to_numpy(float) / slot_s - 1e-9), 1).astype(int)
    rows = np.repeat(np.arange(len(table)), counts)
    slot = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    out = table.iloc[rows].reset_index(drop=True)
    rise = out["rise_utc"] + pd.to_timedelta(slot * slot_s, unit="s")
    set_ = (out["rise_utc"] + pd.to_timedelta((slot + 1) * slot_s, unit="s")).where(
        lambda s: s < out["set_utc"], out["set_utc"])
    last = slot == counts[rows] - 1
    out = out.assign(rise_utc=rise, set_utc=set_, duration_s=(set_ - rise).dt.total_seconds(),
                     starts_before_window=out["starts_before_window"] & (slot == 0),
                     ends_after_window=out["ends_after_window"] & last,
                     pass_index=table.index.to_numpy()[rows], slot=slot)
    slots = passes.with_table(out)
    track = events.pass_tracks(slots, step_s=sample_s)
    order = np.argsort(track.pass_id, kind="stable")
    starts = np.searchsorted(track.pass_id[order], np.arange(len(out)))
    ends = np.append(starts[1:], len(order))
    el = track.elevation_deg[order]
    top = np.array([s + np.argmax(el[s:e]) for s, e in zip(starts, ends)])
    pick = order[top]
    out["culmination_utc"] = track.time_utc[pick]
    out["max_elevation_deg"] = track.elevation_deg[pick]
    out["culmination_azimuth_deg"] = track.azimuth_deg[pick]
    out["rise_azimuth_deg"] = track.azimuth_deg[order[starts]]
    out["set_azimuth_deg"] = track.azimuth_deg[order[ends - 1]]
    out["min_range_km"] = np.minimum.reduceat(track.range_km[order], starts)
    out["sun_elevation_deg"] = track.sun_elevation_deg[pick]
    out["dark"] = out["sun_elevation_deg"] < events.DARK_SUN_ELEVATION_DEG
    return slots.with_table(out)


# --- budget and key of many passes -------------------------------------------

def pass_budgets(passes: PassTable, links, step_s: float = 1.0,
                 max_step_s: float | None = None) -> LinkBudget:
    """Link budget of every pass, sampled every ``step_s`` from rise to set.

    With ``max_step_s`` each pass takes its own step, up to ``max_step_s``
    where the line of sight turns slowly (:func:`orbitqkd.core.events.pass_steps_s`:
    MEO and GEO passes; LEO passes keep ``step_s``).

    ``links`` is one link (or preset name) for every satellite, or a mapping
    from satellite name or NORAD id to one. Satellites and stations are the
    pass table's own objects. Returns one :class:`~orbitqkd.core.budget.LinkBudget`
    over all samples; its ``pass_id`` is the row label of each pass.
    """
    if not isinstance(passes, PassTable):
        raise InputError(f"passes = {type(passes).__name__} is not a PassTable; see find_passes()")
    sat_links = resolve_links(links, passes.satellites)
    track = events.pass_tracks(passes, step_s=step_s, max_step_s=max_step_s)
    unique = list(dict.fromkeys(sat_links))
    link_of_sat = np.array([unique.index(lk) for lk in sat_links], dtype=int)
    return core_budget.link_budget(track, tuple(unique), link_of_sat[track.satellite_index]
                                   if len(track) else np.zeros(0, int))


def pass_keys(passes: PassTable, budgets: LinkBudget, protocol: DecoyBB84 | None = None, *,
              progress: bool = False) -> PassTable:
    """Secret key of every pass from its budget (:func:`pass_budgets`).

    Returns the pass table with :data:`KEY_COLUMNS` added: ``usable_s``
    (samples above the horizon with a finite budget), ``mean_loss_db`` over
    them, detections, sifted bits, QBER, ``secret_bits`` (finite-key or
    asymptotic as the protocol says; ``key_bits`` is the same number, the
    column the scheduler reads) and ``zero_reason`` when a pass yields nothing.
    """
    out = passes.table.copy()
    for col in KEY_COLUMNS:
        out[col] = "" if col == "zero_reason" else 0.0
    bar = tqdm(total=len(np.unique(budgets.pass_id)), desc="secret key", unit="pass",
               disable=not progress)
    keys = keys_per_pass(budgets, protocol)  # every pass at once
    bar.update(len(keys))
    bar.close()
    ids = keys.index.to_numpy()
    if len(keys):  # one assignment for all passes (row-by-row .loc is slow)
        # mean loss over the usable samples of each pass
        loss = budgets.total_loss_db
        usable = budgets.above_horizon & np.isfinite(loss)
        rank = pd.Index(ids).get_indexer(budgets.pass_id[usable])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_loss = (np.bincount(rank, weights=loss[usable], minlength=len(ids))
                         / np.bincount(rank, minlength=len(ids)))
            dur, bits = keys["duration_s"].to_numpy(float), keys["secret_bits"].to_numpy(float)
            rate = np.where(dur != 0, bits / np.where(dur != 0, dur, 1.0), 0.0)
        values = np.column_stack([dur, mean_loss, keys["detections"].to_numpy(float),
                                  keys["sifted_bits"].to_numpy(float),
                                  100.0 * keys["qber"].to_numpy(float), bits, bits, rate])
        numeric = [c for c in KEY_COLUMNS if c != "zero_reason"]
        out.loc[ids, numeric] = values
        out.loc[ids, "zero_reason"] = keys["zero_reason"].to_numpy()
    out.loc[~out.index.isin(ids), "zero_reason"] = "below horizon"
    return passes.with_table(out)


# Budget samples per chunk of keyed_passes in this process (~0.5 kB each).
_CHUNK_SAMPLES = 400_000


def _sample_chunks(table: pd.DataFrame, step_s: float, limit: int) -> list[np.ndarray]:
    """Consecutive row positions of ``table`` in chunks of at most ``limit`` samples.

    A pass of duration d sampled every ``step_s`` has about d / step_s + 2
    samples; a pass larger than ``limit`` is a chunk of its own.
    """
    n = np.floor(table["duration_s"].to_numpy(float) / step_s) + 2.0
    bounds, used, begin = [], 0.0, 0
    for i, k in enumerate(n):
        if used and used + k > limit:
            bounds.append(np.arange(begin, i))
            begin, used = i, 0.0
        used += k
    bounds.append(np.arange(begin, len(n)))
    return bounds


def _keys_shard(sat_blob, table, stations, sat_links, protocol, step_s, quiet,
                span=None, max_step_s=None) -> pd.DataFrame:
    """Budget and key of one shard of passes (runs on a Dask worker).

    ``span`` is the whole table's (start, end), so the shard samples its passes
    as the whole table would.
    """
    sats = tuple(executors.satellite_from_wire(d) for d in pickle.loads(sat_blob))
    start, end = span or (table["rise_utc"].min(), table["set_utc"].max())
    shard = PassTable(table, sats, stations, start, end)
    with executors._stale_warnings_off(quiet):
        keyed = pass_keys(shard, pass_budgets(shard, dict(zip(
            [s.norad_id for s in sats], sat_links)), step_s, max_step_s), protocol)
    return keyed.table


def keyed_passes(passes: PassTable, links, protocol: DecoyBB84 | None = None, *,
                 step_s: float = 5.0, max_step_s: float | None = None, executor=None,
                 shard_satellites: int = 50, progress: bool = False) -> PassTable:
    """Budget and key of every pass: :func:`pass_budgets` then :func:`pass_keys`.

    ``step_s`` and ``max_step_s`` sample the passes as :func:`pass_budgets` does.

    In this process the passes go through in chunks of consecutive rows of at
    most ``_CHUNK_SAMPLES`` budget samples, so memory is bounded by a chunk,
    not by the span (keys as one call gives, to rounding of the time origin).
    With ``executor`` (a Dask scheduler, see the module notes) the passes of
    ``shard_satellites`` satellites form one task. Chunks and shards sample
    their passes on the whole table's time base (:func:`pass_tracks`), so the
    keys agree with one call over every pass to ~1e-11 relative.
    """
    if executor is None or len(passes) == 0:
        parts = _sample_chunks(passes.table, step_s, _CHUNK_SAMPLES)
        if len(parts) <= 1:
            return pass_keys(passes, pass_budgets(passes, links, step_s, max_step_s), protocol,
                             progress=progress)
        keyed = []
        for rows in tqdm(parts, desc="budget and key", unit="chunk", disable=not progress):
            part = passes.with_table(passes.table.iloc[rows])
            keyed.append(pass_keys(part, pass_budgets(part, links, step_s, max_step_s),
                                   protocol).table)
        return passes.with_table(pd.concat(keyed))
    sat_links = resolve_links(links, passes.satellites)
    table = passes.table
    sat_index = passes.satellite_index()
    used = list(dict.fromkeys(sat_index.tolist()))
    quiet = executors.quiet_workers(executor)
    arguments = []
    for c0 in range(0, len(used), int(shard_satellites)):
        chunk = used[c0:c0 + int(shard_satellites)]
        sats = [passes.satellites[k] for k in chunk]
        blob = pickle.dumps([executors.satellite_to_wire(s) for s in sats])
        arguments.append((blob, table[np.isin(sat_index, chunk)], passes.stations,
                          tuple(sat_links[k] for k in chunk), protocol, step_s, quiet,
                          (passes.start, passes.end), max_step_s))
    results = executors.run_tasks(_keys_shard, arguments, executor, progress)
    return passes.with_table(pd.concat(results).loc[table.index])


def candidate_passes(satellites, stations, start, *, days=None, end=None,
                     links="micius-xinglong", protocol=None, step_s: float = 5.0,
                     max_step_s: float | None = None,
                     min_elevation_deg=None, progress: bool = False,
                     executor=None) -> PassTable:
    """Every pass with its expected secret key: the scheduler's candidates.

    :func:`find_passes`, then :func:`keyed_passes`. ``links``, ``protocol``,
    ``step_s`` and ``max_step_s`` as there.

    >>> c = candidate_passes("micius", ["Xinglong"], "2016-12-19", days=1)
    >>> c.table[["dark", "zero_reason"]].values.tolist()
    [[False, 'QBER above threshold'], [True, '']]
    """
    t0, t1 = events.resolve_span(start, end, days)
    sats = resolve_satellites(satellites, near=t0 + (t1 - t0) / 2)
    stas = resolve_stations(stations)
    sat_links = resolve_links(links, sats)
    passes = _passes(sats, stas, t0, t1, executor, progress=progress,
                     min_elevation_deg=min_elevation_deg)
    return keyed_passes(passes, dict(zip([s.norad_id for s in sats], sat_links)), protocol,
                        step_s=step_s, max_step_s=max_step_s, executor=executor,
                        progress=progress)


def _passes(sats, stas, t0, t1, executor, **options) -> PassTable:
    if executor is None:
        return events.find_passes(sats, stas, t0, t1, **options)
    return executors.find_passes_dask(sats, stas, t0, t1, scheduler=executor, **options)


# --- dual downlinks -------------------------------------------------------------

def dual_downlink_windows(satellites, station_a, station_b, start, *, days=None, end=None,
                          link="micius-entanglement", step_s: float = 1.0,
                          min_elevation_deg=None) -> list[tuple]:
    """Every window with a satellite above both stations, and the budget of each arm.

    Returns a list of ``(satellite, start_utc, end_utc, budget_a, budget_b)``, the
    budgets on one time grid (``link`` with each station's own aperture), in time order.
    """
    t0, t1 = events.resolve_span(start, end, days)
    sats = resolve_satellites(satellites, near=t0 + (t1 - t0) / 2)
    a, b = resolve_stations([station_a, station_b])
    lk = resolve_link(link)
    passes = events.find_passes(sats, [a, b], t0, t1, min_elevation_deg=min_elevation_deg)
    a, b = passes.stations  # with the floor the passes were found for
    table, sat_index = passes.table, passes.satellite_index()
    out = []
    for k in dict.fromkeys(sat_index.tolist()):
        mine = table[sat_index == k]
        pa, pb = mine[mine.station == a.name], mine[mine.station == b.name]
        for ra in pa.itertuples():
            for rb in pb.itertuples():
                w0, w1 = max(ra.rise_utc, rb.rise_utc), min(ra.set_utc, rb.set_utc)
                if w1 > w0:
                    arms = [core_budget.link_budget(events.pass_track(sats[k], st, w0, w1, step_s),
                                                    lk) for st in (a, b)]
                    out.append((sats[k], w0, w1, arms[0], arms[1]))
    return sorted(out, key=lambda w: w[1])


def dual_downlink_passes(satellites, station_a, station_b, start, *, days=None, end=None,
                         link="micius-entanglement", protocol: BBM92 | None = None,
                         step_s: float = 1.0, min_elevation_deg=None) -> pd.DataFrame:
    """Entanglement-based BBM92 key of every dual downlink (both stations in view at once).

    The satellite's pair source sends one photon of each pair to each station:
    the windows of :func:`dual_downlink_windows` each get
    :func:`orbitqkd.core.keyrate.passkey.dual_downlink_key`: coincidences, QBER
    and key (Ma, Fung & Lo 2007; Yin et al. 2017, 2020).

    Returns
    -------
    pandas.DataFrame
        One row per common window, columns :data:`DUAL_COLUMNS`.
    """
    a, b = resolve_stations([station_a, station_b])
    rows = []
    for sat, w0, w1, arm_a, arm_b in dual_downlink_windows(
            satellites, a, b, start, days=days, end=end, link=link, step_s=step_s,
            min_elevation_deg=min_elevation_deg):
        key = dual_downlink_key(arm_a, arm_b, protocol)
        rows.append({
            "satellite": sat.name, "norad_id": sat.norad_id, "station_a": a.name,
            "station_b": b.name, "start_utc": w0, "end_utc": w1,
            "duration_s": (w1 - w0).total_seconds(), "coincidences": key.detections,
            "sifted_bits": key.sifted_bits, "qber_percent": 100.0 * key.qber,
            "secret_bits": key.secret_bits, "zero_reason": key.zero_reason,
        })
    return pd.DataFrame(rows, columns=DUAL_COLUMNS)


# --- scenarios --------------------------------------------------------------------

def scenario_satellites(scenario) -> tuple[tuple[Satellite, ...], tuple[Link, ...]]:
    """The satellites of a scenario and the link each carries (aligned tuples)."""
    sats, links, seen = [], [], set()
    for spec in scenario.satellites:
        for s in spec.load(near=scenario.start):
            if s.name in seen:
                raise InputError(f"satellite = {s.name!r} appears twice in the scenario; "
                                 "give each satellite once (or a distinct name)")
            seen.add(s.name)
            sats.append(s)
            links.append(resolve_link(spec.link))
    return tuple(sats), tuple(links)


def scenario_candidates(scenario, *, step_s: float = 5.0, max_step_s: float | None = None,
                        progress: bool = False, climate_source=None,
                        executor=None) -> PassTable:
    """Candidate passes of a scenario with their secret key and cloud-free probability.

    Passes of every satellite over every station in the scenario's span (cut
    into slots of ``handover_slot_s`` when the scenario gives one, see
    :func:`pass_slots`), the key of each (decoy-state BB84 per pass or slot,
    the satellite's link, sampled as :func:`pass_budgets` says with ``step_s``
    and ``max_step_s``), and
    ``cloud_free_probability``: the scenario's value for a station when it
    gives one, else the bundled monthly climatology (or ``climate_source``).
    """
    sats, links = scenario_satellites(scenario)
    stations = tuple(scenario.stations)
    t0, t1 = events.resolve_span(scenario.start, days=scenario.days)
    passes = _passes(sats, stations, t0, t1, executor, progress=progress)
    if scenario.handover_slot_s:
        passes = pass_slots(passes, scenario.handover_slot_s)
    keyed = keyed_passes(passes, dict(zip([s.norad_id for s in sats], links)), step_s=step_s,
                         max_step_s=max_step_s, executor=executor, progress=progress)
    return keyed.with_table(with_cloud_probability(
        keyed.table, source=climate_source, overrides=scenario.cloud_free_probability))


def schedule_scenario(scenario, candidates: PassTable | pd.DataFrame | None = None, *,
                      method=None, objective=None, step_s: float = 5.0,
                      max_step_s: float | None = None, progress: bool = False,
                      climate_source=None, executor=None) -> ScheduleResult:
    """Schedule a scenario's passes: which station each satellite serves, and when.

    ``candidates`` defaults to :func:`scenario_candidates`. Spans longer than
    the scenario's ``horizon_days`` are solved by
    :func:`~orbitqkd.network.schedule.rolling_horizon`, shorter ones in one
    :func:`~orbitqkd.network.schedule.schedule_passes`. ``method`` and
    ``objective`` override the scenario's.
    """
    if candidates is None:
        candidates = scenario_candidates(scenario, step_s=step_s, max_step_s=max_step_s,
                                         progress=progress, climate_source=climate_source,
                                         executor=executor)
    table = candidates.table if isinstance(candidates, PassTable) else candidates
    _check_some_passes(scenario, table)
    config = scenario.schedule
    if objective is not None:
        config = dataclasses.replace(config, objective=objective)
    method = method or scenario.schedule_method
    if scenario.days > scenario.horizon_days:
        return rolling_horizon(table, config, horizon_days=scenario.horizon_days,
                               step_days=scenario.step_days, method=method)
    return schedule_passes(table, config, method=method)


def _station_reach(scenario) -> dict[str, set]:
    """The user nodes each station reaches over fibre (its fibre-connected component)."""
    adjacent: dict[str, set] = {}
    for f in scenario.fibre_links:
        adjacent.setdefault(f.a, set()).add(f.b)
        adjacent.setdefault(f.b, set()).add(f.a)
    reach = {}
    for station in scenario.stations:
        seen, todo = {station.name}, [station.name]
        while todo:
            for nxt in adjacent.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[station.name] = seen
    return reach


def schedule_for_demand(scenario, candidates: PassTable | pd.DataFrame, *, rounds: int = 6,
                        method=None) -> tuple[ScheduleResult, RelayResult]:
    """Schedule the passes for the user pairs' demand, not for raw key.

    Schedule-then-route serves the passes with the most key and then routes
    what it can; a pair whose stations those passes do not reach stays short.
    Here the scheduler and the trusted-relay LP alternate: each round weights
    every station's passes by how short the pairs it can reach (its endpoint or
    fibre-connected to one) are of their demand -- the weight grows by the
    shortfall fraction each round -- reschedules on the weighted key, and routes
    the true key. The round whose relay delivers the most weighted key (the
    relay's own objective; for max-min, its least share) is returned, so the
    result is never worse than schedule-then-route, which is round 0.

    Returns
    -------
    (ScheduleResult, RelayResult)
    """
    check_range("rounds", rounds, 0, 50)
    table = candidates.table if isinstance(candidates, PassTable) else candidates
    reach = _station_reach(scenario)
    demand_bits = {d.name: (d.bits_per_day * scenario.days if d.bits_per_day else None)
                   for d in scenario.demands}
    weight = {s.name: 1.0 for s in scenario.stations}
    best = None
    for _ in range(rounds + 1):
        weighted = table.assign(key_bits=table["key_bits"] * table["station"].map(weight))
        result = schedule_scenario(scenario, weighted, method=method)
        served = _true_key(result, table)
        flow = relay_scenario(scenario, served)
        if best is None or flow.objective_value > best[1].objective_value * (1 + 1e-9):
            best = (result, flow)
        delivered = flow.demands.set_index("demand")["delivered_bits"]
        largest = max(delivered.max(), 1.0)
        short = {}
        for d in scenario.demands:
            need = demand_bits[d.name] or largest  # no demand given: as much as the best pair
            short[d] = max(0.0, 1.0 - delivered.get(d.name, 0.0) / need)
        if not any(v > 1e-6 for v in short.values()):
            break
        for station, nodes in reach.items():
            gap = sum(v for d, v in short.items() if {d.a, d.b} & nodes)
            weight[station] *= 1.0 + gap
    return best


def _true_key(result: ScheduleResult, table: pd.DataFrame) -> pd.DataFrame:
    """The served passes of a schedule made on weighted keys, with their true expected key."""
    served = result.served
    key = table.set_index(["satellite", "station", "rise_utc"])["key_bits"]
    idx = pd.MultiIndex.from_frame(served[["satellite", "station", "rise_utc"]])
    true = key.reindex(idx).to_numpy(float)
    return served.assign(key_bits=true, expected_key_bits=true * served["cloud_free_probability"])


def _check_some_passes(scenario, table) -> None:
    """Raise when a scenario's span holds no candidate pass (nothing to schedule)."""
    if len(table) == 0:
        raise InputError(f"scenario {scenario.name!r}: no pass of its satellites over its "
                         f"stations from {scenario.start.isoformat()} for {scenario.days:g} "
                         "days; widen the span (--days)")


def relay_scenario(scenario, schedule, *, objective=None) -> RelayResult:
    """Forward key between a scenario's user pairs over its served passes and fibre.

    ``schedule`` is a :class:`~orbitqkd.network.schedule.ScheduleResult` (or a
    table of served passes); the relay runs :func:`~orbitqkd.network.relay.relay_flow`
    over the scenario's span with its fibre links, demands and key stores.
    """
    if not scenario.demands:
        raise InputError(f"scenario {scenario.name!r} has no [[demands]]; give at least one "
                         "user pair to relay key between")
    return relay_flow(schedule, scenario.fibre_links, scenario.demands,
                      key_store_bits=scenario.key_store_bits, start=scenario.start,
                      days=scenario.days, time_step_s=scenario.relay_time_step_s,
                      objective=objective or scenario.relay_objective,
                      ground_store_bits=scenario.ground_store_bits)


def forecast_scenario(scenario, *, start=None, days: float | None = None, samples: int = 500,
                      relay_samples: int = 50, seed: int = 0, climate_source=None,
                      step_s: float = 5.0, max_step_s: float | None = None,
                      progress: bool = False, executor=None,
                      weather: pd.DataFrame | None = None, typical_year: bool = False,
                      correlation_length_km: float = DEFAULT_CORRELATION_LENGTH_KM) -> dict:
    """Daily key forecast of a scenario (:class:`orbitqkd.io.scenario.Scenario`).

    ``start`` and ``days`` override the scenario's span (e.g. the next N days).
    ``weather`` (:func:`orbitqkd.io.weather.read_weather`) replaces the
    climatology's cloud-free probability of every pass whose station and hour
    it covers (``typical_year`` for TMY data); ``correlation_length_km`` sets
    how nearby stations share clouds (0: independent).
    Returns :func:`~orbitqkd.network.forecast.forecast_key`'s dict plus
    ``candidates`` (a :class:`~orbitqkd.model.PassTable`, with ``cloud_source``
    when a weather series is given), ``scenario`` and ``relay`` (the
    trusted-relay routing of the expected key, or None without demands).
    """
    changes = {k: v for k, v in (("start", start), ("days", days)) if v is not None}
    if changes:
        scenario = scenario.replace(**changes)
    candidates = scenario_candidates(scenario, step_s=step_s, max_step_s=max_step_s,
                                     progress=progress, climate_source=climate_source,
                                     executor=executor)
    _check_some_passes(scenario, candidates.table)
    if weather is not None:
        candidates = candidates.with_table(with_weather(candidates.table, weather,
                                                        typical_year=typical_year))
    planned = candidates.table
    if scenario.serve_demand and scenario.demands:
        # plan for the pairs' demand; the cloud draws then fall on that plan
        joint, _ = schedule_for_demand(scenario, planned)
        keys = ["satellite", "station", "rise_utc"]
        chosen = pd.MultiIndex.from_frame(joint.served[keys])
        planned = planned[pd.MultiIndex.from_frame(planned[keys]).isin(chosen)]
    result = forecast_key(
        planned, list(scenario.stations), config=scenario.schedule,
        method=scenario.schedule_method, fibre_links=scenario.fibre_links,
        demands=scenario.demands, key_store_bits=scenario.key_store_bits, samples=samples,
        relay_samples=relay_samples, seed=seed, time_step_s=scenario.relay_time_step_s,
        relay_objective=scenario.relay_objective, ground_store_bits=scenario.ground_store_bits,
        start=scenario.start, days=scenario.days, progress=progress,
        correlation_length_km=correlation_length_km)
    # the routes the expected key would take, for the report's map and headlines
    served = result["schedule"].served
    relay = (relay_scenario(scenario, served) if scenario.demands and len(served) else None)
    result.update(candidates=candidates, scenario=scenario, relay=relay)
    return result
