"""Satellites: TLE/3LE files, OMM (JSON/CSV), Keplerian elements and Walker constellations.

Every satellite becomes an :class:`sgp4.api.Satrec` wrapped in :class:`Satellite`,
so the whole pipeline propagates with SGP4 (Vallado et al. 2006, AIAA 2006-6753).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
from sgp4.api import WGS72, Satrec
from sgp4 import omm

from ..constants import DAY_S
from .data import data_dir
from ..errors import DataFileError, InputError, TLEFormatError, UnknownNameError, check_range
from ..timescales import parse_utc

# WGS 72 constants used by SGP4 itself (Hoots & Roehrich 1980, Spacetrack Report #3)
_MU_KM3_S2 = 398600.8
_RE_KM = 6378.135

# Bundled TLE files by name; see data/README.md for their provenance.
BUNDLED_TLE = {
    "micius": "micius-41731.tle",
    "glonass": "glonass-ops-2022-02-04.tle",
    "active": "celestrak-active-2026-03-19.tle",
}


@dataclasses.dataclass(frozen=True, eq=False)
class Satellite:
    """A satellite propagated by SGP4.

    Attributes
    ----------
    name : str
    norad_id : int
    satrec : sgp4.api.Satrec
    epoch : pandas.Timestamp
        Epoch of the elements (UTC).
    """

    name: str
    norad_id: int
    satrec: Satrec
    epoch: pd.Timestamp

    @property
    def period_min(self) -> float:
        """Anomalistic period from the Kozai mean motion [min]."""
        return 2.0 * math.pi / self.satrec.no_kozai

    @classmethod
    def from_satrec(cls, satrec: Satrec, name: str = "") -> "Satellite":
        epoch = pd.Timestamp("1949-12-31", tz="UTC") + pd.to_timedelta(
            round((satrec.jdsatepoch - 2433281.5 + satrec.jdsatepochF) * DAY_S * 1e6), unit="us"
        )
        return cls(name=name.strip() or f"NORAD {satrec.satnum}", norad_id=int(satrec.satnum),
                   satrec=satrec, epoch=epoch)

    @classmethod
    def from_tle_lines(cls, line1: str, line2: str, name: str = "",
                       source: str = "<tle>", first_lineno: int = 1) -> "Satellite":
        """Parse one TLE after verifying both lines' format and checksums."""
        for offset, (line, number) in enumerate(((line1, "1"), (line2, "2"))):
            _check_tle_line(line.rstrip(), number, source, first_lineno + offset)
        if line1[2:7] != line2[2:7]:
            raise TLEFormatError(
                f"{source} line {first_lineno + 1}: catalogue number {line2[2:7].strip()!r}"
                f" differs from line 1's {line1[2:7].strip()!r}"
            )
        try:
            satrec = Satrec.twoline2rv(line1.rstrip(), line2.rstrip(), WGS72)
        except Exception as exc:  # sgp4 raises ValueError with its own wording
            raise TLEFormatError(f"{source} line {first_lineno}: {exc}") from None
        if satrec.error:
            raise TLEFormatError(
                f"{source} line {first_lineno}: SGP4 rejected the elements (error {satrec.error})"
            )
        return cls.from_satrec(satrec, name)

    @classmethod
    def from_elements(
        cls,
        name: str,
        epoch,
        altitude_km: float | None = None,
        eccentricity: float = 0.0,
        inclination_deg: float = 97.4,
        raan_deg: float = 0.0,
        argp_deg: float = 0.0,
        mean_anomaly_deg: float = 0.0,
        *,
        semi_major_axis_km: float | None = None,
        bstar: float = 0.0,
        norad_id: int = 99999,
    ) -> "Satellite":
        """Build a satellite from mean Keplerian elements (for what-if studies).

        Give either ``altitude_km`` (of a circular orbit above the WGS 72 radius)
        or ``semi_major_axis_km``. The elements are taken as SGP4 mean elements.

        >>> sat = Satellite.from_elements("SSO-500", "2025-03-20", altitude_km=500.0)
        >>> round(sat.period_min, 1)
        94.6
        """
        if (altitude_km is None) == (semi_major_axis_km is None):
            raise InputError("give exactly one of altitude_km or semi_major_axis_km")
        if semi_major_axis_km is None:
            check_range(f"{name}: altitude_km", altitude_km, 100.0, 500_000.0)
            semi_major_axis_km = _RE_KM + float(altitude_km)
        check_range(f"{name}: semi_major_axis_km", semi_major_axis_km, _RE_KM + 100.0, 500_000.0)
        check_range(f"{name}: eccentricity", eccentricity, 0.0, 1.0, high_inclusive=False)
        check_range(f"{name}: inclination_deg", inclination_deg, 0.0, 180.0)
        perigee_km = semi_major_axis_km * (1.0 - eccentricity) - _RE_KM
        if perigee_km < 100.0:
            raise InputError(
                f"{name}: perigee altitude = {perigee_km:g} km is outside the range perigee >= 100 km"
            )
        check_range(f"{name}: norad_id", norad_id, 0, 339999)
        t = parse_utc(epoch, f"{name}: epoch")
        epoch_days = (t - pd.Timestamp("1949-12-31", tz="UTC")).total_seconds() / DAY_S
        n_rad_min = math.sqrt(_MU_KM3_S2 / semi_major_axis_km**3) * 60.0
        satrec = Satrec()
        satrec.sgp4init(
            WGS72, "i", int(norad_id), epoch_days, float(bstar), 0.0, 0.0,
            float(eccentricity), math.radians(argp_deg), math.radians(inclination_deg),
            math.radians(mean_anomaly_deg % 360.0), n_rad_min, math.radians(raan_deg % 360.0),
        )
        return cls.from_satrec(satrec, name)


