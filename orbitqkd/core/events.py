"""The pass engine: every pass of many satellites over many stations.

Algorithm
---------
1. Propagate all satellites on a coarse time grid at once (``SatrecArray``,
   straight to the Earth-fixed frame, :mod:`orbitqkd.core.orbits`); 1/16 of
   the shortest period by default (:func:`default_step_s`).
2. For each station, find on the grid (a) where the elevation above the
   station's floor changes sign (rise and set brackets) and (b) where the
   elevation *rate*, known analytically from the SGP4 velocity, changes from
   positive to negative (culmination brackets). Bracket (b) catches grazing
   passes shorter than the grid step: a pass is kept when the refined maximum
   clears the floor, even if no grid sample does.
3. Refine every bracket by safeguarded Newton iteration on the quintic
   Hermite interpolant of the grid states (positions, velocities and J2
   accelerations), with no further SGP4 calls.

Steps 2 and 3 are compiled loops (:mod:`orbitqkd.core.passkernels`).

This finds the events Skyfield's ``EarthSatellite.find_events`` finds (same
SGP4, same TEME frame), see ``tests/test_passes.py``,
``tests/test_pass_accuracy.py`` and ``scripts/bench_passes.py``.
"""

from __future__ import annotations

import ctypes
import dataclasses
import warnings

import numpy as np
import pandas as pd

from tqdm.auto import tqdm

from ..constants import DAY_S, EARTH_MEAN_RADIUS_KM, WGS84_A_KM
from ..errors import InputError, StaleElementsWarning, check_range
from ..model import GroundStation, PassTable, Satellite, epoch_age_days
from ..timescales import check_span, parse_utc, timestamps, utc_seconds_grid
from .ephemeris import (body_elevation_deg, moon_illuminated_fraction, separation_deg, sun_ecef_km,
                        sun_moon_ecef_km)
from . import passkernels
from .orbits import (APOGEE_MARGIN, EARTH_ROTATION_RAD_S, TimeBase, apogee_radius_km,
                     ecef_to_geodetic_altitude_km, enu_basis, look_angles, propagate_ecef,
                     propagate_one_ecef, propagate_teme)
from .passkernels import CLEARANCE_MAX, CROSSING, ELEVATION_MAX, STATE_COLUMNS, crossing_clearance
from .passkernels import CULM as _CULM, FLOOR_MAX as _FLOOR_MAX, RISE as _RISE, SET as _SET
from .passkernels import UP_AT_END as _UP_AT_END, UP_AT_START as _UP_AT_START

#: Sun elevation below which a station counts as dark (astronomical twilight ends) [deg]
DARK_SUN_ELEVATION_DEG = -12.0
#: Propagating further than this from the element epoch raises a warning [days]
STALE_AFTER_DAYS = 14.0

PASS_COLUMNS = [
    "satellite", "norad_id", "station", "rise_utc", "culmination_utc", "set_utc",
    "max_elevation_deg", "duration_s", "min_range_km", "rise_azimuth_deg",
    "culmination_azimuth_deg", "set_azimuth_deg", "sun_elevation_deg", "dark",
    "starts_before_window", "ends_after_window",
]


class _Stations:
    """Station geometry and elevation floors as the arrays the compiled loops take.

    ``mask_az`` / ``mask_el`` hold each horizon mask padded across 0/360 deg as
    ``numpy.interp(..., period=360)`` pads it (``mask_len`` points, 0 without a mask).
    """

    def __init__(self, stations):
        self.stations = stations
        self.sites = np.array([s.ecef_km() for s in stations])
        self.bases = np.array([enu_basis(s.latitude_deg, s.longitude_deg) for s in stations])
        self.min_el = np.array([s.min_elevation_deg for s in stations], dtype=float)
        self.masked = np.array([bool(s.horizon_mask) for s in stations])
        masks = [np.array(s.horizon_mask, dtype=float).reshape(-1, 2) for s in stations]
        width = max(len(m) for m in masks) + 2
        self.mask_len = np.array([len(m) + 2 if len(m) else 0 for m in masks], dtype=np.int64)
        self.mask_az = np.zeros((len(stations), width))
        self.mask_el = np.zeros((len(stations), width))
        for k, m in enumerate(masks):
            if len(m):
                order = np.argsort(m[:, 0] % 360.0, kind="stable")
                az, el = m[order, 0] % 360.0, m[order, 1]
                self.mask_az[k, :len(m) + 2] = np.concatenate([az[-1:] - 360.0, az, az[:1] + 360.0])
                self.mask_el[k, :len(m) + 2] = np.concatenate([el[-1:], el, el[:1]])
        floor = np.radians(self.min_el)
        # one row per station (passkernels.station): site [km], east, north, up unit vectors,
        # minimum elevation [deg] and its sine and cosine
        self.geometry = np.ascontiguousarray(np.column_stack(
            [self.sites, self.bases.reshape(-1, 9), self.min_el, np.sin(floor), np.cos(floor)]))

    def tables(self):
        """The arguments of the compiled loops that describe the stations."""
        return (self.geometry, self.mask_len, self.mask_az, self.mask_el)


class _Brackets:
    """Grid intervals holding an event, with the satellite state at both ends.

    ``state`` (brackets x 18) holds the Earth-fixed position, velocity and
    acceleration at both ends; between them the position is their quintic
    Hermite interpolant (:func:`~orbitqkd.core.passkernels.hermite`),
    so refining costs no further SGP4 calls.
    """

    def __init__(self, stations: _Stations, sat, sta, t0, h, state):
        self.stations = stations
        self.sat, self.sta, self.t0, self.h, self.state = sat, sta, t0, h, state

    @classmethod
    def concat(cls, parts, stations):
        if not parts:
            z = np.zeros(0)
            return cls(stations, z.astype(np.int64), z.astype(np.int64), z, z,
                       np.zeros((0, STATE_COLUMNS)))
        cat = [np.concatenate([getattr(p, f) for p in parts]) for f in ("sat", "sta", "t0", "h", "state")]
        return cls(stations, *cat)

    def evaluate(self, rows, t):
        """(elevation - floor) [deg], elevation rate [deg/s], elevation, azimuth, range."""
        rows = np.asarray(rows, dtype=np.int64)
        t = np.asarray(t, dtype=float)
        return passkernels.evaluate(self.state, self.t0, self.h, self.sta, rows, t,
                                    *self.stations.tables())

    def solve(self, rows, lo, hi, f_lo, f_hi, target, x0, tol_s=1e-3, max_iter=40):
        """Event times [s] in [lo, hi] of brackets ``rows``, and (elevation - floor),
        elevation rate, elevation, azimuth and range there
        (:func:`~orbitqkd.core.passkernels.refine`; ``target`` says what each solves)."""
        rows = np.asarray(rows, dtype=np.int64)
        arrays = [np.ascontiguousarray(a, dtype=float) for a in (lo, hi, f_lo, f_hi, x0)]
        target = np.ascontiguousarray(np.broadcast_to(target, rows.shape), dtype=np.int64)
        return passkernels.refine(self.state, self.t0, self.h, self.sta, rows, *arrays, target,
                                  *self.stations.tables(), float(tol_s), int(max_iter))


