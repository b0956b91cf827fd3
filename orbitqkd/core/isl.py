"""Optical inter-satellite QKD links: geometry, transmittance and key per contact.

The channel is the ground links' model without an atmosphere: a Gaussian beam
from a truncated transmitter aperture spreads by diffraction over the range
(:func:`orbitqkd.core.channel.geometry.beam_radius_m`), the receiver's
aperture catches part of it (:func:`~orbitqkd.core.channel.geometry.collection_efficiency`),
pointing jitter and bias of the transmitter cost
:func:`~orbitqkd.core.channel.pointing.pointing_efficiency`, and the
receiver's optics and detectors the rest. The key rate is asymptotic
decoy-state BB84 (:func:`orbitqkd.core.keyrate.decoy.decoy_rate`, infinitely
many decoys) at the link's repetition rate. Two satellites see each other
while the straight line between them stays above ``min_clearance_km`` (the
atmosphere and the Earth's limb).

References
----------
.. [1] Siegman, *Lasers* (1986), Ch. 17 (Gaussian beams).
.. [2] Vergoossen et al., "Modelling of satellite constellations for trusted
   node QKD networks", Acta Astronaut. 173, 164 (2020),
   doi:10.1016/j.actaastro.2020.02.010 (inter-satellite QKD for key
   rebalancing between trusted satellites).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..constants import EARTH_MEAN_RADIUS_KM
from ..errors import InputError, check_range
from ..timescales import timestamps, utc_seconds_grid
from .channel import geometry, pointing
from .keyrate.decoy import decoy_rate
from .orbits import TimeBase, propagate_ecef

ISL_COLUMNS = ["satellite_a", "satellite_b", "start_utc", "culmination_utc", "end_utc",
               "duration_s", "min_range_km", "mean_loss_db", "key_bits"]


def segment_clearance_km(r1_km, r2_km):
    """Lowest altitude [km] of the straight segment between two positions (..., 3).

    Spherical Earth of mean radius. The closest point to the centre is at
    ``s = clip(-r1.(r2-r1) / |r2-r1|^2, 0, 1)`` along the segment.

    >>> round(float(segment_clearance_km([7000.0, -1000.0, 0.0], [7000.0, 1000.0, 0.0])), 4)
    628.9912
    """
    a = np.asarray(r1_km, dtype=float)
    b = np.asarray(r2_km, dtype=float)
    d = b - a
    dd = np.einsum("...k,...k->...", d, d)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.clip(-np.einsum("...k,...k->...", a, d) / dd, 0.0, 1.0)
    s = np.where(dd > 0, s, 0.0)
    closest = a + s[..., None] * d
    out = np.sqrt(np.einsum("...k,...k->...", closest, closest)) - EARTH_MEAN_RADIUS_KM
    return out if np.ndim(out) else float(out)


def isl_transmittance(range_km, wavelength_nm, tx_aperture_m, rx_aperture_m, *,
                      jitter_urad=0.0, bias_urad=0.0, receiver_efficiency=1.0,
                      truncation=0.89):
    """Transmittance of a vacuum optical link between two telescopes.

    Parameters
    ----------
    range_km : array_like
        Distance [km].
    wavelength_nm : float
    tx_aperture_m, rx_aperture_m : float
        Transmitter and receiver aperture diameters [m].
    jitter_urad, bias_urad : float
        Transmitter pointing jitter (rms per axis) and bias [urad].
    receiver_efficiency : float
        Optics x detector efficiency of the receiver (0-1].
    truncation : float
        Waist radius / aperture radius of the transmitter (0.89 maximises the
        far-field on-axis intensity of a truncated Gaussian, Siegman [1]).

    Returns
    -------
    ndarray or float
        Transmittance (0-1); NaN for a non-positive range.

    Notes
    -----
    .. math:: \\eta = \\eta_{clip}(a_t, w_0)\\,
              \\big(1 - e^{-2 a_r^2 / w(L)^2}\\big)\\,
              \\eta_p(w(L)/L, \\sigma, b)\\,\\eta_{rx}

    with :math:`w(L)` the diffracted beam radius ([1] Ch. 17).
    """
    rng = np.asarray(range_km, dtype=float)
    w0 = truncation * 0.5 * float(tx_aperture_m)
    clip = geometry.aperture_clipping_efficiency(0.5 * float(tx_aperture_m), w0)
    w = geometry.beam_radius_m(rng, wavelength_nm, w0)
    caught = geometry.collection_efficiency(w, rx_aperture_m)
    with np.errstate(invalid="ignore", divide="ignore"):
        half_angle_urad = w / (rng * 1e3) * 1e6
        aim = pointing.pointing_efficiency(half_angle_urad, jitter_urad, bias_urad)
    out = np.where(rng > 0, clip * caught * aim * float(receiver_efficiency), np.nan)
    return out if np.ndim(out) else float(out)


@dataclasses.dataclass(frozen=True, slots=True)
class InterSatelliteLink:
    """An optical QKD terminal pair between satellites (decoy-state BB84).

    Numbers without a source are ASSUMED: 10 cm class terminals as proposed
    for small-satellite ISLs (Vergoossen et al. 2020 [2]), 1 urad jitter,
    the receiver and source numbers of the ground links' presets.
    """

    wavelength_nm: float = 850.0
    tx_aperture_m: float = 0.1
    rx_aperture_m: float = 0.1
    pointing_jitter_urad: float = 1.0
    pointing_bias_urad: float = 0.0
    receiver_efficiency: float = 0.25
    repetition_rate_hz: float = 100e6
    mean_photon_number: float = 0.5
    dark_count_probability: float = 1e-6
    misalignment: float = 0.01
    min_clearance_km: float = 100.0
    max_range_km: float = 50_000.0

    def __post_init__(self):
        check_range("isl wavelength_nm", self.wavelength_nm, 300.0, 2000.0)
        check_range("isl tx_aperture_m", self.tx_aperture_m, 0.0, 5.0, low_inclusive=False)
        check_range("isl rx_aperture_m", self.rx_aperture_m, 0.0, 5.0, low_inclusive=False)
        check_range("isl pointing_jitter_urad", self.pointing_jitter_urad, 0.0, 1e4)
        check_range("isl pointing_bias_urad", self.pointing_bias_urad, 0.0, 1e4)
        check_range("isl receiver_efficiency", self.receiver_efficiency, 0.0, 1.0,
                    low_inclusive=False)
        check_range("isl repetition_rate_hz", self.repetition_rate_hz, 0.0, 1e11,
                    low_inclusive=False)
        check_range("isl mean_photon_number", self.mean_photon_number, 0.0, 10.0,
                    low_inclusive=False)
        check_range("isl dark_count_probability", self.dark_count_probability, 0.0, 0.1)
        check_range("isl misalignment", self.misalignment, 0.0, 0.5)
        check_range("isl min_clearance_km", self.min_clearance_km, -100.0, 10_000.0)
        check_range("isl max_range_km", self.max_range_km, 0.0, 500_000.0, low_inclusive=False)

    def transmittance(self, range_km):
        """:func:`isl_transmittance` with this link's terminals."""
        return isl_transmittance(range_km, self.wavelength_nm, self.tx_aperture_m,
                                 self.rx_aperture_m, jitter_urad=self.pointing_jitter_urad,
                                 bias_urad=self.pointing_bias_urad,
                                 receiver_efficiency=self.receiver_efficiency)

    def key_rate_bps(self, range_km):
        """Asymptotic decoy-BB84 secret key rate [bit/s] at ``range_km``; 0 where negative."""
        eta = self.transmittance(range_km)
        r = decoy_rate(self.mean_photon_number, np.nan_to_num(eta), self.dark_count_probability,
                       self.misalignment)
        out = np.maximum(np.nan_to_num(r), 0.0) * self.repetition_rate_hz
        return out if np.ndim(out) else float(out)


