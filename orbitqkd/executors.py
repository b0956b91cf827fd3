"""Scale-out of the pass engine with Dask: shards by satellites and by time.

:func:`find_passes_dask` splits a large pass search (thousands of satellites,
many stations, weeks) into shards of at most ``shard_satellites`` satellites
and ``shard_days`` days, runs :func:`orbitqkd.core.events.find_passes` on every
shard as one Dask task, and stitches passes cut by a time-shard boundary back
together, so the result equals the single-process :func:`find_passes` over the
whole span.

Why the result is the same
--------------------------
* Every shard uses the coarse step of the whole satellite set (not of its own
  chunk) and time shards are a whole number of steps long, so the shards' grids
  are exactly the single-process grid, cut at shared samples. Every event
  bracket is therefore the same bracket, refined by the same iteration.
* A pass above the floor at a boundary sample comes back as two pieces, one
  flagged ``ends_after_window`` (set at the boundary) and one flagged
  ``starts_before_window`` (rise at the boundary). They are joined: rise from
  the first piece, set from the last, culmination the highest *refined*
  maximum of the pieces (a piece's fallback "culmination" at its own end
  counts only when no piece holds a refined maximum, as in ``find_passes``),
  and ``min_range_km`` recomputed at the joined rise, culmination and set.
* Satrec objects do not pickle (sgp4 2.27 C extension), so satellites travel
  to workers as their SGP4 mean elements and are rebuilt with
  ``Satrec.sgp4init``; the rebuilt satellite's positions agree with the
  original's to < 1e-7 km (the epoch is re-split into whole and fractional
  Julian date).

References
----------
Dask Development Team, "Dask: Library for dynamic task scheduling" (2016),
https://dask.org; ``dask.delayed`` and ``distributed.Client`` documentation.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import pickle
import warnings

import numpy as np
import pandas as pd

from sgp4.api import WGS72, Satrec
from tqdm.auto import tqdm

from .core.events import (
    DARK_SUN_ELEVATION_DEG, PASS_COLUMNS, _stale_warning, check_satellites, check_stations,
    default_step_s, find_passes, resolve_span,
)
from .constants import DAY_S, SGP4_EPOCH_ORIGIN_JD
from .core.orbits import TimeBase, enu_basis, look_angles, propagate_one_ecef
from .errors import InputError, StaleElementsWarning, check_range
from .model import PassTable, Satellite

#: Dask's local schedulers, chosen by name
LOCAL_SCHEDULERS = ("threads", "processes", "sync", "synchronous")
#: Workers of the LocalCluster started when ``scheduler`` is None (2-core machines)
DEFAULT_LOCAL_WORKERS = 2

# the Satrec attributes that sgp4init needs, in its argument order after whichconst
_ELEMENT_FIELDS = ("operationmode", "satnum", "bstar", "ndot", "nddot", "ecco", "argpo",
                   "inclo", "mo", "no_kozai", "nodeo")
# window edges are rounded to the microsecond, so the two pieces of a pass
# cut at an edge may disagree on it by a microsecond or two
_SAME_BOUNDARY = pd.Timedelta(milliseconds=1)


# --- satellites on the wire -------------------------------------------------

def satellite_to_wire(sat: Satellite) -> tuple:
    """Picklable form of a satellite: name, NORAD id, epoch and SGP4 mean elements.

    ``sgp4.api.Satrec`` (the C extension of sgp4 >= 2.0) cannot be pickled, so
    Dask could not ship it to worker processes; this tuple can.
    """
    r = sat.satrec
    epoch_days = (r.jdsatepoch - SGP4_EPOCH_ORIGIN_JD) + r.jdsatepochF  # days since 1949-12-31 0h
    return (sat.name, sat.norad_id, sat.epoch, epoch_days,
            tuple(getattr(r, f) for f in _ELEMENT_FIELDS))


def satellite_from_wire(data: tuple) -> Satellite:
    """Rebuild a :class:`~orbitqkd.model.Satellite` from :func:`satellite_to_wire` data."""
    name, norad_id, epoch, epoch_days, el = data
    opsmode, satnum, *rest = el
    satrec = Satrec()
    satrec.sgp4init(WGS72, opsmode, satnum, epoch_days, *rest)
    return Satellite(name=name, norad_id=norad_id, satrec=satrec, epoch=epoch)


# --- shards -----------------------------------------------------------------

@contextlib.contextmanager
def _stale_warnings_off(quiet: bool):
    """Silence StaleElementsWarning in a worker (it was given once on the client)."""
    if not quiet:
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaleElementsWarning)
        yield


def _shard_task(sat_blob, stations, start, end, kwargs, quiet):
    """One shard: rebuild the satellites and run find_passes (runs on a worker).

    ``sat_blob`` is the pickled list of :func:`satellite_to_wire` tuples: one
    bytes object that Dask neither traverses nor tokenizes element by element.
    """
    sats = [satellite_from_wire(d) for d in pickle.loads(sat_blob)]
    with _stale_warnings_off(quiet):
        return find_passes(sats, stations, start, end, **kwargs).table


def time_shards(start: pd.Timestamp, end: pd.Timestamp, step_s: float,
                shard_days: float) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Cut [start, end] into windows a whole number of ``step_s`` long.

    Each window is ``shard_days`` rounded to whole coarse steps (at least one),
    so every window's grid is the single-process grid; the last ends at ``end``.
    """
    span_s = (end - start).total_seconds()
    steps = max(1, int(round(float(shard_days) * DAY_S / step_s)))
    width_s = steps * float(step_s)
    n = max(1, int(math.ceil(span_s / width_s - 1e-9)))
    edges = [start + pd.to_timedelta(round(i * width_s * 1e6), unit="us") for i in range(n)]
    edges = [e for e in edges if e < end] + [end]  # no empty last window after rounding
    return list(zip(edges[:-1], edges[1:]))


