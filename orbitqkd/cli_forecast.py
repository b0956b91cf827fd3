"""``orbitqkd forecast``: daily key availability of a scenario with cloud-cover bands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def forecast(
    scenario: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Scenario TOML file (examples in data/scenarios/).")],
    start: Annotated[Optional[str], typer.Option(help="UTC start of the forecast, ISO 8601; default the scenario's start.")] = None,
    days: Annotated[Optional[float], typer.Option(min=0.01, max=366, help="Number of days to forecast; default the scenario's.")] = None,
    samples: Annotated[int, typer.Option(min=10, max=100000, help="Cloud-cover Monte Carlo draws for the per-station bands.")] = 500,
    relay_samples: Annotated[int, typer.Option(min=0, max=10000, help="Draws routed through the trusted-relay LP for the per-pair bands (0: skip pairs).")] = 50,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same forecast.")] = 0,
    climate: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False, help="CSV of cloud-free probabilities (station, month or date, cloud_free_probability) layered over the bundled climatology.")] = None,
    step_s: Annotated[float, typer.Option(min=0.5, max=60, help="Sample step of the link budget in seconds.")] = 5.0,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", file_okay=False, help="Directory for stations/pairs/schedule tables (CSV and Parquet), forecast.png and report.html; created if missing.")] = Path("forecast"),
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
):
    """Forecast the secret key per station and per user pair for each day, with P10/P50/P90 over clouds."""
    from .cli import emit_table
    from .forecast import forecast_scenario, write_forecast
    from .scenario import Scenario

    sc = Scenario.from_toml(scenario)
    result = forecast_scenario(sc, start=start, days=days, samples=samples,
                               relay_samples=relay_samples, seed=seed, climate_source=climate,
                               step_s=step_s, progress=progress)
    sc = result["scenario"]
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
