"""The whole chain for many passes: geometry -> link budget -> secret key.

:func:`pass_budgets` samples every pass of a :func:`~orbitqkd.core.events.find_passes`
table (one SGP4 call per satellite, :func:`~orbitqkd.core.events.pass_tracks`) and
runs the vectorised :func:`~orbitqkd.core.budget.link_budget` once per (satellite,
station) group, so a year of passes costs seconds, not a loop over samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .core.budget import Link, link_budget, link_preset
from .errors import InputError
from .core.events import pass_tracks
from .io.stations import get_stations
from .io.tle import load_satellites


def _link_for(links, satellite_name: str, norad_id: int) -> Link:
    """The link of one satellite: one Link / preset for all, or a mapping by name or NORAD id."""
    if isinstance(links, (Link, str)):
        return link_preset(links) if isinstance(links, str) else links
    for key in (satellite_name, norad_id, str(norad_id)):
        if key in links:
            chosen = links[key]
            return link_preset(chosen) if isinstance(chosen, str) else chosen
    raise InputError(
        f"link for satellite = {satellite_name!r} (NORAD {norad_id}) is not given; "
        f"links are given for {', '.join(map(str, links))}"
    )


def pass_budgets(passes: pd.DataFrame, satellites, links, stations=None,
                 step_s: float = 1.0) -> pd.DataFrame:
    """Link budget of every pass, sampled every ``step_s`` from rise to set.

    Parameters
    ----------
    passes : pandas.DataFrame
        A :func:`~orbitqkd.core.events.find_passes` table (row labels become ``pass_id``).
    satellites : list of Satellite or str
        The satellites of the table.
    links : Link, str or mapping
        One link (or preset name) for every pass, or a mapping from satellite
        name or NORAD id to a link or preset name.
    stations : list of GroundStation or names, optional
        The stations of the table; default: looked up by name.
    step_s : float
        Sample spacing [s]; the key of a pass is a sum over its samples, so
        5-10 s samples give the same key to a fraction of a percent.

    Returns
    -------
    pandas.DataFrame
        Long table: ``pass_id``, ``satellite``, ``norad_id``, ``station``, the
        track columns and :data:`orbitqkd.core.budget.BUDGET_COLUMNS`.
        ``attrs["per_pass"]`` maps ``pass_id`` to that pass's budget attrs
        (repetition rate, gate, dead time, wavelength, link name, ...).
    """
    if len(passes) == 0:
        out = pd.DataFrame()
        out.attrs["per_pass"] = {}
        return out
    t0 = pd.to_datetime(passes["rise_utc"], utc=True).min()
    sats = satellites if isinstance(satellites, list) else load_satellites(satellites, near=t0)
    stas = get_stations(sorted(set(passes["station"])) if stations is None else stations)
    by_name = {s.name: s for s in stas}
    tracks = pass_tracks(passes, sats, stas, step_s=step_s)
    parts, per_pass = [], {}
    for (name, norad, station), group in tracks.groupby(["satellite", "norad_id", "station"],
                                                         sort=False):
        group = group.copy()
        group.attrs = {"sample_s": float(step_s), "station": station}
        budget = link_budget(group, _link_for(links, name, int(norad)), by_name[station])
        attrs = {k: v for k, v in budget.attrs.items() if k != "per_pass"}
        per_pass.update({pid: attrs for pid in np.unique(budget["pass_id"])})
        parts.append(budget)
    out = pd.concat(parts, ignore_index=True).sort_values(["pass_id", "time_utc"], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs = {"per_pass": per_pass, "sample_s": float(step_s)}
    return out


KEY_COLUMNS = [
    "usable_s", "mean_loss_db", "detections", "sifted_bits", "qber_percent", "secret_bits",
    "key_bits", "secret_rate_bps", "zero_reason",
]


def pass_keys(passes: pd.DataFrame, budgets: pd.DataFrame, protocol=None, *,
              progress: bool = False) -> pd.DataFrame:
    """Secret key of every pass from its budget (:func:`pass_budgets`).

    Returns ``passes`` with :data:`KEY_COLUMNS` added: ``usable_s`` (samples
    above the horizon with a finite budget), ``mean_loss_db`` over them,
    detections, sifted bits, QBER, ``secret_bits`` (finite-key or asymptotic
    as the protocol says; ``key_bits`` is the same number, the column the
    scheduler reads) and ``zero_reason`` when a pass yields nothing.
    """
    from .core.keyrate.passkey import pass_key

    out = passes.copy()
    for col in KEY_COLUMNS:
        out[col] = "" if col == "zero_reason" else 0.0
    if len(passes) == 0:
        return out
    per_pass = budgets.attrs.get("per_pass", {})
    # pandas deep-copies attrs on every operation: drop the per-pass map (one
    # entry per pass) from the frame we slice, or each slice copies it
    budgets = budgets.copy(deep=False)
    budgets.attrs = {k: v for k, v in budgets.attrs.items() if k != "per_pass"}
    groups = budgets.groupby("pass_id", sort=False) if len(budgets) else []
    if progress:
        from tqdm.auto import tqdm

        groups = tqdm(groups, total=budgets["pass_id"].nunique(), desc="secret key", unit="pass")
    numeric = [c for c in KEY_COLUMNS if c != "zero_reason"]
    ids, values, reasons = [], [], []
    for pid, budget in groups:
        attrs = per_pass.get(pid, budgets.attrs)
        key = pass_key(budget, protocol, repetition_rate_hz=attrs.get("repetition_rate_hz"),
                       gate_width_ns=attrs.get("gate_width_ns"), sample_s=attrs.get("sample_s"))
        loss = budget["total_loss_db"].to_numpy()
        usable = budget["above_horizon"].to_numpy(bool) & np.isfinite(loss)
        ids.append(pid)
        values.append([
            key.duration_s, float(loss[usable].mean()) if usable.any() else np.nan,
            key.detections, key.sifted_bits, 100.0 * key.qber, key.secret_bits, key.secret_bits,
            key.secret_bits / key.duration_s if key.duration_s else 0.0,
        ])
        reasons.append(key.zero_reason)
    if ids:  # one assignment for all passes (row-by-row .loc is slow)
        out.loc[ids, numeric] = np.array(values, dtype=float)
        out.loc[ids, "zero_reason"] = reasons
    missing = ~out.index.isin(budgets["pass_id"].unique() if len(budgets) else [])
    out.loc[missing, "zero_reason"] = "below horizon"
    return out


def candidate_passes(satellites, stations, start, *, days=None, end=None, links="micius-xinglong",
                     protocol=None, step_s: float = 5.0, min_elevation_deg=None,
                     progress: bool = False) -> pd.DataFrame:
    """Every pass with its expected secret key: the scheduler's candidates.

    :func:`~orbitqkd.core.events.find_passes`, then :func:`pass_budgets` and
    :func:`pass_keys`. ``links`` and ``protocol`` as there.

    >>> c = candidate_passes("micius", ["Xinglong"], "2016-12-19", days=1)
    >>> c[["dark", "zero_reason"]].values.tolist()
    [[False, 'QBER above threshold'], [True, '']]
    """
    from .core.events import find_passes

    t0 = pd.Timestamp(start)
    sats = load_satellites(satellites, near=t0) if not isinstance(satellites, list) else satellites
    passes = find_passes(sats, stations, start, end=end, days=days,
                         min_elevation_deg=min_elevation_deg, progress=progress)
    budgets = pass_budgets(passes, sats, links, stations=stations, step_s=step_s)
    return pass_keys(passes, budgets, protocol, progress=progress)


def scenario_satellites(scenario) -> tuple[list, dict]:
    """The satellites of a scenario and the link preset of each (by satellite name)."""
    sats, links = [], {}
    for spec in scenario.satellites:
        for s in spec.load(near=scenario.start):
            if s.name in links:
                raise InputError(f"satellite = {s.name!r} appears twice in the scenario; "
                                 "give each satellite once (or a distinct name)")
            sats.append(s)
            links[s.name] = spec.link
    return sats, links


def scenario_candidates(scenario, *, step_s: float = 5.0, progress: bool = False,
                        climate_source=None, scheduler=None) -> pd.DataFrame:
    """Candidate passes of a scenario with their secret key and cloud-free probability.

    Passes of every satellite over every station in the scenario's span, the
    key of each (decoy-state BB84 per pass, the satellite's link preset), and
    ``cloud_free_probability``: the scenario's value for a station when it
    gives one, else the bundled monthly climatology (or ``climate_source``).
    With a Dask ``scheduler`` (see :func:`orbitqkd.executors.find_passes_dask`)
    passes and keys are computed in shards, with the same result.
    """
    from .network.forecast import with_cloud_probability
    from .core.events import find_passes

    sats, links = scenario_satellites(scenario)
    stations = list(scenario.stations)
    if scheduler is not None:
        from .executors import find_passes_dask, pass_keys_dask

        passes = find_passes_dask(sats, stations, scenario.start, days=scenario.days,
                                  scheduler=scheduler, progress=progress)
        keyed = pass_keys_dask(passes, sats, links, stations, step_s=step_s,
                               scheduler=scheduler, progress=progress)
    else:
        passes = find_passes(sats, stations, scenario.start, days=scenario.days,
                             progress=progress)
        budgets = pass_budgets(passes, sats, links, stations=stations, step_s=step_s)
        keyed = pass_keys(passes, budgets, progress=progress)
    return with_cloud_probability(keyed, source=climate_source,
                                  overrides=scenario.cloud_free_probability)


DUAL_COLUMNS = [
    "satellite", "norad_id", "station_a", "station_b", "start_utc", "end_utc", "duration_s",
    "coincidences", "sifted_bits", "qber_percent", "secret_bits", "zero_reason",
]


def dual_downlink_passes(satellites, station_a, station_b, start, *, days=None, end=None,
                         link="micius-xinglong", protocol=None, step_s: float = 1.0,
                         min_elevation_deg=None) -> pd.DataFrame:
    """Entanglement-based BBM92 key of every dual downlink (both stations in view at once).

    The satellite's pair source sends one photon of each pair to each station:
    the windows where a satellite is above both stations' floors are sampled on
    one time grid, each arm gets its link budget (``link`` with the station's
    own aperture), and :func:`orbitqkd.core.keyrate.dual_downlink_key` gives the
    coincidences, QBER and key (Ma, Fung & Lo 2007; Yin et al. 2017, 2020).

    Returns
    -------
    pandas.DataFrame
        One row per common window, columns :data:`DUAL_COLUMNS`.
    """
    from .core.keyrate.passkey import dual_downlink_key
    from .core.events import _sample_tracks, find_passes

    t0 = pd.Timestamp(start)
    sats = load_satellites(satellites, near=t0) if not isinstance(satellites, list) else satellites
    a, b = get_stations([station_a, station_b])
    passes = find_passes(sats, [a, b], start, end=end, days=days,
                         min_elevation_deg=min_elevation_deg)
    rows = []
    by_norad = {s.norad_id: k for k, s in enumerate(sats)}
    for norad, p in passes.groupby("norad_id"):
        pa, pb = p[p.station == a.name], p[p.station == b.name]
        for _, ra in pa.iterrows():
            for _, rb in pb.iterrows():
                w0, w1 = max(ra.rise_utc, rb.rise_utc), min(ra.set_utc, rb.set_utc)
                if w1 <= w0:
                    continue
                span = (w1 - w0).total_seconds()
                k = by_norad[norad]
                arms = [_sample_tracks(sats, [k], [st], [0], w0, [0.0], [span], step_s)
                        .drop(columns="pass_id") for st in (a, b)]
                budgets = []
                for st, track in zip((a, b), arms):
                    track.attrs = {"sample_s": float(step_s), "station": st.name}
                    budgets.append(link_budget(track, link_preset(link) if isinstance(link, str)
                                               else link, st))
                key = dual_downlink_key(budgets[0], budgets[1], protocol, sample_s=step_s)
                rows.append({
                    "satellite": sats[k].name, "norad_id": norad, "station_a": a.name,
                    "station_b": b.name, "start_utc": w0, "end_utc": w1, "duration_s": span,
                    "coincidences": key.detections, "sifted_bits": key.sifted_bits,
                    "qber_percent": 100.0 * key.qber, "secret_bits": key.secret_bits,
                    "zero_reason": key.zero_reason,
                })
    return pd.DataFrame(rows, columns=DUAL_COLUMNS)


def schedule_scenario(scenario, candidates: pd.DataFrame | None = None, *, method=None,
                      objective=None, step_s: float = 5.0, progress: bool = False,
                      climate_source=None, scheduler=None):
    """Schedule a scenario's passes: which station each satellite serves, and when.

    ``candidates`` defaults to :func:`scenario_candidates` (on Dask with
    ``scheduler``). Spans longer than
    the scenario's ``horizon_days`` are solved by
    :func:`~orbitqkd.network.schedule.rolling_horizon`, shorter ones in one
    :func:`~orbitqkd.network.schedule.schedule_passes`. ``method`` and ``objective``
    override the scenario's.

    Returns
    -------
    orbitqkd.network.schedule.ScheduleResult
    """
    import dataclasses

    from .network.schedule import rolling_horizon, schedule_passes

    if candidates is None:
        candidates = scenario_candidates(scenario, step_s=step_s, progress=progress,
                                         climate_source=climate_source, scheduler=scheduler)
    config = scenario.schedule
    if objective is not None:
        config = dataclasses.replace(config, objective=objective)
    method = method or scenario.schedule_method
    if scenario.days > scenario.horizon_days:
        return rolling_horizon(candidates, config, horizon_days=scenario.horizon_days,
                               step_days=scenario.step_days, method=method)
    return schedule_passes(candidates, config, method=method)


def relay_scenario(scenario, schedule, *, objective=None):
    """Forward key between a scenario's user pairs over its served passes and fibre.

    ``schedule`` is a :class:`~orbitqkd.network.schedule.ScheduleResult` (or a table of
    served passes); the relay runs :func:`~orbitqkd.network.relay.relay_flow` over the
    scenario's span with its fibre links, demands and key stores.

    Returns
    -------
    orbitqkd.network.relay.RelayResult
    """
    from .network.relay import relay_flow

    if not scenario.demands:
        raise InputError(f"scenario {scenario.name!r} has no [[demands]]; give at least one "
                         "user pair to relay key between")
    return relay_flow(schedule, scenario.fibre_links, scenario.demands,
                      key_store_bits=scenario.key_store_bits, start=scenario.start,
                      days=scenario.days, time_step_s=scenario.relay_time_step_s,
                      objective=objective or scenario.relay_objective,
                      ground_store_bits=scenario.ground_store_bits)