_DIGITS = "0123456789"  # ASCII only: str.isdigit() also accepts '³', which int() rejects

# Column layout of TLE lines (1-based columns, as in CelesTrak's "NORAD Two-Line
# Element Set Format" and Space-Track's documentation): (first, last, field, pattern, what)
_INT = r" *[0-9]+"
_SATNUM = (3, 7, "catalogue number", r" *[0-9]+|[A-HJ-NP-Z][0-9]{4}", "a number (or Alpha-5)")
_TLE_COLUMNS = {
    "1": (
        _SATNUM,
        (8, 8, "classification", r"[UCS ]", "U, C or S"),
        (10, 17, "international designator", r"[0-9]{5}[A-Z][A-Z ]{2}| {8}", "YYNNNPPP or blank"),
        (19, 32, "epoch", r"[0-9]{5}\.[0-9]{8}", "YYDDD.DDDDDDDD"),
        (34, 43, "first derivative of mean motion", r"[ +-]\.[0-9]{8}", "like ' .00000364'"),
        (45, 52, "second derivative of mean motion", r"[ +-][0-9]{5}[+-][0-9]", "like ' 00000-0'"),
        (54, 61, "BSTAR", r"[ +-][0-9]{5}[+-][0-9]", "like ' 17957-4'"),
        (63, 63, "ephemeris type", r"[0-9 ]", "a digit"),
        (65, 68, "element set number", _INT, "a number"),
    ),
    "2": (
        _SATNUM,
        (9, 16, "inclination", r" *[0-9]+\.[0-9]{4}", "like ' 97.3699'"),
        (18, 25, "right ascension of the ascending node", r" *[0-9]+\.[0-9]{4}", "like '267.4500'"),
        (27, 33, "eccentricity", r"[0-9]{7}", "7 digits"),
        (35, 42, "argument of perigee", r" *[0-9]+\.[0-9]{4}", "like '178.5836'"),
        (44, 51, "mean anomaly", r" *[0-9]+\.[0-9]{4}", "like '246.0824'"),
        (53, 63, "mean motion", r" *[0-9]+\.[0-9]{8}", "like '15.23915303'"),
        (64, 68, "revolution number", _INT, "a number"),
    ),
}
_TLE_BLANKS = {"1": (2, 9, 18, 33, 44, 53, 62, 64), "2": (2, 8, 17, 26, 34, 43, 52)}


