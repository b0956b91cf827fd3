"""Design orbits over long spans: synthetic mean elements refreshed along the span.

A what-if satellite has no element sets. Its design orbit (circular,
sun-synchronous by altitude and local time of the ascending node, Walker,
MEO, GEO, Molniya-type) is held as mean elements at one epoch; for any later
time :meth:`DesignOrbit.satellite` issues a fresh SGP4 element set whose
node, argument of perigee and mean anomaly are advanced by SGP4's own secular
rates (J2, J2^2 and J4: ``Satrec.nodedot``, ``argpdot``, ``mdot``). So SGP4
never runs more than half a refresh interval from an epoch, drag (``bstar``)
acts only within a refresh interval (the design altitude is kept, as by
station-keeping), and the deep-space integrator of SDP4 restarts near every
epoch. :func:`find_passes_refreshed` searches a long span segment by segment
with these element sets and joins the passes cut at segment boundaries.

References
----------
.. [1] Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed.
   (2013), Eq. 9-41 (secular J2 rates of node, perigee and mean anomaly) and
   Sect. 11.4 (sun-synchronous orbits).
.. [2] Hoots & Roehrich, Spacetrack Report #3 (1980); Vallado et al.,
   AIAA 2006-6753: WGS 72 constants of SGP4.
.. [3] *The Astronomical Almanac* (2019), p. C5: low-precision Sun, mean
   longitude L = 280.460 + 0.9856474 n deg (n days from J2000.0), 0.01 deg
   1950-2050.
.. [4] Walker, J. Br. Interplanet. Soc. 37, 559 (1984): delta patterns i:t/p/f.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from ..constants import DAY_S, J2000_JD, WGS72_MU_KM3_S2, WGS72_RADIUS_KM
from ..errors import InputError, check_range
from ..model import PassTable, Satellite, satrec_from_elements
from ..timescales import parse_utc
from .events import PASS_COLUMNS, find_passes, resolve_span
from .orbits import EARTH_ROTATION_RAD_S, gmst1982_rad

# WGS 72 constants of SGP4 [2]
MU_KM3_S2 = WGS72_MU_KM3_S2
EARTH_RADIUS_KM = WGS72_RADIUS_KM
J2 = 0.001082616
#: Tropical year [d] (Astronomical Almanac 2019, p. C5): the sun-synchronous node rate
TROPICAL_YEAR_D = 365.2421897
#: Default refresh interval of the element sets [d]
REFRESH_DAYS = 7.0


def j2_secular_rates_deg_day(semi_major_axis_km, eccentricity, inclination_deg):
    """Secular J2 drift of the node, the argument of perigee and the mean anomaly.

    Parameters
    ----------
    semi_major_axis_km : array_like
        Mean semi-major axis [km].
    eccentricity : array_like
    inclination_deg : array_like

    Returns
    -------
    raan_rate, argp_rate, mean_anomaly_rate : ndarray or float
        [deg/day]; the mean anomaly rate includes the mean motion.

    Notes
    -----
    With :math:`n = \\sqrt{\\mu/a^3}`, :math:`p = a(1-e^2)` and
    :math:`k = \\tfrac{3}{4} n J_2 (R/p)^2` ([1] Eq. 9-41):

    .. math:: \\dot\\Omega = -2k\\cos i,\\quad \\dot\\omega = k(4 - 5\\sin^2 i),\\quad
              \\dot M = n + k\\sqrt{1-e^2}\\,(2 - 3\\sin^2 i)

    Examples
    --------
    >>> raan, _, _ = j2_secular_rates_deg_day(6378.135 + 800.0, 0.0, 98.6)
    >>> round(float(raan), 3)   # near sun-synchronous (0.9856 deg/day at i = 98.60 deg)
    0.985
    """
    a = np.asarray(semi_major_axis_km, dtype=float)
    e = np.asarray(eccentricity, dtype=float)
    i = np.radians(np.asarray(inclination_deg, dtype=float))
    with np.errstate(invalid="ignore"):
        n = np.sqrt(MU_KM3_S2 / a**3)  # [rad/s]
        p = a * (1.0 - e * e)
        k = 0.75 * n * J2 * (EARTH_RADIUS_KM / p) ** 2  # [1] Eq. 9-41
    s2 = np.sin(i) ** 2
    scale = np.degrees(1.0) * DAY_S
    raan = -2.0 * k * np.cos(i) * scale
    argp = k * (4.0 - 5.0 * s2) * scale
    mean = (n + k * np.sqrt(1.0 - e * e) * (2.0 - 3.0 * s2)) * scale
    out = tuple(np.where(a > EARTH_RADIUS_KM, x, np.nan) for x in (raan, argp, mean))
    return out if np.ndim(a) or np.ndim(e) or np.ndim(i) else tuple(float(x) for x in out)


def sun_synchronous_inclination_deg(altitude_km, eccentricity=0.0):
    """Inclination [deg] whose J2 node drift follows the mean Sun (360 deg a tropical year).

    ``cos i = -Omega_dot_sun / (2 k)`` from :func:`j2_secular_rates_deg_day`
    ([1] Sect. 11.4); NaN where no inclination reaches that rate (above
    about 5,970 km for a circular orbit).

    >>> round(float(sun_synchronous_inclination_deg(800.0)), 2)  # tabulated 98.6 (Vallado Sect. 11.4)
    98.6
    """
    a = EARTH_RADIUS_KM + np.asarray(altitude_km, dtype=float)
    raan_per_cos, _, _ = j2_secular_rates_deg_day(a, eccentricity, 0.0)
    target = 360.0 / TROPICAL_YEAR_D
    with np.errstate(invalid="ignore", divide="ignore"):
        c = target / raan_per_cos  # raan rate = raan_per_cos * cos i
        out = np.where(np.abs(c) <= 1.0, np.degrees(np.arccos(np.clip(c, -1, 1))), np.nan)
    return out if np.ndim(out) else float(out)


def mean_sun_right_ascension_deg(time_utc) -> float:
    """Right ascension of the mean Sun [deg]: its mean longitude ([3] p. C5)."""
    t = parse_utc(time_utc, "time")
    jd = 2440587.5 + (t - pd.Timestamp("1970-01-01", tz="UTC")).total_seconds() / DAY_S
    return float((280.460 + 0.9856474 * (jd - J2000_JD)) % 360.0)  # [3]


def raan_for_ltan_deg(epoch, ltan_hours: float) -> float:
    """RAAN [deg] putting the ascending node at local mean solar time ``ltan_hours``.

    Local mean time at the node is 12 h + (RAAN - RA of the mean Sun) / 15 deg/h.

    >>> round(raan_for_ltan_deg("2000-01-01T12:00:00Z", 12.0), 2)   # mean Sun at J2000
    280.46
    """
    check_range("ltan_hours", ltan_hours, 0.0, 24.0)
    return (mean_sun_right_ascension_deg(epoch) + 15.0 * (float(ltan_hours) - 12.0)) % 360.0


@dataclasses.dataclass(frozen=True)
class DesignOrbit:
    """Mean elements of a designed orbit at ``epoch``, refreshed on demand.

    Attributes
    ----------
    name : str
    epoch : pandas.Timestamp
    semi_major_axis_km, eccentricity, inclination_deg, raan_deg, argp_deg, mean_anomaly_deg :
        SGP4 mean elements (WGS 72) [km, -, deg].
    bstar : float
        SGP4 drag term [1/earth radii]; acts within one refresh interval.
    norad_id : int
    kind : str
        What the orbit was designed as (``circular``, ``sso``, ``walker``, ``geo``, ...).
    """

    name: str
    epoch: pd.Timestamp
    semi_major_axis_km: float
    eccentricity: float = 0.0
    inclination_deg: float = 0.0
    raan_deg: float = 0.0
    argp_deg: float = 0.0
    mean_anomaly_deg: float = 0.0
    bstar: float = 0.0
    norad_id: int = 99999
    kind: str = "circular"

    def __post_init__(self):
        object.__setattr__(self, "epoch", parse_utc(self.epoch, f"{self.name}: epoch"))
        check_range(f"{self.name}: semi_major_axis_km", self.semi_major_axis_km,
                    EARTH_RADIUS_KM + 100.0, 500_000.0)
        check_range(f"{self.name}: eccentricity", self.eccentricity, 0.0, 0.99)
        check_range(f"{self.name}: inclination_deg", self.inclination_deg, 0.0, 180.0)
        perigee_km = self.semi_major_axis_km * (1.0 - self.eccentricity) - EARTH_RADIUS_KM
        if perigee_km < 100.0:
            raise InputError(f"{self.name}: perigee altitude = {perigee_km:g} km is outside "
                             "the range perigee >= 100 km")
        check_range(f"{self.name}: norad_id", self.norad_id, 0, 339999)

    @property
    def altitude_km(self) -> float:
        """Mean altitude above the WGS 72 equatorial radius [km]."""
        return self.semi_major_axis_km - EARTH_RADIUS_KM

    def rates_rad_min(self) -> tuple[float, float, float]:
        """SGP4's secular rates of node, argument of perigee and mean anomaly [rad/min]."""
        s = satrec_from_elements(self.epoch, self.semi_major_axis_km, self.eccentricity,
                                 self.inclination_deg, self.raan_deg, self.argp_deg,
                                 self.mean_anomaly_deg, 0.0, self.norad_id)
        return s.nodedot, s.argpdot, s.mdot

    def at(self, epoch) -> "DesignOrbit":
        """The same orbit with its mean elements advanced to ``epoch`` (secular rates)."""
        t = parse_utc(epoch, f"{self.name}: epoch")
        minutes = (t - self.epoch).total_seconds() / 60.0
        node, argp, mean = (math.degrees(r * minutes) for r in self.rates_rad_min())
        return dataclasses.replace(self, epoch=t, raan_deg=(self.raan_deg + node) % 360.0,
                                   argp_deg=(self.argp_deg + argp) % 360.0,
                                   mean_anomaly_deg=(self.mean_anomaly_deg + mean) % 360.0)

    def satellite(self, epoch=None) -> Satellite:
        """A :class:`~orbitqkd.model.Satellite` with elements refreshed to ``epoch``."""
        o = self if epoch is None else self.at(epoch)
        return Satellite.from_satrec(satrec_from_elements(
            o.epoch, o.semi_major_axis_km, o.eccentricity, o.inclination_deg, o.raan_deg,
            o.argp_deg, o.mean_anomaly_deg, o.bstar, o.norad_id), o.name)


