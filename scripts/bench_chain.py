"""Benchmark the budget and key chain at network scale (issue 14, goal 1).

    PYTHONPATH=. python scripts/bench_chain.py [--satellites 100] [--stations 25] [--days 7]
                                   [--baseline-passes 300] [--step-s 5]

LEO satellites of the bundled active catalogue (2026-03-19) over the bundled
stations (repeated with a 7 deg longitude shift beyond the 15 bundled ones),
night passes only (Sun below -12 deg at culmination), the microsatellite link
sampled every ``--step-s``. Times :func:`orbitqkd.chain.pass_budgets` and
:func:`orbitqkd.chain.pass_keys` over every pass (one budget over all samples,
keys of all passes in one vectorised bound) and reports the peak memory they
allocate (tracemalloc) and the process's peak resident set.

Then the chain's one route, :func:`orbitqkd.chain.keyed_passes`, which runs
the same in chunks of passes so that memory is bounded by a chunk, with its
peak allocation and its keys against the one call.

Baselines in the same run, on ``--baseline-passes`` passes drawn at random:
the per-pass loop (``pass_key`` on each pass's budget, as ``pass_keys`` did
before) and the per-sample turbulence and band-absorption integrals the budget
evaluated before (400 heights and 41 wavelengths per sample); each is checked
to give the same numbers (1e-9 relative) and its time per pass extrapolated
to all passes for the ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from orbitqkd.chain import _CHUNK_SAMPLES, keyed_passes, pass_budgets, pass_keys, resolve_link
from orbitqkd.core import budget as core_budget
from orbitqkd.core.channel import atmosphere, geometry, turbulence
from orbitqkd.core.events import find_passes
from orbitqkd.core.keyrate.passkey import pass_key
from orbitqkd.io.stations import bundled_stations
from orbitqkd.io.tle import load_satellites

START = pd.Timestamp("2026-03-19T00:00Z")


def network(n_sats, n_stations, seed):
    rng = np.random.default_rng(seed)
    leo = [s for s in load_satellites("active", near=START) if s.period_min < 130]
    sats = [leo[i] for i in sorted(rng.choice(len(leo), n_sats, replace=False))]
    base = list(bundled_stations().values())
    stations = [base[i] if i < len(base) else dataclasses.replace(
        base[i % len(base)], name=f"{base[i % len(base)].name}-{i // len(base)}",
        longitude_deg=(base[i % len(base)].longitude_deg + 7.0 * (i // len(base))) % 360.0)
        for i in range(n_stations)]
    return sats, stations


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--satellites", type=int, default=100)
    ap.add_argument("--stations", type=int, default=25)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--step-s", type=float, default=5.0)
    ap.add_argument("--link", default="microsat-portable")
    ap.add_argument("--baseline-passes", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    warnings.simplefilter("ignore")

    sats, stations = network(args.satellites, args.stations, args.seed)
    t = time.perf_counter()
    passes = find_passes(sats, stations, START, days=args.days)
    t_pass = time.perf_counter() - t
    night = passes.where(passes.table["dark"])
    print(f"{len(sats)} LEO x {len(stations)} stations x {args.days:g} d: {len(passes)} passes "
          f"({len(night)} at night) in {t_pass:.2f} s")

    tracemalloc.start()
    t = time.perf_counter()
    budgets = pass_budgets(night, args.link, args.step_s)
    t_budget = time.perf_counter() - t
    t = time.perf_counter()
    keyed = pass_keys(night, budgets).table
    t_keys = time.perf_counter() - t
    peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    print(f"vectorised, one call: budgets {t_budget:.2f} s ({len(budgets)} samples), keys "
          f"{t_keys:.2f} s, together {t_budget + t_keys:.2f} s; peak allocated {peak_mb:.0f} MB, "
          f"process peak RSS {rss_mb:.0f} MB")

    # the chain's one route: keyed_passes, chunks of at most _CHUNK_SAMPLES samples
    tracemalloc.start()
    t = time.perf_counter()
    chunked = keyed_passes(night, args.link, step_s=args.step_s).table
    t_chunked = time.perf_counter() - t
    peak_chunked_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    a = keyed["secret_bits"].to_numpy(float)
    b = chunked.loc[keyed.index, "secret_bits"].to_numpy(float)
    rel_chunked = np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-300), initial=0.0)
    print(f"keyed_passes (chunks of {_CHUNK_SAMPLES:,} samples): {t_chunked:.2f} s, peak "
          f"allocated {peak_chunked_mb:.0f} MB; keys equal to the one call within "
          f"{rel_chunked:.1e} relative")

    # --- baselines on a random subset of passes ---------------------------------
    rng = np.random.default_rng(args.seed)
    ids = np.unique(budgets.pass_id)
    chosen = np.sort(rng.choice(ids, min(args.baseline_passes, len(ids)), replace=False))
    sub = budgets.select(np.isin(budgets.pass_id, chosen))
    t = time.perf_counter()
    loop = {pid: pass_key(b) for pid, b in sub.passes()}
    t_loop = (time.perf_counter() - t) * len(ids) / len(chosen)
    ref = np.array([loop[p].secret_bits for p in chosen])
    ours = keyed.loc[chosen, "secret_bits"].to_numpy(float)
    rel = np.max(np.abs(ours - ref) / np.maximum(np.abs(ref), 1e-300), initial=0.0)
    same_reason = all(loop[p].zero_reason == keyed.loc[p, "zero_reason"] for p in chosen)
    print(f"keys: per-pass loop {t_loop:.1f} s (extrapolated from {len(chosen)} passes) vs "
          f"vectorised {t_keys:.2f} s: {t_loop / t_keys:.0f}x; largest relative key difference "
          f"{rel:.1e}, same zero reasons: {same_reason}")

    # the per-sample integrals the budget evaluated before, on the subset's samples
    lk = resolve_link(args.link)
    track = sub.track
    above = sub.above_horizon
    zen = geometry.zenith_angle_deg(np.where(above, track.elevation_deg, np.nan))
    alt = np.where(above, track.satellite_altitude_km, 500.0)
    sta_alt = track.station_arrays(np.arange(len(track)))["altitude_m"]
    kw = dict(satellite_altitude_km=alt, wind_speed_m_s=lk.wind_speed_m_s,
              ground_cn2_m23=lk.ground_cn2_m23)
    atm_kw = dict(aod_550nm=lk.aod_550nm, angstrom_exponent=lk.angstrom_exponent,
                  precipitable_water_cm=lk.precipitable_water_cm,
                  bandwidth_nm=lk.receiver.filter_bandwidth_nm, model=lk.air_mass_model,
                  absorption_model=lk.absorption_model)
    lam = lk.transmitter.wavelength_nm
    t = time.perf_counter()
    r0_old = turbulence.fried_parameter_m(zen, lam, "downlink", **kw)
    ry_old = turbulence.rytov_variance(zen, lam, "downlink", **kw)
    atm_old = atmosphere.extinction_loss_db(zen, lam, sta_alt, **atm_kw)
    t_old = time.perf_counter() - t
    t = time.perf_counter()
    r0_new, ry_new = core_budget._slant_turbulence(zen, lam, "downlink", **kw)
    atm_new = core_budget._extinction_db(zen, lam, sta_alt, **atm_kw)
    t_new = time.perf_counter() - t
    worst = max(np.nanmax(np.abs(a / b - 1.0)) for a, b in
                ((r0_new, r0_old), (ry_new, ry_old), (atm_new, atm_old)))
    scale = len(budgets) / max(len(sub), 1)
    print(f"budget physics (turbulence and band absorption): per-sample integrals "
          f"{t_old * scale:.1f} s vs grouped {t_new * scale:.2f} s (extrapolated from "
          f"{len(sub)} samples): {t_old / t_new:.0f}x; largest relative difference {worst:.1e}")
    print(f"chain (budgets + keys): {t_budget + t_keys:.2f} s vs baseline "
          f"{t_budget - t_new * scale + t_old * scale + t_loop:.1f} s: "
          f"{(t_budget - t_new * scale + t_old * scale + t_loop) / (t_budget + t_keys):.0f}x")
    rel_meo = meo_adaptive(args.days)
    if not (rel < 1e-9 and worst < 1e-9 and same_reason and rel_chunked < 1e-9
            and rel_meo < 1e-3):
        raise SystemExit("results differ")


def meo_adaptive(days: float) -> float:
    """GLONASS over six European stations, meo-qkd link: uniform 5 s against adaptive steps
    up to 60 s (pass_steps_s); prints times, samples and the largest relative key change."""
    stations = ["Matera", "Graz", "Tenerife", "Wettzell", "Herstmonceux", "Oberpfaffenhofen"]
    passes = find_passes(load_satellites("glonass"), [bundled_stations()[s] for s in stations],
                         pd.Timestamp("2022-02-01T00:00Z"), days=days)
    night = passes.where(passes.table["dark"])
    timings = {}
    for label, max_step in (("uniform 5 s", None), ("adaptive 5-60 s", 60.0)):
        t = time.perf_counter()
        keyed = keyed_passes(night, "meo-qkd", step_s=5.0, max_step_s=max_step).table
        timings[label] = (time.perf_counter() - t, keyed["secret_bits"].to_numpy(float))
    samples = {label: len(pass_budgets(night, "meo-qkd", 5.0, max_step_s=m))
               for label, m in (("uniform 5 s", None), ("adaptive 5-60 s", 60.0))}
    (t_u, a), (t_a, b) = timings["uniform 5 s"], timings["adaptive 5-60 s"]
    rel = float(np.max(np.abs(b - a) / np.maximum(a, 1.0), initial=0.0))
    print(f"MEO: {len(night)} GLONASS night passes over 6 stations x {days:g} d: uniform 5 s "
          f"{t_u:.2f} s ({samples['uniform 5 s']} samples), adaptive up to 60 s {t_a:.2f} s "
          f"({samples['adaptive 5-60 s']} samples): {t_u / t_a:.1f}x; largest relative key "
          f"change {rel:.1e}, total {b.sum() / a.sum() - 1.0:+.1e}")
    return rel


if __name__ == "__main__":
    main()
