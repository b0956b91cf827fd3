"""Checks of a command's inputs, run before any work starts (one line each: field, value, allowed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.orbits import TimeBase, decay_time
from ..errors import InputError
from ..io.climate import read_climatology
from ..model import epoch_age_days

#: Longest distance of a span's ends from the element epoch without --allow-stale [days]
MAX_EPOCH_DAYS = 30.0
#: Most samples of a table a command builds in memory (a link budget is one row per sample)
MAX_TABLE_SAMPLES = 5_000_000


def check_epochs(satellites, start, end, allow_stale: bool) -> None:
    """Refuse a span farther than :data:`MAX_EPOCH_DAYS` from any satellite's element epoch.

    The message names the satellite, its epoch and, when SGP4 finds that the
    object decays before the span's far end, the decay time.
    """
    if allow_stale or not len(satellites):
        return
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    age = epoch_age_days(satellites, [start, end])
    if not np.any(age > MAX_EPOCH_DAYS):
        return
    k = int(np.argmax(age))
    sat = satellites[k]
    base = TimeBase.for_span(sat.epoch, 1.0)
    far = max(start, end, sat.epoch)
    decayed = decay_time(sat.satrec, base, (far - sat.epoch).total_seconds())
    decay = ("" if decayed is None else
             f"; SGP4 has it decayed by {sat.epoch + pd.Timedelta(seconds=decayed):%Y-%m-%d %H:%M} UTC")
    raise InputError(
        f"start = {start:%Y-%m-%dT%H:%M} UTC is {age[k]:.1f} days from the element epoch "
        f"{sat.epoch:%Y-%m-%dT%H:%M} UTC of {sat.name}{decay}; allowed within "
        f"{MAX_EPOCH_DAYS:g} days (give newer elements, or --allow-stale)")


def check_samples(field: str, span_s: float, step_s: float, hint: str) -> None:
    """Refuse a table of more than :data:`MAX_TABLE_SAMPLES` rows (span / step)."""
    n = float(span_s) / float(step_s)
    if n > MAX_TABLE_SAMPLES:
        raise InputError(f"{field} = {step_s:g} s over {span_s / 86400:.3g} days gives {n:,.0f} "
                         f"samples; allowed at most {MAX_TABLE_SAMPLES:,} ({hint})")


def check_climate(path, scenario) -> None:
    """Read a user climate file now, and refuse stations the scenario lacks."""
    if path is None:
        return
    table = read_climatology(path)
    names = {s.name.casefold() for s in scenario.stations}
    extra = [s for s in dict.fromkeys(table["station"]) if s.casefold() not in names]
    if extra:
        raise InputError(f"climate = '{path}' names station {extra[0]!r} that scenario "
                         f"{scenario.name!r} lacks; its stations: "
                         f"{', '.join(s.name for s in scenario.stations)}")


def check_passes_table(df: pd.DataFrame, path, scenario) -> None:
    """Refuse a passes file made for other stations or another span than the scenario's."""
    names = {s.name for s in scenario.stations}
    if "station" not in df.columns:
        raise InputError(f"passes = '{path}' lacks the column station")
    extra = [s for s in dict.fromkeys(df["station"].astype(str)) if s not in names]
    if extra:
        raise InputError(f"passes = '{path}' holds station {extra[0]!r} that scenario "
                         f"{scenario.name!r} lacks; its stations: {', '.join(sorted(names))} "
                         "(was the file made for another scenario?)")
    for col in ("rise_utc", "set_utc"):
        if col not in df.columns:
            raise InputError(f"passes = '{path}' lacks the column {col}")
    try:
        rise = pd.to_datetime(df["rise_utc"], utc=True)
        set_ = pd.to_datetime(df["set_utc"], utc=True)
    except (ValueError, TypeError):
        raise InputError(f"passes = '{path}': rise_utc/set_utc hold values that are not UTC "
                         "times") from None
    start, end = scenario.start, scenario.end
    outside = ~((set_ > start) & (rise < end)) | rise.isna() | set_.isna()
    if outside.any():
        i = int(np.flatnonzero(outside.to_numpy())[0])
        raise InputError(f"passes = '{path}' row {i}: pass {rise.iloc[i]} to {set_.iloc[i]} is "
                         f"outside the scenario's span {start.isoformat()} to "
                         f"{end.isoformat()}; give --start/--days of the run that wrote it")


def check_relay_samples(relay_samples: int, samples: int) -> None:
    """The draws routed through the relay are some of the weather draws."""
    if relay_samples > samples:
        raise InputError(f"relay_samples = {relay_samples} is outside the range "
                         f"0 <= relay_samples <= samples = {samples}")


def check_max_sample_s(max_sample_s, sample_s: float) -> None:
    """An adaptive spacing can only be as long as or longer than the fine one."""
    if max_sample_s is not None and max_sample_s < sample_s:
        raise InputError(f"max_sample_s = {max_sample_s:g} is outside the range "
                         f"max_sample_s >= sample_s = {sample_s:g}")
