"""``orbitqkd schedule``, ``orbitqkd relay`` and ``orbitqkd forecast``: a scenario's network.

Each checks every input before it works (the scenario, element epochs against
the span, a climate file's stations, a passes file's stations and span, the
output folder), prints its table to stdout in ``--format`` and, with
``-o/--output FOLDER``, writes every file whole with a manifest ``run.json``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import typer

from ..chain import (forecast_scenario, relay_scenario, scenario_candidates, schedule_for_demand,
                     scenario_satellites, schedule_scenario)
from ..errors import InputError
from ..io.climate import with_cloud_probability
from ..io.exports import read_passes, schedule_json
from ..io.report import write_forecast
from ..io.scenario import Scenario, _scenario_path
from ..io.weather import read_weather
from ..io.tables import iso_ms_one, round_times_ms, whole_bits
from ..plot import gantt_figure, relay_figure, stores_figure
from .app import app, check_outputs, emit_table, show_progress, write_folder
from .checks import (check_climate, check_epochs, check_max_sample_s, check_passes_table,
                     check_relay_samples)
from .options import (AllowStale, Climate, Format, MaxSampleS, OutputFolder, Progress, SampleS,
                      ScenarioArg, ScenarioDays, ScenarioStart, ScenarioTle, Scheduler, Seed)


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
         "run of the same scenario and span; a 'served' column keeps the schedule) instead of "
         "predicting them. Its stations and times must be the scenario's.")]
MethodOption = Annotated[Optional[Method], typer.Option(
    help="Exact MILP (HiGHS) or the greedy heuristic; default the scenario's.")]


def load_scenario(scenario: str, start: Optional[str], days: Optional[float],
                  tle: Optional[str] = None) -> Scenario:
    """The scenario named on the command line, with --start, --days and --tle applied."""
    sc = Scenario.from_toml(scenario)
    changes = {k: v for k, v in (("start", start), ("days", days)) if v is not None}
    sc = sc.replace(**changes) if changes else sc
    return sc.with_tle(tle) if tle is not None else sc


def prepare(scenario: str, start, days, climate, passes, output, allow_stale, tle=None):
    """Load the scenario and check every input and the output folder, before any work.

    Returns the scenario, the passes read from ``--passes`` (or None) and the
    input files of run.json (the scenario, and the climate, passes and
    element-set files given).
    """
    check_outputs(folders=[("output", output)])
    sc = load_scenario(scenario, start, days, tle)
    check_climate(climate, sc)
    table = None
    if passes is not None:
        table = read_passes(passes)
        if "culmination_utc" not in table.columns:
            raise InputError(f"passes = '{passes}' lacks the column culmination_utc")
        check_passes_table(table, passes, sc)
    else:
        sats, _ = scenario_satellites(sc)
        check_epochs(sats, sc.start, sc.end, allow_stale)
    inputs = [_scenario_path(scenario)] + [Path(f) for f in (climate, passes, tle)
                                           if f is not None and Path(f).is_file()]
    return sc, table, inputs


def _candidates(sc: Scenario, passes: Optional[pd.DataFrame], climate, step_s, max_step_s,
                progress, scheduler) -> pd.DataFrame:
    """The candidate passes: predicted and keyed, or read from a file written before."""
    check_max_sample_s(max_step_s, step_s)
    if passes is None:
        table = scenario_candidates(sc, step_s=step_s, max_step_s=max_step_s, progress=progress,
                                    climate_source=climate, executor=scheduler).table
        # whole bits, as every output says them: a schedule read back plans the same
        table["key_bits"] = np.floor(table["key_bits"].to_numpy(float) + 1e-9)
        return table
    if "cloud_free_probability" not in passes.columns:
        passes = with_cloud_probability(passes, source=climate,
                                        overrides=sc.cloud_free_probability)
    return passes


def _summary_line(summary: dict) -> str:
    return (f"{summary['method']} ({summary['objective']}): {summary['passes_served']} passes "
            f"served, expected key {summary['total_expected_key_bits'] / 1e6:.3f} Mbit, "
            f"gap {round(100 * summary['gap'], 6):.3g} %, {summary['solve_time_s']:.2f} s")


def _write(out: Path, tables: dict, documents: dict, figures: dict, inputs) -> None:
    try:
        write_folder(out, {k: round_times_ms(v) for k, v in tables.items()}, documents,
                     figures, inputs=inputs)
    finally:
        for figure in figures.values():
            plt.close(figure)


def _stage(progress: bool, text: str) -> None:
    if progress:
        typer.echo(text, err=True)


@app.command("schedule")
def schedule(
    scenario: ScenarioArg, start: ScenarioStart = None, days: ScenarioDays = None,
    tle: ScenarioTle = None, climate: Climate = None, sample_s: SampleS = 5.0,
    max_sample_s: MaxSampleS = None,
    progress: Progress = None,
    scheduler: Scheduler = None, passes: PassesFile = None, method: MethodOption = None,
    objective: Annotated[Optional[Objective], typer.Option(
        help="Total key, max-min fairness across stations, or per-station demands; default "
             "the scenario's.")] = None,
    allow_stale: AllowStale = False, fmt: Format = None, output: OutputFolder = None,
):
    """Choose which station each satellite serves on each pass, and when (MILP or greedy).

    Prints the key per station; -o FOLDER writes schedule.csv/.parquet (every candidate,
    with 'served'), stations.csv, schedule.json (served passes), summary.json, gantt.png
    and run.json.
    """
    sc, table, inputs = prepare(scenario, start, days, climate, passes, output, allow_stale, tle)
    progress = show_progress(progress)
    candidates = _candidates(sc, table, climate, sample_s, max_sample_s, progress, scheduler)
    _stage(progress, f"scheduling {len(candidates)} candidate passes ...")
    result = schedule_scenario(sc, candidates, method=method.value if method else None,
                               objective=objective.value if objective else None)
    summary = {"scenario": sc.name, "start_utc": iso_ms_one(sc.start), "days": sc.days,
               **result.summary()}
    # whole bits, as in the tables: the total is the sum of the rows written
    summary["total_expected_key_bits"] = float(
        whole_bits(result.served)["expected_key_bits"].sum())
    emit_table(result.stations, None, fmt)
    typer.echo(_summary_line(summary), err=True)
    if output is not None:
        _write(output,
               {"schedule.csv": result.passes, "schedule.parquet": result.passes,
                "stations.csv": result.stations},
               {"schedule.json": schedule_json(round_times_ms(result.served)),
                "summary.json": summary},
               {"gantt.png": gantt_figure(result, f"{sc.name}: served passes ({result.method}, "
                                                  f"{result.objective})")}, inputs)


@app.command("relay")
def relay(
    scenario: ScenarioArg, start: ScenarioStart = None, days: ScenarioDays = None,
    tle: ScenarioTle = None, climate: Climate = None, sample_s: SampleS = 5.0,
    max_sample_s: MaxSampleS = None,
    progress: Progress = None,
    scheduler: Scheduler = None, passes: PassesFile = None, method: MethodOption = None,
    objective: Annotated[Optional[RelayObjective], typer.Option(
        help="Relay objective: weighted delivered key, or max-min fairness across user pairs; "
             "default the scenario's.")] = None,
    allow_stale: AllowStale = False, fmt: Format = None, output: OutputFolder = None,
):
    """Forward key between user pairs through trusted satellites and fibre (time-expanded LP).

    Prints the key per user pair; -o FOLDER writes demands.csv, daily.csv, edges.csv,
    served.csv, stores.csv (key held at each node over time), relay.json, relay.png,
    stores.png and run.json.
    """
    sc, table, inputs = prepare(scenario, start, days, climate, passes, output, allow_stale, tle)
    if not sc.demands:
        raise InputError(f"scenario {sc.name!r} has no [[demands]]; give at least one "
                         "user pair to relay key between")
    progress = show_progress(progress)
    candidates = _candidates(sc, table, climate, sample_s, max_sample_s, progress, scheduler)
    if "served" in candidates.columns:
        served = candidates[candidates["served"].astype(str).str.lower().isin(["true", "1"])]
    else:
        _stage(progress, f"scheduling {len(candidates)} candidate passes ...")
        if sc.serve_demand:  # scheduler and relay alternate on the pairs' shortfall
            result, _ = schedule_for_demand(sc, candidates,
                                            method=method.value if method else None)
        else:
            result = schedule_scenario(sc, candidates, method=method.value if method else None)
        typer.echo(_summary_line(result.summary()), err=True)
        served = whole_bits(result.served)  # as schedule.csv says them
    _stage(progress, f"relaying key over {len(served)} served passes ...")
    flow = relay_scenario(sc, served, objective=objective.value if objective else None)
    emit_table(flow.demands, None, fmt)
    typer.echo(f"relay LP ({flow.objective}): {flow.size['variables']} variables, "
               f"{flow.size['periods']} periods, {flow.solve_time_s:.2f} s", err=True)
    if output is not None:
        _write(output,
               {"demands.csv": flow.demands, "daily.csv": flow.daily, "edges.csv": flow.edges,
                "served.csv": served, "stores.csv": flow.stores},
               {"relay.json": {"scenario": sc.name, "start_utc": iso_ms_one(sc.start),
                               **flow.summary()}},
               {"relay.png": relay_figure(flow, f"{sc.name}: key delivered through trusted relays"),
                "stores.png": stores_figure(flow, f"{sc.name}: key held at each node")},
               inputs)


@app.command("forecast")
def forecast(
    scenario: ScenarioArg, start: ScenarioStart = None, days: ScenarioDays = None,
    tle: ScenarioTle = None, climate: Climate = None, sample_s: SampleS = 5.0,
    max_sample_s: MaxSampleS = None,
    progress: Progress = None,
    scheduler: Scheduler = None,
    samples: Annotated[int, typer.Option(
        min=10, max=100000, help="Cloud-cover Monte Carlo draws for the per-station bands.")] = 500,
    relay_samples: Annotated[int, typer.Option(
        min=0, max=10000,
        help="Draws routed through the trusted-relay LP for the per-pair bands (0: skip pairs); "
             "at most --samples.")] = 50,
    seed: Seed = 0,
    allow_stale: AllowStale = False, fmt: Format = None, output: OutputFolder = None,
    weather: Annotated[Optional[Path], typer.Option(
        exists=True, dir_okay=False,
        help="Hourly cloud CSV (station, time_utc, cloud_free_probability or "
             "opaque_cloud_tenths), or a gridded NetCDF (.nc: tcc as in ERA5, or "
             "cloud_free_probability; needs the weather extra), from a forecast or reanalysis; "
             "replaces the climatology where it covers a station and hour.")] = None,
    typical_year: Annotated[bool, typer.Option(
        help="--weather is a typical year (TMY): match it by month, day and hour.")] = False,
    cloud_correlation_km: Annotated[float, typer.Option(
        min=0, max=100000,
        help="Correlation length of clouds between stations, km (exp(-d/L)); 0: independent.")]
        = 300.0,
):
    """Forecast the secret key per station and per user pair for each day, with P10/P50/P90 over clouds.

    Prints the station and pair tables; -o FOLDER writes stations/pairs/schedule tables
    (CSV and Parquet), forecast.png, gantt.png, map.png, stores.png (with user pairs),
    report.html and run.json.
    """
    check_relay_samples(relay_samples, samples)
    check_max_sample_s(max_sample_s, sample_s)
    sc, _, inputs = prepare(scenario, start, days, climate, None, output, allow_stale, tle)
    progress = show_progress(progress)
    weather_table = read_weather(weather, stations=sc.stations) if weather is not None else None
    result = forecast_scenario(sc, samples=samples, relay_samples=relay_samples, seed=seed,
                               climate_source=climate, step_s=sample_s, max_step_s=max_sample_s,
                               progress=progress,
                               executor=scheduler, weather=weather_table,
                               typical_year=typical_year,
                               correlation_length_km=cloud_correlation_km)
    emit_table(result["stations"], None, fmt)
    if len(result["pairs"]):
        if fmt in (None,) or fmt.value == "table":
            typer.echo("")
        emit_table(result["pairs"], None, fmt)
    if output is not None:
        notes = (f"Scenario {sc.name}: {sc.description} Start {iso_ms_one(sc.start)}, "
                 f"{sc.days:g} days; {samples} cloud draws (seed {seed}), {relay_samples} "
                 "through the trusted-relay LP; clouds "
                 + (f"from {weather.name}" + (" (typical year)" if typical_year else "")
                    + ", else the climatology" if weather is not None else
                    "from the monthly climatology")
                 + f", correlated between stations over {cloud_correlation_km:g} km.")
        shown = dict(result)
        shown["schedule"] = result["schedule"]
        inputs += [weather] if weather is not None else []
        write_folder(output, {}, {}, {}, inputs=inputs, writers=[
            lambda folder: write_forecast(shown, folder, title=f"Key forecast: {sc.name}",
                                          notes=notes)])
