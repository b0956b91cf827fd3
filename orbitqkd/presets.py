"""Documented links: terminals, detectors and atmosphere of flown or planned experiments.

Each preset cites its source; numbers the source does not publish are marked
ASSUMED. :func:`link_preset` resolves a name into a :class:`~orbitqkd.model.Link`
(at the edge: the CLI, the scenario loader and :mod:`orbitqkd.chain`).
"""

from __future__ import annotations

import dataclasses

from .errors import UnknownNameError
from .model import Link, Receiver, Transmitter


# Reading of a beam divergence quoted as one angle: the full width at half maximum
# of a Gaussian's far-field intensity is sqrt(2 ln 2) = 1.177 times its 1/e^2
# half-angle, so the full 1/e^2 angle is 2 / 1.1774 = 1.699 times the FWHM.
FWHM_TO_FULL_1E2 = 2.0 / 1.1774100225154747


#: Aerosol optical depth at 550 nm (sea-level referred) fitted on the ~1 kbit/s sifted
#: rate at 1,200 km of the 19 Dec 2016 Micius pass (Liao et al. 2017); see _micius_xinglong
MICIUS_2016_FITTED_AOD_550NM = 2.58

#: Noise counts per detector at Xinglong (dark counts and the city stray light the
#: paper names but does not quantify) [1/s], fitted on the pass's published QBER of
#: 1.1 % (Liao et al. 2017); see _micius_xinglong
MICIUS_2016_FITTED_NOISE_CPS = 189.0


def _micius_xinglong() -> Link:
    """Micius decoy-state BB84 downlink to Xinglong, 2016-17.

    [L17] S.-K. Liao et al., "Satellite-to-ground quantum key distribution",
    Nature 549, 43 (2017), arXiv:1707.00542. Published (section "Experimental
    challenges and solutions" and "Experimental procedure and results"):
    848.6 nm, 100 MHz, intensities 0.8/0.1/0 sent 50/25/25 % (mean 0.425 photons
    per pulse); 300 mm transmitter; beam "~10 urad", "about 10 m" at 1,200 km;
    tracking accuracy ~1.2 urad; 1 m receiving telescope; ground optical
    efficiency ~16 % (telescope and fibre coupling); four detectors, efficiency
    50 %, dark counts < 25 Hz, jitter 350 ps; 2 ns window.
    Read: the ~10 urad as the FWHM full angle (1/e^2 full angle 17.0 urad), which
    the paper's "about 10 m at 1,200 km" matches and which gives 21.7 dB of
    diffraction loss into 1 m at 1,200 km against the published 22 dB (an
    independent check, `orbitqkd validate`); the 1.2 urad as a radial rms
    (0.85 urad per axis).
    FITTED, each once on one published point of the pass (jointly, since
    each moves the other's point a little): the aerosol optical depth of
    that night, AOD(550 nm, referred to sea level; Xinglong at 890 m sees
    48 % of it) = 2.58, on the published ~1 kbit/s sifted rate at 1,200 km
    (the night fell within the North China haze episode of 16-21 December
    2016); and the noise counts per detector, 189 /s, on the published QBER
    of 1.1 % (the paper gives dark counts < 25 Hz and names city stray light
    without a number; the modelled night sky and 25 /s gave 0.47 %). Every
    other published number of the pass (detections, sifted key, the 645 km
    rate, the final key, the 3-8 dB of atmosphere at 1,200 km) is an
    independent check in ``orbitqkd validate``.
    ASSUMED (not printed): detector dead time 50 ns; field of view 100 urad;
    filter 1 nm.
    """
    return Link(
        Transmitter("Micius decoy-state BB84 transmitter", 848.6, 0.3,
                    divergence_urad=10.0 * FWHM_TO_FULL_1E2,
                    pointing_jitter_urad=1.2 / 2**0.5, repetition_rate_hz=100e6,
                    mean_photon_number=0.5 * 0.8 + 0.25 * 0.1),
        Receiver("Xinglong 1 m QKD receiver", optics_efficiency=0.16, detector_efficiency=0.5,
                 dark_count_rate_cps=MICIUS_2016_FITTED_NOISE_CPS, n_detectors=4,
                 gate_width_ns=2.0),
        name="micius-xinglong", aod_550nm=MICIUS_2016_FITTED_AOD_550NM)


