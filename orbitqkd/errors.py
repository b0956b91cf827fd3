"""One exception hierarchy for orbitqkd, and the boundary checks that raise it.

Every error is one line naming the field, the value and what is allowed, in the
style of sgp4 (``inclo = -0.074494 is outside the range 0 <= inclo < pi``).
The CLI turns any :class:`OrbitQKDError` into that line and a non-zero exit.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np


class OrbitQKDError(Exception):
    """Base class of every error orbitqkd raises on purpose."""


class InputError(OrbitQKDError, ValueError):
    """A bad argument, option or field of an input file."""


class TLEFormatError(InputError):
    """A TLE/3LE/OMM record that cannot be parsed (bad checksum, bad field)."""


class UnknownNameError(InputError, KeyError):
    """A station, satellite, model or scenario name that is not known."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DataFileError(OrbitQKDError, OSError):
    """A bundled or user data file that is missing or unreadable."""


class OrbitQKDWarning(UserWarning):
    """Base class of orbitqkd warnings."""


class StaleElementsWarning(OrbitQKDWarning):
    """Propagation far from the epoch of the orbital elements."""


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value) if isinstance(value, str) else str(value)


def check_range(
    field: str,
    value,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
):
    """Return ``value`` if every element lies within the range, else raise.

    Works for scalars and array-likes; NaN fails the check.

    >>> check_range("aperture_m", 0.6, 0.0, low_inclusive=False)
    0.6
    >>> check_range("aperture_m", -1.0, 0.0, low_inclusive=False)
    Traceback (most recent call last):
    ...
    orbitqkd.errors.InputError: aperture_m = -1 is outside the range aperture_m > 0
    """
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{field} = {value!r} is not a number") from None
    ok = np.isfinite(arr) | (np.isinf(arr) & (high is None) & (arr > 0))
    if low is not None:
        ok &= (arr >= low) if low_inclusive else (arr > low)
    if high is not None:
        ok &= (arr <= high) if high_inclusive else (arr < high)
    if not np.all(ok):
        bad = arr[~ok].flat[0] if arr.ndim else float(arr)
        parts = []
        if low is not None:
            parts.append(f"{_fmt(float(low))} {'<=' if low_inclusive else '<'} ")
        parts.append(field)
        if high is not None:
            parts.append(f" {'<=' if high_inclusive else '<'} {_fmt(float(high))}")
        if low is not None and high is None:
            allowed = f"{field} {'>=' if low_inclusive else '>'} {_fmt(float(low))}"
        else:
            allowed = "".join(parts)
        raise InputError(f"{field} = {_fmt(float(bad))} is outside the range {allowed}")
    return value


def check_choice(field: str, value: str, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise listing them.

    >>> check_choice("model", "hv57", ["hv57", "slc"])
    'hv57'
    """
    allowed = list(allowed)
    if value not in allowed:
        raise UnknownNameError(
            f"{field} = {value!r} is not known; choose one of: {', '.join(map(str, allowed))}"
        )
    return value


def check_finite(field: str, value: float) -> float:
    """Raise unless ``value`` is a finite number."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{field} = {value!r} is not a number") from None
    if not math.isfinite(x):
        raise InputError(f"{field} = {x} is not a finite number")
    return value
