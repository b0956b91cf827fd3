"""``orbitqkd passes-dask``: the ``passes`` command, sharded over a Dask cluster.

The command takes every option of ``orbitqkd passes`` (its signature is reused,
not copied, so the two cannot drift apart) plus the Dask options below.
"""

from __future__ import annotations

import inspect
from typing import Annotated

import typer

from . import _load_catalogue, emit_table, passes_cmd


def _dask_options(
    scheduler: Annotated[str, typer.Option(help="Dask scheduler: 'local' (a two-worker local cluster), a scheduler address such as tcp://host:8786, or threads, processes or sync.")] = "local",
    shard_days: Annotated[float, typer.Option(min=1e-3, max=3660, help="Length of a time shard in days (rounded to whole search steps).")] = 1.0,
    shard_satellites: Annotated[int, typer.Option(min=1, help="Satellites per shard.")] = 200,
):
    """Declares the options ``passes-dask`` adds to those of ``passes``."""


def scale_passes(**options):
    """Predict every pass, like 'passes', sharded by satellites and days over Dask workers."""
    from ..executors import find_passes_dask
    from ..io.stations import get_stations
    from ..io.tle import load_satellites

    o = options
    sats = load_satellites(o["satellites"], near=o["start"], norad_ids=o["norad_id"])
    start = o["start"] if o["start"] is not None else max(s.epoch for s in sats).normalize()
    stas = get_stations(o["station"] or "all", _load_catalogue(o["stations_file"]))
    df = find_passes_dask(sats, stas, start, days=o["days"], scheduler=o["scheduler"],
                          shard_days=o["shard_days"], shard_satellites=o["shard_satellites"],
                          min_elevation_deg=o["min_elevation_deg"], step_s=o["step_s"],
                          progress=o["progress"])
    if o["night_only"]:
        df = df[df["dark"]].reset_index(drop=True)
    emit_table(df, o["output"], o["fmt"])


def adopt_options(command, *sources, keep=None):
    """Give ``command(**options)`` the typer options declared by ``sources``' parameters.

    typer reads a command's options from its signature and type hints, so
    setting both lets several commands share one declaration of an option
    (reused, not copied). ``keep`` limits the parameters taken (by name).
    """
    params = [p for f in sources for p in inspect.signature(f, eval_str=True).parameters.values()
              if keep is None or p.name in keep or f is sources[-1]]
    command.__signature__ = inspect.Signature(params)
    command.__annotations__ = {p.name: p.annotation for p in params}
    return command


adopt_options(scale_passes, passes_cmd, _dask_options)