def _micius_2021() -> Link:
    """Micius after the upgrade of the space-ground network (Chen et al. 2021).

    [C21] Y.-A. Chen et al., "An integrated space-to-ground quantum communication
    network over 4,600 kilometres", Nature 589, 214 (2021): 47.8 kbit/s of key on
    average over a typical pass (the only number of the upgraded link reachable
    here). The upgrade's hardware numbers were not found: every number below is
    the 2016-17 link of [L17] (see ``micius-xinglong``), so the validation row
    measures how much of the published improvement the model does not know about.
    ASSUMED: a clear night, AOD(550 nm) 0.3 (the 2016 fit belongs to a haze night).
    """
    return _micius_xinglong().replace(name="micius-2021", aod_550nm=0.3)


#: Receiver optics efficiency of the 2017 entanglement receivers, fitted on the
#: 29 dB single-downlink loss at 530 km of Yin et al., PRL 119, 200501 (2017); see
#: _micius_entanglement_2017
YIN2017_FITTED_OPTICS_EFFICIENCY = 0.0776

#: Noise counts per detector of the 2020 receivers (dark counts and stray light,
#: not published) [1/s], fitted on the coincidences' signal-to-noise ratio of 15:1
#: of Yin et al., Nature 582, 501 (2020), p. 503; see _micius_entanglement
YIN2020_FITTED_NOISE_CPS = 780.0

#: Two-photon system efficiency of the 2020 receivers (single-mode filters in)
#: over the 2017 ones: "still improves by a factor of about 2" (Yin et al., Nature
#: 582, 501 (2020), p. 503); each of the two downlinks gains its square root
YIN2020_TWO_PHOTON_GAIN = 2.0


def _micius_entanglement_2017() -> Link:
    """Micius entanglement source to one ground station, with the 2017 receivers.

    [Y17] J. Yin et al., Science 356, 1140 (2017) and [Y17b] J. Yin et al.,
    PRL 119, 200501 (2017): 810 nm pairs, beam ~10 urad (read as FWHM, as for
    [L17]), 1.2 m receiving telescope at Delingha (aperture from the station).
    [Y17b] reports a single-downlink loss of 29 dB at 530 km to 36 dB at
    1,000 km (validation).
    FITTED, once: the receiver optics efficiency, 0.0776, on the 29 dB at
    530 km (with 0.16, the [L17] receiver's, the model gave 25.86 dB there);
    the 36 dB at 1,000 km is then an independent check (``orbitqkd validate``).
    ASSUMED (not found): source repetition is the pair rate of the protocol
    (BBM92.pair_rate_hz); detectors 0.5 as in [L17]; dark 25 /s; field of view
    100 urad; filter 1 nm; AOD 0.1 (high sites).
    """
    return Link(
        Transmitter("Micius entangled-photon source", 810.0, 0.3,
                    divergence_urad=10.0 * FWHM_TO_FULL_1E2, pointing_jitter_urad=1.2 / 2**0.5,
                    repetition_rate_hz=5.9e6, mean_photon_number=1.0),
        Receiver("1.2 m entanglement receiver (2017)",
                 optics_efficiency=YIN2017_FITTED_OPTICS_EFFICIENCY, detector_efficiency=0.5,
                 dark_count_rate_cps=25.0, n_detectors=4, gate_width_ns=2.0),
        name="micius-entanglement-2017", aod_550nm=0.1)


