"""Satellites: TLE/3LE files, OMM (JSON/CSV), Keplerian elements and Walker constellations.

Every satellite becomes an :class:`sgp4.api.Satrec` wrapped in :class:`Satellite`,
so the whole pipeline propagates with SGP4 (Vallado et al. 2006, AIAA 2006-6753).
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from sgp4 import omm
from sgp4.api import Satrec

from ..errors import DataFileError, InputError, TLEFormatError, UnknownNameError
from ..model import Satellite
from ..timescales import parse_utc
from ..data import data_dir
from .tables import read_text_file

# Bundled TLE files by name; see data/README.md for their provenance.
BUNDLED_TLE = {
    "micius": "micius-41731.tle",
    "glonass": "glonass-ops-2022-02-04.tle",
    "active": "celestrak-active-2026-03-19.tle",
    "lageos2": "lageos2-22195.tle",
}


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
    text = read_text_file(path, "satellites")
    if path.suffix.lower() == ".json":
        try:
            records = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            where = f" line {exc.lineno}" if hasattr(exc, "lineno") else ""
            raise TLEFormatError(f"{path.name}{where}: not valid JSON "
                                 f"({getattr(exc, 'msg', 'nested too deeply')})") from None
        records = [records] if isinstance(records, dict) else records
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise TLEFormatError(f"{path.name}: OMM JSON must be an object or a list of objects "
                                 "(one per satellite)")
        return records
    try:
        return list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise TLEFormatError(f"{path.name}: not a CSV table ({exc})") from None


def parse_omm_file(path: str | os.PathLike) -> list[Satellite]:
    """Read OMM records from CelesTrak-style JSON or CSV (CCSDS 502.0-B-3 keys)."""
    path = Path(path)
    sats = []
    for k, fields in enumerate(_omm_records(path), start=1):
        satrec = Satrec()
        try:
            omm.initialize(satrec, {str(key): str(v) for key, v in fields.items()})
        except (KeyError, ValueError, TypeError, IndexError, OverflowError) as exc:
            detail = " ".join(str(exc).split())[:120]
            raise TLEFormatError(f"{path.name} record {k}: bad or missing OMM field "
                                 f"{detail}") from None
        if satrec.error:
            raise TLEFormatError(f"{path.name} record {k}: SGP4 rejected the elements "
                                 f"(error {satrec.error})")
        try:
            sat = Satellite.from_satrec(satrec, str(fields.get("OBJECT_NAME", "")))
        except (ValueError, OverflowError, ZeroDivisionError) as exc:
            raise TLEFormatError(f"{path.name} record {k}: elements out of range "
                                 f"({' '.join(str(exc).split())[:120]})") from None
        sats.append(sat)
    if not sats:
        raise TLEFormatError(f"{path.name}: no OMM records found")
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


def tle_source_path(source, field: str = "satellites") -> Path:
    """The file of an element-set source: a bundled set name or a TLE/3LE/OMM path.

    One error naming ``field`` when it is neither.
    """
    key = str(source)
    if key.lower() in BUNDLED_TLE:
        return data_dir() / "tle" / BUNDLED_TLE[key.lower()]
    path = Path(key)
    if not path.exists():
        raise UnknownNameError(f"{field} = {key!r} is neither a file nor a bundled set; "
                               "bundled sets: " + ", ".join(BUNDLED_TLE))
    return path


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
        path = tle_source_path(source)
        if path.is_dir():
            raise DataFileError(f"satellites = '{path}' is a directory, not a TLE or OMM file")
        if path.suffix.lower() in (".json", ".csv"):
            sats = parse_omm_file(path)
        else:
            sats = parse_tle_text(read_text_file(path, "satellites"), path.name)
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


