"""Benchmark the Dask scale-out against the single-process pass engine.

    PYTHONPATH=. python scripts/bench_scale.py [--satellites 5000] [--stations 15] [--days 1]
                                  [--workers 2] [--shard-satellites 500] [--shard-days 1]
                                  [--scheduler ADDRESS]

Times :func:`orbitqkd.core.events.find_passes` in this process, then
:func:`orbitqkd.executors.find_passes_dask` on a fresh ``LocalCluster`` (worker
processes, one thread each; start-up included) or on ``--scheduler ADDRESS``,
over LEO satellites of the bundled active catalogue (2026-03-19) and the
bundled stations (repeated with a longitude shift when more are asked for).
Prints the speed-up and checks that both give the same passes (times < 1 ms).
Then the full chain (link budget and finite-key secret key of every pass of
``--key-satellites`` satellites): :func:`orbitqkd.chain.pass_keys` in this
process against :func:`orbitqkd.chain.keyed_passes` with ``executor=`` the same cluster,
and checks the keys agree.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings

import numpy as np
import pandas as pd

from orbitqkd.core.events import find_passes
from orbitqkd.chain import keyed_passes
from orbitqkd.executors import find_passes_dask, local_cluster
from orbitqkd.io.stations import bundled_stations
from orbitqkd.io.tle import load_satellites

START = pd.Timestamp("2026-03-19T00:00Z")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--satellites", type=int, default=5000)
    ap.add_argument("--stations", type=int, default=15)
    ap.add_argument("--days", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--shard-satellites", type=int, default=1250)
    ap.add_argument("--shard-days", type=float, default=1.0)
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address (default: a LocalCluster)")
    ap.add_argument("--key-satellites", type=int, default=100,
                    help="Satellites whose passes go through the full budget and key chain")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(args.seed)

    leo = [s for s in load_satellites("active") if s.period_min < 130]
    sats = [leo[i] for i in sorted(rng.choice(len(leo), min(args.satellites, len(leo)), replace=False))]
    base = list(bundled_stations().values())
    stations = [dataclasses.replace(base[i % len(base)], name=f"{base[i % len(base)].name}-{i // len(base)}",
                                    longitude_deg=(base[i % len(base)].longitude_deg + 7.0 * (i // len(base))) % 360.0)
                if i >= len(base) else base[i] for i in range(args.stations)]
    print(f"{len(sats)} LEO satellites x {len(stations)} stations x {args.days:g} day(s); "
          f"shards of {args.shard_satellites} satellites x {args.shard_days:g} day(s)")

    find_passes(sats[:10], stations, START, days=0.1)  # warm-up (imports, timescale)
    t = time.perf_counter()
    ref_table = find_passes(sats, stations, START, days=args.days)
    ref = ref_table.table
    t_single = time.perf_counter() - t
    print(f"single process: {t_single:8.2f} s, {len(ref)} passes")

    if args.scheduler is None:
        from distributed import Client

        t = time.perf_counter()
        cluster = local_cluster(args.workers)
        client = Client(cluster)
        t_start = time.perf_counter() - t
        scheduler = client
    else:
        t_start, client, cluster, scheduler = 0.0, None, None, args.scheduler
    try:
        runs = []
        for _ in range(2):  # a fresh cluster's first run pays for imports and heap growth
            t = time.perf_counter()
            ours = find_passes_dask(sats, stations, START, days=args.days, scheduler=scheduler,
                                    shard_satellites=args.shard_satellites, shard_days=args.shard_days).table
            runs.append(time.perf_counter() - t)
        keyed_norads = {s.norad_id for s in sats[:args.key_satellites]}
        chain = ref_table.where(ref["norad_id"].isin(keyed_norads))
        link = "microsat-portable"
        t = time.perf_counter()
        key_ref = keyed_passes(chain, link, step_s=5.0).table
        t_key_single = time.perf_counter() - t
        t = time.perf_counter()
        key_dask = keyed_passes(chain, link, step_s=5.0, executor=scheduler,
                                shard_satellites=max(1, args.key_satellites // (4 * args.workers))).table
        t_key_dask = time.perf_counter() - t
    finally:
        if client is not None:
            client.close()
            cluster.close()
    print(f"dask ({args.workers} workers): first run {runs[0]:.2f} s, second run {runs[1]:.2f} s; "
          f"cluster start-up {t_start:.2f} s")
    print(f"speed-up: {t_single / runs[1]:.2f}x (warm cluster), "
          f"{t_single / (runs[0] + t_start):.2f}x (fresh cluster, start-up included)")

    same = len(ours) == len(ref) and (ours[["norad_id", "station"]].to_numpy() == ref[["norad_id", "station"]].to_numpy()).all()
    worst = max((ours[c] - ref[c]).abs().max().total_seconds() for c in ("rise_utc", "culmination_utc", "set_utc")) if same else float("nan")
    print(f"identical passes: {same}; largest time difference {worst * 1e3:.3f} ms")
    if not same or not worst < 1e-3:
        raise SystemExit("results differ")
    # shards sample each pass on the same grid up to floating-point rounding of the
    # time origin, so keys agree to ~1e-8 (relative), not bit for bit
    key_same = np.allclose(key_dask["key_bits"], key_ref["key_bits"], rtol=1e-6, atol=1e-6)
    rel = ((key_dask["key_bits"] - key_ref["key_bits"]).abs()
           / key_ref["key_bits"].where(key_ref["key_bits"] > 0)).max()
    print(f"secret key of {len(chain)} passes ({len(keyed_norads)} satellites): single process "
          f"{t_key_single:.2f} s, dask {t_key_dask:.2f} s, speed-up {t_key_single / t_key_dask:.2f}x; "
          f"same keys: {key_same} (largest relative difference {rel:.1e})")
    if not key_same:
        raise SystemExit("keys differ")


if __name__ == "__main__":
    main()