def stitch_passes(shards: list[pd.DataFrame], satellites=None, stations=None) -> pd.DataFrame:
    """Join passes cut at shared time-shard boundaries into whole passes.

    Parameters
    ----------
    shards : list of DataFrame
        :func:`~orbitqkd.core.events.find_passes` results of consecutive time windows
        (satellite shards of one window may be concatenated), in time order.
    satellites : list of Satellite, optional
    stations : list of GroundStation, optional
        With both, ``min_range_km`` of a joined pass is recomputed at its rise,
        culmination and set (as ``find_passes`` defines it); otherwise it is the
        minimum over the pieces (which includes the range at the boundary).

    Returns
    -------
    DataFrame
        Columns :data:`~orbitqkd.core.events.PASS_COLUMNS`, sorted as ``find_passes``.
    """
    frames = [df for df in shards if len(df)]
    if not frames:
        return shards[0].copy() if shards else pd.DataFrame(columns=PASS_COLUMNS)

    def close(pieces):
        return _join(pieces) if len(pieces) > 1 else pieces[0]

    # only passes touching a window edge can need joining; the rest pass through
    whole, rows = [], []
    open_: dict[tuple, list[dict]] = {}  # pieces of passes still running at the last edge
    for df in frames:
        cut = (df["starts_before_window"] | df["ends_after_window"]).to_numpy()
        whole.append(df[~cut])
        nxt: dict[tuple, list[dict]] = {}
        for rec in df[cut].to_dict("records"):
            key = (rec["satellite"], rec["norad_id"], rec["station"])
            pieces = open_.pop(key, None) if rec["starts_before_window"] else None
            if pieces is not None and abs(rec["rise_utc"] - pieces[-1]["set_utc"]) > _SAME_BOUNDARY:
                rows.append(close(pieces))  # not a continuation: close the open pass
                pieces = None
            pieces = (pieces or []) + [rec]
            if rec["ends_after_window"]:
                nxt[key] = pieces
            else:
                rows.append(close(pieces))
        rows.extend(close(p) for p in open_.values())
        open_ = nxt
    rows.extend(close(p) for p in open_.values())
    joined = pd.DataFrame(rows, columns=PASS_COLUMNS)
    if satellites is not None and stations is not None:
        _recompute_min_range(joined, [r.get("_joined", False) for r in rows], satellites, stations)
    joined = joined.astype(frames[0].dtypes.to_dict())
    out = pd.concat([w for w in whole + [joined] if len(w)], ignore_index=True)
    return out.sort_values(["rise_utc", "station", "norad_id"], kind="stable").reset_index(drop=True)