def isl_contacts(satellites, pairs, start, end, link: InterSatelliteLink | None = None, *,
                 step_s: float = 30.0, chunk_s: float = 600.0) -> pd.DataFrame:
    """Contacts of satellite pairs over an inter-satellite link, and the key each makes.

    Parameters
    ----------
    satellites : sequence of Satellite
    pairs : sequence of (int, int)
        Indices into ``satellites`` of the linked pairs.
    start, end : pandas.Timestamp
        UTC span.
    link : InterSatelliteLink, optional
    step_s : float
        Sample step [s]; key is the rate integrated over the samples.
    chunk_s : float
        A long contact (a relay satellite seen for hours) is reported in
        pieces of at most this length, so a relay over time sees its key arrive
        as it is made.

    Returns
    -------
    DataFrame
        :data:`ISL_COLUMNS`: one row per contact (piece); ``culmination_utc``
        is the piece's sample of highest rate.
    """
    link = link or InterSatelliteLink()
    check_range("step_s", step_s, 0.1, 3600.0)
    check_range("chunk_s", chunk_s, step_s, 1e7)
    for i, j in pairs:
        if not (0 <= i < len(satellites) and 0 <= j < len(satellites)) or i == j:
            raise InputError(f"isl pair = ({i}, {j}) is not two distinct satellites of "
                             f"{len(satellites)}")
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    seconds = utc_seconds_grid(t0, t1, step_s)
    base = TimeBase.for_span(t0, seconds[-1])
    r, _ = propagate_ecef([s.satrec for s in satellites], base, seconds)
    # each sample stands for the time to the next one (the span's last sample for none)
    dt = np.diff(seconds, append=seconds[-1])
    rows = []
    for i, j in pairs:
        rng = np.linalg.norm(r[i] - r[j], axis=-1)
        seen = (segment_clearance_km(r[i], r[j]) >= link.min_clearance_km) & (
            rng <= link.max_range_km)
        rate = np.where(seen, link.key_rate_bps(np.where(seen, rng, 1.0)), 0.0)
        on = rate > 0
        edges = np.flatnonzero(np.diff(np.concatenate([[False], on, [False]]).astype(int)))
        for a, b in zip(edges[::2], edges[1::2]):
            per_chunk = max(int(chunk_s // step_s), 1)
            for c0 in range(a, b, per_chunk):
                c1 = min(c0 + per_chunk, b)
                if dt[c0:c1].sum() <= 0:
                    continue
                k = c0 + int(np.argmax(rate[c0:c1]))
                eta = link.transmittance(rng[c0:c1])
                t = timestamps(t0, seconds[[c0, k, c1 - 1]])
                rows.append({
                    "satellite_a": satellites[i].name, "satellite_b": satellites[j].name,
                    "start_utc": t[0], "culmination_utc": t[1], "end_utc": t[2],
                    "duration_s": float(dt[c0:c1].sum()),
                    "min_range_km": float(rng[c0:c1].min()),
                    "mean_loss_db": float(-10 * np.log10(np.mean(eta))),
                    "key_bits": float((rate[c0:c1] * dt[c0:c1]).sum()),
                })
    return pd.DataFrame(rows, columns=ISL_COLUMNS)