def _micius_entanglement() -> Link:
    """Micius entanglement source to one ground station, with the 2020 receivers.

    [Y20] J. Yin et al., "Entanglement-based secure quantum cryptography over
    1,120 kilometres", Nature 582, 501 (2020), p. 503: the ground telescopes
    were rebuilt and each downlink's collection efficiency rose by 3 dB; with
    the single-mode filters added against side channels, the two-photon
    system efficiency "still improves by a factor of about 2" over [Y17]. So
    this link is ``micius-entanglement-2017`` with the receiver optics
    efficiency times sqrt(2) (published factor, no fit).
    FITTED, once: the noise counts per detector (dark counts and stray light;
    [Y20] does not give them), 780 /s, on the published signal-to-noise
    ratio of the coincidences, 15:1 ([Y20] p. 503; 25 /s, the [L17]
    detectors' dark counts, gave 59:1). The 2.2 /s pair rate, the 4.5 % QBER
    and the 0.12 bit/s of finite key are then independent checks
    (``orbitqkd validate``).
    """
    old = _micius_entanglement_2017()
    receiver = dataclasses.replace(
        old.receiver, name="1.2 m entanglement receiver (2020, filtered)",
        optics_efficiency=old.receiver.optics_efficiency * YIN2020_TWO_PHOTON_GAIN ** 0.5,
        dark_count_rate_cps=YIN2020_FITTED_NOISE_CPS)
    return old.replace(name="micius-entanglement", receiver=receiver)


def _microsat_portable() -> Link:
    """Jinan-1 microsatellite to portable stations (Li et al. 2025).

    [L25] Y. Li et al., "Microsatellite-based real-time quantum key distribution",
    Nature 640, 47 (2025), arXiv:2408.10994: ~23 kg payload, ~100 kg portable
    stations, up to 0.59 Mbit of key in one pass (arXiv v1), 1.07 Mbit at
    Stellenbosch (published version), 12,900 km China-South Africa. No Jinan-1
    element set is bundled (its NORAD id was not found). Every optical number
    is ASSUMED: 850 nm decoy-state source at 100 MHz, 0.1 m transmitter with
    20 urad full divergence, 2 urad jitter; receiver optics 0.5, detectors 0.5,
    4 detectors with 50 /s dark counts, field of view 150 urad, filter 1 nm.
    """
    return Link(
        Transmitter("Microsatellite QKD payload", 850.0, 0.1, divergence_urad=20.0,
                    pointing_jitter_urad=2.0, mean_photon_number=0.425),
        Receiver("Portable ground station", dark_count_rate_cps=50.0, fov_urad=150.0),
        name="microsat-portable")


def _mlro_lageos2() -> Link:
    """Matera (MLRO) single photons returned by LAGEOS-2 (two-way link).

    [D16] D. Dequal et al., "Experimental single-photon exchange along a space
    link of 7000 km", PRA 93, 010301(R) (2016), arXiv:1509.05692: slant range
    > 7,000 km, mean photon number at the satellite mu_sat <= 1 for 200 s, mean
    detection rate 3.0 counts/s, signal-to-noise 1.5. MLRO (station): 1.5 m
    telescope, 532 nm. LAGEOS carries 426 cube corners of 3.81 cm.
    ASSUMED (not found here): a 100 MHz train of 532 nm pulses as in the same
    group's LEO experiment (Vallone et al., PRL 115, 040502, 2015); array
    cross-section 7e6 m^2 (the LAGEOS value quoted by the ILRS, from memory)
    returned by 30 effective cubes of reflectivity 0.78; transmit divergence
    20 urad full; receiver optics 0.3, one detector of efficiency 0.5, 100 /s
    dark counts, 1 ns gate, field of view 50 urad, filter 1 nm.
    """
    return Link(
        Transmitter("MLRO 532 nm pulse train", 532.0, 1.5, divergence_urad=20.0,
                    pointing_jitter_urad=1.0, repetition_rate_hz=100e6, pulse_energy_j=1e-9),
        Receiver("MLRO 1.5 m single-photon receiver", optics_efficiency=0.3,
                 detector_efficiency=0.5, dark_count_rate_cps=100.0, n_detectors=1,
                 dead_time_ns=100.0, gate_width_ns=1.0, fov_urad=50.0),
        direction="two-way", name="mlro-lageos2", retro_cube_diameter_m=0.0381,
        retro_effective_cubes=30.0, retro_cross_section_m2=7e6)


