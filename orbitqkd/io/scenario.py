"""Scenarios: a QKD network described in one TOML file.

A scenario names the satellites (bundled TLE sets, TLE/OMM files, Keplerian
elements or Walker-delta constellations) with the link each carries, the
ground stations, the scheduler's resources and objective, the fibre links and
user pairs of the trusted-relay network, and the span to plan. Examples ship
in ``data/scenarios/``; :func:`bundled_scenarios` lists them.

File layout (every table but ``[scenario]`` and ``[[satellites]]`` optional)::

    [scenario]
    name = "china-austria"
    description = "Micius as a trusted relay between Xinglong and Graz."
    start = "2016-12-19T00:00:00Z"
    days = 3

    [[satellites]]
    tle = "micius"              # bundled set, or a TLE/3LE/OMM path (relative to this file)
    norad_ids = [41731]
    link = "micius-xinglong"    # see orbitqkd.link_presets()

    [[satellites]]              # what-if: Keplerian elements ...
    name = "MICROSAT"
    link = "microsat-portable"
    elements = { altitude_km = 500.0, inclination_deg = 97.4, raan_deg = 0.0 }

    [[satellites]]              # ... or a Walker-delta constellation
    name = "MEO"
    link = "meo-qkd"
    walker = { total = 24, planes = 3, phasing = 1, altitude_km = 19100.0, inclination_deg = 64.8 }

    [[stations]]
    name = "Xinglong"           # from the catalogue; other keys override it
    cloud_free_probability = 0.6   # instead of the bundled climatology
    telescopes = 1

    [[stations]]                # a station not in the catalogue
    name = "Site-X"
    latitude_deg = 30.0
    longitude_deg = 100.0
    altitude_m = 3000.0
    aperture_m = 1.0

    [schedule]                  # orbitqkd.ScheduleConfig fields, plus:
    method = "milp"             # or "greedy"
    horizon_days = 3.0          # rolling horizon beyond this span
    step_days = 1.0
    handover_slot_s = 1800.0    # cut longer passes into slots of this length (0: whole passes)

    [[fibre]]                   # orbitqkd.FibreLink: a, b, length_km or rate_bps
    a = "Graz"
    b = "Vienna"
    length_km = 150.0

    [[demands]]                 # orbitqkd.Demand: a, b, bits_per_day, weight, hourly_use
    a = "Xinglong"
    b = "Vienna"

    [relay]
    time_step_s = 600.0
    key_store_bits = 1e9        # satellite key store
    serve_demand = true         # schedule for the pairs' demand (orbitqkd.schedule_for_demand)
    objective = "weighted"      # or "maxmin"

    [design]                    # swept by `orbitqkd design` (orbitqkd.design.DESIGN_KEYS)
    planes = [1, 2]
    satellites_per_plane = [1, 2]
    altitude_km = [500.0, 600.0]
    ltan_hours = 22.5           # sun-synchronous planes; or inclination_deg = [...]
    aperture_m = [0.5, 1.0]
    station_sets = { two = ["Graz", "Matera"], three = ["Graz", "Matera", "Tenerife"] }
    span_days = 3.0
    relay_geo_longitudes_deg = [60.0]   # geostationary relays, joined by [isl] links

    [isl]                       # orbitqkd.core.isl.InterSatelliteLink fields
    tx_aperture_m = 0.3
    rx_aperture_m = 0.3

Errors name the file and the field (``china.toml: [[stations]] 2: aperture_m =
-1 is outside the range aperture_m > 0``).
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from pathlib import Path

import pandas as pd
from typing import Mapping

from ..data import data_dir, data_path
from ..errors import (DataFileError, InputError, OrbitQKDError, UnknownNameError, check_choice,
                     check_range)
from ..network.relay import OBJECTIVES as RELAY_OBJECTIVES
from ..network.schedule import METHODS, ScheduleConfig
from ..core.isl import InterSatelliteLink
from ..model import Demand, FibreLink, GroundStation, Satellite, parse_horizon_mask, walker_delta
from ..presets import link_preset
from .stations import STATION_COLUMNS, bundled_stations, read_stations
from .tle import BUNDLED_TLE, load_satellites, tle_source_path
from ..timescales import parse_utc

_TOP_KEYS = ("scenario", "satellites", "stations", "schedule", "fibre", "demands", "relay",
             "design", "isl")
_SCENARIO_KEYS = ("name", "description", "start", "days", "stations_file", "references")
_SATELLITE_KEYS = ("link", "tle", "norad_ids", "names", "name", "elements", "walker")
_ELEMENT_KEYS = ("altitude_km", "semi_major_axis_km", "eccentricity", "inclination_deg",
                 "raan_deg", "argp_deg", "mean_anomaly_deg", "bstar", "norad_id", "epoch")
_WALKER_KEYS = ("total", "planes", "phasing", "altitude_km", "inclination_deg",
                "first_norad_id", "epoch")
_STATION_NUMBERS = ("latitude_deg", "longitude_deg", "altitude_m", "aperture_m",
                    "obscuration_ratio", "min_elevation_deg")
_STATION_EXTRA = ("cloud_free_probability", "telescopes")
_SCHEDULE_FIELDS = ("terminals_per_satellite", "telescopes_per_station", "repoint_s",
                    "min_pass_s", "night_only", "objective", "demands_bits", "time_limit_s",
                    "mip_gap")
_SCHEDULE_KEYS = _SCHEDULE_FIELDS + ("method", "horizon_days", "step_days", "handover_slot_s")
_FIBRE_KEYS = ("a", "b", "length_km", "rate_bps", "attenuation_db_per_km",
               "repetition_rate_hz", "detector_efficiency", "dark_count_probability",
               "misalignment_error", "mean_photon_number", "error_correction_efficiency",
               "sifting_factor")
_DEMAND_KEYS = ("a", "b", "bits_per_day", "weight", "hourly_use")
_RELAY_KEYS = ("time_step_s", "key_store_bits", "objective", "ground_store_bits", "serve_demand")


# keys whose values must be single numbers, and keys that must be true/false
_NUMBERS = frozenset(
    ("days", "repoint_s", "min_pass_s", "time_limit_s", "mip_gap", "horizon_days", "step_days",
     "handover_slot_s",
     "length_km", "rate_bps", "bits_per_day", "weight", "time_step_s", "key_store_bits",
     "ground_store_bits", "cloud_free_probability", "telescopes")
    + _STATION_NUMBERS + _FIBRE_KEYS[4:] + _ELEMENT_KEYS[:-1] + _WALKER_KEYS[:-1])
_BOOLEANS = frozenset(("night_only", "serve_demand"))


def _check_keys(where: str, table, allowed) -> dict:
    """A TOML table as a dict, refusing unknown keys and values of the wrong kind."""
    if not isinstance(table, Mapping):
        raise InputError(f"{where} = {table!r} is not a table")
    unknown = [k for k in table if k not in allowed]
    if unknown:
        raise InputError(f"{where}: key {unknown[0]!r} is not known; "
                         f"allowed keys: {', '.join(allowed)}")
    for key, value in table.items():
        if key in _NUMBERS and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise InputError(f"{where}: {key} = {value!r} is not a number")
        if key in _BOOLEANS and not isinstance(value, bool):
            raise InputError(f"{where}: {key} = {value!r} is not true or false")
    return dict(table)


def _tables(doc: dict, key: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"[[{key}]] must be an array of tables ([[{key}]] blocks)")
    return value


@dataclasses.dataclass(frozen=True)
class SatelliteSpec:
    """Where a scenario's satellites come from and which link they carry.

    Exactly one source: ``tle`` (a bundled set name or a TLE/3LE/OMM path),
    ``elements`` (mean Keplerian elements for
    :meth:`orbitqkd.Satellite.from_elements`) or ``walker`` (arguments of
    :func:`orbitqkd.walker_delta`). Elements without an ``epoch`` take the
    scenario's start.
    """

    link: str = "micius-xinglong"
    tle: str | None = None
    norad_ids: tuple[int, ...] = ()
    names: tuple[str, ...] = ()
    name: str = ""
    elements: Mapping = dataclasses.field(default_factory=dict)
    walker: Mapping = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        for field in ("link", "name") + (("tle",) if self.tle is not None else ()):
            if not isinstance(getattr(self, field), str):
                raise InputError(f"{field} = {getattr(self, field)!r} is not a text string")
        for n in self.norad_ids:
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= 339999:
                raise InputError(f"norad_ids: {n!r} is not a catalogue number 0-339999")
        for n in self.names:
            if not isinstance(n, str):
                raise InputError(f"names: {n!r} is not a text string")
        link_preset(self.link)
        sources = [bool(self.tle), bool(self.elements), bool(self.walker)]
        if sum(sources) != 1:
            raise InputError("give exactly one of tle, elements or walker for each satellite "
                             f"(given: {', '.join(k for k, s in zip(('tle', 'elements', 'walker'), sources) if s) or 'none'})")
        if (self.elements or self.walker) and not self.name:
            raise InputError("name = '' is empty; satellites from elements or walker need a name")
        _check_keys("elements", self.elements, _ELEMENT_KEYS)
        _check_keys("walker", self.walker, _WALKER_KEYS)

    def load(self, near) -> list:
        """The satellites of this spec (element sets nearest ``near``)."""
        if self.elements:
            el = dict(self.elements)
            epoch = el.pop("epoch", near)
            return [Satellite.from_elements(self.name, epoch, **el)]
        if self.walker:
            w = dict(self.walker)
            epoch = w.pop("epoch", near)
            args = {k: w.pop(k) for k in ("total", "planes", "phasing", "altitude_km",
                                          "inclination_deg") if k in w}
            missing = [k for k in ("total", "planes", "phasing", "altitude_km",
                                   "inclination_deg") if k not in args]
            if missing:
                raise InputError(f"walker lacks {', '.join(missing)}")
            return walker_delta(epoch=epoch, name=self.name, **args, **w)
        sats = load_satellites(self.tle, near=near, norad_ids=list(self.norad_ids) or None,
                               names=list(self.names) or None)
        if self.name:
            if len(sats) != 1:
                raise InputError(f"name = {self.name!r} renames one satellite, but tle = "
                                 f"{self.tle!r} gives {len(sats)}; select one with norad_ids")
            sats = [dataclasses.replace(sats[0], name=self.name)]
        return sats


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A QKD network to plan; see the module docstring for the TOML layout.

    Attributes
    ----------
    name, description : str
    start : pandas.Timestamp
        Start of the planning span (UTC).
    days : float
        Length of the span [d].
    satellites : tuple of SatelliteSpec
    stations : tuple of GroundStation
    cloud_free_probability : mapping of station -> float
        Per-station overrides of the climatology [0-1].
    schedule : ScheduleConfig
    schedule_method : {'milp', 'greedy'}
    horizon_days, step_days : float
        Rolling-horizon window and advance [d]; spans longer than
        ``horizon_days`` are scheduled window by window.
    handover_slot_s : float
        Passes longer than this are cut into slots the scheduler can give to
        different stations (0: whole passes) [s].
    fibre_links : tuple of FibreLink
    demands : tuple of Demand
    key_store_bits : float
        Key store of every satellite [bit].
    ground_store_bits : float
        Key store of every ground node [bit].
    relay_time_step_s : float
        Slot of the trusted-relay time expansion [s].
    relay_objective : {'weighted', 'maxmin'}
    design : mapping
        The ``[design]`` table: parameters swept by ``orbitqkd design``
        (:data:`orbitqkd.design.DESIGN_KEYS`).
    isl : InterSatelliteLink or None
        The ``[isl]`` table: inter-satellite link terminals of relay satellites.
    source : Path or None
        The file read.
    """

    name: str
    start: object
    days: float
    satellites: tuple
    stations: tuple
    description: str = ""
    references: tuple = ()
    cloud_free_probability: Mapping[str, float] = dataclasses.field(default_factory=dict)
    schedule: ScheduleConfig = dataclasses.field(default_factory=ScheduleConfig)
    schedule_method: str = "milp"
    horizon_days: float = 3.0
    step_days: float = 1.0
    fibre_links: tuple = ()
    demands: tuple = ()
    key_store_bits: float = math.inf
    ground_store_bits: float = math.inf
    relay_time_step_s: float = 600.0
    relay_objective: str = "weighted"
    design: Mapping = dataclasses.field(default_factory=dict)
    isl: InterSatelliteLink | None = None
    source: Path | None = None
    handover_slot_s: float = 0.0
    serve_demand: bool = False

    def __post_init__(self):
        object.__setattr__(self, "start", parse_utc(self.start, "start"))
        for field, low, high, low_inc in (("days", 0.0, 3660.0, False),
                                          ("horizon_days", 0.0, None, False),
                                          ("key_store_bits", 0.0, None, True),
                                          ("ground_store_bits", 0.0, None, True),
                                          ("relay_time_step_s", 1.0, 86400.0, True)):
            value = getattr(self, field)
            check_range(field, value, low, high, low_inclusive=low_inc)
            object.__setattr__(self, field, float(value))
        check_range("step_days", self.step_days, 0.0, self.horizon_days, low_inclusive=False)
        object.__setattr__(self, "step_days", float(self.step_days))
        if self.handover_slot_s:
            check_range("handover_slot_s", self.handover_slot_s, 60.0, 30 * 86400.0)
        object.__setattr__(self, "handover_slot_s", float(self.handover_slot_s))
        if not self.satellites:
            raise InputError("satellites = [] is empty; give at least one [[satellites]] block")
        if not self.stations:
            raise InputError("stations = [] is empty; give at least one [[stations]] block")
        names = [s.name for s in self.stations]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise InputError(f"station = {dup[0]!r} is given twice; name each station once")
        check_choice("method", self.schedule_method, METHODS)
        check_choice("[relay] objective", self.relay_objective, RELAY_OBJECTIVES)
        for station, p in self.cloud_free_probability.items():
            check_range(f"{station}: cloud_free_probability", p, 0.0, 1.0)
        nodes = set(names) | {x for f in self.fibre_links for x in (f.a, f.b)}
        for d in self.demands:
            for end in (d.a, d.b):
                if end not in nodes:
                    label = d.name if d.name.isprintable() else repr(d.name)  # one line
                    raise UnknownNameError(
                        f"demand {label}: node = {end!r} is neither a station nor a fibre "
                        f"node of the scenario; nodes: {', '.join(sorted(nodes))}")

    @property
    def end(self):
        """End of the planning span (UTC)."""
        return self.start + pd.Timedelta(days=self.days)

    @classmethod
    def from_toml(cls, path: str | os.PathLike) -> "Scenario":
        """Read a scenario file; relative paths in it are taken from its folder.

        A bundled scenario may be named without its folder and suffix
        (``Scenario.from_toml("china-austria")``).

        >>> sc = Scenario.from_toml("china-austria")
        >>> sc.name, [s.name for s in sc.stations], sc.days
        ('china-austria', ['Xinglong', 'Graz'], 3.0)
        """
        path = _scenario_path(path)
        try:
            doc = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{path.name}: not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DataFileError(f"scenario = '{path}' cannot be read: {exc}") from None
        try:
            return cls.from_dict(doc, base_dir=path.parent, source=path)
        except OrbitQKDError as exc:
            raise type(exc)(f"{path.name}: {exc}") from None

    @classmethod
    def from_dict(cls, doc: Mapping, base_dir: str | os.PathLike = ".",
                  source: Path | None = None) -> "Scenario":
        """Build a scenario from the parsed TOML tables (see the module docstring)."""
        base_dir = Path(base_dir)
        doc = _check_keys("scenario file", doc, _TOP_KEYS)
        head = _check_keys("[scenario]", doc.get("scenario", {}), _SCENARIO_KEYS)
        for key in ("name", "start", "days"):
            if key not in head:
                raise InputError(f"[scenario] lacks {key!r}; give name, start and days")
        for key in ("name", "description"):
            if not isinstance(head.get(key, ""), str):
                raise InputError(f"[scenario] {key} = {head[key]!r} is not a text string")
        start = parse_utc(head["start"], "[scenario] start")

        sats = []
        for k, raw in enumerate(_tables(doc, "satellites"), start=1):
            where = f"[[satellites]] {k}"
            t = _check_keys(where, raw, _SATELLITE_KEYS)
            if "tle" in t:
                t["tle"] = _resolve(str(t["tle"]), base_dir)
            for key in ("norad_ids", "names"):
                if key in t:
                    value = t[key]
                    t[key] = tuple(value) if isinstance(value, list) else (value,)
            try:
                sats.append(SatelliteSpec(**t))
            except OrbitQKDError as exc:
                raise type(exc)(f"{where}: {exc}") from None
            except TypeError as exc:
                raise InputError(f"{where}: {exc}") from None

        catalogue = dict(bundled_stations())
        if "stations_file" in head:
            catalogue.update(read_stations(_resolve(str(head["stations_file"]), base_dir)))
        stations, cloud, telescopes = [], {}, {}
        for k, raw in enumerate(_tables(doc, "stations"), start=1):
            where = f"[[stations]] {k}"
            t = _check_keys(where, raw, STATION_COLUMNS + _STATION_EXTRA)
            try:
                station = _station(t, catalogue)
            except OrbitQKDError as exc:
                raise type(exc)(f"{where}: {exc}") from None
            if "cloud_free_probability" in t:
                cloud[station.name] = t["cloud_free_probability"]
            if "telescopes" in t:
                telescopes[station.name] = t["telescopes"]
            stations.append(station)

        sched = _check_keys("[schedule]", doc.get("schedule", {}), _SCHEDULE_KEYS)
        method = sched.pop("method", "milp")
        horizon = sched.pop("horizon_days", 3.0)
        step = sched.pop("step_days", 1.0)
        slot_s = sched.pop("handover_slot_s", 0.0)
        if telescopes:
            per = sched.get("telescopes_per_station", 1)
            if isinstance(per, Mapping):
                raise InputError("give telescopes per station in [[stations]] or in [schedule], "
                                 "not both")
            sched["telescopes_per_station"] = {s.name: telescopes.get(s.name, per)
                                               for s in stations}
        try:
            config = ScheduleConfig(**sched)
        except OrbitQKDError as exc:
            raise type(exc)(f"[schedule] {exc}") from None

        fibres = []
        for k, raw in enumerate(_tables(doc, "fibre"), start=1):
            t = _check_keys(f"[[fibre]] {k}", raw, _FIBRE_KEYS)
            if "a" not in t or "b" not in t:
                raise InputError(f"[[fibre]] {k} lacks its ends a and b")
            params = {key: t.pop(key) for key in list(t)
                      if key not in ("a", "b", "length_km", "rate_bps")}
            fibres.append(FibreLink(str(t["a"]), str(t["b"]), t.get("length_km"),
                                    t.get("rate_bps"), params))
        demands = []
        for k, raw in enumerate(_tables(doc, "demands"), start=1):
            t = _check_keys(f"[[demands]] {k}", raw, _DEMAND_KEYS)
            if "a" not in t or "b" not in t:
                raise InputError(f"[[demands]] {k} lacks its users a and b")
            hourly = t.get("hourly_use", ())
            if not isinstance(hourly, (list, tuple)):
                raise InputError(f"[[demands]] {k}: hourly_use = {hourly!r} is not a list of "
                                 "24 numbers")
            demands.append(Demand(str(t["a"]), str(t["b"]), t.get("bits_per_day"),
                                  t.get("weight", 1.0), tuple(hourly)))
        relay = _check_keys("[relay]", doc.get("relay", {}), _RELAY_KEYS)
        design = doc.get("design", {})
        if not isinstance(design, Mapping):
            raise InputError(f"[design] = {design!r} is not a table")
        isl = _isl_link(doc.get("isl", {}))
        refs = head.get("references", ())
        return cls(
            name=str(head["name"]), description=str(head.get("description", "")),
            references=tuple(refs) if isinstance(refs, list) else (refs,),
            start=start, days=head["days"], satellites=tuple(sats),
            stations=tuple(stations), cloud_free_probability=cloud, schedule=config,
            schedule_method=method, horizon_days=horizon, step_days=step,
            fibre_links=tuple(fibres), demands=tuple(demands),
            key_store_bits=relay.get("key_store_bits", math.inf),
            ground_store_bits=relay.get("ground_store_bits", math.inf),
            relay_time_step_s=relay.get("time_step_s", 600.0),
            relay_objective=str(relay.get("objective", "weighted")), design=dict(design),
            isl=isl, source=source, handover_slot_s=slot_s,
            serve_demand=bool(relay.get("serve_demand", False)))

    def replace(self, **changes) -> "Scenario":
        """A copy with fields changed (checked again)."""
        if "start" in changes:
            changes["start"] = parse_utc(changes["start"], "start")
        return dataclasses.replace(self, **changes)

    def with_tle(self, tle) -> "Scenario":
        """A copy whose satellites take their elements from ``tle``.

        ``tle`` (a bundled set name or a TLE/3LE/OMM path) replaces the source
        of every ``[[satellites]]`` block that names a ``tle``; each keeps its
        ``norad_ids``/``names`` selection and link. This is how a daily run
        plans tomorrow from this morning's element sets. Blocks of
        ``elements`` or ``walker`` are kept as they are; a scenario with none
        that names a ``tle`` is refused.
        """
        tle = str(tle)
        if not any(spec.tle for spec in self.satellites):
            raise InputError(f"tle = {tle!r}: scenario {self.name!r} takes no satellite from a "
                             "tle (its satellites come from elements or walker)")
        tle_source_path(tle, "tle")
        sats = tuple(dataclasses.replace(spec, tle=tle) if spec.tle else spec
                     for spec in self.satellites)
        return dataclasses.replace(self, satellites=sats)


