"""Link budget along a track: arrays and a :class:`~orbitqkd.model.Link` in, a :class:`LinkBudget` out.

Loss is counted from the photons leaving the transmitter aperture to detector
clicks: ``total_loss_db`` is the sum of :data:`LOSS_COLUMNS`, the receiver term
holding the receiver optics and the detector efficiency. The physics lives in
:mod:`orbitqkd.core.channel`; this module assembles it over every sample of a
:class:`~orbitqkd.core.events.Track` (one pass, or many passes of many
satellites and stations concatenated), one vectorised evaluation per link.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import Link
from ..constants import PLANCK_J_S, SPEED_OF_LIGHT_M_S
from .channel import (atmosphere, background, detector, geometry, horizontal, pointing,
                      retroreflector, turbulence)
from .events import Track

LOSS_COLUMNS = [
    "geometric_loss_db", "atmospheric_loss_db", "turbulence_loss_db", "pointing_loss_db",
    "receiver_loss_db", "dead_time_loss_db",
]
BUDGET_COLUMNS = [
    "zenith_angle_deg", *LOSS_COLUMNS, "total_loss_db", "transmittance",
    "background_rate_cps", "dark_rate_cps", "noise_rate_cps", "detected_rate_per_photon_cps",
    "above_horizon",
]
DIAGNOSTIC_COLUMNS = [
    "beam_radius_m", "long_term_beam_radius_m", "beam_wander_urad", "fried_parameter_m",
    "scintillation_index", "sky_radiance_w_m2_sr_nm", "uplink_photons_per_pulse",
]
_ARRAYS = [c for c in BUDGET_COLUMNS + DIAGNOSTIC_COLUMNS]


@dataclasses.dataclass(frozen=True, eq=False)
class LinkBudget:
    """Loss, transmittance and count rates per sample of a track.

    Attributes
    ----------
    track : Track or None
        The geometry the budget was computed for (None for a budget read from a file).
    links : tuple of Link
        The links used; ``link_index`` gives each sample's.
    link_index : ndarray of int
    time_utc : pandas.DatetimeIndex
    pass_id : ndarray of int
        The pass each sample belongs to (row label of the pass table; 0 for one track).
    sample_s : float
        Sample step [s] (the shortest, for adaptively sampled passes).
    weight_s : ndarray
        Time each sample stands for in the key [s] (the track's
        :attr:`~orbitqkd.core.events.Track.weight_s`: trapezoidal weights).
    repetition_rate_hz, gate_width_ns : ndarray
        Source repetition rate [Hz] and detector gate [ns] of each sample's link.
    zenith_angle_deg ... sky_radiance_w_m2_sr_nm : ndarray
        :data:`BUDGET_COLUMNS` and :data:`DIAGNOSTIC_COLUMNS` (see :func:`link_budget`).
    """

    track: Track | None
    links: tuple
    link_index: np.ndarray
    time_utc: pd.DatetimeIndex
    pass_id: np.ndarray
    sample_s: float
    weight_s: np.ndarray
    repetition_rate_hz: np.ndarray
    gate_width_ns: np.ndarray
    zenith_angle_deg: np.ndarray
    geometric_loss_db: np.ndarray
    atmospheric_loss_db: np.ndarray
    turbulence_loss_db: np.ndarray
    pointing_loss_db: np.ndarray
    receiver_loss_db: np.ndarray
    dead_time_loss_db: np.ndarray
    total_loss_db: np.ndarray
    transmittance: np.ndarray
    background_rate_cps: np.ndarray
    dark_rate_cps: np.ndarray
    noise_rate_cps: np.ndarray
    detected_rate_per_photon_cps: np.ndarray
    above_horizon: np.ndarray
    beam_radius_m: np.ndarray
    long_term_beam_radius_m: np.ndarray
    beam_wander_urad: np.ndarray
    fried_parameter_m: np.ndarray
    scintillation_index: np.ndarray
    sky_radiance_w_m2_sr_nm: np.ndarray
    uplink_photons_per_pulse: np.ndarray

    def __len__(self) -> int:
        return len(self.time_utc)

    @property
    def link(self) -> Link:
        """The one link of this budget (an error when it mixes several)."""
        if len(self.links) != 1:
            raise InputError(f"budget holds {len(self.links)} links; take one with .select()")
        return self.links[0]

    def select(self, rows) -> "LinkBudget":
        """The samples ``rows`` (a boolean mask or indices) of this budget."""
        rows = np.asarray(rows)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        arrays = {f.name: getattr(self, f.name)[rows] for f in dataclasses.fields(self)
                  if f.name not in ("track", "links", "sample_s", "time_utc")}
        track = None if self.track is None else self.track.select(rows)
        return LinkBudget(track=track, links=self.links, sample_s=self.sample_s,
                          time_utc=self.time_utc[rows], **arrays)

    def passes(self):
        """(pass_id, budget of that pass) in order of first appearance."""
        ids, first = np.unique(self.pass_id, return_index=True)
        order = np.argsort(self.pass_id, kind="stable")
        bounds = np.searchsorted(self.pass_id[order], ids)
        ends = np.append(bounds[1:], len(order))
        for k in np.argsort(first):
            yield int(ids[k]), self.select(order[bounds[k]:ends[k]])

    def to_frame(self) -> pd.DataFrame:
        """One row per sample: the track's columns, :data:`BUDGET_COLUMNS`, diagnostics."""
        base = self.track.to_frame() if self.track is not None else pd.DataFrame(
            {"time_utc": self.time_utc})
        cols = {c: getattr(self, c) for c in _ARRAYS}
        cols["repetition_rate_hz"] = self.repetition_rate_hz
        cols["gate_width_ns"] = self.gate_width_ns
        cols["weight_s"] = self.weight_s
        return pd.concat([base.reset_index(drop=True), pd.DataFrame(cols)], axis=1)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, repetition_rate_hz: float, gate_width_ns: float,
                   sample_s: float) -> "LinkBudget":
        """A budget from a table written by :meth:`to_frame` (missing diagnostics are NaN;
        without a ``weight_s`` column each sample stands for ``sample_s``)."""
        n = len(df)
        missing = [c for c in ("time_utc", "transmittance", "noise_rate_cps", "above_horizon")
                   if c not in df.columns]
        if missing:
            raise InputError(f"budget table lacks column(s) {', '.join(missing)}")

        def col(name, fill=np.nan):
            if name in df.columns:
                return pd.to_numeric(df[name], errors="coerce").to_numpy(float, copy=True)
            return np.full(n, fill)

        arrays = {c: col(c) for c in _ARRAYS if c != "above_horizon"}
        arrays["above_horizon"] = df["above_horizon"].astype(str).str.lower().isin(
            ["true", "1", "1.0"]).to_numpy(copy=True)
        pass_id = (pd.to_numeric(df["pass_id"]).to_numpy(int) if "pass_id" in df.columns
                   else np.zeros(n, int))
        return cls(track=None, links=(), link_index=np.zeros(n, int),
                   time_utc=pd.DatetimeIndex(pd.to_datetime(df["time_utc"], utc=True)),
                   pass_id=pass_id, sample_s=float(sample_s),
                   weight_s=col("weight_s", float(sample_s)),
                   repetition_rate_hz=np.full(n, float(repetition_rate_hz)),
                   gate_width_ns=np.full(n, float(gate_width_ns)), **arrays)