def _mlro_glonass() -> Link:
    """Matera (MLRO) single photons returned by a GLONASS array (two-way link).

    [C19] L. Calderaro et al., "Towards quantum communication from global
    navigation satellite system", Quantum Sci. Technol. 4, 015012 (2019),
    arXiv:1804.05022: ~20,000 km, two GLONASS satellites, a few photons per pulse;
    GLONASS arrays carry 112-132 fused-silica cubes (ILRS mission pages).
    ASSUMED: as ``mlro-lageos2``, with a 1e8 m^2 array cross-section (the ILRS
    recommendation for GNSS arrays, from memory) from 20 effective cubes of 2.7 cm.
    """
    return _mlro_lageos2().replace(name="mlro-glonass", retro_cube_diameter_m=0.027,
                                   retro_effective_cubes=20.0, retro_cross_section_m2=1e8)


def _etri_275m() -> Link:
    """ETRI daylight free-space QKD over a 275 m horizontal path.

    The figures this link is checked against (142.94 kbit/s of key, QBER 4.26 %)
    come from the project's seed articles; the paper's optical parameters were not
    found in any source reachable here. Every number is ASSUMED: 785 nm decoy-state
    source at 100 MHz, 50 mm transmitter at 100 urad full divergence, 2 urad
    jitter; 0.1 m receiver, optics 0.5, detectors 0.5, 4 detectors with 100 /s
    dark counts, 1 ns gate, field of view 50 urad, filter 0.1 nm (daylight);
    ground Cn2 1e-14 m^-2/3.
    """
    return Link(
        Transmitter("ETRI free-space transmitter", 785.0, 0.05, divergence_urad=100.0,
                    pointing_jitter_urad=2.0, mean_photon_number=0.425),
        Receiver("ETRI 0.1 m receiver", aperture_m=0.1, optics_efficiency=0.5,
                 detector_efficiency=0.5, dark_count_rate_cps=100.0, gate_width_ns=1.0,
                 fov_urad=50.0, filter_bandwidth_nm=0.1),
        direction="horizontal", name="etri-275m", ground_cn2_m23=1e-14)


def _meo_qkd() -> Link:
    """What-if: a decoy-state BB84 transmitter on a GLONASS-like orbit (~19,100 km).

    The "high-orbit" link whose single-photon channel was demonstrated with
    GLONASS retroreflectors at MLRO ([C19]); no such payload has flown, every
    number is ASSUMED: 850 nm, 1 GHz, 0.3 m transmitter at 4 urad full divergence
    (near its diffraction limit), 0.3 urad jitter; receiver optics 0.5, detector
    0.6, 4 detectors with 20 /s dark counts, 0.5 ns gate, FOV 30 urad, filter 0.5 nm.
    """
    return Link(
        Transmitter("MEO decoy-state BB84 transmitter (what-if)", 850.0, 0.3,
                    divergence_urad=4.0, pointing_jitter_urad=0.3, repetition_rate_hz=1e9),
        Receiver("1.5 m class QKD receiver (what-if)", optics_efficiency=0.5,
                 detector_efficiency=0.6, dark_count_rate_cps=20.0, gate_width_ns=0.5,
                 fov_urad=30.0, filter_bandwidth_nm=0.5),
        name="meo-qkd")


#: Path length of the documented horizontal links [km]
HORIZONTAL_DISTANCES_KM = {"etri-275m": 0.275}

# name: (builder, the ground station the link was documented with)
_PRESETS = {
    "micius-xinglong": (_micius_xinglong, "Xinglong"),
    "micius-2021": (_micius_2021, "Xinglong"),
    "micius-entanglement-2017": (_micius_entanglement_2017, "Delingha"),
    "micius-entanglement": (_micius_entanglement, "Delingha"),
    "microsat-portable": (_microsat_portable, "Hefei"),
    "mlro-lageos2": (_mlro_lageos2, "Matera"),
    "mlro-glonass": (_mlro_glonass, "Matera"),
    "etri-275m": (_etri_275m, "36.383,127.365,70"),  # ETRI campus, Daejeon (approximate)
    "meo-qkd": (_meo_qkd, "Matera"),
}


def link_presets() -> list[str]:
    """Names of the documented links."""
    return list(_PRESETS)


def link_preset(name: str) -> Link:
    """A documented link by name (see :func:`link_presets`).

    >>> link_preset("micius-xinglong").transmitter.wavelength_nm
    848.6
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
