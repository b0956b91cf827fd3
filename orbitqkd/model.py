"""The objects orbitqkd computes with: satellites, ground stations, links, demands, pass tables.

Thin, frozen, validated at construction (one line naming the field, the value
and what is allowed). Names are resolved into these objects once, at the edge
(the CLI and :mod:`orbitqkd.io`); everything below takes the objects.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Mapping, Optional

import numpy as np
import pandas as pd
from sgp4.api import WGS72, Satrec

from .constants import (DAY_S, SGP4_EPOCH_ORIGIN_JD, SGP4_EPOCH_ORIGIN_UTC, WGS72_MU_KM3_S2,
                        WGS72_RADIUS_KM)
from .core.channel import atmosphere, background, geometry, turbulence
from .core.orbits import geodetic_to_ecef_km
from .core.keyrate.fibre import decoy_bb84_fibre_rate_bps
from .errors import InputError, TLEFormatError, check_choice, check_range
from .timescales import parse_utc


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
        epoch = pd.Timestamp(SGP4_EPOCH_ORIGIN_UTC) + pd.to_timedelta(
            round((satrec.jdsatepoch - SGP4_EPOCH_ORIGIN_JD + satrec.jdsatepochF) * DAY_S * 1e6), unit="us"
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
            semi_major_axis_km = WGS72_RADIUS_KM + float(altitude_km)
        check_range(f"{name}: semi_major_axis_km", semi_major_axis_km, WGS72_RADIUS_KM + 100.0,
                    500_000.0)
        check_range(f"{name}: eccentricity", eccentricity, 0.0, 1.0, high_inclusive=False)
        check_range(f"{name}: inclination_deg", inclination_deg, 0.0, 180.0)
        perigee_km = semi_major_axis_km * (1.0 - eccentricity) - WGS72_RADIUS_KM
        if perigee_km < 100.0:
            raise InputError(
                f"{name}: perigee altitude = {perigee_km:g} km is outside the range perigee >= 100 km"
            )
        check_range(f"{name}: norad_id", norad_id, 0, 339999)
        satrec = satrec_from_elements(parse_utc(epoch, f"{name}: epoch"), semi_major_axis_km,
                                      eccentricity, inclination_deg, raan_deg, argp_deg,
                                      mean_anomaly_deg, bstar, norad_id)
        return cls.from_satrec(satrec, name)


def satrec_from_elements(epoch: pd.Timestamp, semi_major_axis_km, eccentricity, inclination_deg,
                         raan_deg, argp_deg, mean_anomaly_deg, bstar=0.0,
                         norad_id=99999) -> Satrec:
    """An SGP4 record (WGS 72, improved mode) from mean elements at ``epoch`` (UTC).

    No checks: :meth:`Satellite.from_elements` and
    :class:`~orbitqkd.core.propagation.DesignOrbit` check the elements first.
    """
    epoch_days = (epoch - pd.Timestamp(SGP4_EPOCH_ORIGIN_UTC)).total_seconds() / DAY_S
    n_rad_min = math.sqrt(WGS72_MU_KM3_S2 / semi_major_axis_km**3) * 60.0
    satrec = Satrec()
    satrec.sgp4init(
        WGS72, "i", int(norad_id), epoch_days, float(bstar), 0.0, 0.0,
        float(eccentricity), math.radians(argp_deg % 360.0), math.radians(inclination_deg),
        math.radians(mean_anomaly_deg % 360.0), n_rad_min, math.radians(raan_deg % 360.0),
    )
    return satrec


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


def epoch_age_days(satellites, times_utc) -> np.ndarray:
    """Largest |time − epoch| [days] for each satellite over ``times_utc``."""
    ts = pd.DatetimeIndex(pd.to_datetime(times_utc, utc=True))
    # UTC in microseconds: nanoseconds would overflow for dates far from 1970 (e.g. 9999)
    epoch_us = np.array([s.epoch.asm8 for s in satellites]).astype("datetime64[us]").astype(np.int64)
    lo_us, hi_us = (t.asm8.astype("datetime64[us]").astype(np.int64) for t in (ts.min(), ts.max()))
    return np.maximum(np.abs(lo_us - epoch_us), np.abs(hi_us - epoch_us)) / 1e6 / DAY_S


def parse_horizon_mask(text: str, field: str) -> tuple[tuple[float, float], ...]:
    """Parse ``"az:el;az:el"`` (degrees) into sorted (azimuth_deg, elevation_deg) pairs."""
    text = (text or "").strip()
    if not text:
        return ()
    points = []
    for item in text.split(";"):
        try:
            az, el = (float(v) for v in item.split(":"))
        except ValueError:
            raise InputError(
                f"{field} = {item!r} is not 'azimuth_deg:elevation_deg' (e.g. '90:12')"
            ) from None
        check_range(f"{field} azimuth_deg", az, 0.0, 360.0, high_inclusive=False)
        check_range(f"{field} elevation_deg", el, -5.0, 90.0)
        points.append((az, el))
    return tuple(sorted(points))


@dataclasses.dataclass(frozen=True, slots=True)
class GroundStation:
    """An optical ground station.

    Parameters
    ----------
    name : str
        Short unique name (``"Xinglong"``).
    latitude_deg, longitude_deg : float
        WGS 84 geodetic latitude and longitude [deg], east positive.
    altitude_m : float
        Height above the WGS 84 ellipsoid [m].
    aperture_m : float
        Receiving telescope clear aperture diameter [m].
    obscuration_ratio : float
        Central obscuration diameter as a fraction of ``aperture_m`` [0-1).
    min_elevation_deg : float
        Lowest elevation the station observes [deg].
    horizon_mask : tuple of (azimuth_deg, elevation_deg)
        Local horizon, linearly interpolated in azimuth; it raises the floor set
        by ``min_elevation_deg`` where higher.
    """

    name: str
    latitude_deg: float
    longitude_deg: float
    altitude_m: float = 0.0
    aperture_m: float = 1.0
    obscuration_ratio: float = 0.0
    min_elevation_deg: float = 10.0
    horizon_mask: tuple = ()
    full_name: str = ""
    country: str = ""
    source: str = ""

    def __post_init__(self):
        if not str(self.name).strip():
            raise InputError("station name = '' is empty; give a name")
        check_range(f"{self.name}: latitude_deg", self.latitude_deg, -90.0, 90.0)
        check_range(f"{self.name}: longitude_deg", self.longitude_deg, -180.0, 360.0,
                    high_inclusive=False)
        check_range(f"{self.name}: altitude_m", self.altitude_m, -500.0, 9000.0)
        check_range(f"{self.name}: aperture_m", self.aperture_m, 0.0, 50.0, low_inclusive=False)
        check_range(f"{self.name}: obscuration_ratio", self.obscuration_ratio, 0.0, 1.0,
                    high_inclusive=False)
        check_range(f"{self.name}: min_elevation_deg", self.min_elevation_deg, -5.0, 90.0,
                    high_inclusive=False)
        if isinstance(self.horizon_mask, str):
            object.__setattr__(self, "horizon_mask",
                               parse_horizon_mask(self.horizon_mask, f"{self.name}: horizon_mask"))
        else:
            object.__setattr__(self, "horizon_mask", tuple(
                (float(a), float(e)) for a, e in self.horizon_mask))

    @classmethod
    def from_latlon_string(cls, text: str, **kwargs) -> "GroundStation":
        """Build a station from ``"lat,lon[,alt_m]"`` (degrees, metres).

        >>> GroundStation.from_latlon_string("40.4,117.6,890").altitude_m
        890.0
        """
        parts = [p.strip() for p in text.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            values = []
        if len(values) not in (2, 3):
            raise InputError(
                f"station = {text!r} is neither a known station nor 'lat_deg,lon_deg[,alt_m]'"
            )
        lat, lon = values[:2]
        alt = values[2] if len(values) == 3 else 0.0
        name = kwargs.pop("name", f"{lat:.4f},{lon:.4f}")
        return cls(name=name, latitude_deg=lat, longitude_deg=lon, altitude_m=alt, **kwargs)

    def ecef_km(self) -> np.ndarray:
        """Earth-fixed (ITRS) position [km], WGS 84 geodetic to Cartesian."""
        return geodetic_to_ecef_km(self.latitude_deg, self.longitude_deg, self.altitude_m)

    def horizon_deg(self, azimuth_deg) -> np.ndarray:
        """Elevation floor [deg] at ``azimuth_deg``: the mask or ``min_elevation_deg``."""
        az = np.asarray(azimuth_deg, dtype=float)
        floor = np.full(az.shape, float(self.min_elevation_deg))
        if self.horizon_mask:
            pts = np.array(self.horizon_mask)
            mask = np.interp(az % 360.0, pts[:, 0], pts[:, 1], period=360.0)
            floor = np.maximum(floor, mask)
        return floor

    def to_row(self) -> dict:
        row = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        row["horizon_mask"] = ";".join(f"{a:g}:{e:g}" for a, e in self.horizon_mask)
        return row


DIRECTIONS = ("downlink", "uplink", "horizontal", "two-way")
# Wavelengths the atmosphere models cover: the ASTM G173 absorption table spans 400-1600 nm
WAVELENGTH_MIN_NM, WAVELENGTH_MAX_NM = 400.0, 1600.0


# Optimum truncation of a Gaussian beam by a circular aperture of radius a:
# w0 = 0.89 a maximises the far-field on-axis intensity (B. J. Klein and
# J. J. Degnan, Appl. Opt. 13, 2134 (1974)).
OPTIMUM_TRUNCATION = 0.89


@dataclasses.dataclass(frozen=True, slots=True)
class Transmitter:
    """The sending terminal (on the satellite for a downlink).

    Parameters
    ----------
    name : str
        Label.
    wavelength_nm : float
        Signal wavelength [nm], 532-1550 (the extinction table).
    aperture_m : float
        Clear aperture diameter of the transmitting telescope [m].
    divergence_urad : float, optional
        Full 1/e^2 far-field divergence angle [urad]; default: the diffraction
        limit of a Gaussian of waist 0.89 x the aperture radius (Klein & Degnan 1974).
    pointing_jitter_urad, pointing_bias_urad : float
        Rms jitter per axis and static offset of the pointing [urad].
    repetition_rate_hz : float
        Pulse (or pair) repetition rate [Hz].
    mean_photon_number : float
        Mean photons per pulse leaving the aperture, averaged over the
        intensities sent; used only to estimate detector saturation (dead time).
    pulse_energy_j : float, optional
        Pulse energy [J] of a ground laser in a two-way (retroreflector) link.
    """

    name: str
    wavelength_nm: float
    aperture_m: float
    divergence_urad: Optional[float] = None
    pointing_jitter_urad: float = 1.0
    pointing_bias_urad: float = 0.0
    repetition_rate_hz: float = 100e6
    mean_photon_number: float = 0.5
    pulse_energy_j: Optional[float] = None

    def __post_init__(self):
        check_range("wavelength_nm", self.wavelength_nm, WAVELENGTH_MIN_NM, WAVELENGTH_MAX_NM)
        check_range("transmitter aperture_m", self.aperture_m, 0.0, 10.0, low_inclusive=False)
        if self.divergence_urad is not None:
            check_range("divergence_urad", self.divergence_urad, 0.0, 1e5, low_inclusive=False)
            limit = 2e6 * self.wavelength_nm * 1e-9 / (np.pi * 0.5 * self.aperture_m)
            if self.divergence_urad < limit:
                raise InputError(
                    f"divergence_urad = {self.divergence_urad:g} is below the diffraction limit "
                    f"{limit:.3g} urad of a {self.aperture_m:g} m aperture at "
                    f"{self.wavelength_nm:g} nm")
        check_range("pointing_jitter_urad", self.pointing_jitter_urad, 0.0, 1e4)
        check_range("pointing_bias_urad", self.pointing_bias_urad, 0.0, 1e4)
        check_range("repetition_rate_hz", self.repetition_rate_hz, 0.0, 1e11, low_inclusive=False)
        check_range("mean_photon_number", self.mean_photon_number, 0.0, 1e20)
        if self.pulse_energy_j is not None:
            check_range("pulse_energy_j", self.pulse_energy_j, 0.0, 100.0, low_inclusive=False)

    @property
    def waist_radius_m(self) -> float:
        """Gaussian waist radius w0 [m] at the transmitter."""
        if self.divergence_urad is None:
            return OPTIMUM_TRUNCATION * 0.5 * self.aperture_m
        return float(geometry.gaussian_waist_from_divergence_m(self.divergence_urad,
                                                               self.wavelength_nm))

    @property
    def full_divergence_urad(self) -> float:
        """Full 1/e^2 divergence angle [urad] in vacuum."""
        return 2e6 * self.wavelength_nm * 1e-9 / (np.pi * self.waist_radius_m)


@dataclasses.dataclass(frozen=True, slots=True)
class Receiver:
    """The receiving terminal: telescope, optics and single-photon detectors.

    Parameters
    ----------
    name : str
        Label.
    aperture_m, obscuration_ratio : float, optional
        Telescope diameter [m] and central obscuration ratio; for a downlink,
        ``None`` takes them from the :class:`~orbitqkd.io.stations.GroundStation`.
    optics_efficiency : float
        Transmission of telescope and receiver optics (0-1].
    detector_efficiency : float
        Detection efficiency of the single-photon detectors (0-1].
    dark_count_rate_cps : float
        Dark counts per detector [1/s].
    n_detectors : int
        Number of detectors (4 for passive-basis BB84).
    dead_time_ns, gate_width_ns : float
        Detector dead time and coincidence / detection gate width [ns].
    fov_urad : float
        Full field of view of the receiver [urad].
    filter_bandwidth_nm : float
        Spectral filter bandwidth [nm].
    """

    name: str
    aperture_m: Optional[float] = None
    obscuration_ratio: Optional[float] = None
    optics_efficiency: float = 0.5
    detector_efficiency: float = 0.5
    dark_count_rate_cps: float = 100.0
    n_detectors: int = 4
    dead_time_ns: float = 50.0
    gate_width_ns: float = 2.0
    fov_urad: float = 100.0
    filter_bandwidth_nm: float = 1.0

    def __post_init__(self):
        if self.aperture_m is not None:
            check_range("receiver aperture_m", self.aperture_m, 0.0, 50.0, low_inclusive=False)
        if self.obscuration_ratio is not None:
            check_range("obscuration_ratio", self.obscuration_ratio, 0.0, 1.0,
                        high_inclusive=False)
        check_range("optics_efficiency", self.optics_efficiency, 0.0, 1.0, low_inclusive=False)
        check_range("detector_efficiency", self.detector_efficiency, 0.0, 1.0,
                    low_inclusive=False)
        check_range("dark_count_rate_cps", self.dark_count_rate_cps, 0.0, 1e8)
        check_range("n_detectors", self.n_detectors, 1, 64)
        check_range("dead_time_ns", self.dead_time_ns, 0.0, 1e6)
        check_range("gate_width_ns", self.gate_width_ns, 0.0, 1e6, low_inclusive=False)
        check_range("fov_urad", self.fov_urad, 0.0, 1e5, low_inclusive=False)
        check_range("filter_bandwidth_nm", self.filter_bandwidth_nm, 0.0, 100.0,
                    low_inclusive=False)


@dataclasses.dataclass(frozen=True, slots=True)
class Link:
    """A transmitter, a receiver, a direction and the atmosphere models.

    Parameters
    ----------
    transmitter, receiver : Transmitter, Receiver
    direction : {'downlink', 'uplink', 'horizontal', 'two-way'}
        ``downlink``: satellite transmits, the station receives; ``uplink``: the
        reverse; ``horizontal``: a ground-to-ground path of the track's range at
        the station's altitude (constant ``ground_cn2_m23``); ``two-way``: a
        ground laser (the transmitter, with ``pulse_energy_j``) lights the
        satellite's corner-cube array and the station (the receiver) detects the
        single photons it returns (satellite laser ranging).
    name : str
        Preset name, or ``'custom'``.
    absorption_model : {'astm-g173', 'lowtran7-table'}
        Molecular absorption (:func:`orbitqkd.core.channel.atmosphere.extinction_loss_db`).
    precipitable_water_cm : float
        Column water vapour above sea level [cm] (ASTM G173: 1.42).
    retro_cube_diameter_m, retro_effective_cubes, retro_reflectivity : float
        Two-way links: corner-cube diameter [m], the number of cubes returning
        light towards the station at once, and their reflectivity.
    retro_cross_section_m2 : float, optional
        Two-way links: the array's effective optical cross-section [m^2] at the
        velocity aberration; default: the Airy pattern of unspoiled cubes.
    air_mass_model : str
        One of :data:`orbitqkd.core.channel.atmosphere.AIR_MASS_MODELS`.
    cn2_model : {'hufnagel-valley', 'none'}
        Turbulence profile; ``'none'`` switches turbulence off.
    wind_speed_m_s, ground_cn2_m23 : float
        Hufnagel-Valley parameters (HV 5/7: 21 m/s, 1.7e-14 m^-2/3).
    aod_550nm, angstrom_exponent : float
        Aerosol optical depth at 550 nm and Angstrom exponent.
    night_radiance_850 : float
        Moonless night sky radiance at 850 nm [W m^-2 sr^-1 nm^-1].
    """

    transmitter: Transmitter
    receiver: Receiver
    direction: str = "downlink"
    name: str = "custom"
    absorption_model: str = "astm-g173"
    precipitable_water_cm: float = atmosphere.G173_PRECIPITABLE_WATER_CM
    retro_cube_diameter_m: Optional[float] = None
    retro_effective_cubes: float = 1.0
    retro_reflectivity: float = 0.78
    retro_cross_section_m2: Optional[float] = None
    air_mass_model: str = "kastenyoung1989"
    cn2_model: str = "hufnagel-valley"
    wind_speed_m_s: float = turbulence.HV57_WIND_SPEED_M_S
    ground_cn2_m23: float = turbulence.HV57_GROUND_CN2_M23
    aod_550nm: float = 0.1
    angstrom_exponent: float = 1.3
    night_radiance_850: float = background.NIGHT_RADIANCE_850

    def __post_init__(self):
        check_choice("direction", self.direction, DIRECTIONS)
        check_choice("air_mass_model", self.air_mass_model, atmosphere.AIR_MASS_MODELS)
        check_choice("cn2_model", self.cn2_model, turbulence.CN2_MODELS)
        check_range("wind_speed_m_s", self.wind_speed_m_s, 0.0, 100.0)
        check_range("ground_cn2_m23", self.ground_cn2_m23, 0.0, 1e-11)
        check_range("aod_550nm", self.aod_550nm, 0.0, 5.0)
        check_range("angstrom_exponent", self.angstrom_exponent, -1.0, 4.0)
        check_range("night_radiance_850", self.night_radiance_850, 0.0, 1.0)
        check_choice("absorption_model", self.absorption_model, atmosphere.ABSORPTION_MODELS)
        check_range("precipitable_water_cm", self.precipitable_water_cm, 0.0, 10.0)
        check_range("retro_effective_cubes", self.retro_effective_cubes, 0.0, 1e5,
                    low_inclusive=False)
        check_range("retro_reflectivity", self.retro_reflectivity, 0.0, 1.0, low_inclusive=False)
        if self.retro_cross_section_m2 is not None:
            check_range("retro_cross_section_m2", self.retro_cross_section_m2, 0.0, 1e12,
                        low_inclusive=False)
        if self.direction == "two-way":
            if self.retro_cube_diameter_m is None or self.transmitter.pulse_energy_j is None:
                raise InputError("direction = 'two-way' needs retro_cube_diameter_m and the "
                                 "transmitter's pulse_energy_j")
            check_range("retro_cube_diameter_m", self.retro_cube_diameter_m, 0.0, 1.0,
                        low_inclusive=False)
        if self.absorption_model == "lowtran7-table":
            check_range("wavelength_nm", self.transmitter.wavelength_nm,
                        atmosphere.WAVELENGTH_TABLE_NM[0], atmosphere.WAVELENGTH_TABLE_NM[-1])
        if self.direction == "uplink" and self.receiver.aperture_m is None:
            raise InputError("receiver aperture_m = None: an uplink receiver (the satellite) "
                             "needs its aperture_m")

    def replace(self, **changes) -> "Link":
        """A copy with fields changed (the name becomes ``'custom'`` unless given)."""
        changes.setdefault("name", "custom")
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass(frozen=True, slots=True)
class FibreLink:
    """A fibre QKD link between two ground nodes.

    Give ``rate_bps`` (measured secret key rate) or ``length_km`` (the rate
    then follows :func:`decoy_bb84_fibre_rate_bps` with ``model_params``).
    """

    a: str
    b: str
    length_km: float | None = None
    rate_bps: float | None = None
    model_params: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        if self.a == self.b:
            raise InputError(f"fibre link {self.a!r}-{self.b!r} joins a node to itself")
        if self.length_km is None and self.rate_bps is None:
            raise InputError(f"fibre link {self.a!r}-{self.b!r} needs length_km or rate_bps")
        if self.length_km is not None:
            check_range(f"fibre link {self.a}-{self.b}: length_km", self.length_km, 0.0)
        if self.rate_bps is not None:
            check_range(f"fibre link {self.a}-{self.b}: rate_bps", self.rate_bps, 0.0)
        try:
            self.key_rate_bps()
        except TypeError as exc:
            raise InputError(f"fibre link {self.a}-{self.b}: model_params: {exc}") from None

    def key_rate_bps(self) -> float:
        """Secret key rate [bit/s]: the given rate, else the decoy-BB84 model's."""
        if self.rate_bps is not None:
            return float(self.rate_bps)
        return float(decoy_bb84_fibre_rate_bps(self.length_km, **dict(self.model_params)))