def _check_tle_line(line: str, number: str, source: str, lineno: int) -> None:
    where = f"{source} line {lineno}"
    if len(line) < 69:
        raise TLEFormatError(f"{where}: TLE line {number} has {len(line)} characters; 69 are required")
    if line[0] != number or line[1] != " ":
        raise TLEFormatError(f"{where}: expected TLE line {number} to start with '{number} ', got {line[:2]!r}")
    expected = tle_checksum(line)
    if line[68] not in _DIGITS or int(line[68]) != expected:
        raise TLEFormatError(
            f"{where}: checksum {line[68]!r} does not match the computed checksum {expected}"
        )
    # the checksum cannot see a '0' turned into a letter, space or '.', nor a '1' into '-'
    for col in _TLE_BLANKS[number]:
        if line[col - 1] != " ":
            raise TLEFormatError(f"{where}: TLE line {number} column {col} = {line[col - 1]!r} "
                                 "should be a blank separating two fields")
    for first, last, field, pattern, what in _TLE_COLUMNS[number]:
        text = line[first - 1:last]
        if not re.fullmatch(pattern, text):
            raise TLEFormatError(f"{where}: TLE line {number} columns {first}-{last} ({field}) "
                                 f"= {text!r} is not {what}")


def tle_checksum(line: str) -> int:
    """Modulo-10 checksum of the first 68 columns of a TLE line (digits, '-' counts 1).

    >>> tle_checksum("1 41731U 16051A   16353.90152003  .00000364  00000-0  17957-4 0  999")
    3
    """
    return sum(int(c) if c in _DIGITS else (1 if c == "-" else 0) for c in line[:68]) % 10


def parse_tle_text(text: str, source: str = "<tle>") -> list[Satellite]:
    """Parse TLE or 3LE text: optional name lines followed by lines 1 and 2."""
    sats: list[Satellite] = []
    name = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip()
        if not raw.strip():
            i += 1
            continue
        if raw.startswith("1 ") and len(raw) >= 60:
            if i + 1 >= len(lines) or not lines[i + 1].startswith("2 "):
                raise TLEFormatError(f"{source} line {i + 1}: TLE line 1 is not followed by a line 2")
            sats.append(Satellite.from_tle_lines(raw, lines[i + 1], name, source, i + 1))
            name = ""
            i += 2
            continue
        if raw.startswith("2 ") and len(raw) >= 60:
            raise TLEFormatError(f"{source} line {i + 1}: TLE line 2 without a line 1 before it")
        name = raw[2:] if raw.startswith("0 ") else raw
        if i + 1 >= len(lines) or not lines[i + 1].startswith("1 "):
            raise TLEFormatError(
                f"{source} line {i + 1}: {raw.strip()[:40]!r} is neither a name line followed by "
                "TLE line 1 nor a TLE line"
            )
        i += 1
    if not sats:
        raise TLEFormatError(f"{source}: no TLE found")
    return sats


def _omm_records(path: Path) -> list[dict]:
    text = path.read_text()
    if path.suffix.lower() == ".json":
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TLEFormatError(f"{path.name} line {exc.lineno}: not valid JSON ({exc.msg})") from None
        return [records] if isinstance(records, dict) else list(records)
    return list(csv.DictReader(io.StringIO(text)))


def parse_omm_file(path: str | os.PathLike) -> list[Satellite]:
    """Read OMM records from CelesTrak-style JSON or CSV (CCSDS 502.0-B-3 keys)."""
    path = Path(path)
    sats = []
    for k, fields in enumerate(_omm_records(path), start=1):
        satrec = Satrec()
        try:
            omm.initialize(satrec, {key: str(v) for key, v in fields.items()})
        except (KeyError, ValueError) as exc:
            raise TLEFormatError(f"{path.name} record {k}: bad or missing OMM field {exc}") from None
        sats.append(Satellite.from_satrec(satrec, str(fields.get("OBJECT_NAME", ""))))
    if not sats:
        raise TLEFormatError(f"{path.name}: no OMM records found")
    return sats


