"""``orbitqkd schedule`` and ``orbitqkd relay``: plan a scenario's passes and key forwarding."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import emit_table
from .scale import adopt_options


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


def _scenario_options(
    scenario: Annotated[str, typer.Argument(help="Scenario TOML file, or the name of a bundled one (see data/scenarios/: china-space-ground, china-austria, china-south-africa, europe-glonass, uk-fibre).")],
    start: Annotated[Optional[str], typer.Option(help="UTC start, ISO 8601; default the scenario's start.")] = None,
    days: Annotated[Optional[float], typer.Option(min=0.01, max=366, help="Length of the span in days; default the scenario's.")] = None,
    climate: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False, help="CSV of cloud-free probabilities (station, month or date, cloud_free_probability) layered over the bundled climatology.")] = None,
    step_s: Annotated[float, typer.Option(min=0.5, max=60, help="Sample step of the link budget in seconds.")] = 5.0,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    scheduler: Annotated[Optional[str], typer.Option(help="Compute passes and keys on Dask: 'local' (a two-worker local cluster), a scheduler address such as tcp://host:8786, or threads, processes or sync. Default: this process.")] = None,
):
    """Declares the options every scenario command shares."""


def load_scenario(options: dict):
    """The scenario of a command's options, with ``--start`` and ``--days`` applied."""
    from ..io.scenario import Scenario

    sc = Scenario.from_toml(options["scenario"])
    changes = {k: options[k] for k in ("start", "days") if options.get(k) is not None}
    return sc.replace(**changes) if changes else sc


def _schedule_options(
    passes: Annotated[Optional[Path], typer.Option("--passes", exists=True, dir_okay=False, help="Candidate passes with key_bits (CSV, JSON or Parquet; e.g. schedule.csv of an earlier run) instead of predicting them.")] = None,
    method: Annotated[Optional[Method], typer.Option(help="Exact MILP (HiGHS) or the greedy heuristic; default the scenario's.")] = None,
    objective: Annotated[Optional[Objective], typer.Option(help="Total key, max-min fairness across stations, or per-station demands; default the scenario's.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", "-o", file_okay=False, help="Write schedule.csv/.parquet (every candidate, with 'served'), stations.csv, schedule.json (served passes), summary.json and gantt.png here; created if missing.")] = None,
):
    """Declares the options of ``schedule`` besides the scenario's."""


def _candidates(sc, o):
    from ..io.exports import read_passes
    from ..network.forecast import with_cloud_probability
    from ..chain import scenario_candidates

    if o.get("passes") is None:
        return scenario_candidates(sc, step_s=o["step_s"], progress=o["progress"],
                                   climate_source=o["climate"], scheduler=o["scheduler"])
    df = read_passes(o["passes"])
    if "culmination_utc" not in df.columns:
        from ..errors import InputError

        raise InputError(f"passes = '{o['passes']}' lacks the column culmination_utc")
    if "cloud_free_probability" not in df.columns:
        df = with_cloud_probability(df, source=o["climate"], overrides=sc.cloud_free_probability)
    return df


def _schedule(sc, o):
    from ..chain import schedule_scenario

    return schedule_scenario(sc, _candidates(sc, o),
                             method=o["method"].value if o.get("method") else None,
                             objective=o["objective"].value if o.get("objective") else None)


def _summary_line(summary: dict) -> str:
    return (f"{summary['method']} ({summary['objective']}): {summary['passes_served']} passes "
            f"served, expected key {summary['total_expected_key_bits'] / 1e6:.3f} Mbit, "
            f"gap {round(100 * summary['gap'], 6):.3g} %, {summary['solve_time_s']:.2f} s")


def _write_outputs(out: Path, tables: dict, documents: dict, figure, figure_name: str):
    """Write tables and JSON documents (by file name) and ``figure()`` atomically into ``out``."""
    import matplotlib.pyplot as plt

    from ..io.tables import save_figure, write_json, write_table

    out.mkdir(parents=True, exist_ok=True)
    written = [write_table(df, out / name) for name, df in tables.items()]
    written += [write_json(doc, out / name) for name, doc in documents.items()]
    fig = figure()
    written.append(save_figure(fig, out / figure_name))
    plt.close(fig)
    typer.echo(f"wrote {', '.join(p.name for p in written)} to {out}/", err=True)


def schedule(**o):
    """Choose which station each satellite serves on each pass, and when (MILP or greedy)."""
    from ..io.exports import schedule_json
    from ..network.schedule import gantt_figure

    sc = load_scenario(o)
    result = _schedule(sc, o)
    summary = {"scenario": sc.name, "start_utc": sc.start.isoformat(), "days": sc.days,
               **result.summary()}
    emit_table(result.stations, None)
    typer.echo(_summary_line(summary), err=True)
    if o["out_dir"] is not None:
        _write_outputs(
            o["out_dir"],
            {"schedule.csv": result.passes, "schedule.parquet": result.passes,
             "stations.csv": result.stations},
            {"schedule.json": schedule_json(result.served), "summary.json": summary},
            lambda: gantt_figure(result, f"{sc.name}: served passes ({result.method}, "
                                         f"{result.objective})"), "gantt.png")


def _relay_options(
    passes: Annotated[Optional[Path], typer.Option("--passes", exists=True, dir_okay=False, help="Candidate or scheduled passes (CSV, JSON or Parquet; a 'served' column, as in schedule.csv, keeps the schedule) instead of predicting and scheduling them.")] = None,
    method: Annotated[Optional[Method], typer.Option(help="Scheduler: exact MILP or greedy; default the scenario's.")] = None,
    objective: Annotated[Optional[RelayObjective], typer.Option(help="Relay objective: weighted delivered key, or max-min fairness across user pairs; default the scenario's.")] = None,
    out_dir: Annotated[Optional[Path], typer.Option("--out-dir", "-o", file_okay=False, help="Write demands.csv, daily.csv, edges.csv, relay.json, the served schedule and relay.png here; created if missing.")] = None,
):
    """Declares the options of ``relay`` besides the scenario's."""


def relay(**o):
    """Forward key between user pairs through trusted satellites and fibre (time-expanded LP)."""
    from ..chain import relay_scenario, schedule_scenario
    from ..network.relay import relay_figure

    sc = load_scenario(o)
    candidates = _candidates(sc, o)
    if "served" in candidates.columns:
        served = candidates[candidates["served"].astype(str).str.lower().isin(["true", "1"])]
        schedule_table = served
    else:
        result = schedule_scenario(sc, candidates,
                                   method=o["method"].value if o.get("method") else None)
        typer.echo(_summary_line(result.summary()), err=True)
        schedule_table = result.served
    flow = relay_scenario(sc, schedule_table,
                          objective=o["objective"].value if o.get("objective") else None)
    emit_table(flow.demands, None)
    typer.echo(f"relay LP ({flow.objective}): {flow.size['variables']} variables, "
               f"{flow.size['periods']} periods, {flow.solve_time_s:.2f} s", err=True)
    if o["out_dir"] is not None:
        _write_outputs(
            o["out_dir"],
            {"demands.csv": flow.demands, "daily.csv": flow.daily, "edges.csv": flow.edges,
             "served.csv": schedule_table},
            {"relay.json": {"scenario": sc.name, "start_utc": sc.start.isoformat(),
                            **flow.summary()}},
            lambda: relay_figure(flow, f"{sc.name}: key delivered through trusted relays"),
            "relay.png")


adopt_options(schedule, _scenario_options, _schedule_options)
adopt_options(relay, _scenario_options, _relay_options)