@dataclasses.dataclass(frozen=True, slots=True)
class Demand:
    """A user pair wanting shared key: ``bits_per_day`` caps it, ``weight`` ranks it.

    ``hourly_use`` (24 non-negative weights, one per UTC hour, scaled to sum
    to 1) makes the pair *use* its key through the day: hour ``h`` takes
    ``bits_per_day x w_h`` from the key delivered so far (held at the pair's
    end ``b`` until used), and what meets the demand is key used, not key
    delivered. Without it the demand caps the key delivered in each UTC day.
    """

    a: str
    b: str
    bits_per_day: float | None = None
    weight: float = 1.0
    hourly_use: tuple = ()

    def __post_init__(self):
        if self.a == self.b:
            raise InputError(f"demand {self.a!r}-{self.b!r} joins a node to itself")
        if self.bits_per_day is not None:
            check_range(f"demand {self.a}-{self.b}: bits_per_day", self.bits_per_day, 0.0,
                        low_inclusive=False)
        check_range(f"demand {self.a}-{self.b}: weight", self.weight, 0.0, low_inclusive=False)
        if len(self.hourly_use):
            field = f"demand {self.a}-{self.b}: hourly_use"
            w = np.asarray(self.hourly_use, dtype=float) if all(
                isinstance(v, (int, float)) and not isinstance(v, bool)
                for v in self.hourly_use) else None
            if w is None or w.shape != (24,):
                raise InputError(f"{field} = {list(self.hourly_use)!r} is not 24 numbers "
                                 "(one per UTC hour)")
            check_range(field, w, 0.0)
            if not w.sum() > 0:
                raise InputError(f"{field} is all zero; give the share of key used each hour")
            if self.bits_per_day is None:
                raise InputError(f"{field} needs bits_per_day (the key used in a day)")
            object.__setattr__(self, "hourly_use", tuple(float(v) for v in w / w.sum()))

    @property
    def name(self) -> str:
        return f"{self.a}-{self.b}"