def _tuned_axis_km(a_km, e, i_deg, target_rad_min, epoch, terms=(1, 1, 1)) -> float:
    """Semi-major axis whose SGP4 rate ``terms . (nodedot, argpdot, mdot)`` hits the target.

    Kepler scaling (rate ~ a^-3/2) as Newton step; three steps reach 1e-12.
    """
    for _ in range(4):
        s = satrec_from_elements(epoch, a_km, e, i_deg, 0.0, 0.0, 0.0, 0.0, 0)
        rate = terms[0] * s.nodedot + terms[1] * s.argpdot + terms[2] * s.mdot
        a_km *= (rate / target_rad_min) ** (2.0 / 3.0)
    return a_km


def circular_orbit(name: str, altitude_km: float, inclination_deg: float, epoch, *,
                   raan_deg: float = 0.0, phase_deg: float = 0.0, norad_id: int = 99999,
                   kind: str = "circular") -> DesignOrbit:
    """A circular orbit (LEO or MEO) at ``altitude_km`` above the WGS 72 radius."""
    check_range(f"{name}: altitude_km", altitude_km, 100.0, 400_000.0)
    return DesignOrbit(name, epoch, EARTH_RADIUS_KM + float(altitude_km), 0.0,
                       float(inclination_deg), raan_deg, 0.0, phase_deg, norad_id=norad_id,
                       kind=kind)


