"""Benchmark: the forecast's per-pair bands, every cloud draw routed through the relay LP.

The baseline is what the forecast did before (and what a user scripting
``relay_flow`` over Monte Carlo draws would do): one relay LP per draw, solved
by the interior point method as the relay did then. orbitqkd routes each
distinct draw once (``forecast_key(reuse_routes=True)``: draws that clear the
same passes deliver the same key) and solves LPs of up to 20,000 variables by
dual simplex. Times, for each bundled scenario with user pairs, the relay part
of ``forecast_key`` (the total less a run with no relay draws) for 50 draws
solved one by one the old way and for 500 draws now, checks that reuse gives
the same bands as one LP per draw on the same 50 draws, and prints the ratio
"500 draws now / 50 draws before" (goal: <= 1).

Run: ``python scripts/bench_forecast.py [--scenarios china-space-ground uk-fibre]``
"""

from __future__ import annotations

import argparse
import time

from orbitqkd import Scenario
from orbitqkd.chain import scenario_candidates
from orbitqkd.network import relay
from orbitqkd.network.forecast import forecast_key

SCENARIOS = ("china-space-ground", "china-austria", "uk-fibre", "china-south-africa",
             "europe-glonass")


def timed(candidates, sc: Scenario, relay_samples: int, reuse: bool):
    """Seconds and result of one forecast of ``sc`` with 500 cloud draws."""
    t0 = time.perf_counter()
    result = forecast_key(
        candidates, list(sc.stations), config=sc.schedule, method=sc.schedule_method,
        fibre_links=sc.fibre_links, demands=sc.demands, key_store_bits=sc.key_store_bits,
        samples=500, relay_samples=relay_samples, seed=0, time_step_s=sc.relay_time_step_s,
        relay_objective=sc.relay_objective, ground_store_bits=sc.ground_store_bits,
        start=sc.start, days=sc.days, reuse_routes=reuse)
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS))
    args = parser.parse_args()
    print(f"{'scenario':<20} {'passes':>6} {'50 before':>10} {'500 now':>8} {'ratio':>6}  "
          "same bands")
    for name in args.scenarios:
        sc = Scenario.from_toml(name)
        candidates = scenario_candidates(sc).table
        base, _ = timed(candidates, sc, 0, True)
        simplex = relay._SIMPLEX_MAX_VARIABLES
        relay._SIMPLEX_MAX_VARIABLES = 0  # the interior point for every LP, as before
        try:
            t_before, _ = timed(candidates, sc, 50, False)
        finally:
            relay._SIMPLEX_MAX_VARIABLES = simplex
        _, one_each = timed(candidates, sc, 50, False)
        _, check = timed(candidates, sc, 50, True)
        t_now, now = timed(candidates, sc, 500, True)
        same = one_each["pairs"].equals(check["pairs"])
        relay_before, relay_now = t_before - base, t_now - base
        served = now["schedule"].served
        print(f"{name:<20} {len(served):>6} {relay_before:>9.2f}s {relay_now:>7.2f}s "
              f"{relay_now / relay_before:>6.2f}  {same}")


if __name__ == "__main__":
    main()
