"""``orbitqkd design``: sweep a scenario's [design] table and report the Pareto front."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import matplotlib.pyplot as plt
import typer

from ..design import load_design_scenario, sweep_designs
from ..plot import pareto_figure
from .app import app, emit_table, write_folder
from .options import Progress, ScenarioStart, Scheduler

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
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out-dir", "-o", file_okay=False,
        help="Write designs.csv/.parquet (every design), pareto.csv/.parquet (the front) and "
             "pareto.png here; created if missing.")] = None,
):
    """Evaluate every design of the scenario's design table over its representative span."""
    sc = load_design_scenario(scenario)
    if start is not None:
        sc = sc.replace(start=start)
    table = sweep_designs(sc, scheduler=scheduler, progress=progress,
                          objective=objective.value)
    front = table[table["pareto"]].reset_index(drop=True)
    emit_table(front, None)
    typer.echo(f"{len(table)} designs, {len(front)} on the Pareto front of {objective.value} "
               "against satellites and stations", err=True)
    if out_dir is not None:
        fig = pareto_figure(table, objective.value, f"{sc.name}: {objective.value.replace('_', ' ')}"
                            " against satellites and stations")
        try:
            write_folder(out_dir, {"designs.csv": table, "designs.parquet": table,
                                   "pareto.csv": front, "pareto.parquet": front}, {},
                         {"pareto.png": fig})
        finally:
            plt.close(fig)
