"""The pass engine: every pass of many satellites over many stations.

Algorithm
---------
1. Propagate all satellites on a coarse time grid at once (``SatrecArray``,
   straight to the Earth-fixed frame, :mod:`orbitqkd.core.orbits`).
2. For each station, find on the grid (a) where the elevation above the
   station's floor changes sign (rise and set brackets) and (b) where the
   elevation *rate*, known analytically from the SGP4 velocity, changes from
   positive to negative (culmination brackets). Bracket (b) catches grazing
   passes shorter than the grid step: a pass is kept when the refined maximum
   clears the floor, even if no grid sample does.
3. Refine every bracket at once with the Illinois variant of regula falsi
   (Dowell & Jarratt 1971, BIT 11, 168), grouping the evaluations by satellite
   so each iteration costs one ``sgp4_array`` call per satellite.

This finds the events Skyfield's ``EarthSatellite.find_events`` finds (same
SGP4, same TEME frame), see ``tests/test_passes.py`` and
``scripts/bench_passes.py``.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from ..errors import InputError, StaleElementsWarning, check_range
from .ephemeris import body_elevation_deg, moon_illuminated_fraction, separation_deg, sun_moon_ecef_km
from .orbits import (TimeBase, elevation_and_rate, enu_basis, look_angles, propagate_ecef,
                     propagate_one_ecef)
from ..io.stations import ecef_to_geodetic_altitude_km, get_stations
from ..timescales import check_span, parse_utc, timestamps, utc_seconds_grid
from ..io.tle import Satellite, epoch_age_days, load_satellites

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
    """Station geometry as arrays, and elevation floors (minimum or horizon mask)."""

    def __init__(self, stations):
        self.stations = stations
        self.sites = np.array([s.ecef_km() for s in stations])
        self.bases = np.array([enu_basis(s.latitude_deg, s.longitude_deg) for s in stations])
        self.min_el = np.array([s.min_elevation_deg for s in stations], dtype=float)
        self.masked = np.array([bool(s.horizon_mask) for s in stations])

    def floor_deg(self, sta, az_deg):
        floor = self.min_el[sta].copy()
        for m in np.flatnonzero(self.masked):
            rows = sta == m
            floor[rows] = self.stations[m].horizon_deg(az_deg[rows])
        return floor

    def look(self, sta, r, v):
        """Elevation [deg], its rate [deg/s], azimuth [deg] and range [km] of rows."""
        la = look_angles(r, v, self.sites[sta], self.bases[sta])
        return la["elevation_deg"], la["elevation_rate_deg_s"], la["azimuth_deg"], la["range_km"]


class _Brackets:
    """Grid intervals holding an event, with the satellite state at both ends.

    Between grid samples the Earth-fixed position is the cubic Hermite
    interpolant of the SGP4 positions and velocities at the ends (Burden &
    Faires, *Numerical Analysis* 9th ed., sect. 3.4). Its error is
    h^4 |r(4)| / 384: for LEO (orbital rate 1.1e-3 rad/s, |r(4)| ~ 1e-8 km/s^4)
    0.3 m at h = 60 s and 20 m at h = 165 s, i.e. < 0.002 deg of elevation
    (< 0.05 s in event time), so refining on it costs no further SGP4 calls.
    """

    def __init__(self, stations: _Stations, sat, sta, t0, h, r0, v0, r1, v1):
        self.stations = stations
        self.sat, self.sta, self.t0, self.h = sat, sta, t0, h
        self.r0, self.v0, self.r1, self.v1 = r0, v0, r1, v1

    @classmethod
    def concat(cls, parts, stations):
        if not parts:
            z = np.zeros(0)
            return cls(stations, z.astype(int), z.astype(int), z, z, *(np.zeros((0, 3)),) * 4)
        cat = [np.concatenate([getattr(p, f) for p in parts])
               for f in ("sat", "sta", "t0", "h", "r0", "v0", "r1", "v1")]
        return cls(stations, *cat)

    def take(self, rows):
        return _Brackets(self.stations, *(getattr(self, f)[rows] for f in
                                          ("sat", "sta", "t0", "h", "r0", "v0", "r1", "v1")))

    def state(self, rows, t):
        """Interpolated Earth-fixed position [km] and velocity [km/s] at ``t`` [s]."""
        h = self.h[rows]
        tau = np.where(h > 0, (t - self.t0[rows]) / np.where(h > 0, h, 1.0), 0.0)[:, None]
        hh = h[:, None]
        r0, v0, r1, v1 = self.r0[rows], self.v0[rows], self.r1[rows], self.v1[rows]
        t2, t3 = tau * tau, tau * tau * tau
        r = ((2 * t3 - 3 * t2 + 1) * r0 + (t3 - 2 * t2 + tau) * hh * v0
             + (-2 * t3 + 3 * t2) * r1 + (t3 - t2) * hh * v1)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = ((6 * t2 - 6 * tau) * r0 + (3 * t2 - 4 * tau + 1) * hh * v0
                 + (-6 * t2 + 6 * tau) * r1 + (3 * t2 - 2 * tau) * hh * v1) / hh
        v = np.where(hh > 0, v, v0)
        return r, v

    def residual(self, rows, t):
        """(elevation - floor) [deg] and elevation rate [deg/s]: what the solver needs.

        Without horizon masks the floor does not depend on azimuth, so the
        fast :func:`~orbitqkd.core.orbits.elevation_and_rate` serves.
        """
        if self.stations.masked.any():
            return self.evaluate(rows, t)[:2]
        r, v = self.state(rows, t)
        sta = self.sta[rows]
        el, rate = elevation_and_rate(r, v, self.stations.sites[sta],
                                      self.stations.bases[sta, 2])
        return el - self.stations.min_el[sta], rate

    def evaluate(self, rows, t):
        """(elevation - floor) [deg], elevation rate [deg/s], elevation, azimuth, range."""
        r, v = self.state(rows, t)
        sta = self.sta[rows]
        el, rate, az, rng = self.stations.look(sta, r, v)
        return el - self.stations.floor_deg(sta, az), rate, el, az, rng


def _cubic_guess(g0, g1, d0, d1, h, culmination, iterations=4):
    """Start of the refinement: the root in [0, 1] of the cubic Hermite model of elevation.

    ``g0, g1`` are (elevation - floor) [deg] and ``d0, d1`` the elevation rates
    [deg/s] at the bracket's ends, ``h`` its length [s]. Crossings solve p = 0,
    culminations p' = 0, by Newton's method on the cubic (a few flops a row).
    """
    d0h, d1h = d0 * h, d1 * h
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = np.where(culmination, d0 / (d0 - d1), g0 / (g0 - g1))
    tau = np.clip(np.nan_to_num(tau, nan=0.5), 0.0, 1.0)
    for _ in range(iterations):
        t2 = tau * tau
        p = g0 * (2 * t2 * tau - 3 * t2 + 1) + d0h * (t2 * tau - 2 * t2 + tau) \
            + g1 * (3 * t2 - 2 * t2 * tau) + d1h * (t2 * tau - t2)
        dp = g0 * (6 * t2 - 6 * tau) + d0h * (3 * t2 - 4 * tau + 1) \
            + g1 * (6 * tau - 6 * t2) + d1h * (3 * t2 - 2 * tau)
        ddp = g0 * (12 * tau - 6) + d0h * (6 * tau - 4) + g1 * (6 - 12 * tau) + d1h * (6 * tau - 2)
        f, df = np.where(culmination, dp, p), np.where(culmination, ddp, dp)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = f / df
        tau = np.clip(tau - np.where(np.isfinite(step), step, 0.0), 0.0, 1.0)
    return tau


def _solve_events(evaluate, lo, hi, f_lo, f_hi, culmination, x0=None, tol_s=1e-3, max_iter=40):
    """Refine bracketed events, all at once, by safeguarded Newton iteration.

    Crossings solve (elevation - floor) = 0 with the analytic elevation rate as
    derivative; culminations solve elevation rate = 0 with a secant derivative.
    A step leaving its bracket falls back to regula falsi, so every root stays
    bracketed (Press et al., *Numerical Recipes* 3rd ed. (2007), sect. 9.4,
    ``rtsafe``). ``evaluate(rows, t)`` returns (g, rate, ...).
    """
    lo, hi, f_lo, f_hi = (np.array(a, dtype=float) for a in (lo, hi, f_lo, f_hi))
    culmination = np.broadcast_to(np.asarray(culmination, bool), lo.shape)
    if x0 is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            x0 = lo - f_lo * (hi - lo) / (f_hi - f_lo)
    x = np.where(np.isfinite(x0), np.clip(x0, lo, hi), 0.5 * (lo + hi))
    x_prev = np.where(np.abs(x - lo) > np.abs(hi - x), lo, hi)
    f_prev = np.where(x_prev == lo, f_lo, f_hi)
    x[f_lo == 0] = lo[f_lo == 0]
    x[f_hi == 0] = hi[f_hi == 0]
    active = np.flatnonzero((f_lo != 0) & (f_hi != 0) & (hi - lo > tol_s))
    for _ in range(max_iter):
        if active.size == 0:
            break
        xa = x[active]
        g, rate = evaluate(active, xa)[:2]
        c = culmination[active]
        f = np.where(c, rate, g)
        dx = xa - x_prev[active]
        with np.errstate(divide="ignore", invalid="ignore"):
            df = np.where(c, (f - f_prev[active]) / dx, rate)
        a_, b_, fa, fb = lo[active], hi[active], f_lo[active], f_hi[active]
        to_lo = np.sign(f) == np.sign(fa)
        a_, fa = np.where(to_lo, xa, a_), np.where(to_lo, f, fa)
        b_, fb = np.where(to_lo, b_, xa), np.where(to_lo, fb, f)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_new = xa - f / df
            falsi = a_ - fa * (b_ - a_) / (fb - fa)
        bad = ~np.isfinite(x_new) | (x_new <= a_) | (x_new >= b_)
        x_new = np.where(bad, falsi, x_new)
        x_new = np.where(np.isfinite(x_new), x_new, 0.5 * (a_ + b_))
        lo[active], hi[active], f_lo[active], f_hi[active] = a_, b_, fa, fb
        x_prev[active], f_prev[active] = xa, f
        x[active] = x_new
        # a Newton step of s seconds leaves an error ~ |f''/2f'| s^2; away from grazing
        # geometry (|f'| > 0.02 deg/s) elevation has |f''/2f'| < 0.02 /s, so a crossing
        # step under 0.2 s is the last (error < 1e-3 s)
        newton_done = ~bad & (np.abs(df) > 0.02) & (np.abs(x_new - xa) < np.where(c, 0.02, 0.2))
        done = (f == 0) | (np.abs(x_new - xa) < tol_s) | (b_ - a_ < tol_s) | ~np.isfinite(f) \
            | newton_done
        active = active[~done]
    return x


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


def _resolve_span(start, end, days):
    t0 = parse_utc(start, "start")
    if (end is None) == (days is None):
        raise InputError("give exactly one of end or days")
    if days is not None:
        check_range("days", days, 0.0, 3660.0, low_inclusive=False)
        return t0, t0 + pd.to_timedelta(float(days) * 86400.0, unit="s")
    return check_span(t0, end)


def _as_satellites(satellites, near) -> list[Satellite]:
    if isinstance(satellites, Satellite):
        return [satellites]
    if isinstance(satellites, (list, tuple)) and satellites and all(
            isinstance(s, Satellite) for s in satellites):
        return list(satellites)
    return load_satellites(satellites, near=near)


def default_step_s(satellites) -> float:
    """Coarse grid step [s]: 1/32 of the shortest orbital period, within 30-300 s.

    About 165 s for LEO. Culminations are bracketed by sign changes of the
    elevation rate, which needs a few samples per half orbit; the Hermite
    interpolation (see :class:`_Brackets`) stays within ~20 m for this step.
    """
    period_s = min(s.period_min for s in satellites) * 60.0
    return float(np.clip(period_s / 32.0, 30.0, 300.0))


# event kinds found on the grid
_RISE, _SET, _CULM, _UP_AT_START, _UP_AT_END = range(5)


def _grid_events(stations: _Stations, sats_idx, r, v, seconds, step_s):
    """Bracket every rise, set and culmination of one chunk of satellites, all stations."""
    kinds, parts, f_lo, f_hi, guess = [], [], [], [], []
    n, k_count = r.shape[:2]
    # coordinate-major copies make the per-station dot products fast matrix-vector products
    rt = np.ascontiguousarray(r.reshape(-1, 3).T)
    vt = np.ascontiguousarray(v.reshape(-1, 3).T)
    r2 = np.einsum("kj,kj->j", rt, rt)
    rv = np.einsum("kj,kj->j", rt, vt)

    r_flat, v_flat = r.reshape(-1, 3), v.reshape(-1, 3)

    def bracket(i, k0, k1, m):
        h = seconds[k1] - seconds[k0]
        j0, j1 = i * k_count + k0, i * k_count + k1  # rows of the (satellite, sample) grid
        return _Brackets(stations, sats_idx[i], np.full(i.size, m), seconds[k0], h,
                         r_flat.take(j0, axis=0), v_flat.take(j0, axis=0),
                         r_flat.take(j1, axis=0), v_flat.take(j1, axis=0))

    def changes(mask, falling_only=False):
        """(row, sample) of every k where ``mask`` changes between k and k + 1."""
        after, before = mask[:, 1:], mask[:, :-1]
        flips = (before & ~after) if falling_only else (before != after)
        return np.divmod(np.flatnonzero(flips), k_count - 1)

    shape = (n, k_count)
    for m, station in enumerate(stations.stations):
        site, up = stations.sites[m], stations.bases[m, 2]
        # per sample: u = rho.up, rng2 = |rho|^2, rho_v = rho.v, v_up = v.up (rho = r - site)
        rng2 = (r2 + site @ site - 2.0 * (site @ rt)).reshape(shape)
        u = (up @ rt - site @ up).reshape(shape)
        rho_v = (rv - site @ vt).reshape(shape)
        v_up = (up @ vt).reshape(shape)
        # d(el)/dt has the sign of v_up rng^2 - u rho_v (no square roots on the whole grid)
        rising = v_up * rng2 > u * rho_v

        def el_and_rate(i, k):
            rng = np.sqrt(rng2[i, k])
            sel = u[i, k] / rng
            cos_el = np.sqrt(np.maximum(1.0 - sel * sel, 1e-300))
            num = v_up[i, k] - sel * rho_v[i, k] / rng
            return np.degrees(np.arcsin(np.clip(sel, -1, 1))), np.degrees(num / (rng * cos_el))

        if stations.masked[m]:
            rho = r - site
            az = np.degrees(np.arctan2(rho @ stations.bases[m, 0], rho @ stations.bases[m, 1])) % 360.0
            above = u >= np.sin(np.radians(station.horizon_deg(az))) * np.sqrt(rng2)

            def g_at(i, k):
                return el_and_rate(i, k)[0] - station.horizon_deg(az[i, k])
        else:
            # sin(el) >= sin(floor), i.e. u |u| >= sin(floor) |sin(floor)| rng^2
            s_floor = np.sin(np.radians(station.min_elevation_deg))
            above = u * np.abs(u) >= (s_floor * abs(s_floor)) * rng2

            def g_at(i, k):
                return el_and_rate(i, k)[0] - station.min_elevation_deg

        i_all, k_all = changes(above)
        rise_mask = above[i_all, k_all + 1]
        for kind, sel in ((_RISE, rise_mask), (_SET, ~rise_mask)):
            i, k = i_all[sel], k_all[sel]
            g0, g1 = g_at(i, k), g_at(i, k + 1)
            h = seconds[k + 1] - seconds[k]
            tau = _cubic_guess(g0, g1, el_and_rate(i, k)[1], el_and_rate(i, k + 1)[1], h, False)
            kinds.append(np.full(i.size, kind))
            parts.append(bracket(i, k, k + 1, m))
            f_lo.append(g0)
            f_hi.append(g1)
            guess.append(seconds[k] + tau * h)
        i, k = changes(rising, falling_only=True)
        el0, rate0 = el_and_rate(i, k)
        el1, rate1 = el_and_rate(i, k + 1)
        # concave between the samples: el(t) <= min(el_k + rate_k h, el_k+1 - rate_k+1 h);
        # keep maxima that may clear the lowest floor, with 0.5 deg to spare. On the
        # low wing of a high pass elevation is convex and that bound fails, so a maximum
        # with a bracket end above the floor (one of every pass seen on the grid) is kept
        h = seconds[k + 1] - seconds[k]
        keep = np.minimum(el0 + rate0 * h, el1 - rate1 * h) > station.min_elevation_deg - 0.5
        low = np.flatnonzero(~keep)
        keep[low] = above[i[low], k[low]] | above[i[low], k[low] + 1]
        i, k, h = i[keep], k[keep], h[keep]
        tau = _cubic_guess(el0[keep], el1[keep], rate0[keep], rate1[keep], h, True)
        kinds.append(np.full(i.size, _CULM))
        parts.append(bracket(i, k, k + 1, m))
        f_lo.append(rate0[keep])
        f_hi.append(rate1[keep])
        guess.append(seconds[k] + tau * h)
        for kind, col in ((_UP_AT_START, 0), (_UP_AT_END, k_count - 1)):
            i = np.flatnonzero(above[:, col])
            kk = np.full(i.size, col)
            kinds.append(np.full(i.size, kind))
            parts.append(bracket(i, kk, kk, m))
            f_lo.append(g_at(i, kk))
            f_hi.append(g_at(i, kk))
            guess.append(np.full(i.size, seconds[col]))
    return kinds, parts, f_lo, f_hi, guess


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
) -> pd.DataFrame:
    """Every pass of every satellite over every station in a time span.

    Parameters
    ----------
    satellites : str, path, Satellite or list of Satellite
        Bundled set name (``"micius"``, ``"glonass"``, ``"active"``), TLE/OMM
        file, or satellites already loaded.
    stations : str, GroundStation or list
        Station names from the catalogue, ``"lat,lon[,alt_m]"`` strings, or
        :class:`~orbitqkd.io.stations.GroundStation` objects; ``"all"`` for the catalogue.
    start : str or datetime
        UTC start of the span.
    end, days : optional
        UTC end of the span, or its length [days]; give exactly one.
    min_elevation_deg : float, optional
        Override every station's elevation floor [deg] (horizon masks still apply).
    step_s : float, optional
        Coarse grid step [s]; default :func:`default_step_s`. Passes shorter
        than the step are still found (see module notes).
    dark_sun_elevation_deg : float
        A pass is ``dark`` when the Sun is below this elevation at culmination [deg].
    progress : bool
        Show a progress bar over satellite chunks.

    Returns
    -------
    pandas.DataFrame
        One row per pass, columns :data:`PASS_COLUMNS`. Times are tz-aware UTC;
        ``min_range_km`` is the smallest of the ranges at rise, culmination and
        set (the closest approach for near-circular orbits). Passes cut by the
        span's ends are flagged ``starts_before_window`` / ``ends_after_window``.

    Examples
    --------
    >>> p = find_passes("micius", ["Xinglong"], "2016-12-19", days=1)
    >>> len(p) > 0, p.columns[0]
    (True, 'satellite')
    """
    t0, t1 = _resolve_span(start, end, days)
    check_range("dark_sun_elevation_deg", dark_sun_elevation_deg, -90.0, 90.0)
    check_range("chunk_size", chunk_size, 1, 1_000_000)
    sats = _as_satellites(satellites, near=t0 + (t1 - t0) / 2)
    step_s = default_step_s(sats) if step_s is None else step_s
    check_range("step_s", step_s, 0.5, 600.0)
    stas = get_stations(stations)
    if min_elevation_deg is not None:
        check_range("min_elevation_deg", min_elevation_deg, -5.0, 90.0, high_inclusive=False)
        stas = [dataclasses.replace(s, min_elevation_deg=float(min_elevation_deg)) for s in stas]
    _stale_warning(sats, t0, t1)
    seconds = utc_seconds_grid(t0, t1, step_s)
    base = TimeBase.for_span(t0, seconds[-1])
    geo = _Stations(stas)

    chunks = range(0, len(sats), chunk_size)
    if progress:
        from tqdm.auto import tqdm

        chunks = tqdm(chunks, desc="propagating", unit="chunk")
    kinds, parts, f_lo, f_hi, guess = [], [], [], [], []
    for c0 in chunks:
        idx = np.arange(c0, min(c0 + chunk_size, len(sats)))
        r, v = propagate_ecef([sats[i].satrec for i in idx], base, seconds)
        out = _grid_events(geo, idx, r, v, seconds, step_s)
        for acc, new in zip((kinds, parts, f_lo, f_hi, guess), out):
            acc.extend(new)
    cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0))
    brackets = _Brackets.concat(parts, geo)
    return _assemble(brackets, sats, stas, t0, seconds[-1], cat(kinds).astype(int),
                     cat(f_lo), cat(f_hi), cat(guess), dark_sun_elevation_deg)


def _at(values, j):
    """``values[j]`` where ``j >= 0``, else -inf; -inf everywhere when ``values`` is empty.

    Culminations that precede every rise have ``j = -1``; with no pass at all
    (every maximum below the floor) ``values`` is empty and plain indexing fails.
    """
    if values.size == 0:
        return np.full(j.shape, -np.inf)
    return np.where(j >= 0, values[np.maximum(j, 0)], -np.inf)


def _assemble(br: _Brackets, sats, stas, t0, span_s, kind, f_lo, f_hi, guess, dark_deg):
    """Refine the brackets and pair rises with sets into passes."""
    n_sta = len(stas)
    pair = br.sat * n_sta + br.sta
    big = span_s + 10.0
    lo, hi = br.t0, br.t0 + br.h

    solve = np.flatnonzero((kind == _RISE) | (kind == _SET) | (kind == _CULM))
    t_ev = lo.copy()
    t_ev[solve] = _solve_events(lambda rows, t: br.residual(solve[rows], t), lo[solve], hi[solve],
                                f_lo[solve], f_hi[solve], kind[solve] == _CULM, guess[solve])
    culm = np.flatnonzero(kind == _CULM)
    t_culm = t_ev[culm]
    g_culm = br.residual(culm, t_culm)[0]

    # rises and sets (with passes in progress at the span's ends) alternate for each pair
    is_rise = (kind == _RISE) | (kind == _UP_AT_START)
    is_set = (kind == _SET) | (kind == _UP_AT_END)
    rise_order = np.argsort(pair[is_rise] * big + t_ev[is_rise], kind="stable")
    set_order = np.argsort(pair[is_set] * big + t_ev[is_set], kind="stable")
    rise_rows = np.flatnonzero(is_rise)[rise_order]
    set_rows = np.flatnonzero(is_set)[set_order]
    if rise_rows.size != set_rows.size:  # cannot happen: crossings alternate on the grid
        raise RuntimeError("internal error: unmatched rise and set brackets")
    rise_key = pair[rise_rows] * big + t_ev[rise_rows]
    set_key = pair[set_rows] * big + t_ev[set_rows]

    # grazing passes: a culmination above the floor outside every pass found on the grid
    c_key = pair[culm] * big + t_culm
    j = np.searchsorted(rise_key, c_key, side="right") - 1
    inside = (j >= 0) & (c_key <= _at(set_key, j))
    graze = np.flatnonzero((g_culm > 0) & ~inside)
    p_rise_br, p_set_br = rise_rows, set_rows
    t_rise, t_set = t_ev[rise_rows], t_ev[set_rows]
    if graze.size:
        rows = culm[graze]
        gt = t_culm[graze]
        g_lo = br.residual(rows, lo[rows])[0]
        g_hi = br.residual(rows, hi[rows])[0]
        both_rows = np.concatenate([rows, rows])
        both = _solve_events(lambda rr, t: br.residual(both_rows[rr], t),
                             np.concatenate([lo[rows], gt]), np.concatenate([gt, hi[rows]]),
                             np.concatenate([g_lo, g_culm[graze]]),
                             np.concatenate([g_culm[graze], g_hi]), False)
        p_rise_br = np.concatenate([p_rise_br, rows])
        p_set_br = np.concatenate([p_set_br, rows])
        t_rise = np.concatenate([t_rise, both[:rows.size]])
        t_set = np.concatenate([t_set, both[rows.size:]])
        order = np.argsort(pair[p_rise_br] * big + t_rise, kind="stable")
        p_rise_br, p_set_br, t_rise, t_set = (a[order] for a in (p_rise_br, p_set_br, t_rise, t_set))
    rise_key = pair[p_rise_br] * big + t_rise
    set_key = pair[p_set_br] * big + t_set

    # culmination: the highest refined maximum inside the pass, else the higher end
    j = np.searchsorted(rise_key, c_key, side="right") - 1
    ok = (j >= 0) & (c_key <= _at(set_key, j))
    best = np.full(rise_key.size, -np.inf)
    np.maximum.at(best, j[ok], g_culm[ok])
    p_culm_br = np.full(rise_key.size, -1)
    t_best = np.full(rise_key.size, np.nan)
    winner = ok & (g_culm == _at(best, j))
    t_best[j[winner]] = t_culm[winner]
    p_culm_br[j[winner]] = culm[winner]
    none = np.flatnonzero(np.isnan(t_best))
    if none.size:
        el_r = br.evaluate(p_rise_br[none], t_rise[none])[2]
        el_s = br.evaluate(p_set_br[none], t_set[none])[2]
        use_rise = el_r >= el_s
        t_best[none] = np.where(use_rise, t_rise[none], t_set[none])
        p_culm_br[none] = np.where(use_rise, p_rise_br[none], p_set_br[none])

    starts_before = kind[p_rise_br] == _UP_AT_START
    ends_after = kind[p_set_br] == _UP_AT_END
    return _pass_table(br, sats, stas, t0, (p_rise_br, p_culm_br, p_set_br),
                       (t_rise, t_best, t_set), starts_before, ends_after, dark_deg)


def _pass_table(br, sats, stas, t0, rows3, times3, starts_before, ends_after, dark_deg):
    """One row per pass, sorted by rise time, station name and NORAD id."""
    p_sat, p_sta = br.sat[rows3[0]], br.sta[rows3[0]]
    norad = np.array([s.norad_id for s in sats], dtype=np.int64)[p_sat]
    station_rank = np.argsort(np.argsort([s.name for s in stas]))
    # the same order as sorting the table by (rise_utc, station, norad_id): rise to the µs
    order = np.lexsort((norad, station_rank[p_sta], np.round(times3[0] * 1e6)))
    rows3 = [r[order] for r in rows3]
    t_rise, t_culm, t_set = (t[order] for t in times3)
    p_sat, p_sta, norad = p_sat[order], p_sta[order], norad[order]
    n = t_rise.size
    looks = [br.evaluate(rows, t)[2:] for rows, t in zip(rows3, (t_rise, t_culm, t_set))]
    sun_el = np.zeros(n)
    if n:
        sun, _ = sun_moon_ecef_km(t0, t_culm)
        sun_el = body_elevation_deg(sun, br.stations.sites[p_sta], br.stations.bases[p_sta, 2])
    return pd.DataFrame({
        "satellite": np.array([s.name for s in sats], dtype=object)[p_sat],
        "norad_id": norad,
        "station": np.array([s.name for s in stas], dtype=object)[p_sta],
        "rise_utc": timestamps(t0, t_rise),
        "culmination_utc": timestamps(t0, t_culm),
        "set_utc": timestamps(t0, t_set),
        "max_elevation_deg": looks[1][0],
        "duration_s": t_set - t_rise,
        "min_range_km": np.minimum.reduce([lk[2] for lk in looks]) if n else np.zeros(0),
        "rise_azimuth_deg": looks[0][1],
        "culmination_azimuth_deg": looks[1][1],
        "set_azimuth_deg": looks[2][1],
        "sun_elevation_deg": sun_el,
        "dark": sun_el < dark_deg,
        "starts_before_window": np.asarray(starts_before)[order],
        "ends_after_window": np.asarray(ends_after)[order],
    }, columns=PASS_COLUMNS)


TRACK_COLUMNS = [
    "time_utc", "elevation_deg", "azimuth_deg", "range_km", "range_rate_km_s",
    "satellite_altitude_km", "sun_elevation_deg", "moon_elevation_deg",
    "moon_illuminated_fraction", "moon_separation_deg", "sun_separation_deg",
]


def _sample_tracks(sats, sat_idx, stas, sta_idx, t0, start_s, end_s, step_s) -> pd.DataFrame:
    """Geometry samples of many (satellite, station, [start, end]) spans at once.

    ``start_s`` and ``end_s`` are seconds after ``t0``; each span is sampled
    every ``step_s`` from its start, plus its end. Returns ``pass_id`` (the span's
    index) and :data:`TRACK_COLUMNS`, one SGP4 call per satellite.
    """
    start_s, end_s = np.asarray(start_s, float), np.asarray(end_s, float)
    counts = np.floor((end_s - start_s) / step_s + 1e-9).astype(np.int64) + 1
    pass_id = np.repeat(np.arange(start_s.size), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    seconds = start_s[pass_id] + (np.arange(pass_id.size) - first) * step_s
    # close each span at its end when the grid stops short of it
    short = end_s - (start_s + (counts - 1) * step_s) > 1e-6
    if short.any():
        extra = np.flatnonzero(short)
        pass_id = np.concatenate([pass_id, extra])
        seconds = np.concatenate([seconds, end_s[extra]])
        order = np.lexsort((seconds, pass_id))
        pass_id, seconds = pass_id[order], seconds[order]
    base = TimeBase.for_span(t0, float(seconds.max(initial=0.0)))
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
    return pd.DataFrame({
        "pass_id": pass_id,
        "time_utc": timestamps(t0, seconds),
        "elevation_deg": look["elevation_deg"],
        "azimuth_deg": look["azimuth_deg"],
        "range_km": look["range_km"],
        "range_rate_km_s": look["range_rate_km_s"],
        "satellite_altitude_km": ecef_to_geodetic_altitude_km(r),
        "sun_elevation_deg": body_elevation_deg(sun, sites, bases[:, 2]),
        "moon_elevation_deg": body_elevation_deg(moon, sites, bases[:, 2]),
        "moon_illuminated_fraction": moon_illuminated_fraction(sun, moon),
        "moon_separation_deg": separation_deg(los, moon - sites),
        "sun_separation_deg": separation_deg(los, sun - sites),
    })


def pass_track(satellite, station, start, end, step_s: float = 1.0) -> pd.DataFrame:
    """Geometry of one satellite seen from one station, sampled every ``step_s``.

    Parameters
    ----------
    satellite : Satellite or str
        A satellite, or a bundled set / file holding exactly one.
    station : GroundStation or str
    start, end : str or datetime
        UTC span (e.g. a pass's ``rise_utc`` and ``set_utc``).
    step_s : float
        Sample spacing [s]; the span's end is always sampled.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TRACK_COLUMNS`; ``moon_separation_deg`` and
        ``sun_separation_deg`` are the angles between the line of sight and the
        Moon / Sun. ``attrs`` holds ``satellite``, ``norad_id``, ``station``,
        ``sample_s``.
    """
    t0, t1 = check_span(start, end)
    check_range("step_s", step_s, 0.001, 3600.0)
    sats = _as_satellites(satellite, near=t0)
    if len(sats) != 1:
        raise InputError(f"satellite = {satellite!r} holds {len(sats)} satellites; pass_track takes one")
    sta = get_stations(station)[0]
    _stale_warning(sats, t0, t1)
    df = _sample_tracks(sats, [0], [sta], [0], t0, [0.0], [(t1 - t0).total_seconds()], step_s)
    df = df.drop(columns="pass_id")[TRACK_COLUMNS]
    df.attrs.update(satellite=sats[0].name, norad_id=sats[0].norad_id, station=sta.name,
                    sample_s=float(step_s))
    return df


def pass_tracks(passes: pd.DataFrame, satellites, stations=None, step_s: float = 1.0) -> pd.DataFrame:
    """Sample every pass of a :func:`find_passes` table from rise to set.

    Parameters
    ----------
    passes : pandas.DataFrame
        Rows of :func:`find_passes` (at least ``norad_id``, ``station``,
        ``rise_utc``, ``set_utc``).
    satellites : list of Satellite or str
        The satellites the passes were computed for (matched by NORAD id).
    stations : list of GroundStation or names, optional
        The stations (matched by name); default: looked up from the table.
    step_s : float
        Sample spacing [s].

    Returns
    -------
    pandas.DataFrame
        Long table: ``pass_id`` (the row label in ``passes``), ``satellite``,
        ``norad_id``, ``station`` and :data:`TRACK_COLUMNS`; ``attrs["sample_s"]``.
    """
    check_range("step_s", step_s, 0.001, 3600.0)
    cols = list(TRACK_COLUMNS)
    if len(passes) == 0:
        out = pd.DataFrame(columns=["pass_id", "satellite", "norad_id", "station"] + cols)
        out.attrs["sample_s"] = float(step_s)
        return out
    t0 = parse_utc(passes["rise_utc"].min())
    sats = _as_satellites(satellites, near=t0)
    by_norad = {s.norad_id: k for k, s in enumerate(sats)}
    missing = set(passes["norad_id"]) - set(by_norad)
    if missing:
        raise InputError(f"norad_id = {sorted(missing)[0]} of the passes is not among the satellites given")
    stas = get_stations(sorted(set(passes["station"]))) if stations is None else get_stations(stations)
    by_name = {s.name: k for k, s in enumerate(stas)}
    unknown = set(passes["station"]) - set(by_name)
    if unknown:
        raise InputError(f"station = {sorted(unknown)[0]!r} of the passes is not among the stations given")
    rise = (pd.to_datetime(passes["rise_utc"], utc=True) - t0).dt.total_seconds().to_numpy()
    set_ = (pd.to_datetime(passes["set_utc"], utc=True) - t0).dt.total_seconds().to_numpy()
    sat_idx = passes["norad_id"].map(by_norad).to_numpy()
    sta_idx = passes["station"].map(by_name).to_numpy()
    df = _sample_tracks(sats, sat_idx, stas, sta_idx, t0, rise, set_, step_s)
    labels = passes.index.to_numpy()
    k = df["pass_id"].to_numpy()
    df["pass_id"] = labels[k]
    df.insert(1, "satellite", np.array([s.name for s in sats], dtype=object)[sat_idx[k]])
    df.insert(2, "norad_id", np.array([s.norad_id for s in sats])[sat_idx[k]])
    df.insert(3, "station", np.array([s.name for s in stas], dtype=object)[sta_idx[k]])
    df.attrs["sample_s"] = float(step_s)
    return df
