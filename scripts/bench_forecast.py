"""Benchmark: the forecast's per-pair bands, every cloud draw routed through the relay LP.

The baseline is what the forecast did before (and what a user scripting
``relay_flow`` over Monte Carlo draws would do): one ``relay_flow`` per draw,
its LP solved by the interior point method as the relay did then. orbitqkd
routes the draws with ``relay_draws``, the call ``forecast_key`` makes: the
passes are read once, each distinct draw is routed once (draws that clear
the same passes deliver the same key), each LP is assembled in numpy blocks
and solved by primal simplex through highspy (the max-min second level from
the first level's basis), on two threads when there are many (HiGHS solves
one LP while Python assembles the next; the time on one thread is printed
too). For each bundled scenario with user pairs, the forecast runs once
with 500 cloud draws; its served passes and draws are then routed the old
way (the first 50 draws, one ``relay_flow`` each) and the new way (all 500,
``relay_draws``), each timed as the least of three runs (the schedule's
MILP stays out of the times). It checks that reuse gives the same key as
routing every draw (the first 50), and that the 50 draws give each pair the total key
relay_flow gives it, and prints the ratio "500 draws now / 50 draws before"
(goal: <= 1).

Run: ``python scripts/bench_forecast.py [--scenarios china-space-ground uk-fibre]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from orbitqkd import Scenario
from orbitqkd.chain import scenario_candidates
from orbitqkd.network import relay
from orbitqkd.network.forecast import clear_sky_draws, forecast_key

SCENARIOS = ("china-space-ground", "china-austria", "uk-fibre", "china-south-africa",
             "europe-glonass")


REPEATS = 3


def least_time(run):
    """Least wall time of ``REPEATS`` calls of ``run`` [s], and the last result."""
    best = np.inf
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def forecast(candidates, sc: Scenario):
    """One forecast of ``sc`` with 500 cloud draws, every one routed through the relay."""
    return forecast_key(
        candidates, list(sc.stations), config=sc.schedule, method=sc.schedule_method,
        fibre_links=sc.fibre_links, demands=sc.demands, key_store_bits=sc.key_store_bits,
        samples=500, relay_samples=500, seed=0, time_step_s=sc.relay_time_step_s,
        relay_objective=sc.relay_objective, ground_store_bits=sc.ground_store_bits,
        start=sc.start, days=sc.days)


def now(sc: Scenario, served, realised, first, n_days, threads: int | None = None,
        reuse: bool = True):
    """Key per draw, day and pair routed with relay_draws, as forecast_key routes it."""
    return relay.relay_draws(served, realised, sc.fibre_links, sc.demands,
                             key_store_bits=sc.key_store_bits, start=first, days=n_days,
                             time_step_s=sc.relay_time_step_s, objective=sc.relay_objective,
                             ground_store_bits=sc.ground_store_bits, reuse=reuse,
                             threads=threads)[1]


def before(sc: Scenario, served, realised, first, n_days):
    """Per-pair key of routing each draw with relay_flow, interior point."""
    names = [d.name for d in sc.demands]
    total = np.zeros((len(realised), len(names)))
    simplex = relay._SIMPLEX_MAX_VARIABLES
    relay._SIMPLEX_MAX_VARIABLES = 0  # the interior point for every LP, as before
    try:
        for k, draw in enumerate(realised):
            flow = relay.relay_flow(
                served.assign(key_bits=draw, expected_key_bits=draw), sc.fibre_links,
                sc.demands, key_store_bits=sc.key_store_bits, start=first, days=n_days,
                time_step_s=sc.relay_time_step_s, objective=sc.relay_objective,
                ground_store_bits=sc.ground_store_bits)
            for name, bits in zip(flow.daily["demand"], flow.daily["bits"]):
                total[k, names.index(name)] += bits
    finally:
        relay._SIMPLEX_MAX_VARIABLES = simplex
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    args = parser.parse_args()
    print(f"{'scenario':<20} {'passes':>6} {'distinct':>8} {'50 before':>10} {'500 now':>8} "
          f"{'ratio':>6} {'1 thread':>9} {'ratio':>6}  reuse same  pair totals vs relay_flow")
    for name in args.scenarios:
        sc = Scenario.from_toml(name)
        candidates = scenario_candidates(sc).table
        result = forecast(candidates, sc)
        # the forecast's own draws (same seed) and span
        served = result["schedule"].served
        clear = clear_sky_draws(served, list(sc.stations), 500, 0)
        realised = clear * served["key_bits"].to_numpy(float)[None, :]
        first = result["pairs"]["date"].min()
        n_days = result["pairs"]["date"].nunique()
        t_before, old_total = least_time(lambda: before(sc, served, realised[:50], first, n_days))
        relay_now, bits = least_time(lambda: now(sc, served, realised, first, n_days))
        relay_one, _ = least_time(lambda: now(sc, served, realised, first, n_days, threads=1))
        # reuse routes each distinct draw once; routing every one must give the same key
        same = np.array_equal(now(sc, served, realised[:50], first, n_days, reuse=False),
                              bits[:50])
        new_total = bits[:50].sum(axis=1)
        gap = np.max(np.abs(new_total.sum(axis=0) - old_total.sum(axis=0))
                     / np.maximum(old_total.sum(axis=0), 1.0))
        distinct = len({r.tobytes() for r in realised})
        print(f"{name:<20} {len(served):>6} {distinct:>8} {t_before:>9.2f}s {relay_now:>7.2f}s "
              f"{relay_now / t_before:>6.2f} {relay_one:>8.2f}s {relay_one / t_before:>6.2f}  "
              f"{str(same):<10}  {gap:.1e}")


if __name__ == "__main__":
    main()