def _stale_warning(satellites, start, end):
    age = epoch_age_days(satellites, [start, end])
    if np.any(age > STALE_AFTER_DAYS):
        worst = int(np.argmax(age))
        warnings.warn(
            f"propagating {satellites[worst].name} {age[worst]:.1f} days from its element epoch "
            f"{satellites[worst].epoch:%Y-%m-%d %H:%M}; SGP4 elements are good for days to "
            f"weeks (warning above {STALE_AFTER_DAYS:g} days)",
            StaleElementsWarning, stacklevel=3,
        )


#: Longest span of one search or scenario [days]
MAX_DAYS = 3660.0


def resolve_span(start, end=None, days=None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(start, end) as UTC Timestamps from ``start`` and exactly one of ``end`` or ``days``."""
    t0 = parse_utc(start, "start")
    if (end is None) == (days is None):
        raise InputError("give exactly one of end or days")
    if days is not None:
        check_range("days", days, 0.0, MAX_DAYS, low_inclusive=False)
        return t0, t0 + pd.to_timedelta(float(days) * DAY_S, unit="s")
    return check_span(t0, end)


def check_satellites(satellites) -> tuple[Satellite, ...]:
    """``satellites`` as a tuple of :class:`~orbitqkd.model.Satellite`, or an error.

    Names are resolved at the edge (:func:`orbitqkd.io.tle.load_satellites`).
    """
    sats = (satellites,) if isinstance(satellites, Satellite) else tuple(satellites)
    for s in sats:
        if not isinstance(s, Satellite):
            raise InputError(f"satellite = {s!r} is not a Satellite; load names and files with "
                             "orbitqkd.load_satellites")
    if not sats:
        raise InputError("satellites = [] is empty; give at least one satellite")
    return sats


def check_stations(stations) -> tuple[GroundStation, ...]:
    """``stations`` as a tuple of :class:`~orbitqkd.model.GroundStation` with unique names."""
    stas = (stations,) if isinstance(stations, GroundStation) else tuple(stations)
    seen = set()
    for s in stas:
        if not isinstance(s, GroundStation):
            raise InputError(f"station = {s!r} is not a GroundStation; look names up with "
                             "orbitqkd.get_stations")
        if s.name in seen:
            raise InputError(f"station = {s.name!r} is given twice; name each station once")
        seen.add(s.name)
    if not stas:
        raise InputError("stations = [] is empty; give at least one station")
    return stas


def default_step_s(satellites) -> float:
    """Coarse grid step [s]: 1/16 of the shortest orbital period, within 30-360 s.

    330-355 s for LEO. Culminations are bracketed by sign changes of the elevation
    rate, which needs a few samples per half orbit; the quintic Hermite
    interpolation (see :class:`_Brackets`) stays within about half a metre of
    SGP4 for this step (:func:`~orbitqkd.core.passkernels.hermite`).
    """
    period_s = min(s.period_min for s in satellites) * 60.0
    return float(np.clip(period_s / 16.0, 30.0, 360.0))


def find_passes(
    satellites,
    stations,
    start,
    end=None,
    days=None,
    min_elevation_deg: float | None = None,
    step_s: float | None = None,
    dark_sun_elevation_deg: float = DARK_SUN_ELEVATION_DEG,
    progress: bool = False,
    chunk_size: int = 500,
) -> PassTable:
    """Every pass of every satellite over every station in a time span.

    Parameters
    ----------
    satellites : Satellite or sequence of Satellite
    stations : GroundStation or sequence of GroundStation
        Names are resolved at the edge: :func:`orbitqkd.find_passes` accepts
        names and files, this function only objects.
    start : str or datetime
        UTC start of the span.
    end, days : optional
        UTC end of the span, or its length [days]; give exactly one.
    min_elevation_deg : float, optional
        Override every station's elevation floor [deg] (horizon masks still
        apply); the returned table carries the stations with that floor.
    step_s : float, optional
        Coarse grid step [s]; default :func:`default_step_s`. Passes shorter
        than the step are still found (see module notes).
    dark_sun_elevation_deg : float
        A pass is ``dark`` when the Sun is below this elevation at culmination [deg].
    progress : bool
        Show a progress bar over satellite chunks.
    chunk_size : int
        Most satellites searched together (fewer when the span is long: a
        chunk holds at most :data:`MAX_GRID_POINTS` grid points). Each group's
        passes are refined as soon as it is searched, so memory holds one
        group's brackets; the table is the same for any ``chunk_size``.

    Returns
    -------
    PassTable
        ``table`` has one row per pass, columns :data:`PASS_COLUMNS`. Times are
        tz-aware UTC; ``min_range_km`` is the smallest of the ranges at rise,
        culmination and set (the closest approach for near-circular orbits).
        Passes cut by the span's ends are flagged ``starts_before_window`` /
        ``ends_after_window``. ``satellites`` and ``stations`` are the objects
        the passes were computed for.
    """
    t0, t1 = resolve_span(start, end, days)
    check_range("dark_sun_elevation_deg", dark_sun_elevation_deg, -90.0, 90.0)
    check_range("chunk_size", chunk_size, 1, 1_000_000)
    sats = check_satellites(satellites)
    stas = check_stations(stations)
    step_s = default_step_s(sats) if step_s is None else step_s
    check_range("step_s", step_s, 0.5, 600.0)
    if min_elevation_deg is not None:
        check_range("min_elevation_deg", min_elevation_deg, -5.0, 90.0, high_inclusive=False)
        stas = tuple(dataclasses.replace(s, min_elevation_deg=float(min_elevation_deg))
                     for s in stas)
    _stale_warning(sats, t0, t1)
    seconds = utc_seconds_grid(t0, t1, step_s)
    base = TimeBase.for_span(t0, seconds[-1])
    geo = _Stations(stas)
    # satellites whose SGP4 velocity is not the rate of its position (decaying, drag-dominated
    # element sets) are searched on a finer grid with velocities from differenced positions
    rough = _rough_velocity(sats, base, 0.5 * seconds[-1])
    plans = [(np.flatnonzero(~rough), seconds, False)]
    if rough.any():
        plans.append((np.flatnonzero(rough), utc_seconds_grid(t0, t1, step_s / ROUGH_STEP_DIVISOR),
                      True))
    cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0))
    groups, group = [], None
    kinds, parts, f_lo, f_hi, guess = [], [], [], [], []

    def assemble():  # the passes of one group of satellites over the whole span
        groups.append(_valid_rows(_assemble(
            _Brackets.concat(parts, geo), sats, stas, seconds[-1], cat(kinds).astype(np.int64),
            cat(f_lo), cat(f_hi), cat(guess)), sats, geo))
        for acc in (kinds, parts, f_lo, f_hi, guess):
            acc.clear()
        _malloc_trim(sum(len(g["sat"]) for g in groups))

    # a group's brackets are refined into rows as soon as its last time piece is in,
    # so memory holds one group's brackets (~2 kB a pass), not the whole search's
    for subset, grid, differenced in plans:
        for idx, k0, k1 in _grid_chunks(len(subset), grid.size, chunk_size, progress):
            idx = subset[idx]
            if group is not None and idx[0] != group and parts:
                assemble()
            group = idx[0]
            out = _grid_chunk_events(geo, sats, idx, base, grid, k0, k1, differenced)
            for acc, new in zip((kinds, parts, f_lo, f_hi, guess), out):
                acc.extend(new)
    if parts or not groups:
        assemble()
    return PassTable(_pass_table(groups, geo, sats, stas, t0, dark_sun_elevation_deg),
                     sats, stas, t0, t1)


# --- bounded memory and valid rows (robustness; kept apart from the search itself) ---

def _malloc_trim(rows: int):
    """Hand the heap's freed pages back to the system (glibc ``malloc_trim``; elsewhere a no-op).

    The search frees each group's workspace and the pass table each group's
    columns in pieces of about a megabyte, which glibc keeps on its heap
    instead of returning them: without this the resident size of a
    6-million-pass search grows by most of the pass table a second time
    (2.1 GB against 1.7 GB for the full catalogue over 15 stations and 7 days).
    The same call Dask's workers make to release memory. Only for tables of
    over :data:`_TRIM_ROWS` passes (``rows``): the pages handed back must be
    faulted in again, which costs 10 % of a small search.
    """
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None and rows > _TRIM_ROWS:
        trim(0)


_TRIM_ROWS = 1_000_000


try:
    _LIBC = ctypes.CDLL("libc.so.6")
except OSError:  # not glibc (macOS, Windows, musl): nothing to trim
    _LIBC = None


#: Most (satellite, sample) grid points held at once: ~200 bytes each in the search
#: (and one byte per station for the sample flags),
#: so a chunk stays near 200 MB whatever the span, step and number of satellites
MAX_GRID_POINTS = 1_000_000


def _grid_chunks(n_sats: int, k_count: int, chunk_size: int, progress: bool):
    """(satellite indices, first sample, end sample) of each chunk of the coarse grid.

    Satellites are cut into chunks of at most ``chunk_size``, and the time grid
    into pieces sharing one sample at each cut, so that a chunk holds at most
    :data:`MAX_GRID_POINTS` points (and at least two samples of one satellite).
    """
    per_chunk = int(max(1, min(chunk_size, MAX_GRID_POINTS // max(k_count, 1))))
    length = int(max(2, min(k_count, MAX_GRID_POINTS // per_chunk)))
    cuts = list(range(0, max(k_count - 1, 1), length - 1))
    chunks = [(np.arange(c0, min(c0 + per_chunk, n_sats)), k0, min(k0 + length, k_count))
              for c0 in range(0, n_sats, per_chunk) for k0 in cuts]
    return tqdm(chunks, desc="propagating", unit="chunk") if progress else chunks


#: A rough element set: its SGP4 velocity differs from its position's rate by more than this
#: fraction of its perigee altitude per second [1/s]. What the pass times see is the
#: interpolant's error (a fraction of that difference x the grid step) as an angle from the
#: station, which is at least the perigee altitude away. Over the active catalogue the
#: median is 1.7e-7 /s; 16 of 14,710 exceed 1e-6 /s, all with perigees of 170-380 km and
#: up to 6.6e-6 /s (2.6 m/s at 193 km, grazes 0.15 s off on a 330 s grid); GLONASS 2e-8 /s.
ROUGH_VELOCITY_PER_S = 1e-6
#: A rough element set is searched on a grid this many times finer
ROUGH_STEP_DIVISOR = 4.0
#: Half the interval of the differenced positions [s]
_DIFFERENCE_S = 0.05


def _rough_velocity(sats, base: TimeBase, at_s: float) -> np.ndarray:
    """Which satellites' SGP4 velocity differs from the rate of their SGP4 position
    (central difference over 0.1 s) at ``at_s`` by more than
    :data:`ROUGH_VELOCITY_PER_S` x their perigee altitude (at least 100 km).

    The Hermite interpolant takes the SGP4 velocity as the position's derivative,
    which it nearly is (0.1 m/s for most element sets), but not for decaying ones
    with perigees near 200 km (metres per second).
    """
    satrecs = [s.satrec for s in sats]
    t = at_s + np.array([-_DIFFERENCE_S, 0.0, _DIFFERENCE_S])
    r, v = propagate_ecef(satrecs, base, t)
    mismatch = np.linalg.norm((r[:, 2] - r[:, 0]) / (2 * _DIFFERENCE_S) - v[:, 1], axis=1)
    perigee_km = np.array([s.altp * s.radiusearthkm for s in satrecs], dtype=float)
    return mismatch > ROUGH_VELOCITY_PER_S * np.maximum(perigee_km, 100.0)  # False where NaN


def _grid_chunk_events(geo, sats, idx, base, seconds, k0, k1, differenced=False):
    """The brackets of satellites ``idx`` over samples ``k0:k1`` of the grid, all stations
    (:func:`~orbitqkd.core.passkernels.grid_brackets`).

    A satellite whose track ended before ``k0`` stays ended. Events 'up at the
    start/end of the span' come only from the chunks that hold the span's
    first / last sample. Returns one-element lists of (kinds, brackets, f_lo,
    f_hi, first guesses). ``differenced``: velocities from SGP4 positions differenced over
    0.1 s (:func:`_rough_velocity`).
    """
    satrecs = [sats[i].satrec for i in idx]
    # coarse probes of the rest of the span, propagated with the chunk, carry an SGP4 error
    # or impossible state before (or, backwards from the epoch, after) the chunk into it
    before = np.linspace(seconds[0], seconds[k0], 64)[:-1] if k0 > 0 else np.zeros(0)
    after = np.linspace(seconds[k1 - 1], seconds[-1], 64)[1:] if k1 < seconds.size else np.zeros(0)
    sec = seconds[k0:k1]
    times = np.concatenate([before, sec, after])

    def earth_fixed(t):  # the chunk's samples, coordinate-major: the compiled sweep's layout
        r_teme, v_teme, bad = propagate_teme(satrecs, base, t)
        return passkernels.teme_to_ecef_coordinate_major(
            r_teme, v_teme, base.gmst_rad(t), bad, before.size, before.size + sec.size,
            EARTH_ROTATION_RAD_S)

    r, v = earth_fixed(times)
    if differenced:
        v = (earth_fixed(times + _DIFFERENCE_S)[0]
             - earth_fixed(times - _DIFFERENCE_S)[0]) / (2 * _DIFFERENCE_S)
    gravity = np.array([(s.mu, s.j2, s.radiusearthkm) for s in satrecs], dtype=float).reshape(-1, 3)
    count, arrays = passkernels.grid_brackets(r, v, sec, gravity, EARTH_ROTATION_RAD_S,
                                              *geo.tables(), k0 == 0, k1 == seconds.size)
    sat, sta, s0, kind, f_lo, f_hi, guess, state = (a[:count] for a in arrays)
    one_sample = (kind == _UP_AT_START) | (kind == _UP_AT_END)
    s1 = np.where(one_sample, s0, s0 + 1)
    brackets = _Brackets(geo, idx[sat], sta, sec[s0], sec[s1] - sec[s0], state)
    return [kind], [brackets], [f_lo], [f_hi], [guess]


def _valid_rows(rows: dict, sats, geo: _Stations) -> dict:
    """Drop passes whose times or geometry are not finite or not physical.

    A pass needs finite rise, culmination and set times, elevation and range,
    and a range no larger than the farthest the satellite can be from the
    station (:data:`~orbitqkd.core.orbits.APOGEE_MARGIN` x apogee radius plus
    the station's geocentric radius): an impossible state is never a row.
    ``rows`` holds one array per column of :func:`_assemble`.
    """
    limit = APOGEE_MARGIN * apogee_radius_km([s.satrec for s in sats]) + EARTH_MEAN_RADIUS_KM + 10.0
    ok = rows["min_range_km"] <= limit[rows["sat"]]  # False for NaN
    for col in ("t_rise", "t_culmination", "t_set", "culmination_elevation_deg"):
        ok &= np.isfinite(rows[col])
    return rows if ok.all() else {k: a[ok] for k, a in rows.items()}


def _at(values, j):
    """``values[j]`` where ``j >= 0``, else -inf; -inf everywhere when ``values`` is empty.

    Culminations that precede every rise have ``j = -1``; with no pass at all
    (every maximum below the floor) ``values`` is empty and plain indexing fails.
    """
    if values.size == 0:
        return np.full(j.shape, -np.inf)
    return np.where(j >= 0, values[np.maximum(j, 0)], -np.inf)


#: What the refinement solves for each kind of bracket (indexed by kind)
_TARGET = np.full(6, CROSSING, dtype=np.int64)
_TARGET[_CULM], _TARGET[_FLOOR_MAX] = ELEVATION_MAX, CLEARANCE_MAX


def _assemble(br: _Brackets, sats, stas, span_s, kind, f_lo, f_hi, guess) -> dict:
    """Refine the brackets and pair rises with sets into passes: one array per column.

    Every bracket gives one event (refined, or for a pass in progress at the
    span's ends its single sample); a grazing pass adds a rise and a set. The
    events carry their look angles, so the table needs no further evaluation.
    Columns: ``sat``, ``sta`` (indices), ``t_rise``, ``t_culmination``, ``t_set``
    [s after the span's start], the azimuth [deg] at each (``rise_azimuth_deg``
    ...), ``culmination_elevation_deg``, ``min_range_km`` (the least of the
    ranges at the three), ``starts_before``, ``ends_after``.
    """
    n_sta = len(stas)
    lo, hi = br.t0, br.t0 + br.h
    n_br = kind.size
    # time [s], elevation - floor, elevation, azimuth, range of each bracket's event (a bracket
    # of one sample, a pass in progress at the span's ends, is its own event)
    t, g, _, el, az, rng = br.solve(np.arange(n_br), lo, hi, f_lo, f_hi, _TARGET[kind], guess)
    ev = np.array([t, g, el, az, rng])
    ev_row = np.arange(n_br)  # the bracket of each event
    pair = br.sat * n_sta + br.sta
    big = span_s + 10.0
    t_ev = ev[0]

    culm = np.flatnonzero(kind == _CULM)
    t_culm = t_ev[culm]

    # rises and sets (with passes in progress at the span's ends) alternate for each pair
    is_rise = (kind == _RISE) | (kind == _UP_AT_START)
    is_set = (kind == _SET) | (kind == _UP_AT_END)
    p_rise = np.flatnonzero(is_rise)[np.argsort(pair[is_rise] * big + t_ev[is_rise], kind="stable")]
    p_set = np.flatnonzero(is_set)[np.argsort(pair[is_set] * big + t_ev[is_set], kind="stable")]
    if p_rise.size != p_set.size:  # cannot happen: crossings alternate on the grid
        raise RuntimeError("internal error: unmatched rise and set brackets")
    rise_key = pair[p_rise] * big + t_ev[p_rise]
    set_key = pair[p_set] * big + t_ev[p_set]

    # grazing passes: a maximum above the floor outside every pass found on the grid (of
    # elevation, or under a mask of the clearance above it); one per bracket interval
    peak = np.flatnonzero((kind == _CULM) | (kind == _FLOOR_MAX))
    p_key = pair[peak] * big + t_ev[peak]
    j = np.searchsorted(rise_key, p_key, side="right") - 1
    inside = (j >= 0) & (p_key <= _at(set_key, j))
    graze = peak[(ev[1, peak] > 0) & ~inside]
    order = np.lexsort((-ev[1, graze], lo[graze], pair[graze]))
    graze = graze[order]
    first = np.ones(graze.size, bool)
    first[1:] = (pair[graze][1:] != pair[graze][:-1]) | (lo[graze][1:] != lo[graze][:-1])
    graze = graze[first]
    c_key = pair[culm] * big + t_culm
    if graze.size:
        rows = graze
        gt = t_ev[graze]
        # (elevation - floor) at the bracket's ends and at the maximum, in the solver's units
        sta = br.sta[rows]
        g_lo, gc, g_hi = (crossing_clearance(g, br.stations.min_el[sta], br.stations.masked[sta])
                          for g in (br.evaluate(rows, lo[rows])[0], ev[1, graze],
                                    br.evaluate(rows, hi[rows])[0]))
        ends_lo, ends_hi = np.concatenate([lo[rows], gt]), np.concatenate([gt, hi[rows]])
        f_ends_lo, f_ends_hi = np.concatenate([g_lo, gc]), np.concatenate([gc, g_hi])
        with np.errstate(divide="ignore", invalid="ignore"):  # first guess: regula falsi
            x0 = ends_lo - f_ends_lo * (ends_hi - ends_lo) / (f_ends_hi - f_ends_lo)
        t, g, _, el, az, rng = br.solve(np.concatenate([rows, rows]), ends_lo, ends_hi,
                                        f_ends_lo, f_ends_hi, CROSSING, x0)
        new = n_br + np.arange(2 * rows.size)
        ev = np.concatenate([ev, np.array([t, g, el, az, rng])], axis=1)
        ev_row = np.concatenate([ev_row, rows, rows])
        t_ev = ev[0]
        p_rise = np.concatenate([p_rise, new[:rows.size]])
        p_set = np.concatenate([p_set, new[rows.size:]])
        order = np.argsort(pair[ev_row[p_rise]] * big + t_ev[p_rise], kind="stable")
        p_rise, p_set = p_rise[order], p_set[order]
    rise_key = pair[ev_row[p_rise]] * big + t_ev[p_rise]
    set_key = pair[ev_row[p_set]] * big + t_ev[p_set]

    # culmination: the highest refined maximum of elevation inside the pass, else the higher end
    el_culm = ev[2, culm]
    j = np.searchsorted(rise_key, c_key, side="right") - 1
    ok = (j >= 0) & (c_key <= _at(set_key, j))
    best = np.full(rise_key.size, -np.inf)
    np.maximum.at(best, j[ok], el_culm[ok])
    p_culm = np.full(rise_key.size, -1)
    winner = ok & (el_culm == _at(best, j))
    p_culm[j[winner]] = culm[winner]
    none = np.flatnonzero(p_culm < 0)
    p_culm[none] = np.where(ev[2, p_rise[none]] >= ev[2, p_set[none]], p_rise[none], p_set[none])

    first = ev_row[p_rise]
    rows = {"sat": br.sat[first], "sta": br.sta[first],
            "starts_before": kind[first] == _UP_AT_START,
            "ends_after": kind[ev_row[p_set]] == _UP_AT_END}
    for name, p in (("rise", p_rise), ("culmination", p_culm), ("set", p_set)):
        rows[f"t_{name}"] = ev[0, p]
        rows[f"{name}_azimuth_deg"] = ev[3, p]
    rows["culmination_elevation_deg"] = ev[2, p_culm]
    # the closest approach for near-circular orbits
    rows["min_range_km"] = np.minimum(np.minimum(ev[4, p_rise], ev[4, p_culm]), ev[4, p_set])
    return rows


def _table_order(t_rise, p_sta, p_sat, station_names, norad_ids) -> np.ndarray:
    """The order of passes sorting them by (rise time to the µs, station name, NORAD id),
    ties kept in place: ``numpy.lexsort``'s.

    Rises ``t_rise`` [s after the span's start], each pass's station and satellite
    index ``p_sta``, ``p_sat``. When the three fit one 64-bit integer and no two
    passes share it (two passes of one satellite over one station cannot rise in
    the same µs), that key's plain sort is the same order, five times faster.
    """
    rise_us = np.round(t_rise * 1e6)
    station_rank = np.argsort(np.argsort(station_names))
    norads, norad_rank = np.unique(norad_ids, return_inverse=True)
    per_us = len(station_names) * norads.size
    if rise_us.size and 0.0 <= rise_us.min() and (rise_us.max() + 1.0) * per_us < 2.0 ** 62:
        key = (rise_us.astype(np.int64) * per_us + station_rank[p_sta] * norads.size
               + norad_rank[p_sat])
        order = np.argsort(key)
        if np.all(np.diff(key[order]) > 0):
            return order
    return np.lexsort((norad_ids[p_sat], station_rank[p_sta], rise_us))


#: Culminations whose Sun elevation is computed together
_SUN_PIECE = 500_000


def _pass_table(groups: list, geo: _Stations, sats, stas, t0, dark_deg) -> pd.DataFrame:
    """One row per pass of every group (:func:`_assemble`), sorted by rise time,
    station name and NORAD id.

    Built column by column, each group's array dropped once taken, so memory
    holds about one table, not two (a week of the full catalogue over 15
    stations is ~6 million rows).
    """
    def take(name):  # a column of every group, in table order; the groups' pieces are freed
        column = np.concatenate([g.pop(name) for g in groups])
        if order is not None:
            column = column[order]
        _malloc_trim(column.size)
        return column

    order = None
    p_sat, p_sta, t_rise = take("sat"), take("sta"), take("t_rise")
    norad_ids = np.array([s.norad_id for s in sats], dtype=np.int64)
    order = _table_order(t_rise, p_sta, p_sat, [s.name for s in stas], norad_ids)
    p_sat, p_sta, t_rise = p_sat[order], p_sta[order], t_rise[order]
    t_culm, t_set = take("t_culmination"), take("t_set")
    sun_el = np.zeros(t_rise.size)
    for lo in range(0, t_rise.size, _SUN_PIECE):  # in pieces: the ephemeris holds ~200 B a time
        rows = slice(lo, lo + _SUN_PIECE)
        sun = sun_ecef_km(t0, t_culm[rows])
        sun_el[rows] = body_elevation_deg(sun, geo.sites[p_sta[rows]], geo.bases[p_sta[rows], 2])
    columns = {
        "satellite": pd.Index([s.name for s in sats]).take(p_sat),
        "norad_id": norad_ids[p_sat],
        "station": pd.Index([s.name for s in stas]).take(p_sta),
        "rise_utc": timestamps(t0, t_rise),
        "culmination_utc": timestamps(t0, t_culm),
        "set_utc": timestamps(t0, t_set),
        "max_elevation_deg": take("culmination_elevation_deg"),
        "duration_s": t_set - t_rise,
        "min_range_km": take("min_range_km"),
        "rise_azimuth_deg": take("rise_azimuth_deg"),
        "culmination_azimuth_deg": take("culmination_azimuth_deg"),
        "set_azimuth_deg": take("set_azimuth_deg"),
        "sun_elevation_deg": sun_el,
        "dark": sun_el < dark_deg,
        "starts_before_window": take("starts_before"),
        "ends_after_window": take("ends_after"),
    }
    del t_rise, t_culm, t_set
    _malloc_trim(len(p_sat))
    return pd.DataFrame(columns, columns=PASS_COLUMNS, copy=False)


TRACK_COLUMNS = [
    "time_utc", "elevation_deg", "azimuth_deg", "range_km", "range_rate_km_s",
    "satellite_altitude_km", "sun_elevation_deg", "moon_elevation_deg",
    "moon_illuminated_fraction", "moon_separation_deg", "sun_separation_deg",
]
_TRACK_ARRAYS = TRACK_COLUMNS[1:]


@dataclasses.dataclass(frozen=True, eq=False)
class Track:
    """Geometry samples of one or many (satellite, station) spans, as arrays.

    Attributes
    ----------
    satellites, stations : tuple
        The objects the samples were computed for; ``satellite_index`` and
        ``station_index`` give each sample's.
    satellite_index, station_index : ndarray of int
    pass_id : ndarray of int
        The span (pass) each sample belongs to: the row label of the pass
        table, or 0 for one track.
    sample_s : float
        Sample step [s] (the shortest, when passes are sampled adaptively).
    weight_s : ndarray
        Time each sample stands for in a time integral over its pass [s]: half
        the interval to each neighbour of the same pass (the trapezoidal rule,
        so a pass's weights sum to its duration).
    time_utc : pandas.DatetimeIndex
    elevation_deg ... sun_separation_deg : ndarray
        :data:`TRACK_COLUMNS`; ``moon_separation_deg`` and ``sun_separation_deg``
        are the angles between the line of sight and the Moon / Sun.
    """

    satellites: tuple
    stations: tuple
    satellite_index: np.ndarray
    station_index: np.ndarray
    pass_id: np.ndarray
    sample_s: float
    weight_s: np.ndarray
    time_utc: pd.DatetimeIndex
    elevation_deg: np.ndarray
    azimuth_deg: np.ndarray
    range_km: np.ndarray
    range_rate_km_s: np.ndarray
    satellite_altitude_km: np.ndarray
    sun_elevation_deg: np.ndarray
    moon_elevation_deg: np.ndarray
    moon_illuminated_fraction: np.ndarray
    moon_separation_deg: np.ndarray
    sun_separation_deg: np.ndarray
    per_pass: bool = False

    def __len__(self) -> int:
        return len(self.elevation_deg)

    @property
    def satellite(self) -> Satellite | None:
        """The one satellite of the track (None for a track from bare arrays)."""
        return self.satellites[0] if len(self.satellites) == 1 else None

    @property
    def station(self) -> GroundStation:
        """The one station of the track (an error when it spans several)."""
        if len(self.stations) != 1:
            raise InputError(f"track spans {len(self.stations)} stations; take one with .select()")
        return self.stations[0]

    def select(self, rows) -> "Track":
        """The samples ``rows`` (a boolean mask or indices)."""
        rows = np.asarray(rows)
        arrays = {f.name: getattr(self, f.name)[rows] for f in dataclasses.fields(self)
                  if f.name not in ("satellites", "stations", "sample_s", "per_pass")}
        return Track(satellites=self.satellites, stations=self.stations,
                     sample_s=self.sample_s, per_pass=self.per_pass, **arrays)

    def station_arrays(self, rows) -> dict:
        """Per sample of ``rows``: the station's ``aperture_m``, ``obscuration_ratio``, ``altitude_m``."""
        idx = self.station_index[rows]
        return {name: np.array([getattr(s, name) for s in self.stations], dtype=float)[idx]
                for name in ("aperture_m", "obscuration_ratio", "altitude_m")}

    def horizon_floor_deg(self, rows) -> np.ndarray:
        """Per sample of ``rows``: the station's elevation floor at the sample's azimuth [deg]."""
        idx = self.station_index[rows]
        az = self.azimuth_deg[rows]
        floor = np.empty(idx.size)
        for k, s in enumerate(self.stations):
            mine = idx == k
            floor[mine] = s.horizon_deg(np.nan_to_num(az[mine]))
        return floor

    def to_frame(self) -> pd.DataFrame:
        """One row per sample; ``pass_id``, ``satellite``, ``norad_id`` and ``station``
        come first for a track of a pass table (:func:`pass_tracks`) or of several stations."""
        cols = {"time_utc": self.time_utc, **{c: getattr(self, c) for c in _TRACK_ARRAYS}}
        df = pd.DataFrame(cols)
        if self.per_pass or len(self.stations) > 1 or len(self.satellites) > 1:
            sats = self.satellites
            df.insert(0, "pass_id", self.pass_id)
            df.insert(1, "satellite", np.array([s.name for s in sats], dtype=object)[
                self.satellite_index] if sats else "")
            df.insert(2, "norad_id", np.array([s.norad_id for s in sats])[self.satellite_index]
                      if sats else 0)
            df.insert(3, "station", np.array([s.name for s in self.stations], dtype=object)[
                self.station_index])
        return df

    @classmethod
    def from_arrays(cls, station: GroundStation, *, elevation_deg, range_km=None,
                    satellite_altitude_km=None, time_utc=None, sample_s: float = 1.0,
                    **columns) -> "Track":
        """A track of one station from bare arrays (for what-if budgets).

        Each sample stands for ``sample_s`` seconds (``weight_s``). Give
        ``elevation_deg`` and ``range_km`` or ``satellite_altitude_km`` (a
        missing one follows from a spherical Earth); other :data:`TRACK_COLUMNS` may be
        given (absent Sun / Moon: below the horizon, azimuth 0).
        """
        el = np.atleast_1d(np.asarray(elevation_deg, dtype=float))
        n = el.size
        if range_km is None and satellite_altitude_km is None:
            raise InputError("give range_km or satellite_altitude_km (or both)")
        r0 = geometry_radius_km(station)
        s = np.sin(np.radians(el))
        if range_km is not None and satellite_altitude_km is not None:
            rng = np.broadcast_to(np.asarray(range_km, float), (n,)).astype(float)
            h = np.broadcast_to(np.asarray(satellite_altitude_km, float), (n,)).astype(float)
        elif range_km is None:
            h = np.broadcast_to(np.asarray(satellite_altitude_km, float), (n,))
            rs = EARTH_MEAN_RADIUS_KM + h
            rng = np.sqrt(rs**2 - (r0 * np.cos(np.radians(el))) ** 2) - r0 * s
        else:
            rng = np.broadcast_to(np.asarray(range_km, float), (n,)).astype(float)
            h = np.sqrt(r0**2 + rng**2 + 2 * r0 * rng * s) - EARTH_MEAN_RADIUS_KM
        unknown = set(columns) - set(_TRACK_ARRAYS)
        if unknown:
            raise InputError(f"unknown track column(s) {', '.join(sorted(unknown))}; "
                             f"columns are {', '.join(_TRACK_ARRAYS)}")
        defaults = {"azimuth_deg": 0.0, "range_rate_km_s": np.nan, "sun_elevation_deg": -90.0,
                    "moon_elevation_deg": -90.0, "moon_illuminated_fraction": 0.0,
                    "moon_separation_deg": np.nan, "sun_separation_deg": np.nan}
        arrays = {c: np.broadcast_to(np.asarray(columns.get(c, d), float), (n,)).astype(float)
                  for c, d in defaults.items()}
        times = (pd.DatetimeIndex(pd.to_datetime(time_utc, utc=True)) if time_utc is not None
                 else pd.DatetimeIndex([pd.NaT] * n, tz="UTC"))
        zeros = np.zeros(n, int)
        return cls(satellites=(), stations=(station,), satellite_index=zeros,
                   station_index=zeros, pass_id=zeros, sample_s=float(sample_s),
                   weight_s=np.full(n, float(sample_s)), time_utc=times, elevation_deg=el,
                   range_km=rng,
                   satellite_altitude_km=np.asarray(h, float), **arrays)


def geometry_radius_km(station: GroundStation) -> float:
    """Distance of a station from the centre of a spherical Earth [km] (mean radius + altitude)."""
    return EARTH_MEAN_RADIUS_KM + station.altitude_m / 1000.0


def trapezoid_weights_s(pass_id, seconds) -> np.ndarray:
    """Trapezoidal-rule weights [s] of samples at ``seconds``, grouped by ``pass_id``.

    Samples come grouped by pass and in time order within one; a sample gets
    half the interval to each neighbour of its own pass, so the weights of a
    pass sum to the time from its first to its last sample.

    >>> trapezoid_weights_s(np.array([0, 0, 0, 1, 1]), np.array([0.0, 5, 7, 100, 110])).tolist()
    [2.5, 3.5, 1.0, 5.0, 5.0]
    """
    seconds = np.asarray(seconds, float)
    w = np.zeros(seconds.size)
    if seconds.size > 1:
        half = np.where(np.diff(np.asarray(pass_id)) == 0, np.diff(seconds) / 2.0, 0.0)
        w[:-1] += half
        w[1:] += half
    return w


def _sample_tracks(sats, sat_idx, stas, sta_idx, t0, start_s, end_s, step_s,
                   span_s: float = 0.0) -> Track:
    """Geometry samples of many (satellite, station, [start, end]) spans at once.

    ``start_s`` and ``end_s`` are seconds after ``t0``; each span is sampled
    every ``step_s`` (one value, or one per span) from its start, plus its
    end. ``pass_id`` is the span's index; one SGP4 call per satellite. The time base (UT1 - UTC) covers
    ``[0, max(span_s, last sample)]``: a caller sampling parts of one span
    gives the span so that every part gets the same numbers.
    """
    start_s, end_s = np.asarray(start_s, float), np.asarray(end_s, float)
    step = np.broadcast_to(np.asarray(step_s, float), start_s.shape)  # one per span
    counts = np.floor((end_s - start_s) / step + 1e-9).astype(np.int64) + 1
    pass_id = np.repeat(np.arange(start_s.size), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    seconds = start_s[pass_id] + (np.arange(pass_id.size) - first) * step[pass_id]
    # close each span at its end when the grid stops short of it
    short = end_s - (start_s + (counts - 1) * step) > 1e-6
    if short.any():
        extra = np.flatnonzero(short)
        pass_id = np.concatenate([pass_id, extra])
        seconds = np.concatenate([seconds, end_s[extra]])
        order = np.lexsort((seconds, pass_id))
        pass_id, seconds = pass_id[order], seconds[order]
    base = TimeBase.for_span(t0, max(float(seconds.max(initial=0.0)), float(span_s)))
    sat_row, sta_row = np.asarray(sat_idx)[pass_id], np.asarray(sta_idx)[pass_id]
    r = np.full((seconds.size, 3), np.nan)
    v = np.full((seconds.size, 3), np.nan)
    for i in np.unique(sat_row):
        rows = np.flatnonzero(sat_row == i)
        r[rows], v[rows] = propagate_one_ecef(sats[i].satrec, base, seconds[rows])
    sites = np.array([s.ecef_km() for s in stas])[sta_row]
    bases = np.array([enu_basis(s.latitude_deg, s.longitude_deg) for s in stas])[sta_row]
    look = look_angles(r, v, sites, bases)
    sun, moon = sun_moon_ecef_km(t0, seconds)
    los = r - sites
    return Track(
        satellites=tuple(sats), stations=tuple(stas), satellite_index=sat_row,
        station_index=sta_row, pass_id=pass_id,
        sample_s=float(np.min(step)) if step.size else float(np.min(step_s)),
        weight_s=trapezoid_weights_s(pass_id, seconds),
        time_utc=timestamps(t0, seconds),
        elevation_deg=look["elevation_deg"],
        azimuth_deg=look["azimuth_deg"],
        range_km=look["range_km"],
        range_rate_km_s=look["range_rate_km_s"],
        satellite_altitude_km=ecef_to_geodetic_altitude_km(r),
        sun_elevation_deg=body_elevation_deg(sun, sites, bases[:, 2]),
        moon_elevation_deg=body_elevation_deg(moon, sites, bases[:, 2]),
        moon_illuminated_fraction=moon_illuminated_fraction(sun, moon),
        moon_separation_deg=separation_deg(los, moon - sites),
        sun_separation_deg=separation_deg(los, sun - sites),
    )


def pass_track(satellite: Satellite, station: GroundStation, start, end,
               step_s: float = 1.0) -> Track:
    """Geometry of one satellite seen from one station, sampled every ``step_s``.

    Parameters
    ----------
    satellite : Satellite
    station : GroundStation
    start, end : str or datetime
        UTC span (e.g. a pass's ``rise_utc`` and ``set_utc``).
    step_s : float
        Sample spacing [s]; the span's end is always sampled.

    Returns
    -------
    Track
    """
    t0, t1 = check_span(start, end)
    check_range("step_s", step_s, 0.001, 3600.0)
    sats = check_satellites(satellite)
    if len(sats) != 1:
        raise InputError(f"satellite = {len(sats)} satellites; pass_track takes one")
    sta = check_stations(station)
    if len(sta) != 1:
        raise InputError(f"station = {len(sta)} stations; pass_track takes one")
    _stale_warning(sats, t0, t1)
    return _sample_tracks(sats, [0], sta, [0], t0, [0.0], [(t1 - t0).total_seconds()], step_s)


# Earth's equatorial rotation speed at the surface [km/s], added to a satellite's
# speed to bound how fast the line of sight can turn.
_SURFACE_SPEED_KM_S = EARTH_ROTATION_RAD_S * WGS84_A_KM
# Sun elevation above which the sky is not dark (astronomical twilight) [deg].
_TWILIGHT_SUN_DEG = -18.0


def pass_steps_s(passes: PassTable, step_s: float, max_step_s: float,
                 max_turn_deg: float = 1.0) -> np.ndarray:
    """Sample step of each pass [s]: as long as the line of sight turns at most
    ``max_turn_deg`` per step, between ``step_s`` and ``max_step_s``.

    The line of sight turns no faster than (v + v_E) / r_min, with v the
    satellite's perigee speed (vis-viva from its SGP4 mean elements), v_E the
    Earth's surface rotation speed and r_min the pass's ``min_range_km``: a
    LEO pass (~0.8 deg/s overhead) keeps ``step_s``, a pass of a GNSS orbit
    (~0.012 deg/s) is sampled every minute or so. A pass with the Sun above
    -18 deg at its rise, culmination or set keeps ``step_s``: the twilight sky
    background changes faster than the geometry.

    >>> from orbitqkd.chain import find_passes
    >>> p = find_passes("glonass", ["Matera"], "2022-02-01T19:00", "2022-02-01T20:00")
    >>> pass_steps_s(p, 5.0, 60.0).tolist()  # a winter night: the Sun below -30 deg
    [60.0, 60.0, 60.0, 60.0, 60.0, 60.0, 60.0, 60.0]
    >>> pass_steps_s(find_passes("micius", ["Xinglong"], "2016-12-19", days=1), 5.0, 60.0).tolist()
    [5.0, 5.0]
    """
    check_range("max_step_s", max_step_s, step_s, 3600.0)
    check_range("max_turn_deg", max_turn_deg, 0.0, 10.0, low_inclusive=False)
    df = passes.table
    sats = [passes.satellites[k] for k in passes.satellite_index()]
    a_km = np.array([s.satrec.a * s.satrec.radiusearthkm for s in sats], float)
    e = np.array([s.satrec.ecco for s in sats], float)
    mu = np.array([s.satrec.mu for s in sats], float)
    speed = np.sqrt(mu * (1.0 + e) / (a_km * (1.0 - e))) + _SURFACE_SPEED_KM_S
    rate_deg_s = np.degrees(speed / np.maximum(df["min_range_km"].to_numpy(float), 1.0))
    steps = np.clip(max_turn_deg / rate_deg_s, step_s, max_step_s)
    # twilight: the sky background grows tenfold per few degrees of Sun elevation, so a
    # pass with the Sun above -18 deg at its rise, culmination or set keeps the fine step
    t0 = parse_utc(df["rise_utc"].min())
    ends = np.concatenate([(pd.to_datetime(df[c], utc=True) - t0).dt.total_seconds().to_numpy()
                           for c in ("rise_utc", "set_utc")])
    sun = sun_ecef_km(t0, ends)
    sta = passes.station_index()
    sites = np.tile(np.array([s.ecef_km() for s in passes.stations])[sta], (2, 1))
    ups = np.tile(np.array([enu_basis(s.latitude_deg, s.longitude_deg)[2]
                            for s in passes.stations])[sta], (2, 1))
    sun_el = body_elevation_deg(sun, sites, ups).reshape(2, -1)
    twilight = (np.maximum(sun_el.max(axis=0), df["sun_elevation_deg"].to_numpy(float))
                > _TWILIGHT_SUN_DEG)
    return np.where(twilight, step_s, steps)


def pass_tracks(passes: PassTable, step_s: float = 1.0, max_step_s: float | None = None,
                max_turn_deg: float = 1.0) -> Track:
    """Sample every pass of a :class:`~orbitqkd.model.PassTable` from rise to set.

    The satellites and stations are the table's own; ``pass_id`` is the row
    label of each pass in ``passes.table``. With ``max_step_s``, each pass
    is sampled with its own step (:func:`pass_steps_s`): every ``step_s`` where
    the line of sight turns fast (LEO), up to ``max_step_s`` where it does not
    (MEO, GEO); ``weight_s`` keeps time integrals exact to the trapezoidal rule.
    """
    check_range("step_s", step_s, 0.001, 3600.0)
    if not isinstance(passes, PassTable):
        raise InputError(f"passes = {type(passes).__name__} is not a PassTable; see find_passes()")
    df = passes.table
    sats, stas = passes.satellites, passes.stations
    if len(df) == 0:
        z = np.zeros(0, int)
        return dataclasses.replace(
            _sample_tracks(sats, z, stas, z, passes.start, np.zeros(0), np.zeros(0), step_s),
            per_pass=True)
    # the time origin and base are the span searched, not the first and last
    # pass: a subset of the table (a chunk, a Dask shard) samples every pass
    # exactly as the whole table does
    t0 = min(parse_utc(passes.start), parse_utc(df["rise_utc"].min()))
    rise = (pd.to_datetime(df["rise_utc"], utc=True) - t0).dt.total_seconds().to_numpy()
    set_ = (pd.to_datetime(df["set_utc"], utc=True) - t0).dt.total_seconds().to_numpy()
    span_s = (parse_utc(passes.end) - t0).total_seconds() if passes.end is not None else 0.0
    steps = (step_s if max_step_s is None or max_step_s == step_s
             else pass_steps_s(passes, step_s, max_step_s, max_turn_deg))
    track = _sample_tracks(sats, passes.satellite_index(), stas, passes.station_index(), t0,
                           rise, set_, steps, span_s)
    labels = df.index.to_numpy()
    return dataclasses.replace(track, pass_id=labels[track.pass_id], per_pass=True)


def horizontal_track(station: GroundStation, distance_km: float, azimuth_deg: float, start, end,
                     step_s: float = 1.0) -> Track:
    """A horizontal ground-to-ground path from ``station``, sampled every ``step_s``.

    The receiver is ``station``; the transmitter is ``distance_km`` away towards
    ``azimuth_deg`` at the same altitude (elevation 0). Sun and Moon come from
    the ephemeris at the station, so the same path runs by night or by day.
    """
    t0, t1 = check_span(start, end)
    check_range("distance_km", distance_km, 0.0, 500.0, low_inclusive=False)
    check_range("azimuth_deg", azimuth_deg, 0.0, 360.0)
    check_range("step_s", step_s, 0.001, 3600.0)
    sta = check_stations(station)
    if len(sta) != 1:
        raise InputError(f"station = {len(sta)} stations; horizontal_track takes one")
    seconds = utc_seconds_grid(t0, t1, step_s)
    n = seconds.size
    site = sta[0].ecef_km()
    basis = enu_basis(sta[0].latitude_deg, sta[0].longitude_deg)
    az = np.radians(azimuth_deg)
    los = np.sin(az) * basis[0] + np.cos(az) * basis[1]  # east, north components
    sun, moon = sun_moon_ecef_km(t0, seconds)
    sites = np.broadcast_to(site, (n, 3))
    zeros = np.zeros(n, int)
    return Track(
        satellites=(), stations=sta, satellite_index=zeros, station_index=zeros, pass_id=zeros,
        sample_s=float(step_s), weight_s=trapezoid_weights_s(zeros, seconds),
        time_utc=timestamps(t0, seconds),
        elevation_deg=np.zeros(n), azimuth_deg=np.full(n, float(azimuth_deg)),
        range_km=np.full(n, float(distance_km)), range_rate_km_s=np.zeros(n),
        satellite_altitude_km=np.full(n, sta[0].altitude_m / 1000.0),
        sun_elevation_deg=body_elevation_deg(sun, sites, np.broadcast_to(basis[2], (n, 3))),
        moon_elevation_deg=body_elevation_deg(moon, sites, np.broadcast_to(basis[2], (n, 3))),
        moon_illuminated_fraction=moon_illuminated_fraction(sun, moon),
        moon_separation_deg=separation_deg(np.broadcast_to(los, (n, 3)), moon - sites),
        sun_separation_deg=separation_deg(np.broadcast_to(los, (n, 3)), sun - sites),
    )