def link_budget(track: Track, link: Link | tuple | list, link_index=None) -> LinkBudget:
    """Loss and count rates along a track.

    Parameters
    ----------
    track : Track
        Geometry samples (:func:`orbitqkd.core.events.pass_track` or
        :func:`~orbitqkd.core.events.pass_tracks`); its stations give aperture,
        obscuration, altitude and horizon floor of each sample.
    link : Link or sequence of Link
        One link for every sample, or several with ``link_index`` (per sample).

    Returns
    -------
    LinkBudget
        ``total_loss_db`` is the sum of :data:`LOSS_COLUMNS`, from the photons
        leaving the transmitter aperture to detector clicks (receiver optics and
        detector efficiency in ``receiver_loss_db``); ``transmittance`` =
        10^(-total/10); rates are detected counts per second over all detectors
        (``detected_rate_per_photon_cps`` = repetition rate x transmittance, to be
        multiplied by the mean photon number). Samples below the station's
        horizon floor or below 0 deg are NaN in every loss / rate / diagnostic
        array (``zenith_angle_deg`` is kept) and ``above_horizon`` False.
        Diagnostics: beam radii in vacuum and long-term [m], uplink beam wander
        [urad], Fried parameter [m], scintillation index of a point receiver and
        the sky (downlink) or ground (uplink) spectral radiance [W m^-2 sr^-1 nm^-1].

    Examples
    --------
    >>> from orbitqkd.core.events import Track
    >>> from orbitqkd.model import GroundStation
    >>> from orbitqkd.presets import link_preset
    >>> xinglong = GroundStation("Xinglong", 40.3957, 117.5775, 890.0, aperture_m=1.0)
    >>> track = Track.from_arrays(xinglong, elevation_deg=[5.0, 49.0, 90.0],
    ...                           range_km=[2075.0, 645.0, 500.0])
    >>> budget = link_budget(track, link_preset("micius-xinglong"))
    >>> budget.total_loss_db.round(1).tolist()
    [nan, 33.1, 29.9]
    """
    links = tuple(link) if isinstance(link, (tuple, list)) else (link,)
    for item in links:
        if not isinstance(item, Link):
            raise InputError(f"link = {item!r} is not a Link; resolve preset names with "
                             "orbitqkd.presets.link_preset")
    if not isinstance(track, Track):
        raise InputError(f"track = {type(track).__name__} is not a Track; see pass_track()")
    n = len(track)
    index = np.zeros(n, int) if link_index is None else np.asarray(link_index, int)
    if index.shape != (n,) or (n and (index.min() < 0 or index.max() >= len(links))):
        raise InputError(f"link_index must give one of {len(links)} links for each of {n} samples")
    out = {c: np.full(n, np.nan) for c in _ARRAYS}
    out["above_horizon"] = np.zeros(n, bool)
    rep, gate = np.full(n, np.nan), np.full(n, np.nan)
    for k in np.unique(index):
        lk, rows = links[int(k)], np.flatnonzero(index == k)
        # the samples in chunks (bounded temporaries), the field-stop nodes set
        # by all samples of the link (the numbers do not depend on the chunking)
        stops = _field_stop_nodes(track, rows, lk)
        for c0 in range(0, rows.size, _BUDGET_CHUNK):
            part = rows[c0:c0 + _BUDGET_CHUNK]
            for name, values in _budget_arrays(track, part, lk, stops).items():
                out[name][part] = values
        rep[rows] = lk.transmitter.repetition_rate_hz
        gate[rows] = lk.receiver.gate_width_ns
    return LinkBudget(track=track, links=links, link_index=index, time_utc=track.time_utc,
                      pass_id=track.pass_id, sample_s=track.sample_s,
                      weight_s=np.asarray(track.weight_s, float), repetition_rate_hz=rep,
                      gate_width_ns=gate, **out)


