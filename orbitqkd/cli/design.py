"""``orbitqkd design``: sweep a scenario's [design] table and report the Pareto front."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import matplotlib.pyplot as plt
import typer

from ..design import design_annual_statistics, load_design_scenario, sweep_designs
from ..plot import annual_figure, pareto_figure
from .app import app, emit_table, write_folder
from .checks import check_relay_samples
from .options import Format, OutputFolder, Progress, ScenarioStart, Scheduler, Seed

DesignScenarioArg = Annotated[str, typer.Argument(
    help="Scenario TOML file with a design table, or a bundled design scenario "
         "(data/scenarios/design/: design-europe).")]


class DesignObjective(str, Enum):
    delivered_bits = "delivered_bits"
    demand_met = "demand_met"
    station_key_bits = "station_key_bits"


@app.command("design")
def design(
    scenario: DesignScenarioArg, start: ScenarioStart = None, progress: Progress = False,
    scheduler: Scheduler = None,
    objective: Annotated[DesignObjective, typer.Option(
        help="What the Pareto front maximises against the number of satellites and stations: "
             "key delivered to the user pairs, the mean share of their demand met, or the "
             "expected key received by the stations.")] = DesignObjective.delivered_bits,
    fmt: Format = None, output: OutputFolder = None,
):
    """Evaluate every design of the scenario's design table over its representative span.

    Prints the designs on the Pareto front; -o FOLDER writes designs.csv/.parquet (every
    design), pareto.csv/.parquet (the front), pareto.png and run.json.
    """
    sc = load_design_scenario(scenario)
    if start is not None:
        sc = sc.replace(start=start)
    table = sweep_designs(sc, scheduler=scheduler, progress=progress,
                          objective=objective.value)
    front = table[table["pareto"]].reset_index(drop=True)
    emit_table(front, None, fmt)
    typer.echo(f"{len(table)} designs, {len(front)} on the Pareto front of {objective.value} "
               "against satellites and stations", err=True)
    if output is not None:
        fig = pareto_figure(table, objective.value, f"{sc.name}: {objective.value.replace('_', ' ')}"
                            " against satellites and stations")
        try:
            write_folder(output, {"designs.csv": table, "designs.parquet": table,
                                   "pareto.csv": front, "pareto.parquet": front}, {},
                         {"pareto.png": fig})
        finally:
            plt.close(fig)


@app.command("annual")
def annual(
    scenario: DesignScenarioArg,
    design: Annotated[int, typer.Option(
        min=0, help="Number of the design in the scenario's design table (the design column of "
                    "orbitqkd design).")] = 0,
    start: ScenarioStart = None,
    days: Annotated[float, typer.Option(
        min=1, max=3660, help="Length of the span in days (a year by default).")] = 365.0,
    samples: Annotated[int, typer.Option(
        min=10, max=100000, help="Weather years drawn for the per-station bands.")] = 200,
    relay_samples: Annotated[int, typer.Option(
        min=0, max=1000,
        help="Weather years routed through the trusted-relay LP for the per-pair bands and the "
             "days each demand is met (0: skip pairs); at most --samples.")] = 3,
    seed: Seed = 0,
    fmt: Format = None, output: OutputFolder = None,
):
    """Key per station and user pair per month and year of one design, over weather years.

    Prints per station the expected key over the span with P10/P50/P90 and the link time of
    its candidate passes, then per user pair the key and the share of days its demand is met;
    -o FOLDER writes the monthly and total tables (CSV and Parquet), the served passes,
    annual.png and run.json.
    """
    check_relay_samples(relay_samples, samples)
    sc = load_design_scenario(scenario)
    if start is not None:
        sc = sc.replace(start=start)
    result = design_annual_statistics(sc, design, days=days, samples=samples,
                                      relay_samples=relay_samples, seed=seed)
    stations = result["stations_total"].merge(result["link_time_total"], on="station",
                                              how="outer")
    emit_table(stations, None, fmt)
    pairs = None
    if "pairs_total" in result:
        pairs = result["pairs_total"].merge(result["days_met"], on="demand", how="left")
        if fmt is None or fmt.value == "table":
            typer.echo("")
        emit_table(pairs, None, fmt)
    chosen = result["design"]
    typer.echo(f"design {chosen['design']} of {sc.name}: {chosen['planes']} plane(s) x "
               f"{chosen['satellites_per_plane']} at {chosen['altitude_km']:g} km, stations "
               f"{', '.join(chosen['stations'])}; {days:g} days from {sc.start:%Y-%m-%d}, "
               f"{samples} weather years ({relay_samples} through the relay)", err=True)
    if output is not None:
        tables = {"stations_total.csv": stations, "stations_total.parquet": stations,
                  "stations_monthly.csv": result["stations_monthly"],
                  "stations_monthly.parquet": result["stations_monthly"],
                  "link_time_monthly.csv": result["link_time_monthly"],
                  "served.csv": result["served"]}
        if pairs is not None:
            tables.update({"pairs_total.csv": pairs, "pairs_total.parquet": pairs,
                           "pairs_monthly.csv": result["pairs_monthly"]})
        fig = annual_figure(result["stations_monthly"], result["link_time_monthly"],
                            f"{sc.name}, design {chosen['design']}: key per station and month "
                            f"over {samples} weather years")
        try:
            write_folder(output, tables, {"design.json": {k: (list(v) if isinstance(v, tuple)
                                                             else v)
                                                          for k, v in chosen.items()}},
                         {"annual.png": fig})
        finally:
            plt.close(fig)