def _isl_link(table) -> InterSatelliteLink | None:
    """The ``[isl]`` table as an :class:`~orbitqkd.core.isl.InterSatelliteLink` (None if absent)."""
    if not table:
        return None
    fields = tuple(f.name for f in dataclasses.fields(InterSatelliteLink))
    t = _check_keys("[isl]", table, fields)
    for key, value in t.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"[isl]: {key} = {value!r} is not a number")
    try:
        return InterSatelliteLink(**{k: float(v) for k, v in t.items()})
    except OrbitQKDError as exc:
        raise type(exc)(f"[isl] {exc}") from None


def _resolve(value: str, base_dir: Path) -> str:
    """A bundled TLE set name as is; a path relative to the scenario's folder."""
    if value.lower() in BUNDLED_TLE or Path(value).is_absolute():
        return value
    return str(base_dir / value)


def _station(t: dict, catalogue: dict) -> GroundStation:
    """A station from the catalogue with overrides, or defined in full."""
    if "name" not in t:
        raise InputError("station lacks its name")
    fields = {k: v for k, v in t.items() if k in STATION_COLUMNS}
    for key in _STATION_NUMBERS:
        if key in fields and not isinstance(fields[key], (int, float)):
            raise InputError(f"{key} = {fields[key]!r} is not a number")
    if "horizon_mask" in fields:
        fields["horizon_mask"] = parse_horizon_mask(str(fields["horizon_mask"]), "horizon_mask")
    by_lower = {k.lower(): v for k, v in catalogue.items()}
    known = by_lower.get(str(t["name"]).lower())
    if known is not None:
        fields["name"] = known.name
        return dataclasses.replace(known, **fields)
    missing = [k for k in ("latitude_deg", "longitude_deg") if k not in fields]
    if missing:
        raise UnknownNameError(
            f"station = {t['name']!r} is not in the catalogue and lacks {', '.join(missing)}; "
            f"known stations: {', '.join(sorted(catalogue))}")
    return GroundStation(**fields)


def bundled_scenarios() -> list[str]:
    """Names of the example scenarios in ``data/scenarios/``."""
    return sorted(p.stem for p in data_path("scenarios").glob("*.toml"))


def _scenario_path(path) -> Path:
    p = Path(path)
    if p.is_file():
        return p
    if p.is_dir():
        raise DataFileError(f"scenario = '{p}' is a directory, not a TOML file")
    bundled = data_dir() / "scenarios" / f"{p.stem}.toml"
    if p.parent == Path(".") and bundled.is_file():
        return bundled
    raise UnknownNameError(f"scenario = '{path}' is neither a file nor a bundled scenario; "
                           f"bundled: {', '.join(bundled_scenarios())}")