def _aperture(link: Link, sta: dict, n: int):
    """Receiving aperture diameter [m] and obscuration ratio of each sample."""
    rx = link.receiver
    if link.direction == "uplink":
        return (np.full(n, rx.aperture_m),
                np.full(n, 0.0 if rx.obscuration_ratio is None else rx.obscuration_ratio))
    aperture = sta["aperture_m"] if rx.aperture_m is None else np.full(n, rx.aperture_m)
    obscuration = (sta["obscuration_ratio"] if rx.obscuration_ratio is None
                   else np.full(n, rx.obscuration_ratio))
    return aperture, obscuration


def _transmitter_collection(link: Link, rng_km, w_m, aperture, obscuration):
    """Fraction of the transmitted beam caught by the receiving aperture (no turbulence).

    The Gaussian of waist w0 and radius w(R) into the (annular) aperture,
    :func:`~orbitqkd.core.channel.geometry.collection_efficiency`, scaled by what
    the transmit aperture's clipping does to it. Satellite paths lie in the
    transmitter's far field (R >> pi a^2 / lambda: 83 km for a = 0.15 m at
    850 nm), where the factor is the ratio of the on-axis gain of the clipped
    beam (Klein & Degnan 1974,
    :func:`~orbitqkd.core.channel.geometry.truncated_gaussian_gain`) to that of the
    unclipped Gaussian, 8 pi^2 w0^2 / lambda^2; a horizontal path is near-field,
    where it is the power passing the aperture,
    :func:`~orbitqkd.core.channel.geometry.aperture_clipping_efficiency`.
    """
    tx = link.transmitter
    a, w0 = 0.5 * tx.aperture_m, tx.waist_radius_m
    if link.direction == "horizontal":
        factor = geometry.aperture_clipping_efficiency(a, w0)
    else:
        lam_m = tx.wavelength_nm * 1e-9
        factor = (geometry.truncated_gaussian_gain(0.0, tx.wavelength_nm, a, w0)
                  / (8.0 * np.pi**2 * w0**2 / lam_m**2))
    return factor * geometry.collection_efficiency(w_m, aperture, obscuration)