def _join(pieces: list[dict]) -> dict:
    """One pass from its consecutive pieces (see module notes)."""
    first, last = pieces[0], pieces[-1]
    refined = [p for p in pieces if p["rise_utc"] < p["culmination_utc"] < p["set_utc"]]
    if refined:
        best = max(refined, key=lambda p: p["max_elevation_deg"])
    else:  # no refined maximum anywhere: the higher end, as find_passes does
        best = first if first["max_elevation_deg"] >= last["max_elevation_deg"] else last
        if best is first and first["culmination_utc"] != first["rise_utc"]:
            best = dict(first, culmination_utc=first["rise_utc"],
                        culmination_azimuth_deg=first["rise_azimuth_deg"])
        elif best is last and last["culmination_utc"] != last["set_utc"]:
            best = dict(last, culmination_utc=last["set_utc"],
                        culmination_azimuth_deg=last["set_azimuth_deg"])
    rec = dict(first)
    rec.update(
        culmination_utc=best["culmination_utc"],
        max_elevation_deg=best["max_elevation_deg"],
        culmination_azimuth_deg=best["culmination_azimuth_deg"],
        sun_elevation_deg=best["sun_elevation_deg"],
        dark=best["dark"],
        set_utc=last["set_utc"],
        set_azimuth_deg=last["set_azimuth_deg"],
        duration_s=(last["set_utc"] - first["rise_utc"]).total_seconds(),
        min_range_km=min(p["min_range_km"] for p in pieces),
        starts_before_window=first["starts_before_window"],
        ends_after_window=last["ends_after_window"],
        _joined=True,
    )
    return rec


def _recompute_min_range(out: pd.DataFrame, joined: list[bool], satellites, stations) -> None:
    """``min_range_km`` of joined passes: min of the ranges at rise, culmination, set."""
    sat_by_key = {(s.name, s.norad_id): s for s in satellites}
    sta_by_name = {s.name: s for s in stations}
    col = out.columns.get_loc("min_range_km")
    for i in np.flatnonzero(joined):
        r = out.iloc[i]
        sat, sta = sat_by_key[(r["satellite"], r["norad_id"])], sta_by_name[r["station"]]
        t0 = r["rise_utc"]
        seconds = np.array([0.0, (r["culmination_utc"] - t0).total_seconds(),
                            (r["set_utc"] - t0).total_seconds()])
        pos, vel = propagate_one_ecef(sat.satrec, TimeBase.for_span(t0, seconds[-1]), seconds)
        look = look_angles(pos, vel, sta.ecef_km(), enu_basis(sta.latitude_deg, sta.longitude_deg))
        out.iat[i, col] = float(np.min(look["range_km"]))


# --- schedulers -------------------------------------------------------------

def _dask():
    """The dask module, or one line saying which extra to install."""
    try:
        import dask
        import distributed  # noqa: F401  (the schedulers below need it)
    except ImportError:
        raise InputError("scheduler needs Dask: install it with "
                         "python -m pip install 'orbitqkd[scale]'") from None
    return dask