def sun_synchronous_orbit(name: str, altitude_km: float, ltan_hours: float, epoch, *,
                          phase_deg: float = 0.0, norad_id: int = 99999) -> DesignOrbit:
    """A circular sun-synchronous orbit by altitude and local time of the ascending node.

    The inclination is solved so SGP4's own node rate (with J2^2 and J4)
    equals the mean Sun's, so the local time holds over years.

    >>> o = sun_synchronous_orbit("SSO", 500.0, 22.5, "2025-01-01")
    >>> round(o.inclination_deg, 2)
    97.41
    """
    check_range(f"{name}: altitude_km", altitude_km, 100.0, 5000.0)
    t = parse_utc(epoch, f"{name}: epoch")
    a = EARTH_RADIUS_KM + float(altitude_km)
    target = 2.0 * math.pi / (TROPICAL_YEAR_D * 1440.0)
    c = math.cos(math.radians(sun_synchronous_inclination_deg(altitude_km)))
    for _ in range(3):  # secant on cos(i): node rate is linear in cos i to first order
        rate = satrec_from_elements(t, a, 0.0, math.degrees(math.acos(c)), 0, 0, 0, 0, 0).nodedot
        c = max(-1.0, c * target / rate)
    return DesignOrbit(name, t, a, 0.0, math.degrees(math.acos(c)),
                       raan_for_ltan_deg(t, ltan_hours), 0.0, phase_deg, norad_id=norad_id,
                       kind="sso")


