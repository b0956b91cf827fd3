"""``orbitqkd keyrate``: secret key per pass from a link-budget table."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import TableFormat, emit_table
from ..errors import InputError

# Used when neither an option, the file's attrs nor a column gives the value.
DEFAULT_ATTRS = {"repetition_rate_hz": 1e8, "gate_width_ns": 2.0, "sample_s": 1.0}


class Protocol(str, Enum):
    decoy_bb84 = "decoy-bb84"
    bbm92 = "bbm92"


def read_budget(path: Path, **attrs) -> "pd.DataFrame":  # noqa: F821
    """Read a link-budget table (CSV, JSON or Parquet) and fill its attrs.

    Options in ``attrs`` win over the file's attrs (Parquet keeps them), which win
    over a constant column of that name, which wins over :data:`DEFAULT_ATTRS`.
    """
    import pandas as pd

    from ..io.tables import read_table

    df = read_table(path, "budget")
    if "time_utc" in df.columns:
        df["time_utc"] = pd.to_datetime(df["time_utc"], utc=True)
    if "above_horizon" in df.columns:
        df["above_horizon"] = df["above_horizon"].astype(str).str.lower().isin(["true", "1", "1.0"])
    for name, default in DEFAULT_ATTRS.items():
        if attrs.get(name) is not None:
            df.attrs[name] = float(attrs[name])
        elif df.attrs.get(name) is None:
            df.attrs[name] = float(df[name].iloc[0]) if name in df.columns and len(df) else default
    return df


def _split_passes(df):
    """One DataFrame per pass (by ``pass_id`` when present), attrs kept."""
    if "pass_id" not in df.columns:
        return [df]
    parts = []
    for _, g in df.groupby("pass_id", sort=True):
        g = g.copy()
        g.attrs = dict(df.attrs)
        parts.append(g)
    return parts


def keyrate(
    budget: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Link-budget table (CSV, JSON or Parquet) with time_utc, transmittance, noise_rate_cps and above_horizon; a pass_id column splits it into passes.")],
    protocol: Annotated[Protocol, typer.Option(help="Protocol: prepare-and-measure decoy-state BB84, or entanglement-based BBM92 over two downlinks.")] = Protocol.decoy_bb84,
    budget_b: Annotated[Optional[Path], typer.Option(exists=True, dir_okay=False, help="For bbm92: the second station's link budget on the same time grid.")] = None,
    repetition_rate_hz: Annotated[Optional[float], typer.Option(min=1.0, help="Source repetition rate in Hz (default: from the table, else 100 MHz).")] = None,
    gate_width_ns: Annotated[Optional[float], typer.Option(min=1e-3, help="Detector gate width in ns (default: from the table, else 2 ns).")] = None,
    sample_s: Annotated[Optional[float], typer.Option(min=1e-3, help="Sample step in seconds (default: from the table, else 1 s).")] = None,
    mu_s: Annotated[float, typer.Option(help="Signal mean photon number per pulse.")] = 0.8,
    mu_d: Annotated[float, typer.Option(help="Weak-decoy mean photon number per pulse.")] = 0.1,
    mu_v: Annotated[float, typer.Option(help="Vacuum (weakest) decoy mean photon number per pulse.")] = 0.0,
    p_s: Annotated[float, typer.Option(help="Probability of sending the signal intensity.")] = 0.5,
    p_d: Annotated[float, typer.Option(help="Probability of sending the weak decoy.")] = 0.25,
    p_x: Annotated[float, typer.Option(help="Probability of choosing the key basis X.")] = 0.5,
    pair_rate_hz: Annotated[float, typer.Option(help="For bbm92: photon-pair rate of the source in pairs per second.")] = 5.9e6,
    coincidence_window_ns: Annotated[float, typer.Option(help="For bbm92: coincidence window in ns.")] = 2.5,
    finite: Annotated[bool, typer.Option("--finite/--asymptotic", help="Report the finite-key bound over each pass, or the asymptotic key.")] = True,
    optimise: Annotated[bool, typer.Option("--optimise/--no-optimise", help="Optimise intensities, probabilities and basis bias per pass (decoy-bb84).")] = False,
    both_bases: Annotated[Optional[bool], typer.Option("--both-bases/--one-basis", help="Distil key from both bases (default: one basis for decoy-bb84, both for bbm92).")] = None,
    accumulate: Annotated[bool, typer.Option(help="Pool consecutive passes into one finite-key block until the key is positive.")] = False,
    eps_sec: Annotated[float, typer.Option(help="Secrecy parameter of the finite-key bound, 0 < eps_sec < 1.")] = 1e-10,
    eps_cor: Annotated[float, typer.Option(help="Correctness parameter of the finite-key bound, 0 < eps_cor < 1.")] = 1e-15,
    f_ec: Annotated[float, typer.Option(help="Error-correction inefficiency, 1 <= f_ec <= 3.")] = 1.16,
    misalignment: Annotated[float, typer.Option(help="Intrinsic optical error probability e_d, 0 <= e_d < 0.5.")] = 0.01,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the table to this CSV, JSON or Parquet file (format from the suffix).")] = None,
    fmt: Annotated[Optional[TableFormat], typer.Option("--format", help="Output format; default a table on screen, or the output file's suffix.")] = None,
):
    """Compute the secret key of each pass: detections, sifted bits, QBER, secret bits and why a pass gives zero."""
    from ..core.keyrate import BBM92, DecoyBB84, accumulate_blocks, block_key, pass_table

    attrs = dict(repetition_rate_hz=repetition_rate_hz, gate_width_ns=gate_width_ns, sample_s=sample_s)
    common = dict(p_x=p_x, eps_sec=eps_sec, eps_cor=eps_cor, f_ec=f_ec, misalignment=misalignment,
                  finite=finite)
    if both_bases is not None:
        common["both_bases"] = both_bases
    passes = _split_passes(read_budget(budget, **attrs))
    if protocol is Protocol.bbm92:
        if budget_b is None:
            raise InputError("budget_b is missing: --protocol bbm92 needs --budget-b FILE for the second station")
        proto = BBM92(pair_rate_hz=pair_rate_hz, coincidence_window_ns=coincidence_window_ns, **common)
        passes_b = _split_passes(read_budget(budget_b, **attrs))
        if len(passes_b) != len(passes):
            raise InputError(f"budget_b has {len(passes_b)} passes but budget has {len(passes)}; they must match")
        items, options = list(zip(passes, passes_b)), {"sample_s": sample_s}
    else:
        proto = DecoyBB84(mu_s=mu_s, mu_d=mu_d, mu_v=mu_v, p_s=p_s, p_d=p_d, optimise=optimise, **common)
        items, options = passes, {}
    if accumulate:
        results = accumulate_blocks(items, proto, **options)
    else:
        results = [block_key([item], proto, **options) for item in items]
    emit_table(pass_table(results), output, fmt)


def dual_downlink(
    station_a: Annotated[str, typer.Argument(help="First ground station (name or 'lat,lon[,alt_m]').")],
    station_b: Annotated[str, typer.Argument(help="Second ground station.")],
    satellites: Annotated[str, typer.Option("--satellites", "--tle", help="Bundled set (micius, glonass, active) or a TLE/3LE/OMM file.")] = "micius",
    start: Annotated[str, typer.Option(help="UTC start, ISO 8601.")] = "2021-04-25T00:00",
    days: Annotated[float, typer.Option(min=1e-3, max=366, help="Length of the span in days.")] = 2.0,
    link: Annotated[str, typer.Option(help="Link preset of each arm (the station's own aperture is used).")] = "micius-xinglong",
    pair_rate_hz: Annotated[float, typer.Option(min=1.0, help="Photon-pair rate of the source in pairs per second.")] = 5.9e6,
    coincidence_window_ns: Annotated[float, typer.Option(min=0.01, help="Coincidence window in ns.")] = 2.5,
    finite: Annotated[bool, typer.Option("--finite/--asymptotic", help="Finite-key bound per window, or the asymptotic key.")] = True,
    step_s: Annotated[float, typer.Option(min=0.1, max=60, help="Sample step in seconds.")] = 1.0,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the table to this CSV, JSON or Parquet file.")] = None,
    fmt: Annotated[Optional[TableFormat], typer.Option("--format", help="Output format; default a table on screen, or the output file's suffix.")] = None,
):
    """Entanglement-based BBM92 key of every window with the satellite above both stations."""
    from ..core.keyrate import BBM92
    from ..chain import dual_downlink_passes

    proto = BBM92(pair_rate_hz=pair_rate_hz, coincidence_window_ns=coincidence_window_ns, finite=finite)
    table = dual_downlink_passes(satellites, station_a, station_b, start, days=days, link=link,
                                 protocol=proto, step_s=step_s)
    emit_table(table, output, fmt)
