"""Link budget over a pass: terminals, receivers, named links and the pipeline.

:func:`link_budget` takes a pass track (:func:`orbitqkd.core.events.pass_track`)
and a :class:`Link` and returns, per sample, the loss components [dB], the
transmittance and the detected signal and noise rates. The physics lives in
:mod:`orbitqkd.core.channel`; this module only holds parameters and assembles.
"""

from __future__ import annotations

import dataclasses
from typing import Optional

import numpy as np
import pandas as pd

from .channel import atmosphere, background, detector, geometry, pointing, turbulence
from ..errors import InputError, UnknownNameError, check_choice, check_range
from ..io.stations import GroundStation, get_station

DIRECTIONS = ("downlink", "uplink")

LOSS_COLUMNS = [
    "geometric_loss_db", "atmospheric_loss_db", "turbulence_loss_db", "pointing_loss_db",
    "receiver_loss_db",
]
BUDGET_COLUMNS = [
    "zenith_angle_deg", *LOSS_COLUMNS, "total_loss_db", "transmittance",
    "background_rate_cps", "dark_rate_cps", "noise_rate_cps", "detected_rate_per_photon_cps",
    "above_horizon",
]
DIAGNOSTIC_COLUMNS = [
    "beam_radius_m", "long_term_beam_radius_m", "beam_wander_urad", "fried_parameter_m",
    "scintillation_index", "sky_radiance_w_m2_sr_nm",
]

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
    """

    name: str
    wavelength_nm: float
    aperture_m: float
    divergence_urad: Optional[float] = None
    pointing_jitter_urad: float = 1.0
    pointing_bias_urad: float = 0.0
    repetition_rate_hz: float = 100e6

    def __post_init__(self):
        check_range("wavelength_nm", self.wavelength_nm, atmosphere.WAVELENGTH_TABLE_NM[0],
                    atmosphere.WAVELENGTH_TABLE_NM[-1])
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
    direction : {'downlink', 'uplink'}
        ``downlink``: satellite transmits, ground (the station) receives.
    name : str
        Preset name, or ``'custom'``.
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
        if self.direction == "uplink" and self.receiver.aperture_m is None:
            raise InputError("receiver aperture_m = None: an uplink receiver (the satellite) "
                             "needs its aperture_m")

    def replace(self, **changes) -> "Link":
        """A copy with fields changed (the name becomes ``'custom'`` unless given)."""
        changes.setdefault("name", "custom")
        return dataclasses.replace(self, **changes)


def _micius_xinglong() -> Link:
    # [L17] S.-K. Liao et al., Nature 549, 43 (2017), doi:10.1038/nature23655, and Methods:
    # decoy-state BB84 at 850 nm, 100 MHz; 300 mm Cassegrain transmitter; beam
    # divergence ~10 urad (a ~12 m footprint at 1,200 km); Xinglong 1.0 m telescope
    # (aperture from the station).
    # ASSUMED (not given in [L17] as numbers we could verify): divergence read as
    # the full 1/e^2 angle; jitter 1 urad per axis (fine pointing of order 0.5-1 urad);
    # receiver optics 0.35 and Si-SPAD efficiency 0.5; dark 25 /s per detector,
    # 4 detectors, 50 ns dead time, 2 ns gate; FOV 100 urad; filter 1 nm; hazy
    # winter aerosol (AOD 0.3) near Beijing. The optics efficiency 0.35 was chosen
    # so that the 645 km point of [L17] (22 dB) is met; only the range dependence
    # is an independent check.
    return Link(
        Transmitter("Micius decoy-state BB84 transmitter", 850.0, 0.3, divergence_urad=10.0),
        Receiver("Xinglong 1 m QKD receiver", optics_efficiency=0.35, dark_count_rate_cps=25.0),
        name="micius-xinglong", aod_550nm=0.3)


def _glonass_matera() -> Link:
    # [C19] L. Calderaro et al., Quantum Sci. Technol. 4, 015012 (2019);
    # [D16] D. Dequal et al., PRA 93, 021802(R) (2016):
    # MLRO 1.5 m telescope (station) receives 532 nm pulses retroreflected by the
    # GLONASS corner-cube array at ~20,000 km. The array is modelled as the
    # transmitter: its return divergence is set by the corner-cube diffraction
    # and velocity-aberration spoiling.
    # ASSUMED: 40 urad full return divergence; 100 Hz MLRO laser rate (the
    # retroreflector then acts as a 100 Hz source with its mean photon number
    # set by the uplink); receiver optics 0.3, detector 0.5, one detector with
    # 200 /s dark counts, 100 ns dead time, 1 ns gate, FOV 50 urad, filter 1 nm.
    return Link(
        Transmitter("GLONASS retroreflector array", 532.0, 0.2, divergence_urad=40.0,
                    pointing_jitter_urad=0.0, repetition_rate_hz=100.0),
        Receiver("MLRO 1.5 m single-photon receiver", optics_efficiency=0.3,
                 dark_count_rate_cps=200.0, n_detectors=1, dead_time_ns=100.0,
                 gate_width_ns=1.0, fov_urad=50.0),
        name="glonass-matera")


def _microsat_portable() -> Link:
    # [L25] Y. Li et al., "Microsatellite-based real-time quantum key distribution",
    # Nature 640, 47 (2025) (arXiv:2408.10994):
    # Jinan-1, launched 27 July 2022 into a ~500 km sun-synchronous orbit; ~23 kg
    # quantum payload (decoy-state BB84, polarisation), ~100 kg portable ground
    # stations (aperture from the station catalogue, e.g. Hefei 0.28 m). No
    # Jinan-1 elements are bundled: give them with --satellites.
    # ASSUMED: 850 nm decoy-state source at 100 MHz, 0.1 m transmitter with
    # 20 urad full divergence, 2 urad jitter; optics 0.5, detector 0.5,
    # 4 detectors with 50 /s dark counts, FOV 150 urad, filter 1 nm.
    return Link(
        Transmitter("Microsatellite QKD payload", 850.0, 0.1, divergence_urad=20.0,
                    pointing_jitter_urad=2.0),
        Receiver("Portable ground station", dark_count_rate_cps=50.0, fov_urad=150.0),
        name="microsat-portable")


def _meo_qkd() -> Link:
    # What-if: a decoy-state BB84 transmitter on a GLONASS-like orbit (~19,100 km),
    # the "high-orbit" link whose single-photon channel was demonstrated with
    # GLONASS retroreflectors at MLRO ([C19]); QKD from such orbits is discussed
    # there as the next step. No such payload has flown: every number is ASSUMED:
    # 850 nm, 1 GHz, 0.3 m transmitter at 4 urad full divergence (near its
    # diffraction limit), 0.3 urad jitter; receiver optics 0.5, detector 0.6,
    # 4 detectors with 20 /s dark counts, 0.5 ns gate, FOV 30 urad, filter 0.5 nm.
    return Link(
        Transmitter("MEO decoy-state BB84 transmitter (what-if)", 850.0, 0.3,
                    divergence_urad=4.0, pointing_jitter_urad=0.3, repetition_rate_hz=1e9),
        Receiver("1.5 m class QKD receiver (what-if)", optics_efficiency=0.5,
                 detector_efficiency=0.6, dark_count_rate_cps=20.0, gate_width_ns=0.5,
                 fov_urad=30.0, filter_bandwidth_nm=0.5),
        name="meo-qkd")


# name: (builder, the ground station the link was documented with)
_PRESETS = {
    "micius-xinglong": (_micius_xinglong, "Xinglong"),
    "glonass-matera": (_glonass_matera, "Matera"),
    "microsat-portable": (_microsat_portable, "Hefei"),
    "meo-qkd": (_meo_qkd, "Matera"),
}


def link_presets() -> list[str]:
    """Names of the documented links."""
    return list(_PRESETS)


def link_preset(name: str) -> Link:
    """A documented link by name (see :func:`link_presets`).

    >>> link_preset("micius-xinglong").transmitter.wavelength_nm
    850.0
    """
    key = str(name).strip().lower()
    if key not in _PRESETS:
        raise UnknownNameError(
            f"link = {name!r} is not known; choose one of: {', '.join(_PRESETS)}")
    return _PRESETS[key][0]()


def preset_station(name: str) -> str:
    """The ground station a preset link was documented with."""
    link_preset(name)
    return _PRESETS[str(name).strip().lower()][1]


def _column(track: pd.DataFrame, name: str, default: float) -> np.ndarray:
    if name in track:
        return pd.to_numeric(track[name], errors="coerce").to_numpy(dtype=float)
    return np.full(len(track), default)


def link_budget(track: pd.DataFrame, link: Link | str,
                station: GroundStation | str | None = None) -> pd.DataFrame:
    """Loss and count rates along a pass track.

    Parameters
    ----------
    track : pandas.DataFrame
        Rows of :func:`orbitqkd.core.events.pass_track`: needs ``elevation_deg`` and
        either ``range_km`` or ``satellite_altitude_km``; uses ``azimuth_deg``
        (horizon mask), ``sun_elevation_deg``, ``moon_elevation_deg``,
        ``moon_illuminated_fraction``, ``sun_separation_deg`` and
        ``moon_separation_deg`` when present (absent Sun / Moon: below the horizon).
    link : Link or str
        A link or a preset name (:func:`link_presets`).
    station : GroundStation or str, optional
        The ground station; default ``track.attrs['station']``, or per row the
        ``station`` column (a long table of :func:`orbitqkd.core.events.pass_tracks`).

    Returns
    -------
    pandas.DataFrame
        The track's columns plus :data:`BUDGET_COLUMNS` and
        :data:`DIAGNOSTIC_COLUMNS`. ``total_loss_db`` is the sum of
        :data:`LOSS_COLUMNS` (transmitter output to detector click);
        ``transmittance`` = 10^(-total/10); rates are detected counts per
        second over all detectors (``detected_rate_per_photon_cps`` =
        repetition rate x transmittance, to be multiplied by the mean photon
        number). Samples below the station's horizon floor or below 0 deg are
        NaN in every loss / rate / diagnostic column (``zenith_angle_deg`` is
        kept) and ``above_horizon`` False.
        Diagnostics: beam radii in vacuum and long-term [m], uplink beam
        wander [urad], Fried parameter [m], scintillation index of a point
        receiver (no aperture averaging) and the sky (downlink) or ground
        (uplink) spectral radiance [W m^-2 sr^-1 nm^-1].
        ``attrs``: the track's plus ``repetition_rate_hz``, ``gate_width_ns``,
        ``dead_time_ns``, ``wavelength_nm``, ``sample_s``, ``link``, ``direction``,
        ``n_detectors``.

    Examples
    --------
    >>> track = pd.DataFrame({"elevation_deg": [5.0, 49.0, 90.0],
    ...                       "range_km": [2075.0, 645.0, 500.0]})
    >>> df = link_budget(track, "micius-xinglong", station="Xinglong")
    >>> df["total_loss_db"].round(1).tolist()
    [nan, 22.1, 19.8]
    """
    if isinstance(link, str):
        link = link_preset(link)
    if not isinstance(link, Link):
        raise InputError(f"link = {link!r} is neither a Link nor a preset name")
    if "elevation_deg" not in track:
        raise InputError("track lacks column 'elevation_deg'; give a pass_track() table")
    if "range_km" not in track and "satellite_altitude_km" not in track:
        raise InputError("track lacks both 'range_km' and 'satellite_altitude_km'; give one")
    if station is None and "station" not in track.attrs and "station" in track:
        names = track["station"].unique()
        if len(names) > 1:  # a long table over several stations: one budget each
            parts = [_budget(track[track["station"] == n], link, get_station(n)) for n in names]
            out = pd.concat(parts).loc[track.index]
            out.attrs = {**parts[0].attrs, "station": None}
            return out
        station = names[0] if len(names) else None
    station = track.attrs.get("station") if station is None else station
    if station is None:
        raise InputError("station = None: give station= or a track whose attrs name its station")
    return _budget(track, link, get_station(station))


def _budget(track: pd.DataFrame, link: Link, sta: GroundStation) -> pd.DataFrame:
    """:func:`link_budget` for one station."""
    tx, rx = link.transmitter, link.receiver
    lam = tx.wavelength_nm
    elev = _column(track, "elevation_deg", np.nan)
    floor = sta.horizon_deg(_column(track, "azimuth_deg", 0.0))
    above = np.isfinite(elev) & (elev >= np.maximum(floor, 0.0))
    el = np.where(above, elev, np.nan)
    zen = geometry.zenith_angle_deg(el)
    if "range_km" in track:
        rng = np.where(above, _column(track, "range_km", np.nan), np.nan)
    else:
        rng = geometry.slant_range_km(el, _column(track, "satellite_altitude_km", np.nan),
                                      sta.altitude_m)
    if "satellite_altitude_km" in track:
        sat_alt = _column(track, "satellite_altitude_km", np.nan)
    else:  # law of cosines, inverse of geometry.slant_range_km
        r0 = geometry.EARTH_MEAN_RADIUS_KM + sta.altitude_m / 1000.0
        sat_alt = np.sqrt(r0**2 + rng**2 + 2 * r0 * rng * np.sin(np.radians(el))) - (
            geometry.EARTH_MEAN_RADIUS_KM)

    if link.direction == "downlink":
        aperture = sta.aperture_m if rx.aperture_m is None else rx.aperture_m
        obscuration = sta.obscuration_ratio if rx.obscuration_ratio is None else rx.obscuration_ratio
    else:
        aperture = rx.aperture_m
        obscuration = 0.0 if rx.obscuration_ratio is None else rx.obscuration_ratio

    # Geometry: diffraction-limited Gaussian beam caught by an annular aperture.
    w0 = tx.waist_radius_m
    w = geometry.beam_radius_m(rng, lam, w0)
    eta_geo = geometry.collection_efficiency(w, aperture, obscuration)

    # Turbulence: uplink beam spread/wander (long-term radius); downlink image
    # spread by seeing against the receiver field stop.
    turb_kw = dict(satellite_altitude_km=np.where(above, sat_alt, 500.0),
                   wind_speed_m_s=link.wind_speed_m_s, ground_cn2_m23=link.ground_cn2_m23)
    if link.cn2_model == "none":
        r0 = np.full(len(track), np.inf)
        sig_i = np.zeros(len(track))
    else:
        r0 = turbulence.fried_parameter_m(zen, lam, link.direction, **turb_kw)
        sig_i = turbulence.scintillation_index(
            turbulence.rytov_variance(zen, lam, link.direction, **turb_kw))
    w_lt = turbulence.long_term_beam_radius_m(w, w0, r0, link.direction)
    wander_urad = (turbulence.uplink_beam_wander_rad(lam, w0, r0) * 1e6
                   if link.direction == "uplink" else np.zeros(len(track)))
    eta_turb = geometry.collection_efficiency(w_lt, aperture, obscuration) / eta_geo
    if link.direction == "downlink":
        eta_turb = eta_turb * turbulence.fov_coupling_efficiency(rx.fov_urad, lam, r0, aperture)

    # Pointing: jitter and bias against the (long-term) beam half-angle.
    eta_point = pointing.pointing_efficiency(w_lt / (rng * 1e3) * 1e6,
                                             tx.pointing_jitter_urad, tx.pointing_bias_urad)

    atm_db = atmosphere.extinction_loss_db(zen, lam, sta.altitude_m, link.aod_550nm,
                                           link.angstrom_exponent, link.air_mass_model)
    rx_eff = rx.optics_efficiency * rx.detector_efficiency
    losses = {
        "geometric_loss_db": detector.efficiency_loss_db(eta_geo),
        "atmospheric_loss_db": atm_db,
        "turbulence_loss_db": detector.efficiency_loss_db(eta_turb),
        "pointing_loss_db": detector.efficiency_loss_db(eta_point),
        "receiver_loss_db": np.full(len(track), float(detector.efficiency_loss_db(rx_eff))),
    }
    total = np.sum([losses[c] for c in LOSS_COLUMNS], axis=0)
    transmittance = 10 ** (-total / 10.0)

    sun_el = _column(track, "sun_elevation_deg", -90.0)
    moon_el = _column(track, "moon_elevation_deg", -90.0)
    moon_k = _column(track, "moon_illuminated_fraction", 0.0)
    if link.direction == "downlink":
        radiance = background.sky_radiance(
            lam, sun_el, moon_el, moon_k, _column(track, "sun_separation_deg", np.nan),
            _column(track, "moon_separation_deg", np.nan), link.night_radiance_850)
        # Sky light crosses the atmosphere too, but it is scattered within it;
        # the reference radiances are already as seen from the ground.
    else:
        radiance = background.earth_radiance(lam, sun_el, moon_el, moon_k,
                                             night_radiance_850=link.night_radiance_850)
        radiance = radiance * 10 ** (-atm_db / 10.0)
    bg = background.background_photon_rate_cps(radiance, lam, rx.fov_urad, aperture,
                                               rx.filter_bandwidth_nm, rx_eff, obscuration)
    dark = np.full(len(track), rx.n_detectors * rx.dark_count_rate_cps)

    out = track.copy()
    cols = {"zenith_angle_deg": zen, **losses, "total_loss_db": total,
            "transmittance": transmittance, "background_rate_cps": bg, "dark_rate_cps": dark,
            "noise_rate_cps": bg + dark,
            "detected_rate_per_photon_cps": tx.repetition_rate_hz * transmittance,
            "beam_radius_m": w, "long_term_beam_radius_m": w_lt, "beam_wander_urad": wander_urad,
            "fried_parameter_m": r0,
            "scintillation_index": sig_i, "sky_radiance_w_m2_sr_nm": radiance}
    for name, values in cols.items():
        out[name] = np.where(above, np.asarray(values, dtype=float), np.nan)
    out["zenith_angle_deg"] = geometry.zenith_angle_deg(elev)  # geometry: kept below the horizon
    out["above_horizon"] = above
    out = out[[c for c in track.columns if c not in cols and c != "above_horizon"]
              + BUDGET_COLUMNS + DIAGNOSTIC_COLUMNS]
    sample_s = track.attrs.get("sample_s")
    if sample_s is None and "time_utc" in track and len(track) > 1:
        sample_s = float(pd.to_datetime(track["time_utc"]).diff().dt.total_seconds().median())
    out.attrs = dict(track.attrs)
    out.attrs.update(
        repetition_rate_hz=float(tx.repetition_rate_hz), gate_width_ns=float(rx.gate_width_ns),
        dead_time_ns=float(rx.dead_time_ns), wavelength_nm=float(lam),
        sample_s=None if sample_s is None else float(sample_s), link=link.name,
        direction=link.direction, n_detectors=int(rx.n_detectors), station=sta.name)
    return out