def local_cluster(n_workers: int = DEFAULT_LOCAL_WORKERS, **kwargs):
    """A :class:`distributed.LocalCluster` of single-threaded worker processes tuned for numpy.

    Dask's nannies start workers with ``MALLOC_TRIM_THRESHOLD_=65536``
    (``distributed.nanny.pre-spawn-environ``). Setting any glibc malloc
    threshold turns off glibc's dynamic mmap threshold, so every large numpy
    temporary becomes a fresh ``mmap`` with page faults on first touch; the pass
    engine then runs 1.8x slower (measured: 1250 LEO satellites x 15 stations
    x 1 day, 1.1 s vs 1.9 s). The workers started here keep glibc's defaults.
    For a cluster of your own, remove that key from the nannies' configuration.

    Parameters
    ----------
    n_workers : int
        Worker processes (one thread each; numpy's BLAS threads stay at one).
    **kwargs
        Passed to :class:`distributed.LocalCluster`.
    """
    dask = _dask()
    from distributed import LocalCluster

    check_range("n_workers", n_workers, 1, 1024)
    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    options = dict(n_workers=int(n_workers), threads_per_worker=1, processes=True,
                   dashboard_address=None)
    options.update(kwargs)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return LocalCluster(**options)


@contextlib.contextmanager
def _compute_with(scheduler, progress=False):
    """Yield ``compute(tasks) -> list`` for the scheduler; close what was opened here.

    With ``progress``, a tqdm bar counts finished shards.
    """
    dask = _dask()

    if isinstance(scheduler, str) and scheduler in LOCAL_SCHEDULERS:
        with warnings.catch_warnings():  # one filter change, in this thread, for all threads
            warnings.simplefilter("ignore", StaleElementsWarning)
            if progress:
                from dask.callbacks import Callback

                def run(tasks):
                    keys = {t.key for t in tasks}
                    with tqdm(total=len(tasks), desc="shards", unit="shard") as bar, \
                            Callback(posttask=lambda key, *_: bar.update(key in keys)):
                        return list(dask.compute(*tasks, scheduler=scheduler))

                yield run
                return
            yield lambda tasks: list(dask.compute(*tasks, scheduler=scheduler))
        return
    from distributed import Client

    def on(client):
        def run(tasks):
            futures = client.compute(tasks)
            if progress:
                from distributed import as_completed

                for _ in tqdm(as_completed(futures), total=len(futures), desc="shards", unit="shard"):
                    pass
            return client.gather(futures)
        return run

    if scheduler is None or scheduler == "local":
        with local_cluster() as cluster, Client(cluster) as client:
            yield on(client)
        return
    if isinstance(scheduler, Client):
        yield on(scheduler)
        return
    if isinstance(scheduler, str):
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, ValueError, TimeoutError) as exc:
            raise InputError(
                f"scheduler = {scheduler!r} cannot be reached ({exc.__class__.__name__}); give a "
                f"Dask scheduler address (tcp://host:8786), 'local', or one of "
                f"{', '.join(LOCAL_SCHEDULERS)}") from None
        with client:
            yield on(client)
        return
    raise InputError(
        f"scheduler = {scheduler!r} is not known; give None or 'local', a Dask scheduler address, "
        f"a distributed.Client, or one of {', '.join(LOCAL_SCHEDULERS)}")


def run_tasks(func, arguments, scheduler=None, progress: bool = False) -> list:
    """``[func(*args) for args in arguments]`` as Dask tasks on ``scheduler``.

    ``func`` must be a module-level function (workers import it by name);
    ``scheduler`` as :func:`find_passes_dask`.
    """
    dask = _dask()
    task = dask.delayed(func, pure=True)
    with _compute_with(scheduler, progress) as compute:
        return compute([task(*args) for args in arguments])


def quiet_workers(scheduler) -> bool:
    """Whether workers should silence stale-element warnings (given once on the client)."""
    return not (isinstance(scheduler, str) and scheduler in LOCAL_SCHEDULERS)