def walker_delta(
    total: int,
    planes: int,
    phasing: int,
    altitude_km: float,
    inclination_deg: float,
    epoch,
    *,
    name: str = "WALKER",
    first_norad_id: int = 90000,
) -> list[Satellite]:
    """A Walker-delta constellation i:t/p/f of circular orbits.

    Plane ``j`` has RAAN ``360 j / p``; satellite ``k`` in it has mean anomaly
    ``360 k p / t + 360 f j / t`` (Walker 1984, J. Br. Interplanet. Soc. 37, 559).

    >>> len(walker_delta(24, 3, 1, 19100.0, 64.8, "2022-02-01"))
    24
    """
    check_range("total", total, 1, 100_000)
    check_range("planes", planes, 1, total)
    if total % planes:
        raise InputError(f"planes = {planes} does not divide total = {total}")
    check_range("phasing", phasing, 0, planes - 1)
    per_plane = total // planes
    sats = []
    for j in range(planes):
        for k in range(per_plane):
            sats.append(Satellite.from_elements(
                f"{name}-{j + 1:02d}-{k + 1:02d}", epoch, altitude_km, 0.0, inclination_deg,
                raan_deg=360.0 * j / planes,
                mean_anomaly_deg=360.0 * k / per_plane + 360.0 * phasing * j / total,
                norad_id=first_norad_id + len(sats),
            ))
    return sats


def _select_nearest_epoch(sats: list[Satellite], near) -> list[Satellite]:
    """Keep one element set per NORAD id: the one with epoch nearest ``near`` (else newest)."""
    chosen: dict[int, Satellite] = {}
    t = None if near is None else parse_utc(near)
    for s in sats:
        old = chosen.get(s.norad_id)
        if old is None:
            chosen[s.norad_id] = s
        elif t is None:
            chosen[s.norad_id] = s if s.epoch > old.epoch else old
        elif abs(s.epoch - t) < abs(old.epoch - t):
            chosen[s.norad_id] = s
    return list(chosen.values())


def load_satellites(source, near=None, norad_ids=None, names=None) -> list[Satellite]:
    """Load satellites from a bundled name, a TLE/3LE file, or an OMM JSON/CSV file.

    Parameters
    ----------
    source : str or path or list of Satellite
        ``"micius"``, ``"glonass"``, ``"active"`` (bundled snapshots), or a path.
    near : time, optional
        Where a file holds several element sets of one satellite, keep the set
        whose epoch is nearest this time (else the newest).
    norad_ids : iterable of int, optional
        Keep only these catalogue numbers.
    names : iterable of str, optional
        Keep only satellites whose name contains one of these (case-insensitive).

    >>> [s.epoch.date().isoformat() for s in load_satellites("micius", near="2016-12-19")]
    ['2016-12-18']
    """
    if isinstance(source, Satellite):
        sats = [source]
    elif isinstance(source, (list, tuple)) and all(isinstance(s, Satellite) for s in source):
        sats = list(source)
    else:
        key = str(source)
        if key.lower() in BUNDLED_TLE:
            path = data_dir() / "tle" / BUNDLED_TLE[key.lower()]
        else:
            path = Path(key)
            if not path.exists():
                raise UnknownNameError(
                    f"satellites = {key!r} is neither a file nor a bundled set; bundled sets: "
                    + ", ".join(BUNDLED_TLE)
                )
        if path.is_dir():
            raise DataFileError(f"satellites = '{path}' is a directory, not a TLE or OMM file")
        if path.suffix.lower() in (".json", ".csv"):
            sats = parse_omm_file(path)
        else:
            sats = parse_tle_text(path.read_text(errors="replace"), path.name)
    sats = _select_nearest_epoch(sats, near)
    if norad_ids is not None:
        wanted = {int(n) for n in norad_ids}
        sats = [s for s in sats if s.norad_id in wanted]
        if not sats:
            raise InputError(f"norad_ids = {sorted(wanted)} match no satellite in {source}")
    if names is not None:
        wanted_names = [n.lower() for n in names]
        sats = [s for s in sats if any(w in s.name.lower() for w in wanted_names)]
        if not sats:
            raise InputError(f"names = {list(names)} match no satellite in {source}")
    return sats


def epoch_age_days(satellites, times_utc) -> np.ndarray:
    """Largest |time − epoch| [days] for each satellite over ``times_utc``."""
    ts = pd.DatetimeIndex(pd.to_datetime(times_utc, utc=True))
    lo, hi = ts.min(), ts.max()
    return np.array([max(abs((lo - s.epoch).total_seconds()), abs((hi - s.epoch).total_seconds()))
                     for s in satellites]) / DAY_S