@dataclasses.dataclass(frozen=True, eq=False)
class PassTable:
    """Passes, with the satellites and stations they were computed for.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per pass (:data:`orbitqkd.core.events.PASS_COLUMNS`, plus any
        columns added downstream: key, cloud-free probability, ...). The
        ``satellite``/``norad_id`` and ``station`` columns name the objects below.
    satellites : tuple of Satellite
    stations : tuple of GroundStation
    start, end : pandas.Timestamp
        The span searched (UTC).

    The chain reads the objects from here, never from a catalogue by name: a
    custom station keeps its own aperture all the way to the key.
    """

    table: pd.DataFrame
    satellites: tuple
    stations: tuple
    start: pd.Timestamp
    end: pd.Timestamp

    def __post_init__(self):
        object.__setattr__(self, "satellites", tuple(self.satellites))
        object.__setattr__(self, "stations", tuple(self.stations))
        names = [s.name for s in self.stations]
        if len(set(names)) != len(names):
            raise InputError("stations hold a name twice; name each station once")
        if len(self.table):
            unknown = set(self.table["station"].unique()) - set(names)
            if unknown:
                raise InputError(f"station = {sorted(unknown)[0]!r} of the passes is not among "
                                 f"the stations given ({', '.join(names)})")
            self.satellite_index()

    def __len__(self) -> int:
        return len(self.table)

    def station_index(self) -> np.ndarray:
        """Index into :attr:`stations` of each row."""
        by_name = {s.name: k for k, s in enumerate(self.stations)}
        return self.table["station"].map(by_name).to_numpy(int)

    def satellite_index(self) -> np.ndarray:
        """Index into :attr:`satellites` of each row (matched by NORAD id, then name)."""
        by_key = {(s.norad_id, s.name): k for k, s in enumerate(self.satellites)}
        by_norad: dict = {}
        for k, s in enumerate(self.satellites):
            by_norad.setdefault(s.norad_id, []).append(k)
        # resolve each distinct (norad_id, satellite) once, not row by row
        norad_code, norads = pd.factorize(self.table["norad_id"])
        name_code, names = pd.factorize(self.table["satellite"])
        code, _ = pd.factorize(norad_code.astype(np.int64) * (len(names) + 1) + name_code)
        first = np.empty(code.max(initial=-1) + 1, int)
        first[code[::-1]] = np.arange(code.size)[::-1]  # the first row of each pair
        resolved = np.empty(len(first), int)
        for g, (norad, name) in enumerate(zip(np.asarray(norads)[norad_code[first]],
                                              np.asarray(names)[name_code[first]])):
            k = by_key.get((int(norad), str(name)))
            if k is None:
                ks = by_norad.get(int(norad), [])
                if len(ks) != 1:
                    raise InputError(f"norad_id = {int(norad)} ({name}) of the passes is not "
                                     "among the satellites given")
                k = ks[0]
            resolved[g] = k
        return resolved[code]

    def with_table(self, table: pd.DataFrame) -> "PassTable":
        """The same satellites, stations and span with another table (a subset, added columns)."""
        return dataclasses.replace(self, table=table)

    def where(self, mask) -> "PassTable":
        """The rows where ``mask`` holds, renumbered from 0."""
        return self.with_table(self.table[np.asarray(mask, bool)].reset_index(drop=True))
