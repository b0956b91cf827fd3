"""Daily key-availability forecast for a scenario, for cron or a CI job.

    python scripts/daily_forecast.py data/scenarios/china-space-ground.toml \
        --days 7 --start 2021-04-27 -o forecast/ --seed 0

Writes stations/pairs/schedule tables (CSV and Parquet), forecast.png and a
self-contained report.html; the same as ``orbitqkd forecast``.
"""

from __future__ import annotations

import sys

from orbitqkd.cli import main

if __name__ == "__main__":
    sys.exit(main(["forecast", *sys.argv[1:]]))
