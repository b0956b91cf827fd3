"""``orbitqkd keyrate``: secret key per pass from a link-budget table."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

import numpy as np
import pandas as pd

from ..chain import dual_downlink_passes
from ..core.budget import LinkBudget
from ..core.keyrate import BBM92, FADING, DecoyBB84, accumulate_blocks, block_key, pass_table
from ..errors import InputError
from ..io.tables import read_table, round_times_ms
from ..presets import link_presets
from ..core.events import resolve_span
from ..io.tle import load_satellites
from .app import app, check_outputs, emit_table
from .checks import check_epochs
from .options import AllowStale, Days, Format, OutputFile, SampleS, Satellites

# Used when neither an option nor a column of the table gives the value.
DEFAULT_PARAMETERS = {"repetition_rate_hz": 1e8, "gate_width_ns": 2.0, "sample_s": 1.0}
LinkName = Enum("LinkName", {name.replace("-", "_"): name for name in link_presets()}, type=str)


Fading = Enum("Fading", {name.replace("-", "_").replace("+", "_"): name for name in FADING}, type=str)


class Protocol(str, Enum):
    decoy_bb84 = "decoy-bb84"
    bbm92 = "bbm92"


def read_budgets(path: Path, *, repetition_rate_hz, gate_width_ns, sample_s) -> list:
    """The link budgets of a table file (CSV, JSON or Parquet), one per ``pass_id``.

    An option wins over a constant column of that name (as ``orbitqkd budget``
    writes them), which wins over :data:`DEFAULT_PARAMETERS`.
    """
    return _read_budgets(read_table(path, "budget"), repetition_rate_hz=repetition_rate_hz,
                         gate_width_ns=gate_width_ns, sample_s=sample_s)


def budget_elevations(df: pd.DataFrame, budgets: list) -> list | None:
    """The ``elevation_deg`` column of a budget table split like :func:`read_budgets`, else None."""
    if "elevation_deg" not in df.columns:
        return None
    elev = pd.to_numeric(df["elevation_deg"], errors="coerce").to_numpy(float)
    if "pass_id" not in df.columns or not len(df):
        return [elev]
    pid = pd.to_numeric(df["pass_id"]).to_numpy(int)
    out = [elev[pid == k] for k in pd.unique(pid)]  # the order of LinkBudget.passes()
    return out if len(out) == len(budgets) else None


def _read_budgets(df: pd.DataFrame, *, repetition_rate_hz, gate_width_ns, sample_s) -> list:
    given = dict(repetition_rate_hz=repetition_rate_hz, gate_width_ns=gate_width_ns,
                 sample_s=sample_s)
    values = {}
    for name, default in DEFAULT_PARAMETERS.items():
        if given[name] is not None:
            values[name] = float(given[name])
        elif name in df.columns and len(df):
            values[name] = float(pd.to_numeric(df[name], errors="coerce").iloc[0])
        elif name == "sample_s" and "time_utc" in df.columns and len(df) > 1:
            times = pd.to_datetime(df["time_utc"], utc=True, errors="coerce", format="ISO8601")
            if times.isna().any():
                i = int(np.flatnonzero(times.isna().to_numpy())[0])
                raise InputError(f"budget table row {i}: time_utc = {df['time_utc'].iloc[i]!r} "
                                 "is not a UTC time (ISO 8601)")
            step = times.diff().dt.total_seconds().median()
            values[name] = float(step) if step > 0 else default
        else:
            values[name] = default
    try:
        budget = LinkBudget.from_frame(df, **values)
    except InputError:
        raise
    except (ValueError, TypeError, KeyError, OverflowError) as exc:  # the file's own values
        raise InputError(f"budget table: {' '.join(str(exc).split())[:160]}") from None
    return [b for _, b in budget.passes()] if len(budget) else [budget]


@app.command("keyrate")
def keyrate(
    budget: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Link-budget table (CSV, JSON or Parquet) with time_utc, transmittance, noise_rate_cps and above_horizon; a pass_id column splits it into passes.")],
    protocol: Annotated[Protocol, typer.Option(help="Protocol: prepare-and-measure decoy-state BB84, or entanglement-based BBM92 over two downlinks.")] = Protocol.decoy_bb84,
    budget_b: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False, help="For bbm92: the second station's link budget on the same time grid.")] = None,
    repetition_rate_hz: Annotated[Optional[float], typer.Option(min=1.0, help="Source repetition rate in Hz (default: from the table, else 100 MHz).")] = None,
    gate_width_ns: Annotated[Optional[float], typer.Option(min=1e-3, help="Detector gate width in ns (default: from the table, else 2 ns).")] = None,
    sample_s: Annotated[Optional[float], typer.Option(min=1e-3, help="Sample step in seconds (default: from the table, else 1 s).")] = None,
    mu_s: Annotated[float, typer.Option("--mu-signal", help="Signal mean photon number per pulse.")] = 0.8,
    mu_d: Annotated[float, typer.Option("--mu-decoy", help="Weak-decoy mean photon number per pulse.")] = 0.1,
    mu_v: Annotated[float, typer.Option("--mu-vacuum", help="Vacuum (weakest) decoy mean photon number per pulse.")] = 0.0,
    p_s: Annotated[float, typer.Option("--p-signal", help="Probability of sending the signal intensity.")] = 0.5,
    p_d: Annotated[float, typer.Option("--p-decoy", help="Probability of sending the weak decoy.")] = 0.25,
    p_x: Annotated[float, typer.Option(help="Probability of choosing the key basis X.")] = 0.5,
    pair_rate_hz: Annotated[float, typer.Option(help="For bbm92: photon-pair rate of the source in pairs per second.")] = 5.9e6,
    coincidence_window_ns: Annotated[float, typer.Option(help="For bbm92: coincidence window in ns.")] = 2.5,
    finite: Annotated[bool, typer.Option("--finite/--asymptotic", help="Report the finite-key bound over each pass, or the asymptotic key.")] = True,
    optimise: Annotated[bool, typer.Option("--optimise/--no-optimise", help="Optimise the transmission window (elevation cut-off) with intensities, probabilities and basis bias per pass (decoy-bb84); the window is cut by an elevation_deg column if the table has one, else by transmittance.")] = False,
    fixed_intensities: Annotated[bool, typer.Option("--fixed-intensities", help="With --optimise: keep --mu-signal and --mu-decoy (payloads that cannot change them, e.g. Micius); window, probabilities and bias are still optimised.")] = False,
    fading: Annotated[Fading, typer.Option(help="Average the expected counts over this transmittance fading model per sample (decoy-bb84; 'pointing' models need a budget computed with a track, not read from a file).")] = Fading.none,
    afterpulse: Annotated[float, typer.Option(help="Detector afterpulse probability per click, 0 <= p_ap < 1 (decoy-bb84).")] = 0.0,
    decoys: Annotated[int, typer.Option(help="Number of decoys: 2 (signal, decoy, vacuum) or 1 (signal and decoy, Rusca et al. 2018).")] = 2,
    both_bases: Annotated[Optional[bool], typer.Option("--both-bases/--one-basis", help="Distil key from both bases (default: one basis for decoy-bb84, both for bbm92).")] = None,
    accumulate: Annotated[bool, typer.Option(help="Pool consecutive passes into one finite-key block until the key is positive.")] = False,
    eps_sec: Annotated[float, typer.Option(help="Secrecy parameter of the finite-key bound, 0 < eps_sec < 1.")] = 1e-10,
    eps_cor: Annotated[float, typer.Option(help="Correctness parameter of the finite-key bound, 0 < eps_cor < 1.")] = 1e-15,
    f_ec: Annotated[float, typer.Option(help="Error-correction inefficiency, 1 <= f_ec <= 3.")] = 1.16,
    misalignment: Annotated[float, typer.Option(help="Intrinsic optical error probability e_d, 0 <= e_d < 0.5.")] = 0.01,
    output: OutputFile = None,
    fmt: Format = None,
):
    """Compute the secret key of each pass: detections, sifted bits, QBER, secret bits and why a pass gives zero."""
    check_outputs(files=[("output", output)])
    attrs = dict(repetition_rate_hz=repetition_rate_hz, gate_width_ns=gate_width_ns, sample_s=sample_s)
    common = dict(p_x=p_x, eps_sec=eps_sec, eps_cor=eps_cor, f_ec=f_ec, misalignment=misalignment,
                  finite=finite)
    if both_bases is not None:
        common["both_bases"] = both_bases
    table = read_table(budget, "budget")
    passes = _read_budgets(table, **attrs)
    if protocol is Protocol.bbm92:
        if budget_b is None:
            raise InputError("budget_b is missing: --protocol bbm92 needs --budget-b FILE for the second station")
        proto = BBM92(pair_rate_hz=pair_rate_hz, coincidence_window_ns=coincidence_window_ns, **common)
        passes_b = read_budgets(budget_b, **attrs)
        if len(passes_b) != len(passes):
            raise InputError(f"budget_b has {len(passes_b)} passes but budget has {len(passes)}; they must match")
        items = list(zip(passes, passes_b))
    else:
        proto = DecoyBB84(mu_s=mu_s, mu_d=mu_d, mu_v=mu_v, p_s=p_s, p_d=p_d, optimise=optimise,
                          fixed_intensities=fixed_intensities, fading=fading.value,
                          afterpulse=afterpulse, decoys=decoys, **common)
        items = passes
    elevs = None if protocol is Protocol.bbm92 else budget_elevations(table, passes)
    if accumulate:
        kw = {} if elevs is None else {"elevation_deg": elevs}
        results = accumulate_blocks(items, proto, **kw)
    else:
        results = [block_key([item], proto, **({} if elevs is None else {"elevation_deg": [el]}))
                   for item, el in zip(items, elevs or [None] * len(items))]
    emit_table(pass_table(results), output, fmt)


@app.command("dual-downlink")
def dual_downlink(
    station_a: Annotated[str, typer.Argument(help="First ground station (name or 'lat,lon[,alt_m]').")],
    station_b: Annotated[str, typer.Argument(help="Second ground station.")],
    satellites: Satellites = "micius",
    start: Annotated[str, typer.Option(help="UTC start, ISO 8601.")] = "2021-04-25T00:00",
    days: Days = 2.0,
    link: Annotated[LinkName, typer.Option(help="Link preset of each arm (the station's own aperture is used).")] = LinkName.micius_entanglement,
    pair_rate_hz: Annotated[float, typer.Option(min=1.0, help="Photon-pair rate of the source in pairs per second.")] = 5.9e6,
    coincidence_window_ns: Annotated[float, typer.Option(min=0.01, help="Coincidence window in ns.")] = 2.5,
    finite: Annotated[bool, typer.Option("--finite/--asymptotic", help="Finite-key bound per window, or the asymptotic key.")] = True,
    sample_s: SampleS = 1.0,
    allow_stale: AllowStale = False,
    output: OutputFile = None,
    fmt: Format = None,
):
    """Entanglement-based BBM92 key of every window with the satellite above both stations."""
    check_outputs(files=[("output", output)])
    t0, t1 = resolve_span(start, days=days)
    check_epochs(load_satellites(satellites, near=t0 + (t1 - t0) / 2), t0, t1, allow_stale)
    proto = BBM92(pair_rate_hz=pair_rate_hz, coincidence_window_ns=coincidence_window_ns, finite=finite)
    table = dual_downlink_passes(satellites, station_a, station_b, start, days=days, link=link.value,
                                 protocol=proto, step_s=sample_s)
    emit_table(round_times_ms(table), output, fmt)