def walker_orbits(total: int, planes: int, phasing: int, altitude_km: float, epoch, *,
                  inclination_deg: float | None = None, ltan_hours: float | None = None,
                  name: str = "WALKER", first_norad_id: int = 90000,
                  raan_spread_deg: float = 360.0) -> list[DesignOrbit]:
    """A Walker pattern i:t/p/f of circular orbits ([4]).

    Give ``inclination_deg`` (a Walker delta, planes spread over
    ``raan_spread_deg``), or ``ltan_hours`` for sun-synchronous planes whose
    nodes are spread over ``raan_spread_deg`` from that local time (e.g. 180
    for dawn-to-dusk coverage). Plane ``j`` has RAAN ``spread j / p``; satellite
    ``k`` in it mean anomaly ``360 k p / t + 360 f j / t``.
    """
    check_range("total", total, 1, 100_000)
    check_range("planes", planes, 1, total)
    if total % planes:
        raise InputError(f"planes = {planes} does not divide total = {total}")
    check_range("phasing", phasing, 0, max(planes - 1, 0))
    if (inclination_deg is None) == (ltan_hours is None):
        raise InputError("give exactly one of inclination_deg or ltan_hours")
    per_plane = total // planes
    out = []
    for j in range(planes):
        for k in range(per_plane):
            sat_name = f"{name}-{j + 1:02d}-{k + 1:02d}"
            phase = 360.0 * k / per_plane + 360.0 * phasing * j / total
            norad = first_norad_id + len(out)
            if ltan_hours is None:
                o = circular_orbit(sat_name, altitude_km, inclination_deg, epoch,
                                   raan_deg=raan_spread_deg * j / planes, phase_deg=phase,
                                   norad_id=norad, kind="walker")
            else:
                ltan = (ltan_hours + raan_spread_deg * j / planes / 15.0) % 24.0
                o = sun_synchronous_orbit(sat_name, altitude_km, ltan, epoch, phase_deg=phase,
                                          norad_id=norad)
            out.append(o)
    return out


def geostationary_orbit(name: str, longitude_deg: float, epoch, *,
                        norad_id: int = 99999) -> DesignOrbit:
    """A geostationary orbit over ``longitude_deg`` (east positive).

    The semi-major axis is tuned so SGP4's mean rate of the true longitude
    (node + perigee + mean anomaly) equals the Earth's rotation; the satellite
    sits at ``GMST(epoch) + longitude`` in right ascension.
    """
    check_range(f"{name}: longitude_deg", longitude_deg, -180.0, 360.0)
    t = parse_utc(epoch, f"{name}: epoch")
    target = EARTH_ROTATION_RAD_S * 60.0
    a = _tuned_axis_km((MU_KM3_S2 / EARTH_ROTATION_RAD_S**2) ** (1 / 3), 0.0, 0.0, target, t)
    jd = 2440587.5 + (t - pd.Timestamp("1970-01-01", tz="UTC")).total_seconds() / DAY_S
    lon = (math.degrees(float(gmst1982_rad(jd))) + longitude_deg) % 360.0
    return DesignOrbit(name, t, a, 0.0, 0.0, 0.0, 0.0, lon, norad_id=norad_id, kind="geo")


def molniya_orbit(name: str, epoch, *, raan_deg: float = 0.0, eccentricity: float = 0.72,
                  inclination_deg: float = 63.4, argp_deg: float = 270.0,
                  phase_deg: float = 0.0, norad_id: int = 99999) -> DesignOrbit:
    """A Molniya-type orbit: half a sidereal day, critical inclination, apogee in the north.

    The semi-major axis is tuned so the satellite's mean motion relative to
    its drifting node is twice the Earth's rotation relative to it
    (a repeating ground track of two revolutions a day).
    """
    t = parse_utc(epoch, f"{name}: epoch")
    a0 = (MU_KM3_S2 / (2.0 * EARTH_ROTATION_RAD_S) ** 2) ** (1 / 3)
    s = satrec_from_elements(t, a0, eccentricity, inclination_deg, 0, 0, 0, 0, 0)
    target = 2.0 * (EARTH_ROTATION_RAD_S * 60.0 - s.nodedot) + s.nodedot
    a = _tuned_axis_km(a0, eccentricity, inclination_deg, target, t)
    return DesignOrbit(name, t, a, eccentricity, inclination_deg, raan_deg, argp_deg,
                       phase_deg, norad_id=norad_id, kind="molniya")


def segment_bounds(start, end, refresh_days: float = REFRESH_DAYS) -> list:
    """(start, end) of each refresh segment of ``[start, end)``."""
    check_range("refresh_days", refresh_days, 0.01, 366.0)
    t0, t1 = parse_utc(start), parse_utc(end, "end")
    step = pd.Timedelta(days=float(refresh_days))
    edges = [t0]
    while edges[-1] + step < t1:
        edges.append(edges[-1] + step)
    edges.append(t1)
    return list(zip(edges[:-1], edges[1:]))


