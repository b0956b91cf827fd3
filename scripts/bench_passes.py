"""Benchmark the pass engine against Skyfield's find_events and raw SGP4.

    python scripts/bench_passes.py [--satellites 1000] [--stations 10] [--days 1]
                                   [--skyfield-pairs 300 | --skyfield-pairs 0 for all]

Three timings in one run, on LEO satellites from the bundled active catalogue
(2026-03-19) over the bundled stations:

* orbitqkd ``find_passes`` for all satellites x stations (best of ``--repeat``);
* raw SGP4: ``SatrecArray.sgp4`` of the same satellites on the same coarse grid
  (the floor any grid search pays);
* Skyfield ``EarthSatellite.find_events`` per (satellite, station) pair, the
  way a Skyfield user would loop. By default a random sample of pairs is timed
  and scaled to all pairs (say ``--skyfield-pairs 0`` to time every pair); the
  sample's events are also compared with orbitqkd's, and the largest
  difference is resolved against SGP4 sampled every millisecond.

Then up to ``--grazes`` passes shorter than a minute are checked against SGP4
sampled every millisecond (the goal: rise and set within 0.05 s). The pass
engine's compiled loops are compiled (or loaded from numba's cache) in a
warm-up call before the timings.

``--breakdown`` times one more search with a clock around each step (SGP4 on the
grid, the compiled grid sweep, the compiled refinement) and prints where the
time goes; the rest is the pass table and the numpy bookkeeping between the
steps, with the rough-velocity check's SGP4 of three times a satellite.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from sgp4.api import SatrecArray
from skyfield.api import EarthSatellite, wgs84

from orbitqkd.core import events, passkernels
from orbitqkd.core.events import default_step_s, find_passes
from orbitqkd.core.orbits import TimeBase, enu_basis, look_angles, propagate_one_ecef
from orbitqkd.io.stations import bundled_stations
from orbitqkd.timescales import jd_utc_split, timescale, utc_seconds_grid
from orbitqkd.io.tle import load_satellites

START = pd.Timestamp("2026-03-19T00:00Z")


def crossing_error_s(sat, station, when, window_s=2.0):
    """Distance [s] from ``when`` to the nearest floor crossing of SGP4 sampled every 1 ms."""
    t0 = pd.Timestamp(when) - pd.Timedelta(seconds=window_s)
    seconds = np.arange(int(2 * window_s * 1000)) / 1000.0
    r, v = propagate_one_ecef(sat.satrec, TimeBase.for_span(t0, seconds[-1]), seconds)
    look = look_angles(r, v, station.ecef_km(), enu_basis(station.latitude_deg, station.longitude_deg))
    g = look["elevation_deg"] - station.horizon_deg(look["azimuth_deg"])
    cross = np.flatnonzero(np.diff(np.sign(g)) != 0)
    return float(np.min(np.abs(seconds[cross] + 0.0005 - window_s))) if cross.size else np.inf


def breakdown(sats, stations, end):
    """Seconds of one search spent in SGP4, the grid sweep and the refinement, and in all."""
    spent = {"SGP4 on the grid": 0.0, "grid sweep": 0.0, "refinement": 0.0}
    wrapped = [(events, "propagate_teme", "SGP4 on the grid"), (passkernels, "grid_brackets", "grid sweep"),
               (passkernels, "refine", "refinement")]
    originals = [getattr(module, name) for module, name, _ in wrapped]

    def timed(function, label):
        def run(*args, **kwargs):
            t = time.perf_counter()
            out = function(*args, **kwargs)
            spent[label] += time.perf_counter() - t
            return out
        return run

    for (module, name, label), function in zip(wrapped, originals):
        setattr(module, name, timed(function, label))
    try:
        t = time.perf_counter()
        find_passes(sats, stations, START, end)
        total = time.perf_counter() - t
    finally:
        for (module, name, _), function in zip(wrapped, originals):
            setattr(module, name, function)
    return spent, total


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--satellites", type=int, default=1000)
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--days", type=float, default=1.0)
    ap.add_argument("--skyfield-pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (orbitqkd, raw SGP4)")
    ap.add_argument("--grazes", type=int, default=200, help="passes under a minute checked at 1 ms")
    ap.add_argument("--breakdown", action="store_true", help="time the search's steps too")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(args.seed)

    leo = [s for s in load_satellites("active") if s.period_min < 130]
    sats = [leo[i] for i in sorted(rng.choice(len(leo), args.satellites, replace=False))]
    stations = [s for s in bundled_stations().values() if not s.horizon_mask][: args.stations]
    end = START + pd.Timedelta(days=args.days)
    step = default_step_s(sats)
    print(f"{len(sats)} LEO satellites x {len(stations)} stations x {args.days:g} day(s), "
          f"coarse step {step:.0f} s")

    find_passes(sats[:10], stations, START, end)  # warm-up (imports, timescale)
    t_ours = np.inf
    for _ in range(args.repeat):
        t = time.perf_counter()
        ours = find_passes(sats, stations, START, end).table
        t_ours = min(t_ours, time.perf_counter() - t)

    seconds = utc_seconds_grid(START, end, step)
    whole, frac = jd_utc_split(START, seconds)
    t_raw = np.inf
    for _ in range(args.repeat):
        t = time.perf_counter()
        SatrecArray([s.satrec for s in sats]).sgp4(whole, frac)
        t_raw = min(t_raw, time.perf_counter() - t)

    ts = timescale()
    t0, t1 = ts.from_datetime(START.to_pydatetime()), ts.from_datetime(end.to_pydatetime())
    pairs = [(i, j) for i in range(len(sats)) for j in range(len(stations))]
    n_pairs = len(pairs)
    if args.skyfield_pairs and args.skyfield_pairs < n_pairs:
        pairs = [pairs[k] for k in rng.choice(n_pairs, args.skyfield_pairs, replace=False)]
    earth_sats = {i: EarthSatellite.from_satrec(sats[i].satrec, ts) for i, _ in pairs}
    topos = [wgs84.latlon(s.latitude_deg, s.longitude_deg, s.altitude_m) for s in stations]
    events = []
    t = time.perf_counter()
    for i, j in pairs:
        tt, ev = earth_sats[i].find_events(topos[j], t0, t1, altitude_degrees=stations[j].min_elevation_deg)
        events.append((i, j, tt, ev))
    t_sky_sample = time.perf_counter() - t
    t_sky = t_sky_sample * n_pairs / len(pairs)

    # compare the sampled pairs' events
    col = {0: "rise_utc", 1: "culmination_utc", 2: "set_utc"}
    worst, worst_at, missing, n_events = 0.0, None, 0, 0
    for i, j, tt, ev in events:
        mine = ours[(ours.norad_id == sats[i].norad_id) & (ours.station == stations[j].name)]
        for x, k in zip(tt, ev):
            n_events += 1
            when = pd.Timestamp(x.utc_datetime())
            d = np.abs((mine[col[int(k)]] - when).dt.total_seconds())
            if d.empty or d.min() > 5.0:
                missing += 1
            elif d.min() > worst and int(k) != 1:  # a rise or set: SGP4 says which is right
                worst, worst_at = float(d.min()), (i, j, when, mine[col[int(k)]].iloc[int(np.argmin(d))])
            else:
                worst = max(worst, float(d.min()))

    # grazes (passes under a minute) against SGP4 sampled every millisecond
    short = ours[(ours.duration_s < 60.0) & ~ours.starts_before_window & ~ours.ends_after_window]
    short = short.sample(min(args.grazes, len(short)), random_state=args.seed)
    by_id = {s.norad_id: s for s in sats}
    by_name = {s.name: s for s in stations}
    graze_errors = [crossing_error_s(by_id[row.norad_id], by_name[row.station], when)
                    for row in short.itertuples() for when in (row.rise_utc, row.set_utc)]

    print(f"orbitqkd find_passes     {t_ours:8.3f} s  {len(ours)} passes, "
          f"{n_pairs * args.days / t_ours:,.0f} pair-days/s")
    print(f"raw SGP4 on the grid     {t_raw:8.3f} s  ({len(seconds)} steps)")
    scaled = "" if len(pairs) == n_pairs else f" (timed {len(pairs)} pairs: {t_sky_sample:.2f} s, scaled to {n_pairs})"
    print(f"Skyfield find_events     {t_sky:8.3f} s{scaled}")
    print(f"speed-up vs Skyfield     {t_sky / t_ours:8.1f} x   (goal >= 100 x)")
    print(f"cost vs raw SGP4         {t_ours / t_raw:8.2f} x   (goal <= 2 x)")
    print(f"events compared          {n_events}, missing {missing}, "
          f"largest timing difference {worst:.3f} s   (goal: 0 missing, < 1 s)")
    if worst_at is not None:
        i, j, sky_t, our_t = worst_at
        print(f"  that event against SGP4 every 1 ms: orbitqkd {crossing_error_s(sats[i], stations[j], our_t):.3f} s"
              f" off, Skyfield {crossing_error_s(sats[i], stations[j], sky_t):.3f} s off")
    if graze_errors:
        print(f"grazes (< 60 s) vs SGP4  {len(short)} passes: largest rise/set error "
              f"{max(graze_errors):.3f} s   (goal < 0.05 s)")
    if args.breakdown:
        spent, total = breakdown(sats, stations, end)
        rest = total - sum(spent.values())
        print(f"one search, step by step {total:8.3f} s: " + ", ".join(
            f"{label} {seconds:.3f} s" for label, seconds in spent.items())
            + f", pass table and bookkeeping {rest:.3f} s")


if __name__ == "__main__":
    main()
