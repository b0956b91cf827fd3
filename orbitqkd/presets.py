"""Documented links: terminals, detectors and atmosphere of flown or planned experiments.

Each preset cites its source; numbers the source does not publish are marked
ASSUMED. :func:`link_preset` resolves a name into a :class:`~orbitqkd.model.Link`
(at the edge: the CLI, the scenario loader and :mod:`orbitqkd.chain`).
"""

from __future__ import annotations

from .errors import UnknownNameError
from .model import Link, Receiver, Transmitter


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
