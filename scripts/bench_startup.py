"""Benchmark start-up: ``import orbitqkd`` and ``orbitqkd --help`` (issue 14, goal 5).

    PYTHONPATH=. python scripts/bench_startup.py [--runs 5]

Each case runs in a fresh interpreter (``python -c``), ``--runs`` times; the
median wall time is printed. Baselines in the same run load what start-up
loaded before the lazy loading: every public name (``from orbitqkd import *``,
which imports chain, pandas, scipy, matplotlib...) and every command module
before the help is printed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HELP = "import contextlib, io\nfrom orbitqkd.cli import main\n{pre}\nwith contextlib.redirect_stdout(io.StringIO()):\n    main(['--help'])"
ALL_COMMANDS = "import orbitqkd.cli.passes, orbitqkd.cli.budget, orbitqkd.cli.export, orbitqkd.cli.keyrate, orbitqkd.cli.network, orbitqkd.cli.validate"
CASES = {
    "import orbitqkd": ("import orbitqkd", "from orbitqkd import *"),
    "orbitqkd --help": (HELP.format(pre=""), HELP.format(pre=ALL_COMMANDS)),
}


def wall(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    bare = wall("pass", args.runs)
    print(f"bare interpreter: {bare:.3f} s")
    for name, (lazy, eager) in CASES.items():
        t_lazy, t_eager = wall(lazy, args.runs), wall(eager, args.runs)
        print(f"{name}: {t_lazy:.3f} s lazy vs {t_eager:.3f} s eager: {t_eager / t_lazy:.1f}x")


if __name__ == "__main__":
    main()