def find_passes_dask(
    satellites,
    stations,
    start,
    end=None,
    days=None,
    *,
    scheduler=None,
    shard_satellites: int = 200,
    shard_days: float = 1.0,
    **find_passes_kwargs,
) -> PassTable:
    """Every pass of every satellite over every station, computed with Dask.

    Same result as :func:`orbitqkd.core.events.find_passes` over the whole span
    (same rows; times agree to < 1 ms), computed in shards of
    ``shard_satellites`` satellites x ``shard_days`` days.

    Parameters
    ----------
    satellites, stations, start, end, days
        As :func:`~orbitqkd.core.events.find_passes` (objects, not names).
    scheduler : None, str or distributed.Client
        ``None`` or ``"local"``: start a :class:`distributed.LocalCluster` of
        two single-threaded worker processes, and close it at the end; a
        scheduler address (``"tcp://host:8786"``): connect a
        :class:`distributed.Client`; a ``Client``: use it as is;
        ``"threads"``, ``"processes"`` or ``"sync"``: Dask's local schedulers.
    shard_satellites : int
        Satellites per shard (>= 1).
    shard_days : float
        Length of a time shard [days], rounded to whole coarse grid steps.
    **find_passes_kwargs
        ``min_elevation_deg``, ``step_s``, ``dark_sun_elevation_deg``,
        ``chunk_size`` of :func:`~orbitqkd.core.events.find_passes`; ``progress``
        shows a bar over finished shards.

    Returns
    -------
    PassTable
    """
    check_range("shard_satellites", shard_satellites, 1, 1_000_000)
    check_range("shard_days", shard_days, 1e-3, 3660.0)
    unknown = set(find_passes_kwargs) - {"min_elevation_deg", "step_s", "dark_sun_elevation_deg",
                                        "chunk_size", "progress"}
    if unknown:
        raise InputError(f"find_passes_dask got unknown options: {', '.join(sorted(unknown))}")
    kwargs = dict(find_passes_kwargs)
    progress = bool(kwargs.pop("progress", False))
    kwargs["progress"] = False  # per shard; the bar below counts shards
    kwargs.setdefault("dark_sun_elevation_deg", DARK_SUN_ELEVATION_DEG)
    t0, t1 = resolve_span(start, end, days)
    sats = check_satellites(satellites)
    keys = [(s.name, s.norad_id) for s in sats]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise InputError(f"satellites hold {dup[0]!r} (NORAD {dup[1]}) more than once; "
                         "find_passes_dask needs unique (name, NORAD id) pairs")
    stas = check_stations(stations)
    if kwargs.get("min_elevation_deg") is not None:  # the stations the passes are computed for
        check_range("min_elevation_deg", kwargs["min_elevation_deg"], -5.0, 90.0,
                    high_inclusive=False)
        stas = tuple(dataclasses.replace(s, min_elevation_deg=float(kwargs.pop("min_elevation_deg")))
                     for s in stas)
    kwargs.pop("min_elevation_deg", None)
    if kwargs.get("step_s") is None:  # one grid for every shard: the whole set's step
        kwargs["step_s"] = default_step_s(sats)
    check_range("step_s", kwargs["step_s"], 0.5, 600.0)
    _stale_warning(sats, t0, t1)

    wire = [satellite_to_wire(s) for s in sats]
    blobs = {c0: pickle.dumps(wire[c0:c0 + int(shard_satellites)])
             for c0 in range(0, len(wire), int(shard_satellites))}
    windows = time_shards(t0, t1, kwargs["step_s"], shard_days)
    quiet = quiet_workers(scheduler)
    arguments, index = [], []
    for w, (a, b) in enumerate(windows):
        for c0 in range(0, len(wire), int(shard_satellites)):
            arguments.append((blobs[c0], stas, a, b, kwargs, quiet))
            index.append(w)
    results = run_tasks(_shard_task, arguments, scheduler, progress)
    per_window = [pd.concat([r for r, i in zip(results, index) if i == w and len(r)] or
                            [results[index.index(w)]], ignore_index=True)
                  for w in range(len(windows))]
    return PassTable(stitch_passes(per_window, sats, stas), sats, stas, t0, t1)