def segment_satellites(orbits, segment) -> tuple[Satellite, ...]:
    """The satellites of ``orbits`` with elements refreshed to the middle of ``segment``."""
    mid = segment[0] + (segment[1] - segment[0]) / 2
    return tuple(o.satellite(mid) for o in orbits)


def _merge_row(frame: pd.DataFrame, i, row) -> None:
    """Extend pass ``i`` of ``frame`` by its continuation ``row`` (in place)."""
    for col in ("set_utc", "set_azimuth_deg", "ends_after_window"):
        frame.at[i, col] = row[col]
    if row["max_elevation_deg"] > frame.at[i, "max_elevation_deg"]:
        for col in ("culmination_utc", "max_elevation_deg", "culmination_azimuth_deg",
                    "sun_elevation_deg", "dark"):
            frame.at[i, col] = row[col]
    frame.at[i, "min_range_km"] = min(frame.at[i, "min_range_km"], row["min_range_km"])
    frame.at[i, "duration_s"] = (frame.at[i, "set_utc"] - frame.at[i, "rise_utc"]).total_seconds()


def join_cut_passes(frames: list) -> list:
    """Join passes cut at segment boundaries into the segment of their rise.

    A pass flagged ``ends_after_window`` in one segment continues as the pass
    of the same satellite and station flagged ``starts_before_window`` in the
    next: its set, and its culmination when higher there, come from the
    continuation, which is dropped. A pass spanning several boundaries (a
    geostationary satellite always in view) is joined across all of them.
    """
    frames = [f.copy() for f in frames]
    open_: dict = {}
    for k, frame in enumerate(frames):
        drop, still_open = [], {}
        for j in frame.index[frame["starts_before_window"].to_numpy(bool)] if k else ():
            key = (frame.at[j, "norad_id"], frame.at[j, "station"])
            if key in open_:
                kk, i = open_[key]
                _merge_row(frames[kk], i, frame.loc[j])
                drop.append(j)
                if frames[kk].at[i, "ends_after_window"]:
                    still_open[key] = (kk, i)
        open_ = still_open
        for i in frame.index[frame["ends_after_window"].to_numpy(bool)]:
            if i not in drop:
                open_[(frame.at[i, "norad_id"], frame.at[i, "station"])] = (k, i)
        frames[k] = frame.drop(index=drop)
    return frames


def find_passes_refreshed(orbits, stations, start, end=None, days=None, *,
                          refresh_days: float = REFRESH_DAYS, **options) -> list[PassTable]:
    """Every pass of design orbits over stations, with element sets refreshed each segment.

    Parameters
    ----------
    orbits : sequence of DesignOrbit
    stations : sequence of GroundStation
    start, end, days :
        The span, as :func:`orbitqkd.core.events.find_passes`.
    refresh_days : float
        Length of a segment [d]; each segment's satellites carry elements
        refreshed to its middle (SGP4 runs at most ``refresh_days / 2`` from
        an epoch).
    **options :
        Passed to :func:`orbitqkd.core.events.find_passes`.

    Returns
    -------
    list of PassTable
        One per segment, each with its own refreshed satellites; a pass cut by
        a segment boundary is joined into the segment of its rise (its
        geometry after the boundary comes from the next element set).
    """
    orbits = tuple(orbits)
    if not orbits or not all(isinstance(o, DesignOrbit) for o in orbits):
        raise InputError("orbits = [] holds no DesignOrbit; build them with circular_orbit, "
                         "sun_synchronous_orbit, walker_orbits, geostationary_orbit or "
                         "molniya_orbit")
    t0, t1 = resolve_span(start, end, days)
    tables = []
    for seg in segment_bounds(t0, t1, refresh_days):
        tables.append(find_passes(segment_satellites(orbits, seg), stations, seg[0], seg[1],
                                  **options))
    frames = join_cut_passes([p.table for p in tables])
    return [p.with_table(f.reset_index(drop=True)) for p, f in zip(tables, frames)]


def concat_passes(tables) -> pd.DataFrame:
    """The passes of :func:`find_passes_refreshed`'s segments in one table (rows renumbered)."""
    frames = [p.table for p in tables if len(p.table)]
    if not frames:
        return pd.DataFrame(columns=PASS_COLUMNS)
    return pd.concat(frames, ignore_index=True)
