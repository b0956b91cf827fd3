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
  sample's events are also compared with orbitqkd's.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
from sgp4.api import SatrecArray
from skyfield.api import EarthSatellite, wgs84

from orbitqkd.core.events import default_step_s, find_passes
from orbitqkd.io.stations import bundled_stations
from orbitqkd.timescales import jd_utc_split, timescale, utc_seconds_grid
from orbitqkd.io.tle import load_satellites

START = pd.Timestamp("2026-03-19T00:00Z")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--satellites", type=int, default=1000)
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--days", type=float, default=1.0)
    ap.add_argument("--skyfield-pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs (orbitqkd, raw SGP4)")
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
    worst, missing, n_events = 0.0, 0, 0
    for i, j, tt, ev in events:
        mine = ours[(ours.norad_id == sats[i].norad_id) & (ours.station == stations[j].name)]
        for x, k in zip(tt, ev):
            n_events += 1
            when = pd.Timestamp(x.utc_datetime())
            d = np.abs((mine[col[int(k)]] - when).dt.total_seconds())
            if d.empty or d.min() > 5.0:
                missing += 1
            else:
                worst = max(worst, float(d.min()))

    print(f"orbitqkd find_passes     {t_ours:8.3f} s  {len(ours)} passes, "
          f"{n_pairs * args.days / t_ours:,.0f} pair-days/s")
    print(f"raw SGP4 on the grid     {t_raw:8.3f} s  ({len(seconds)} steps)")
    scaled = "" if len(pairs) == n_pairs else f" (timed {len(pairs)} pairs: {t_sky_sample:.2f} s, scaled to {n_pairs})"
    print(f"Skyfield find_events     {t_sky:8.3f} s{scaled}")
    print(f"speed-up vs Skyfield     {t_sky / t_ours:8.1f} x   (goal >= 100 x)")
    print(f"cost vs raw SGP4         {t_ours / t_raw:8.2f} x   (goal <= 2 x)")
    print(f"events compared          {n_events}, missing {missing}, "
          f"largest timing difference {worst:.3f} s   (goal: 0 missing, < 1 s)")


if __name__ == "__main__":
    main()