# Fried parameters per decade of the field-stop lattice: interpolation error < 1e-5
_FIELD_STOP_PER_DECADE = 200


def _field_stop_grid(fov_urad, wavelength_nm, lo, hi, aperture_m):
    """Fried parameters [m] of a fixed log-spaced lattice bracketing ``lo``-``hi``,
    and the field-stop fraction at each.

    The lattice (``_FIELD_STOP_PER_DECADE`` nodes a decade, anchored at 1 m)
    does not depend on the samples, so a sample interpolates between the same
    two nodes whatever samples come with it (a chunk of passes gives the
    numbers the whole table gives).
    """
    k0 = int(np.floor(np.log10(lo) * _FIELD_STOP_PER_DECADE))
    k1 = max(int(np.ceil(np.log10(hi) * _FIELD_STOP_PER_DECADE)), k0 + 1)
    grid = 10.0 ** (np.arange(k0, k1 + 1) / _FIELD_STOP_PER_DECADE)
    return grid, turbulence.field_stop_fraction(fov_urad, wavelength_nm, grid, aperture_m)


def _field_stop(fov_urad, wavelength_nm, r0_m, aperture_m, nodes=None):
    """:func:`~orbitqkd.core.channel.turbulence.field_stop_fraction` for many samples.

    The fraction depends on the sample only through the Fried parameter (and the
    station's aperture), smoothly: it is evaluated on a fixed lattice of r0
    (:func:`_field_stop_grid`) over the samples' extremes for each aperture, and
    interpolated in log r0
    (within 1e-5 of the direct evaluation; tests/test_budget.py). ``nodes``
    (aperture -> (grid, values), from :func:`_field_stop_nodes`) are used
    instead of nodes spanning the samples given.
    """
    r0 = np.asarray(r0_m, dtype=float)
    out = np.full(r0.shape, np.nan)
    for d in np.unique(aperture_m[np.isfinite(aperture_m)]):
        rows = (aperture_m == d) & np.isfinite(r0) & (r0 > 0)
        if rows.any():
            grid, values = (nodes[d] if nodes is not None else _field_stop_grid(
                fov_urad, wavelength_nm, r0[rows].min(), r0[rows].max(), d))
            out[rows] = np.interp(np.log(r0[rows]), np.log(grid), values)
        still = (aperture_m == d) & np.isinf(r0)
        if still.any():
            out[still] = turbulence.field_stop_fraction(fov_urad, wavelength_nm, np.inf, d)
    return out


# Top of the turbulence integration grid of orbitqkd.core.channel.turbulence [km]:
# a downlink path integral is the same for every satellite above it.
_TURBULENCE_TOP_KM = 30.0
_TURBULENCE_CHUNK = 4096  # samples per uplink evaluation: 400 heights x 4096 x 8 B = 13 MB


