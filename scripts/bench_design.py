"""Bench: a year of 10 design satellites x 20 stations, refreshed element sets vs one element set.

Naive: one SGP4 element set per satellite propagated over the whole year
(``orbitqkd.core.events.find_passes``). Refreshed: the same design orbits with
element sets refreshed every ``REFRESH_DAYS`` (``find_passes_refreshed``).
Each run happens in a fresh process so its peak memory is its own.

    python scripts/bench_design.py [days]
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time
import warnings

import pandas as pd

from orbitqkd.core import events
from orbitqkd.core.propagation import concat_passes, find_passes_refreshed, walker_orbits
from orbitqkd.io.stations import bundled_stations, get_stations

REFRESH_DAYS = 7.0
EXTRA_STATIONS = ["-23.6,-70.4,2800", "19.8,-155.5,4200", "-31.3,149.1,1100", "64.1,-21.9,50",
                  "1.3,103.8,20"]


def _setup():
    orbits = walker_orbits(10, 5, 1, 550.0, "2025-01-01", ltan_hours=22.0, name="SSO",
                           raan_spread_deg=60.0)
    stations = list(dict(bundled_stations()).values()) + get_stations(EXTRA_STATIONS)
    return orbits, stations


def _run(kind, days, queue):
    orbits, stations = _setup()
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the naive run warns of stale elements
        if kind == "naive":
            table = events.find_passes([o.satellite() for o in orbits], stations, "2025-01-01",
                                       days=days).table
        else:
            table = concat_passes(find_passes_refreshed(orbits, stations, "2025-01-01",
                                                        days=days, refresh_days=REFRESH_DAYS))
    elapsed = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    queue.put((elapsed, peak_mb, table))


def _measure(kind, days):
    queue = mp.get_context("fork").Queue()
    proc = mp.get_context("fork").Process(target=_run, args=(kind, days, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def main(days: float = 365.0) -> None:
    orbits, stations = _setup()
    print(f"{len(orbits)} SSO satellites (550 km, Walker 10/5/1) x {len(stations)} stations x "
          f"{days:g} d, refresh every {REFRESH_DAYS:g} d")
    t_n, m_n, naive = _measure("naive", days)
    t_r, m_r, fresh = _measure("refreshed", days)
    print(f"one element set (naive)   {t_n:7.2f} s  peak {m_n:7.0f} MB  {len(naive)} passes")
    print(f"refreshed element sets    {t_r:7.2f} s  peak {m_r:7.0f} MB  {len(fresh)} passes")
    # match passes by satellite, station and rise time (within 60 s)
    a = naive.sort_values("rise_utc")[["satellite", "station", "rise_utc", "set_utc"]]
    b = fresh.sort_values("rise_utc")[["satellite", "station", "rise_utc", "set_utc"]]
    m = pd.merge_asof(a, b.rename(columns={"set_utc": "set_b"}).assign(rise_b=b["rise_utc"]),
                      on="rise_utc", by=["satellite", "station"],
                      tolerance=pd.Timedelta(seconds=60), direction="nearest")
    hit = m["rise_b"].notna()
    d_rise = (m.loc[hit, "rise_utc"] - m.loc[hit, "rise_b"]).dt.total_seconds().abs()
    d_set = (m.loc[hit, "set_utc"] - m.loc[hit, "set_b"]).dt.total_seconds().abs()
    print(f"matched {int(hit.sum())} of {len(a)} passes: largest rise difference "
          f"{d_rise.max() * 1e3:.1f} ms, set {d_set.max() * 1e3:.1f} ms; unmatched "
          f"{len(a) - int(hit.sum())} (one element set) / {len(b) - int(hit.sum())} (refreshed)")
    if (~hit).any():
        print(m.loc[~hit, ["satellite", "station", "rise_utc", "set_utc"]].to_string(index=False))

if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 365.0)
