"""``orbitqkd forecast``: daily key availability of a scenario with cloud-cover bands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .network import _scenario_options, load_scenario
from .scale import adopt_options


def _forecast_options(
    samples: Annotated[int, typer.Option(min=10, max=100000, help="Cloud-cover Monte Carlo draws for the per-station bands.")] = 500,
    relay_samples: Annotated[int, typer.Option(min=0, max=10000, help="Draws routed through the trusted-relay LP for the per-pair bands (0: skip pairs).")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same forecast.")] = 0,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", file_okay=False, help="Directory for stations/pairs/schedule tables (CSV and Parquet), forecast.png and report.html; created if missing.")] = Path("forecast"),
):
    """Declares the options of ``forecast`` besides the scenario's."""


def forecast(**o):
    """Forecast the secret key per station and per user pair for each day, with P10/P50/P90 over clouds."""
    from . import emit_table
    from ..network.forecast import forecast_scenario, write_forecast

    sc = load_scenario(o)
    samples, relay_samples, seed, out_dir = o["samples"], o["relay_samples"], o["seed"], o["out_dir"]
    result = forecast_scenario(sc, samples=samples, relay_samples=relay_samples, seed=seed,
                               climate_source=o["climate"], step_s=o["step_s"],
                               progress=o["progress"], scheduler=o["scheduler"])
    out_dir.mkdir(parents=True, exist_ok=True)
    notes = (f"Scenario {sc.name}: {sc.description} Start {sc.start:%Y-%m-%d %H:%M} UTC, "
             f"{sc.days:g} days; {samples} cloud draws (seed {seed}), {relay_samples} through "
             "the trusted-relay LP.")
    paths = write_forecast(result, out_dir, title=f"Key forecast: {sc.name}", notes=notes)
    emit_table(result["stations"], None)
    if len(result["pairs"]):
        typer.echo("")
        emit_table(result["pairs"], None)
    typer.echo(f"wrote {len(paths)} files to {out_dir}/ (report.html, forecast.png, tables)", err=True)


adopt_options(forecast, _scenario_options, _forecast_options)