def _secant(zenith_angle_deg):
    """sec(zenith) for 0 <= zenith < 90 deg, NaN elsewhere (as the turbulence module)."""
    z = np.asarray(zenith_angle_deg, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where((z >= 0) & (z < 90.0), 1.0 / np.cos(np.radians(z)), np.nan)


def _slant_turbulence(zenith_angle_deg, wavelength_nm, direction, *, satellite_altitude_km,
                      wind_speed_m_s, ground_cn2_m23):
    """Fried parameter [m] and Rytov variance of many samples, without a height grid per sample.

    :func:`~orbitqkd.core.channel.turbulence.fried_parameter_m` and
    :func:`~orbitqkd.core.channel.turbulence.rytov_variance` integrate Cn2 over
    400 heights per sample. On a downlink the integrals depend on the sample
    only through the satellite altitude capped at the grid's top (30 km) and
    the zenith angle enters as a factor: r0 ~ sec(zeta)^(-3/5),
    sigma_R^2 ~ sec(zeta)^(11/6) (Andrews & Phillips 2005, Sec. 12.3-12.4), so
    the integrals are evaluated once per distinct capped altitude (one for
    every satellite) and scaled; equal to the direct evaluation to rounding.
    An uplink's weight (1 - h/H)^(5/3) depends on each altitude H: evaluated
    directly, in chunks that bound the memory.
    """
    zen = np.asarray(zenith_angle_deg, dtype=float)
    alt = np.asarray(satellite_altitude_km, dtype=float)
    kw = dict(wind_speed_m_s=wind_speed_m_s, ground_cn2_m23=ground_cn2_m23)
    if direction == "downlink":
        tops, inverse = np.unique(np.minimum(alt, _TURBULENCE_TOP_KM), return_inverse=True)
        r0_zenith = turbulence.fried_parameter_m(0.0, wavelength_nm, direction,
                                                 satellite_altitude_km=tops, **kw)
        rytov_zenith = turbulence.rytov_variance(0.0, wavelength_nm, direction,
                                                 satellite_altitude_km=tops, **kw)
        sec = _secant(zen)
        with np.errstate(invalid="ignore"):
            return (r0_zenith[inverse.reshape(zen.shape)] * sec ** (-3.0 / 5.0),
                    rytov_zenith[inverse.reshape(zen.shape)] * sec ** (11.0 / 6.0))
    r0, rytov = np.empty(zen.shape), np.empty(zen.shape)
    for c0 in range(0, zen.size, _TURBULENCE_CHUNK):
        part = slice(c0, c0 + _TURBULENCE_CHUNK)
        r0[part] = turbulence.fried_parameter_m(zen[part], wavelength_nm, direction,
                                                satellite_altitude_km=alt[part], **kw)
        rytov[part] = turbulence.rytov_variance(zen[part], wavelength_nm, direction,
                                                satellite_altitude_km=alt[part], **kw)
    return r0, rytov


_EXTINCTION_CHUNK = 65536  # samples per call: the G173 band holds 41 wavelengths per sample


def _extinction_db(zenith_angle_deg, wavelength_nm, station_altitude_m, **kw):
    """:func:`~orbitqkd.core.channel.atmosphere.extinction_loss_db` of many samples.

    Evaluated per station altitude (a scalar altitude keeps the band's optical
    depths one row instead of one per sample) and in chunks of samples (the
    band-averaged absorption holds a (samples, 41) array): the same numbers,
    in bounded memory.
    """
    zen = np.asarray(zenith_angle_deg, dtype=float)
    alt = np.broadcast_to(np.asarray(station_altitude_m, dtype=float), zen.shape)
    out = np.full(zen.shape, np.nan)
    for h in np.unique(alt):
        rows = np.flatnonzero(alt == h)
        for c0 in range(0, rows.size, _EXTINCTION_CHUNK):
            part = rows[c0:c0 + _EXTINCTION_CHUNK]
            out[part] = atmosphere.extinction_loss_db(zen[part], wavelength_nm, float(h), **kw)
    nan_alt = ~np.isfinite(alt)
    if nan_alt.any():
        out[nan_alt] = atmosphere.extinction_loss_db(zen[nan_alt], wavelength_nm, alt[nan_alt], **kw)
    return out


_BUDGET_CHUNK = 131072  # samples per evaluation: ~60 temporaries of 1 MB each


# Elevation within this of the floor counts as above it [deg]: rise and set are
# found to ~1 ms, where the elevation moves by at most ~1e-3 deg (LEO overhead).
_FLOOR_TOLERANCE_DEG = 1e-3


def _samples(track: Track, rows: np.ndarray, link: Link):
    """Station arrays, elevation, above-horizon mask, zenith angle, range, altitude, aperture of ``rows``."""
    sta = track.station_arrays(rows)
    elev = track.elevation_deg[rows]
    rng_all = track.range_km[rows]
    if link.direction == "horizontal":
        above = np.isfinite(rng_all) & (rng_all > 0)
    else:
        floor = track.horizon_floor_deg(rows)
        # a pass's own rise and set samples sit on the floor to the pass engine's precision
        above = np.isfinite(elev) & (elev >= np.maximum(floor, 0.0) - _FLOOR_TOLERANCE_DEG)
    zen = geometry.zenith_angle_deg(np.where(above, elev, np.nan))
    rng = np.where(above, rng_all, np.nan)
    sat_alt = track.satellite_altitude_km[rows]
    aperture, obscuration = _aperture(link, sta, rows.size)
    turb_kw = dict(satellite_altitude_km=np.where(above, sat_alt, 500.0),
                   wind_speed_m_s=link.wind_speed_m_s, ground_cn2_m23=link.ground_cn2_m23)
    return sta, elev, above, zen, rng, sat_alt, aperture, obscuration, turb_kw


def _receiver_r0(link: Link, zen, rng, turb_kw, n: int):
    """Fried parameter at the receiving telescope [m] (what its field stop sees); inf without turbulence."""
    if link.cn2_model == "none":
        return np.full(n, np.inf)
    if link.direction == "horizontal":
        return horizontal.fried_parameter_horizontal_m(link.ground_cn2_m23, link.transmitter.wavelength_nm,
                                                       rng * 1e3, "spherical")
    return _slant_turbulence(zen, link.transmitter.wavelength_nm, "downlink", **turb_kw)[0]


def _field_stop_nodes(track: Track, rows: np.ndarray, link: Link) -> dict | None:
    """Nodes of :func:`_field_stop` per aperture, spanning the receiver r0 of all ``rows``."""
    if link.direction == "uplink":
        return None
    lo, hi = {}, {}
    for c0 in range(0, rows.size, _BUDGET_CHUNK):
        part = rows[c0:c0 + _BUDGET_CHUNK]
        _, _, _, zen, rng, _, aperture, _, turb_kw = _samples(track, part, link)
        r0 = _receiver_r0(link, zen, rng, turb_kw, part.size)
        for d in np.unique(aperture[np.isfinite(aperture)]):
            sel = (aperture == d) & np.isfinite(r0) & (r0 > 0)
            if sel.any():
                lo[d] = min(lo.get(d, np.inf), r0[sel].min())
                hi[d] = max(hi.get(d, -np.inf), r0[sel].max())
    fov, lam = link.receiver.fov_urad, link.transmitter.wavelength_nm
    return {d: _field_stop_grid(fov, lam, lo[d], hi[d], d) for d in lo}


def _budget_arrays(track: Track, rows: np.ndarray, link: Link, stops=None) -> dict:
    """Every budget array over the samples ``rows`` of ``track``, all carrying ``link``.

    ``stops``: the field-stop interpolation nodes (:func:`_field_stop_nodes`)
    when ``rows`` is one chunk of a larger set.
    """
    tx, rx = link.transmitter, link.receiver
    lam = tx.wavelength_nm
    n = rows.size
    sta, elev, above, zen, rng, sat_alt, aperture, obscuration, turb_kw = _samples(track, rows, link)
    w0 = tx.waist_radius_m
    turbulent = link.cn2_model != "none"
    extra = {"uplink_photons_per_pulse": np.full(n, np.nan)}

    # Geometry and turbulence, by kind of path.
    if link.direction == "horizontal":
        # Constant Cn2 along the path; spherical-wave r0 at the receiver
        # (Andrews & Phillips 2005, Ch. 6 and 8; orbitqkd.core.channel.horizontal).
        dist_m = rng * 1e3
        w = horizontal.gaussian_beam_radius_m(dist_m, lam, w0)
        cn2 = link.ground_cn2_m23 if turbulent else 0.0
        r0 = (horizontal.fried_parameter_horizontal_m(cn2, lam, dist_m, "spherical")
              if turbulent else np.full(n, np.inf))
        sig_i = turbulence.scintillation_index(
            horizontal.rytov_variance_horizontal(cn2, lam, dist_m, "spherical"))
        w_lt = horizontal.long_term_beam_radius_horizontal_m(cn2, lam, dist_m, w0)
        wander_urad = np.zeros(n)
    else:
        w = geometry.beam_radius_m(rng, lam, w0)
        beam_dir = "uplink" if link.direction in ("uplink", "two-way") else "downlink"
        if turbulent:
            r0, rytov = _slant_turbulence(zen, lam, beam_dir, **turb_kw)
            sig_i = turbulence.scintillation_index(rytov)
        else:
            r0, sig_i = np.full(n, np.inf), np.zeros(n)
        w_lt = turbulence.long_term_beam_radius_m(w, w0, r0, beam_dir)
        wander_urad = (turbulence.uplink_beam_wander_rad(lam, w0, r0) * 1e6
                       if beam_dir == "uplink" else np.zeros(n))
    eta_point = pointing.pointing_efficiency(w_lt / (rng * 1e3) * 1e6,
                                             tx.pointing_jitter_urad, tx.pointing_bias_urad)
    # image of the source against the receiver's field stop (long-exposure seeing and tilt)
    if link.direction == "uplink":
        eta_stop = np.ones(n)
    else:
        r0_rx = (_slant_turbulence(zen, lam, "downlink", **turb_kw)[0]
                 if turbulent and link.direction == "two-way" else r0)
        eta_stop = _field_stop(rx.fov_urad, lam, r0_rx, aperture, stops)

    atm_kw = dict(aod_550nm=link.aod_550nm, angstrom_exponent=link.angstrom_exponent,
                  precipitable_water_cm=link.precipitable_water_cm,
                  bandwidth_nm=rx.filter_bandwidth_nm)
    if link.direction == "horizontal":
        atm_db = horizontal.horizontal_extinction_loss_db(rng, lam, sta["altitude_m"], **atm_kw)
    else:
        atm_db = _extinction_db(zen, lam, sta["altitude_m"], model=link.air_mass_model,
                                absorption_model=link.absorption_model, **atm_kw)

    if link.direction == "two-way":
        # The corner cubes are the source of the returned photons: each returns a
        # diffraction pattern of gain 4 pi A / lambda^2 read at the velocity
        # aberration (Degnan 1993 Sec. 6.1); the ground laser's beam sets the
        # photons leaving the array per pulse (Degnan 1993 Sec. 4 link equation).
        d_cc = link.retro_cube_diameter_m
        area_cc = np.pi * d_cc**2 / 4.0
        reflecting_m2 = link.retro_effective_cubes * area_cc * link.retro_reflectivity
        if link.retro_cross_section_m2 is not None:  # sigma = rho A G of the whole array
            gain_cc = np.full(n, link.retro_cross_section_m2 / reflecting_m2)
        else:
            ab_min, ab_max = retroreflector.velocity_aberration_range_urad(sat_alt, zen)
            sigma_cc = retroreflector.cube_corner_cross_section_m2(
                d_cc, lam, 0.5 * (ab_min + ab_max), link.retro_reflectivity)
            gain_cc = sigma_cc / (link.retro_reflectivity * area_cc)
        rx_area = np.pi / 4.0 * aperture**2 * (1.0 - obscuration**2)
        eta_geo = gain_cc * rx_area / (4.0 * np.pi * (rng * 1e3) ** 2)
        eta_turb = eta_stop
        photons = tx.pulse_energy_j * lam * 1e-9 / (PLANCK_J_S * SPEED_OF_LIGHT_M_S)
        per_m2 = 2.0 / (np.pi * w_lt**2)  # peak irradiance of the (long-term) uplink beam
        extra["uplink_photons_per_pulse"] = (
            photons * per_m2 * eta_point * 10 ** (-atm_db / 10.0) * reflecting_m2)
        eta_point_down = np.ones(n)
    else:
        eta_geo = _transmitter_collection(link, rng, w, aperture, obscuration)
        eta_turb = (geometry.collection_efficiency(w_lt, aperture, obscuration)
                    / geometry.collection_efficiency(w, aperture, obscuration)) * eta_stop
        eta_point_down = eta_point

    rx_eff = rx.optics_efficiency * rx.detector_efficiency
    losses = {
        "geometric_loss_db": detector.efficiency_loss_db(eta_geo),
        "atmospheric_loss_db": atm_db,
        "turbulence_loss_db": detector.efficiency_loss_db(eta_turb),
        "pointing_loss_db": detector.efficiency_loss_db(eta_point_down),
        "receiver_loss_db": np.full(n, float(detector.efficiency_loss_db(rx_eff))),
    }

    sun_el, moon_el = track.sun_elevation_deg[rows], track.moon_elevation_deg[rows]
    moon_k = track.moon_illuminated_fraction[rows]
    if link.direction == "uplink":
        radiance = background.earth_radiance(lam, sun_el, moon_el, moon_k,
                                             night_radiance_850=link.night_radiance_850)
        radiance = radiance * 10 ** (-atm_db / 10.0)
    else:
        # Sky light crosses the atmosphere too, but it is scattered within it;
        # the reference radiances are already as seen from the ground.
        radiance = background.sky_radiance(
            lam, sun_el, moon_el, moon_k, track.sun_separation_deg[rows],
            track.moon_separation_deg[rows], link.night_radiance_850)
    bg = background.background_photon_rate_cps(radiance, lam, rx.fov_urad, aperture,
                                               rx.filter_bandwidth_nm, rx_eff, obscuration)
    dark = np.full(n, rx.n_detectors * rx.dark_count_rate_cps)

    # Detector saturation: n non-paralysable detectors of dead time tau count a
    # fraction 1 / (1 + R tau / n) of the clicks arriving at rate R (signal at the
    # transmitter's mean photon number, plus noise); it scales signal and noise alike.
    pre_db = np.sum([losses[c] for c in LOSS_COLUMNS if c != "dead_time_loss_db"], axis=0)
    mean_photons = (extra["uplink_photons_per_pulse"] if link.direction == "two-way"
                    else tx.mean_photon_number)
    incident = tx.repetition_rate_hz * mean_photons * 10 ** (-pre_db / 10.0) + bg + dark
    counted = detector.dead_time_rate_cps(incident, rx.dead_time_ns, rx.n_detectors)
    with np.errstate(invalid="ignore", divide="ignore"):
        eta_dead = np.where(incident > 0, counted / incident, 1.0)
    losses["dead_time_loss_db"] = detector.efficiency_loss_db(eta_dead)
    total = pre_db + losses["dead_time_loss_db"]
    transmittance = 10 ** (-total / 10.0)

    cols = {**losses, "total_loss_db": total, "transmittance": transmittance,
            "background_rate_cps": bg * eta_dead, "dark_rate_cps": dark * eta_dead,
            "noise_rate_cps": (bg + dark) * eta_dead,
            "detected_rate_per_photon_cps": tx.repetition_rate_hz * transmittance,
            "beam_radius_m": w, "long_term_beam_radius_m": w_lt, "beam_wander_urad": wander_urad,
            "fried_parameter_m": r0, "scintillation_index": sig_i,
            "sky_radiance_w_m2_sr_nm": radiance, **extra}
    out = {name: np.where(above, np.asarray(values, dtype=float), np.nan)
           for name, values in cols.items()}
    out["zenith_angle_deg"] = geometry.zenith_angle_deg(elev)  # geometry: kept below the horizon
    out["above_horizon"] = above
    return out
