"""``orbitqkd schedule``, ``orbitqkd relay`` and ``orbitqkd forecast``: a scenario's network."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import matplotlib.pyplot as plt
import pandas as pd
import typer

from ..chain import (forecast_scenario, relay_scenario, scenario_candidates,
                     schedule_scenario)
from ..errors import InputError
from ..io.climate import with_cloud_probability
from ..io.exports import read_passes, schedule_json
from ..io.report import write_forecast
from ..io.scenario import Scenario
from ..plot import gantt_figure, relay_figure
from .app import app, emit_table, write_folder
from .options import BudgetStepS, Climate, Progress, ScenarioArg, ScenarioDays, ScenarioStart, Scheduler


class Method(str, Enum):
    milp = "milp"
    greedy = "greedy"


class Objective(str, Enum):
    total = "total"
    maxmin = "maxmin"
    demand = "demand"


class RelayObjective(str, Enum):
    weighted = "weighted"
    maxmin = "maxmin"


PassesFile = Annotated[Optional[Path], typer.Option(
    "--passes", exists=True, dir_okay=False,
    help="Candidate or scheduled passes (CSV, JSON or Parquet; e.g. schedule.csv of an earlier "
         "run; a 'served' column keeps the schedule) instead of predicting them.")]
MethodOption = Annotated[Optional[Method], typer.Option(
    help="Exact MILP (HiGHS) or the greedy heuristic; default the scenario's.")]


def load_scenario(scenario: str, start: Optional[str], days: Optional[float]) -> Scenario:
    """The scenario named on the command line, with ``--start`` and ``--days`` applied."""
    sc = Scenario.from_toml(scenario)
    changes = {k: v for k, v in (("start", start), ("days", days)) if v is not None}
    return sc.replace(**changes) if changes else sc


def _candidates(sc: Scenario, passes: Optional[Path], climate, step_s, progress,
                scheduler) -> pd.DataFrame:
    """The candidate passes: predicted and keyed, or read from a file written before."""
    if passes is None:
        return scenario_candidates(sc, step_s=step_s, progress=progress, climate_source=climate,
                                   executor=scheduler).table
    df = read_passes(passes)
    if "culmination_utc" not in df.columns:
        raise InputError(f"passes = '{passes}' lacks the column culmination_utc")
    if "cloud_free_probability" not in df.columns:
        df = with_cloud_probability(df, source=climate, overrides=sc.cloud_free_probability)
    return df


def _summary_line(summary: dict) -> str:
    return (f"{summary['method']} ({summary['objective']}): {summary['passes_served']} passes "
            f"served, expected key {summary['total_expected_key_bits'] / 1e6:.3f} Mbit, "
            f"gap {round(100 * summary['gap'], 6):.3g} %, {summary['solve_time_s']:.2f} s")


def _write(out: Path, tables: dict, documents: dict, figure_name: str, figure) -> None:
    try:
        write_folder(out, tables, documents, {figure_name: figure})
    finally:
        plt.close(figure)


@app.command("schedule")
def schedule(
    scenario: ScenarioArg, start: ScenarioStart = None, days: ScenarioDays = None,
    climate: Climate = None, step_s: BudgetStepS = 5.0, progress: Progress = True,
    scheduler: Scheduler = None, passes: PassesFile = None, method: MethodOption = None,
    objective: Annotated[Optional[Objective], typer.Option(
        help="Total key, max-min fairness across stations, or per-station demands; default "
             "the scenario's.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out-dir", "-o", file_okay=False,
        help="Write schedule.csv/.parquet (every candidate, with 'served'), stations.csv, "
             "schedule.json (served passes), summary.json and gantt.png here; created if "
             "missing.")] = None,
):
    """Choose which station each satellite serves on each pass, and when (MILP or greedy)."""
    sc = load_scenario(scenario, start, days)
    candidates = _candidates(sc, passes, climate, step_s, progress, scheduler)
    result = schedule_scenario(sc, candidates, method=method.value if method else None,
                               objective=objective.value if objective else None)
    summary = {"scenario": sc.name, "start_utc": sc.start.isoformat(), "days": sc.days,
               **result.summary()}
    emit_table(result.stations, None)
    typer.echo(_summary_line(summary), err=True)
    if out_dir is not None:
        _write(out_dir,
               {"schedule.csv": result.passes, "schedule.parquet": result.passes,
                "stations.csv": result.stations},
               {"schedule.json": schedule_json(result.served), "summary.json": summary},
               "gantt.png",
               gantt_figure(result, f"{sc.name}: served passes ({result.method}, "
                                    f"{result.objective})"))


@app.command("relay")
def relay(
    scenario: ScenarioArg, start: ScenarioStart = None, days: ScenarioDays = None,
    climate: Climate = None, step_s: BudgetStepS = 5.0, progress: Progress = True,
    scheduler: Scheduler = None, passes: PassesFile = None, method: MethodOption = None,
    objective: Annotated[Optional[RelayObjective], typer.Option(
        help="Relay objective: weighted delivered key, or max-min fairness across user pairs; "
             "default the scenario's.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out-dir", "-o", file_okay=False,
        help="Write demands.csv, daily.csv, edges.csv, relay.json, the served schedule and "
             "relay.png here; created if missing.")] = None,
):
    """Forward key between user pairs through trusted satellites and fibre (time-expanded LP)."""
    sc = load_scenario(scenario, start, days)
    candidates = _candidates(sc, passes, climate, step_s, progress, scheduler)
    if "served" in candidates.columns:
        served = candidates[candidates["served"].astype(str).str.lower().isin(["true", "1"])]
    else:
        result = schedule_scenario(sc, candidates, method=method.value if method else None)
        typer.echo(_summary_line(result.summary()), err=True)
        served = result.served
    flow = relay_scenario(sc, served, objective=objective.value if objective else None)
    emit_table(flow.demands, None)
    typer.echo(f"relay LP ({flow.objective}): {flow.size['variables']} variables, "
               f"{flow.size['periods']} periods, {flow.solve_time_s:.2f} s", err=True)
    if out_dir is not None:
        _write(out_dir,
               {"demands.csv": flow.demands, "daily.csv": flow.daily, "edges.csv": flow.edges,
                "served.csv": served},
               {"relay.json": {"scenario": sc.name, "start_utc": sc.start.isoformat(),
                               **flow.summary()}},
               "relay.png", relay_figure(flow, f"{sc.name}: key delivered through trusted relays"))


@app.command("forecast")
def forecast(
    scenario: ScenarioArg, start: ScenarioStart = None, days: ScenarioDays = None,
    climate: Climate = None, step_s: BudgetStepS = 5.0, progress: Progress = True,
    scheduler: Scheduler = None,
    samples: Annotated[int, typer.Option(
        min=10, max=100000, help="Cloud-cover Monte Carlo draws for the per-station bands.")] = 500,
    relay_samples: Annotated[int, typer.Option(
        min=0, max=10000,
        help="Draws routed through the trusted-relay LP for the per-pair bands (0: skip pairs).")] = 50,
    seed: Annotated[int, typer.Option(
        help="Random seed; the same seed gives the same forecast.")] = 0,
    out_dir: Annotated[Path, typer.Option(
        "--out-dir", "-o", file_okay=False,
        help="Directory for stations/pairs/schedule tables (CSV and Parquet), forecast.png and "
             "report.html; created if missing.")] = Path("forecast"),
):
    """Forecast the secret key per station and per user pair for each day, with P10/P50/P90 over clouds."""
    sc = load_scenario(scenario, start, days)
    result = forecast_scenario(sc, samples=samples, relay_samples=relay_samples, seed=seed,
                               climate_source=climate, step_s=step_s, progress=progress,
                               executor=scheduler)
    out_dir.mkdir(parents=True, exist_ok=True)
    notes = (f"Scenario {sc.name}: {sc.description} Start {sc.start:%Y-%m-%d %H:%M} UTC, "
             f"{sc.days:g} days; {samples} cloud draws (seed {seed}), {relay_samples} through "
             "the trusted-relay LP.")
    paths = write_forecast(result, out_dir, title=f"Key forecast: {sc.name}", notes=notes)
    emit_table(result["stations"], None)
    if len(result["pairs"]):
        typer.echo("")
        emit_table(result["pairs"], None)
    typer.echo(f"wrote {len(paths)} files to {out_dir}/ (report.html, forecast.png, tables)",
               err=True)
