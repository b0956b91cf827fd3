"""Secret key per pass: from link-budget arrays to detections, QBER and key.

A budget is any object with per-sample arrays ``transmittance`` [linear,
transmitter aperture to click], ``noise_rate_cps`` [all detectors],
``above_horizon`` [bool], ``repetition_rate_hz`` [Hz], ``gate_width_ns`` [ns],
``time_utc`` and a ``sample_s`` step [s]: a
:class:`~orbitqkd.core.budget.LinkBudget`. All samples of a pass form one
finite-key block (or, with ``optimise``, the transmission window chosen by
:func:`orbitqkd.core.keyrate.window.optimise_window`); :func:`accumulate_blocks`
pools several passes when one is too short.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd

from ...errors import InputError, check_choice, check_range
from ..channel import fading, pointing, turbulence
from . import finite
from .bbm92 import ZERO_QBER as BBM92_ZERO_QBER
from .bbm92 import (bbm92_key_length, bbm92_zero_reason, coincidence_error_gain, coincidence_gain,
                    singles_gain)
from .finite import DecoyBound, zero_key_reason
from .protocol import BBM92, FADING, DecoyBB84
from .window import _grid_key, _Pass, optimise_window

QBER_THRESHOLD = 0.11  # BB84 one-way limit with f = 1 (Shor-Preskill), for the zero reason

ZERO_BELOW_HORIZON = "below horizon"
ZERO_NO_DETECTIONS = "no detections"
ZERO_QBER = "QBER above threshold"
ZERO_SINGLE_PHOTON = finite.ZERO_NO_SINGLE_PHOTON
ZERO_FINITE = "block too short for finite key"


@dataclass(frozen=True, slots=True)
class PassKey:
    """Secret key of one pass (or pooled block of passes).

    Counts are expected numbers of events; ``secret_bits`` is the finite-key
    length if the protocol asks for it, else the asymptotic one. ``zero_reason``
    is empty when ``secret_bits > 0``. ``single_photon_bits`` is the decoy lower
    bound s_X1 for decoy BB84, and the key-basis coincidences for BBM92 (every
    coincidence is a pair event there). Intensities are NaN for BBM92.

    Attributes
    ----------
    protocol : str
        ``'decoy-bb84'`` or ``'bbm92'``.
    start_utc, end_utc : pandas.Timestamp or None
        First and last usable sample of the block.
    n_passes : int
        Passes pooled into the block.
    duration_s : float
        Usable time [s] (samples above the horizon with finite budget).
    detections : float
        Clicks (decoy BB84, all intensities and bases) or coincidences (BBM92) [counts].
    sifted_bits : float
        Detections with matching bases [bits].
    qber : float
        Key-basis bit error rate [fraction].
    phase_error : float
        Upper bound on the (single-photon) phase error rate used [fraction].
    single_photon_bits : float
        See above [bits].
    asymptotic_secret_bits, finite_secret_bits, secret_bits : float
        Key lengths [bits].
    mu_s, mu_d, mu_v : float
        Intensities used (optimised when asked) [photons/pulse].
    p_s, p_d, p_x : float
        Probabilities used (optimised when asked).
    zero_reason : str
        Why ``secret_bits`` is zero, else ``''``.
    window_start_utc, window_end_utc : pandas.Timestamp or None
        First and last sample of the transmission window used for the key (the
        optimised window with ``optimise=True``, else every usable sample).
    window_s : float
        Time inside the window [s].
    min_elevation_deg : float
        Elevation cut-off of the window [deg] (its lowest sample; NaN when the
        budget carries no elevation and the window was cut by transmittance).
    window_min_transmittance : float
        Lowest mean transmittance inside the window [linear].
    fading : str
        Fading model the counts were averaged over (``'none'``: mean transmittance).
    """

    protocol: str
    start_utc: pd.Timestamp | None
    end_utc: pd.Timestamp | None
    n_passes: int
    duration_s: float
    detections: float
    sifted_bits: float
    qber: float
    phase_error: float
    single_photon_bits: float
    asymptotic_secret_bits: float
    finite_secret_bits: float
    secret_bits: float
    mu_s: float
    mu_d: float
    mu_v: float
    p_s: float
    p_d: float
    p_x: float
    zero_reason: str
    window_start_utc: pd.Timestamp | None = None
    window_end_utc: pd.Timestamp | None = None
    window_s: float = float("nan")
    min_elevation_deg: float = float("nan")
    window_min_transmittance: float = float("nan")
    fading: str = "none"


# ---------------------------------------------------------------------------
# Budget handling


def _valid(budget) -> np.ndarray:
    """Usable samples: above the horizon with finite transmittance and noise (range-checked)."""
    eta = np.asarray(budget.transmittance, dtype=float)
    noise = np.asarray(budget.noise_rate_cps, dtype=float)
    ok = np.asarray(budget.above_horizon, dtype=bool) & np.isfinite(eta) & np.isfinite(noise)
    if np.any(ok & ((eta < 0) | (eta > 1))):
        bad = eta[ok & ((eta < 0) | (eta > 1))][0]
        raise InputError(f"transmittance = {bad:g} is outside the range 0 <= transmittance <= 1")
    if np.any(ok & (noise < 0)):
        raise InputError(f"noise_rate_cps = {noise[ok & (noise < 0)][0]:g} is outside the range noise_rate_cps >= 0")
    return ok


def _per_sample(budget, name: str, ok: np.ndarray) -> np.ndarray:
    """A positive per-sample parameter of the budget (array or scalar) on the valid samples."""
    value = np.broadcast_to(np.asarray(getattr(budget, name), dtype=float), ok.shape)[ok]
    check_range(name, value, 0.0, low_inclusive=False)
    return value


def _cat(parts) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


def _span(times) -> tuple:
    times = [t for t in times if len(t)]
    if not times:
        return None, None
    return min(t.min() for t in times), max(t.max() for t in times)


@dataclass(frozen=True)
class _Samples:
    """Valid samples of a block, in time order, as per-sample arrays.

    ``eta`` is the mean transmittance; with fading, ``nodes`` and ``weights``
    hold its quadrature per sample. ``order_deg`` orders the samples for the
    window (elevation, or ``None``: by transmittance), ``time`` their UTC times.
    """

    eta: np.ndarray
    noise: np.ndarray
    gate_ns: np.ndarray
    rep_hz: np.ndarray
    dt: np.ndarray
    elev: np.ndarray | None
    time: pd.DatetimeIndex
    nodes: np.ndarray | None
    weights: np.ndarray | None
    duration_s: float
    n_passes: int

    def select(self, mask) -> "_Samples":
        pick = (lambda a: None if a is None else a[mask])
        return _Samples(self.eta[mask], self.noise[mask], self.gate_ns[mask], self.rep_hz[mask],
                        self.dt[mask], pick(self.elev), self.time[mask], pick(self.nodes),
                        pick(self.weights), self.duration_s, self.n_passes)


def _elevation(budget, ok, given) -> np.ndarray | None:
    """Elevation of the valid samples [deg]: given, the track's, or 90 - zenith; None if unknown."""
    if given is not None:
        elev = np.broadcast_to(np.asarray(given, dtype=float), ok.shape)[ok]
    elif budget.track is not None:
        elev = np.asarray(budget.track.elevation_deg, dtype=float)[ok]
    else:
        elev = 90.0 - np.asarray(budget.zenith_angle_deg, dtype=float)[ok]
    return elev if np.all(np.isfinite(elev)) else None


# Nodes of the fading quadrature per sample. The gains are smooth in h (1 - exp(-mu h)),
# so 8 nodes integrate them to < 1e-6 relative (tests/test_keyrate_fading.py against
# scipy quad) at a quarter of the cost of 16 for the product models.
FADING_NODES = 8
# Weak-fluctuation branch of the plane-wave scintillation index, to recover the
# Rytov variance (and gamma-gamma alpha, beta) from a budget's scintillation_index;
# sigma_I^2 peaks at ~1.7 near sigma_R^2 ~ 5 (ASSUMED: satellite links are on this branch).
_RYTOV_GRID = np.concatenate([[0.0], np.geomspace(1e-6, 4.0, 400)])
_SCINT_GRID = turbulence.scintillation_index(_RYTOV_GRID)


def fading_quadrature(budget, model: str, ok=None, n_nodes: int | None = None):
    """Quadrature (nodes, weights) of each sample's transmittance under a fading model.

    Parameters
    ----------
    budget : LinkBudget
        ``transmittance`` (the mean), ``scintillation_index`` for the
        scintillation models; for pointing fades also ``track`` (range),
        ``links`` (the transmitter's ``pointing_jitter_urad``) and
        ``long_term_beam_radius_m``.
    model : str
        One of :data:`orbitqkd.core.keyrate.protocol.FADING` other than 'none'.
    ok : ndarray of bool, optional
        Samples to return (default all).
    n_nodes : int, optional
        Nodes per sample (default :data:`FADING_NODES`).

    Returns
    -------
    nodes, weights : ndarray
        Shape (samples, n_nodes); weights sum to 1 and the weighted mean of the
        nodes is the budget's transmittance.

    Notes
    -----
    Scintillation: the budget's point-receiver index sigma_I^2 (no aperture
    averaging, so an upper bound on the fades of a large downlink telescope).
    Gamma-gamma takes alpha, beta of :func:`orbitqkd.core.channel.fading.gamma_gamma_parameters`
    at the Rytov variance whose index is sigma_I^2 (weak-fluctuation branch).
    Pointing: gamma = theta_b / (2 sigma) with theta_b = w_LT / L the long-term
    beam half-angle and sigma the transmitter's rms jitter per axis
    (:func:`orbitqkd.core.channel.pointing.pointing_gamma`); a static bias is
    kept in the mean only.
    """
    check_choice("fading", model, FADING[1:])
    ok = np.ones(len(budget), bool) if ok is None else ok
    eta = np.asarray(budget.transmittance, dtype=float)[ok]
    scint = np.asarray(budget.scintillation_index, dtype=float)[ok]
    kw = {}
    if model.endswith("pointing"):
        missing = [name for name, absent in (("track (range)", budget.track is None),
                                             ("links (pointing jitter)", not budget.links)) if absent]
        if missing:
            raise InputError(f"fading = {model!r} needs the budget's {' and '.join(missing)}; "
                             "a budget read from a file has neither: use fading = 'lognormal'")
        jitter = np.array([lk.transmitter.pointing_jitter_urad for lk in budget.links])
        half_angle_urad = (np.asarray(budget.long_term_beam_radius_m, dtype=float)
                           / (np.asarray(budget.track.range_km, dtype=float) * 1e3) * 1e6)
        kw["pointing_gamma"] = pointing.pointing_gamma(
            half_angle_urad, jitter[np.asarray(budget.link_index)])[ok]
    if not model == "pointing" and not np.all(np.isfinite(scint) & (scint >= 0)):
        raise InputError(f"fading = {model!r} needs the budget's scintillation_index on every usable "
                         "sample; it is missing or NaN (a table without that column?)")
    if model.startswith("gamma-gamma"):
        rytov = np.interp(scint, _SCINT_GRID, _RYTOV_GRID, right=np.nan)
        kw["alpha"], kw["beta"] = fading.gamma_gamma_parameters(rytov)
        # no turbulence: alpha, beta infinite; a large shape is the same point mass
        kw["alpha"] = np.where(rytov > 0, kw["alpha"], 1e12)
        kw["beta"] = np.where(rytov > 0, kw["beta"], 1e12)
    if model.startswith("lognormal"):
        kw["scintillation_index"] = scint
    n_nodes = FADING_NODES if n_nodes is None else n_nodes
    nodes, weights = fading.transmittance_quadrature(eta, model=model, n_nodes=n_nodes, **kw)
    return nodes, weights


def _weights_s(budget) -> np.ndarray:
    """Time each sample of ``budget`` stands for [s] (its ``weight_s``), checked >= 0."""
    w = np.asarray(budget.weight_s, float)
    check_range("weight_s", w, 0.0)
    return w


def _decoy_samples(budgets, protocol: DecoyBB84, elevations=None) -> _Samples:
    parts, dur, have_elev = [], 0.0, True
    elevations = [None] * len(budgets) if elevations is None else list(elevations)
    if len(elevations) != len(budgets):
        raise InputError(f"elevation_deg holds {len(elevations)} arrays for {len(budgets)} budgets")
    for b, given in zip(budgets, elevations):
        ok = _valid(b)
        dt = _weights_s(b)[ok]
        elev = _elevation(b, ok, given)
        have_elev &= elev is not None
        nodes = weights = None
        if protocol.fading != "none":
            nodes, weights = fading_quadrature(b, protocol.fading, ok)
        parts.append(dict(
            eta=np.asarray(b.transmittance, float)[ok], noise=np.asarray(b.noise_rate_cps, float)[ok],
            gate=_per_sample(b, "gate_width_ns", ok), rep=_per_sample(b, "repetition_rate_hz", ok),
            dt=dt, elev=elev, nodes=nodes, weights=weights))
        dur += float(dt.sum())
        parts[-1]["time"] = pd.DatetimeIndex(b.time_utc)[ok]

    def cat(name):
        return _cat([p[name] for p in parts])

    fade = protocol.fading != "none" and bool(parts)
    times = [p["time"] for p in parts]
    time = times[0].append(times[1:]) if times else pd.DatetimeIndex([], tz="UTC")
    return _Samples(
        cat("eta"), cat("noise"), cat("gate"), cat("rep"), cat("dt"),
        cat("elev") if have_elev else None, time,
        np.concatenate([p["nodes"] for p in parts]) if fade else None,
        np.concatenate([p["weights"] for p in parts]) if fade else None,
        dur, len(budgets))


# ---------------------------------------------------------------------------
# Decoy BB84


def _window_order(s: _Samples) -> np.ndarray:
    """What orders the samples into windows: elevation [deg], else the transmittance."""
    return s.elev if s.elev is not None else s.eta


def _optimise(s: _Samples, proto: DecoyBB84):
    """Window, intensities, probabilities and bias (window.optimise_window); (samples, protocol, cut-off)."""
    fade = s.weights is not None
    wk = optimise_window(s.nodes if fade else s.eta, s.noise, s.dt, _window_order(s), proto,
                         repetition_rate_hz=s.rep_hz, gate_width_ns=s.gate_ns,
                         transmittance_weights=s.weights)
    if not wk.mask.any():  # nothing usable for a window (cannot happen for valid samples)
        return s, replace(proto, optimise=False), float("nan")
    return s.select(wk.mask), replace(wk.protocol, optimise=False), wk.min_elevation_deg


def _evaluate(s: _Samples, proto: DecoyBB84):
    """Finite and asymptotic bounds, detections and sifting factor of a whole block."""
    fade = s.weights is not None
    y0 = -np.expm1(-s.noise * s.gate_ns * 1e-9)  # Y0 = 1 - exp(-noise x gate)
    ps = _Pass(s.nodes if fade else s.eta, y0, s.rep_hz * s.dt, np.zeros(len(s.eta)), proto,
               s.weights if fade else None)
    last = np.array([len(s.eta) - 1])
    p_d = proto.p_d if proto.decoys == 2 else 0.0
    args = ([proto.mu_s], [proto.mu_d], [proto.p_s], [p_d], [proto.p_x])
    fin, bf = _grid_key(ps, replace(proto, finite=True), last, *args)
    asym, ba = _grid_key(ps, replace(proto, finite=False), last, *args)
    if proto.decoys == 1:
        mus, probs = (proto.mu_s, proto.mu_d), (proto.p_s, 1.0 - proto.p_s)
    else:
        mus, probs = (proto.mu_s, proto.mu_d, proto.mu_v), (proto.p_s, proto.p_d, proto.p_v)
    det = sum(pk * float(ps.cum(mk, last)[0][0, 0]) for mk, pk in zip(mus, probs))
    sift = proto.p_x**2 + (1.0 - proto.p_x) ** 2
    flat = [float(np.ravel(a)[0]) for a in (fin, asym)]
    return max(flat[0], 0.0), max(flat[1], 0.0), bf, ba, det, sift


def _scalar_bound(b) -> DecoyBound:
    return DecoyBound(*(np.ravel(getattr(b, f))[0] if np.ndim(getattr(b, f)) else getattr(b, f)
                        for f in b.__dataclass_fields__))


def _decoy_reason(secret, asym, qber, detections, proto, asym_bound, n_samples):
    """The term that makes the key zero (``''`` when it is positive).

    A positive asymptotic key with a zero finite key means the block is too
    short (the finite-size terms take it all). Otherwise: observed QBER above
    the BB84 threshold, else the limiting term of the asymptotic bound
    (:func:`orbitqkd.core.keyrate.finite.zero_key_reason`): no single-photon
    events, phase error at 1/2, or error correction exceeding the
    single-photon key (e.g. a 5 % QBER pass with a poor decoy bound).
    """
    if n_samples == 0:
        return ZERO_BELOW_HORIZON
    if not detections > 0.5:
        return ZERO_NO_DETECTIONS
    if secret > 0:
        return ""
    if proto.finite and asym > 0:
        return ZERO_FINITE
    if qber > QBER_THRESHOLD:
        return ZERO_QBER
    return zero_key_reason(_scalar_bound(asym_bound)) or ZERO_FINITE


def _decoy_key(s: _Samples, proto: DecoyBB84) -> PassKey:
    cut = float("nan")
    if not len(s.eta):
        nan = float("nan")
        return PassKey(
            protocol="decoy-bb84", start_utc=None, end_utc=None, n_passes=s.n_passes,
            duration_s=0.0, detections=0.0, sifted_bits=0.0, qber=nan, phase_error=0.5,
            single_photon_bits=0.0, asymptotic_secret_bits=0.0, finite_secret_bits=0.0,
            secret_bits=0.0, mu_s=proto.mu_s, mu_d=proto.mu_d, mu_v=proto.mu_v, p_s=proto.p_s,
            p_d=proto.p_d, p_x=proto.p_x, zero_reason=ZERO_BELOW_HORIZON, window_s=0.0,
            fading=proto.fading)
    used = s
    if proto.optimise and len(s.eta):
        used, proto, cut = _optimise(s, proto)
        if s.elev is None:
            cut = float("nan")  # the window was cut by transmittance (see window_min_transmittance)
    elif s.elev is not None and len(s.eta):
        cut = float(s.elev.min())
    fin, asym, bf, ba, det, sift = _evaluate(used, proto)
    secret = fin if proto.finite else asym
    b = bf if proto.finite else ba
    qber = float(np.ravel(bf.qber)[0]) if det > 0 else float("nan")
    reason = _decoy_reason(secret, asym, qber, det, proto, ba, len(s.eta))
    start, end = _span([s.time])
    w_start, w_end = _span([used.time])
    return PassKey(
        protocol="decoy-bb84", start_utc=start, end_utc=end, n_passes=s.n_passes,
        duration_s=s.duration_s, detections=det, sifted_bits=det * sift, qber=qber,
        phase_error=float(np.ravel(b.phase_error)[0]),
        single_photon_bits=float(np.ravel(b.single_photon_events)[0]),
        asymptotic_secret_bits=asym, finite_secret_bits=fin, secret_bits=secret,
        mu_s=proto.mu_s, mu_d=proto.mu_d, mu_v=proto.mu_v if proto.decoys == 2 else float("nan"),
        p_s=proto.p_s, p_d=proto.p_d if proto.decoys == 2 else 1.0 - proto.p_s, p_x=proto.p_x,
        zero_reason=reason, window_start_utc=w_start, window_end_utc=w_end,
        window_s=float(used.dt.sum()), min_elevation_deg=cut,
        window_min_transmittance=float(used.eta.min()) if len(used.eta) else float("nan"),
        fading=proto.fading)


# ---------------------------------------------------------------------------
# BBM92 dual downlink


def _pair_samples(pairs):
    """Aligned valid samples of both arms: (eta_a, eta_b, noise_a, noise_b, dt, start, end, dur).

    The arms are matched on ``time_utc``; a sample counts only when both are valid.
    """
    ea, eb, na, nb, dts, used, dur = [], [], [], [], [], [], 0.0
    for a, b in pairs:
        wa = _weights_s(a)
        ta = pd.DatetimeIndex(a.time_utc).asi8
        tb = pd.DatetimeIndex(b.time_utc).asi8
        _, ia, ib = np.intersect1d(ta, tb, assume_unique=False, return_indices=True)
        ok = _valid(a)[ia] & _valid(b)[ib]
        ia, ib = ia[ok], ib[ok]
        ea.append(np.asarray(a.transmittance, float)[ia])
        eb.append(np.asarray(b.transmittance, float)[ib])
        na.append(np.asarray(a.noise_rate_cps, float)[ia])
        nb.append(np.asarray(b.noise_rate_cps, float)[ib])
        dts.append(wa[ia])
        dur += float(wa[ia].sum())
        used.append(pd.DatetimeIndex(a.time_utc)[ia])
    start, end = _span(used)
    return _cat(ea), _cat(eb), _cat(na), _cat(nb), _cat(dts), start, end, dur


def _pair_windows(na, nb, dt, proto: BBM92):
    """Per sample: lambda, both arms' background click probability per window and the
    number of coincidence windows (the source as pulsed per window, [1] of :mod:`.bbm92`)."""
    tau = proto.coincidence_window_ns * 1e-9
    lam = proto.pair_rate_hz * tau / 2.0  # [1] lambda = half the mean pairs per window
    return lam, -np.expm1(-na * tau), -np.expm1(-nb * tau), dt / tau


def _bbm92_key(pairs, proto: BBM92) -> PassKey:
    ea, eb, na, nb, dt, start, end, dur = _pair_samples(pairs)
    lam, y0a, y0b, windows = _pair_windows(na, nb, dt, proto)
    coinc = float(coincidence_gain(lam, ea, eb, y0a, y0b) @ windows)
    errors = float(coincidence_error_gain(lam, ea, eb, y0a, y0b, proto.misalignment) @ windows)
    qber = errors / coinc if coinc > 0 else float("nan")
    nx, nz = proto.p_x**2 * coinc, (1.0 - proto.p_x) ** 2 * coinc
    keys = {}
    for finite_size in (True, False):
        eps = 2.0 if proto.both_bases else 1.0
        kw = dict(eps_sec=proto.eps_sec / eps, eps_cor=proto.eps_cor / eps, f_ec=proto.f_ec, finite=finite_size,
                  ec_model=proto.ec_model)
        k, phi = bbm92_key_length(nx, qber, nz, qber, **kw)
        if proto.both_bases:
            k = k + bbm92_key_length(nz, qber, nx, qber, **kw)[0]
        keys[finite_size] = (float(k), float(phi))
    fin, asym = keys[True][0], keys[False][0]
    secret = fin if proto.finite else asym
    phase = keys[proto.finite][1]
    if not len(ea):
        reason = ZERO_BELOW_HORIZON
    elif not coinc > 0.5:
        reason = ZERO_NO_DETECTIONS
    elif secret > 0:
        reason = ""
    else:
        eps = 2.0 if proto.both_bases else 1.0
        reason = bbm92_zero_reason(nx, qber, phase, eps_sec=proto.eps_sec / eps,
                                   eps_cor=proto.eps_cor / eps, f_ec=proto.f_ec,
                                   ec_model=proto.ec_model if proto.finite else "fixed")
        if not proto.finite and not reason:
            reason = BBM92_ZERO_QBER
    nan = float("nan")
    return PassKey(
        protocol="bbm92", start_utc=start, end_utc=end, n_passes=len(pairs), duration_s=dur,
        detections=coinc, sifted_bits=coinc * (proto.p_x**2 + (1 - proto.p_x) ** 2), qber=qber,
        phase_error=phase, single_photon_bits=nx, asymptotic_secret_bits=asym,
        finite_secret_bits=fin, secret_bits=secret, mu_s=nan, mu_d=nan, mu_v=nan, p_s=nan,
        p_d=nan, p_x=proto.p_x, zero_reason=reason, window_start_utc=start, window_end_utc=end,
        window_s=dur)


def dual_downlink_signal_to_noise(pairs, protocol: BBM92) -> float:
    """Coincidences over accidental coincidences of dual-downlink windows, minus one.

    What an experiment reads off its coincidence histogram (the peak over the
    side peaks): accidentals are the product of the two stations' click
    probabilities per window, ``P_A = 1 - (1 - Y0A)/(1 + eta_A lam)^2`` ([1]
    of :mod:`~orbitqkd.core.keyrate.bbm92`, Sec. III), pooled over the
    ``pairs`` of arm budgets as :func:`block_key` pools them.
    """
    ea, eb, na, nb, dt, *_ = _pair_samples(pairs)
    lam, y0a, y0b, windows = _pair_windows(na, nb, dt, protocol)
    coinc = float(coincidence_gain(lam, ea, eb, y0a, y0b) @ windows)
    accidental = float((singles_gain(lam, ea, y0a) * singles_gain(lam, eb, y0b)) @ windows)
    return coinc / accidental - 1.0 if accidental > 0 else float("nan")


# ---------------------------------------------------------------------------
# Public API


def pass_key(budget, protocol: DecoyBB84 | None = None, *, elevation_deg=None) -> PassKey:
    """Secret key of one pass of decoy-state BB84 from its link budget.

    Parameters
    ----------
    budget : LinkBudget
        Per-sample ``transmittance`` [linear, transmitter aperture to click],
        ``noise_rate_cps`` [counts/s, all detectors], ``above_horizon``,
        ``repetition_rate_hz``, ``gate_width_ns``, ``time_utc`` and ``sample_s``
        (see :class:`orbitqkd.core.budget.LinkBudget`). NaN or below-horizon
        samples are skipped.
    protocol : DecoyBB84, optional
        Protocol parameters (default :class:`DecoyBB84`): intensities, decoys
        (2, or 1 with :func:`orbitqkd.core.keyrate.one_decoy.one_decoy_key_length`),
        afterpulse, fading model, and ``optimise`` for the transmission window
        and parameters.
    elevation_deg : array_like, optional
        Elevation of each sample [deg], for a budget without a track (read from
        a file with an ``elevation_deg`` column).

    Returns
    -------
    PassKey
        Detections, sifted bits, QBER, phase-error bound, finite and asymptotic
        key [bits], the window used and, when the key is zero, why.

    Notes
    -----
    Per sample, pulses = repetition_rate_hz x sample_s, vacuum yield
    Y0 = 1 - exp(-noise_rate_cps x gate), gains from
    :func:`orbitqkd.core.keyrate.decoy.gain` (with the afterpulse term); with
    ``fading`` the gains are averaged over the quadrature of
    :func:`fading_quadrature` per sample, ``E[Q] = sum_i w_i Q(h_i)``. The
    window's samples form one block for
    :func:`orbitqkd.core.keyrate.finite.decoy_key_length`.

    The window (``optimise=True``) comes from
    :func:`orbitqkd.core.keyrate.window.optimise_window` over the samples
    ordered by elevation: ``elevation_deg`` if given, else the budget's track,
    else ``90 - zenith_angle_deg`` when a budget read from a file has that
    column. Without any elevation the samples are ordered by transmittance
    (highest first; for a pass, a contiguous arc around the loss minimum) and
    ``min_elevation_deg`` is NaN.
    """
    protocol = DecoyBB84() if protocol is None else protocol
    if not isinstance(protocol, DecoyBB84):
        raise InputError(f"protocol = {type(protocol).__name__} is not DecoyBB84; use dual_downlink_key for BBM92")
    elev = None if elevation_deg is None else [elevation_deg]
    return _decoy_key(_decoy_samples([budget], protocol, elev), protocol)


class _Blocks:
    """Per-pass gain sums of many passes, in the shape :func:`~orbitqkd.core.keyrate.window._grid_key` reads.

    ``ps`` holds every valid sample of every pass in pass order (a
    :class:`~orbitqkd.core.keyrate.window._Pass` with all elevations equal, so
    its order is the given one); ``starts`` are the first sample of each pass.
    ``cum(mu, idx)`` returns the sums over whole passes ``idx``: (mu, idx),
    as ``_Pass.cum`` returns them over windows of one pass.
    """

    def __init__(self, ps: _Pass, starts: np.ndarray):
        self.ps, self.starts, self._cache = ps, starts, {}

    def cum(self, mu, idx):
        mu = np.atleast_1d(np.asarray(mu, dtype=float))
        key = tuple(mu.tolist())
        if key not in self._cache:
            q, e = self.ps.sums(mu)
            self._cache[key] = (np.add.reduceat(q, self.starts, axis=1),
                                np.add.reduceat(e, self.starts, axis=1))
        q, e = self._cache[key]
        return q[:, idx], e[:, idx]


def _bound_at(bound: DecoyBound, k: int) -> DecoyBound:
    """Pass ``k`` of a bound evaluated over many passes (shape (passes, 1, ...))."""
    return DecoyBound(*(np.ravel(getattr(bound, f))[k] if np.size(getattr(bound, f)) > 1
                        else float(np.ravel(getattr(bound, f))[0])
                        for f in bound.__dataclass_fields__))


def keys_per_pass(budget, protocol: DecoyBB84 | None = None) -> pd.DataFrame:
    """Secret key of every pass of a budget at once (decoy BB84).

    Parameters
    ----------
    budget : LinkBudget
        Samples of many passes (``pass_id`` tells each sample's), e.g. from
        :func:`orbitqkd.chain.pass_budgets`.
    protocol : DecoyBB84, optional
        As in :func:`pass_key` (default :class:`DecoyBB84`).

    Returns
    -------
    pandas.DataFrame
        One row per pass, indexed by ``pass_id`` in order of first appearance,
        one column per :class:`PassKey` field: the same numbers as
        :func:`pass_key` on each pass's budget (to rounding: sums over a pass
        are taken in another order, ~1e-15 relative).

    Notes
    -----
    Without ``optimise`` the key of a pass is a closed-form bound on its
    summed counts: the gains of every sample of every pass are evaluated in
    one array per intensity, summed per pass (``np.add.reduceat``) and the
    bound (:func:`orbitqkd.core.keyrate.finite.decoy_key_length` or the one-decoy
    bound) is evaluated over the array of passes in one call. With
    ``optimise`` each pass has its own window search: a loop over passes.
    """
    protocol = DecoyBB84() if protocol is None else protocol
    if not isinstance(protocol, DecoyBB84):
        raise InputError(f"protocol = {type(protocol).__name__} is not DecoyBB84; use dual_downlink_key for BBM92")
    fields = [f for f in PassKey.__dataclass_fields__]
    pid = np.asarray(budget.pass_id)
    ids, first = np.unique(pid, return_index=True)
    ids = ids[np.argsort(first, kind="stable")]
    if protocol.optimise or len(ids) == 0:
        rows = [asdict(pass_key(b, protocol)) for _, b in budget.passes()] if len(ids) else []
        return pd.DataFrame(rows, index=pd.Index(ids, name="pass_id"), columns=fields)
    n_pass = len(ids)
    rank = np.empty(len(pid), np.int64)
    order_of = np.argsort(ids, kind="stable")
    rank[:] = order_of[np.searchsorted(ids[order_of], pid)]
    ok = _valid(budget)
    weight = _weights_s(budget)
    gate = _per_sample(budget, "gate_width_ns", ok)
    rep = _per_sample(budget, "repetition_rate_hz", ok)
    valid = np.flatnonzero(ok)
    sort = np.argsort(rank[valid], kind="stable")
    sel = valid[sort]  # valid samples, grouped by pass, in time order within a pass
    gate, rep = gate[sort], rep[sort]
    dt = weight[sel]
    counts = np.bincount(rank[sel], minlength=n_pass)
    has = counts > 0
    starts = (np.cumsum(counts) - counts)[has]
    eta = np.asarray(budget.transmittance, float)[sel]
    noise = np.asarray(budget.noise_rate_cps, float)[sel]
    nodes = weights = None
    if protocol.fading != "none":
        nodes, weights = fading_quadrature(budget, protocol.fading, sel)
    # elevation as _elevation: the track's, else 90 - zenith; a pass with a
    # non-finite one gets no cut-off
    elev = (np.asarray(budget.track.elevation_deg, float)[sel] if budget.track is not None
            else 90.0 - np.asarray(budget.zenith_angle_deg, float)[sel])
    bad_elev = np.bincount(rank[sel], weights=(~np.isfinite(elev)).astype(float),
                           minlength=n_pass) > 0

    y0 = -np.expm1(-noise * gate * 1e-9)  # Y0 = 1 - exp(-noise x gate)
    fade = weights is not None
    ps = _Pass(nodes if fade else eta, y0, rep * dt, np.zeros(len(eta)), protocol,
               weights if fade else None)
    blocks = _Blocks(ps, starts)
    last = np.arange(int(has.sum()))
    p_d = protocol.p_d if protocol.decoys == 2 else 0.0
    args = ([protocol.mu_s], [protocol.mu_d], [protocol.p_s], [p_d], [protocol.p_x])
    if len(last):
        fin, bf = _grid_key(blocks, replace(protocol, finite=True), last, *args)
        asym, ba = _grid_key(blocks, replace(protocol, finite=False), last, *args)
    else:
        fin = asym = np.zeros(0)
        bf = ba = None
    if protocol.decoys == 1:
        mus, probs = (protocol.mu_s, protocol.mu_d), (protocol.p_s, 1.0 - protocol.p_s)
    else:
        mus, probs = (protocol.mu_s, protocol.mu_d, protocol.mu_v), (protocol.p_s, protocol.p_d, protocol.p_v)
    det = sum(pk * blocks.cum(mk, last)[0][0] for mk, pk in zip(mus, probs)) if len(last) else np.zeros(0)
    sift = protocol.p_x**2 + (1.0 - protocol.p_x) ** 2
    fin = np.maximum(np.ravel(fin), 0.0)
    asym = np.maximum(np.ravel(asym), 0.0)
    secret = fin if protocol.finite else asym
    b = bf if protocol.finite else ba
    flat = (lambda bound, name: np.broadcast_to(np.ravel(getattr(bound, name)), last.shape)
            if bound is not None else np.zeros(0))
    qber = np.where(det > 0, flat(bf, "qber"), np.nan)

    nan = float("nan")
    col = {f: np.full(n_pass, nan) for f in fields}
    col.update(protocol=np.full(n_pass, "decoy-bb84", dtype=object), n_passes=np.ones(n_pass, int),
               duration_s=np.bincount(rank[sel], weights=dt, minlength=n_pass),
               detections=np.zeros(n_pass), sifted_bits=np.zeros(n_pass),
               phase_error=np.full(n_pass, 0.5), single_photon_bits=np.zeros(n_pass),
               asymptotic_secret_bits=np.zeros(n_pass), finite_secret_bits=np.zeros(n_pass),
               secret_bits=np.zeros(n_pass), mu_s=np.full(n_pass, protocol.mu_s),
               mu_d=np.full(n_pass, protocol.mu_d), mu_v=np.full(n_pass, protocol.mu_v),
               p_s=np.full(n_pass, protocol.p_s), p_d=np.full(n_pass, protocol.p_d),
               p_x=np.full(n_pass, protocol.p_x),
               zero_reason=np.full(n_pass, ZERO_BELOW_HORIZON, dtype=object),
               window_s=np.zeros(n_pass), fading=np.full(n_pass, protocol.fading, dtype=object))
    col["detections"][has] = det
    col["sifted_bits"][has] = det * sift
    col["qber"][has] = qber
    col["phase_error"][has] = flat(b, "phase_error")
    col["single_photon_bits"][has] = flat(b, "single_photon_events")
    col["asymptotic_secret_bits"][has] = asym
    col["finite_secret_bits"][has] = fin
    col["secret_bits"][has] = secret
    if protocol.decoys == 1:
        col["mu_v"][has] = nan
        col["p_d"][has] = 1.0 - protocol.p_s
    col["window_s"][has] = np.add.reduceat(dt, starts) if len(eta) else 0.0
    col["window_min_transmittance"][has] = (np.minimum.reduceat(eta, starts) if len(eta)
                                            else np.zeros(0))
    cut = np.minimum.reduceat(elev, starts) if len(eta) else np.zeros(0)
    col["min_elevation_deg"][has] = np.where(bad_elev[has], nan, cut)
    # why a key is zero (_decoy_reason, pass by pass where it is zero)
    reason = np.full(len(last), "", dtype=object)
    for k in np.flatnonzero(~(secret > 0)):
        if not det[k] > 0.5:
            reason[k] = ZERO_NO_DETECTIONS
        elif protocol.finite and asym[k] > 0:
            reason[k] = ZERO_FINITE
        elif qber[k] > QBER_THRESHOLD:
            reason[k] = ZERO_QBER
        else:
            reason[k] = zero_key_reason(_bound_at(ba, k)) or ZERO_FINITE
    col["zero_reason"][has] = reason
    # first and last usable sample of each pass (the window is the whole pass)
    times = pd.DatetimeIndex(budget.time_utc)[sel].as_unit("ns")
    t_ns = times.asi8
    start = np.full(n_pass, np.iinfo(np.int64).min)
    end = start.copy()
    if len(eta):
        start[has] = np.minimum.reduceat(t_ns, starts)
        end[has] = np.maximum.reduceat(t_ns, starts)
    tz = times.tz if len(times) else "UTC"
    start_utc = pd.DatetimeIndex(start.view("M8[ns]"), tz="UTC").tz_convert(tz)
    end_utc = pd.DatetimeIndex(end.view("M8[ns]"), tz="UTC").tz_convert(tz)
    col.update(start_utc=start_utc, end_utc=end_utc, window_start_utc=start_utc,
               window_end_utc=end_utc)
    return pd.DataFrame({f: col[f].array if isinstance(col[f], pd.DatetimeIndex) else col[f]
                         for f in fields}, index=pd.Index(ids, name="pass_id"))


def dual_downlink_key(budget_a, budget_b, protocol: BBM92 | None = None) -> PassKey:
    """Secret key of one entanglement-based BBM92 dual-downlink pass.

    Parameters
    ----------
    budget_a, budget_b : LinkBudget
        Link budgets from the satellite source to station A and to station B on
        the same time grid (samples are matched on ``time_utc``); a sample counts
        only when both stations see the satellite. The step is ``budget_a.sample_s``.
    protocol : BBM92, optional
        Source and protocol parameters (default :class:`BBM92`).

    Returns
    -------
    PassKey
        ``detections`` are coincidences (true + accidental), ``qber`` includes
        accidentals from multi-pair emission and background in the window.
    """
    protocol = BBM92() if protocol is None else protocol
    if not isinstance(protocol, BBM92):
        raise InputError(f"protocol = {type(protocol).__name__} is not BBM92; use pass_key for decoy BB84")
    return _bbm92_key([(budget_a, budget_b)], protocol)


def block_key(budgets: Sequence, protocol: DecoyBB84 | BBM92, *, elevation_deg=None) -> PassKey:
    """Secret key of several passes pooled into one finite-key block.

    ``budgets`` is a list of budgets for :class:`DecoyBB84`, or of
    ``(budget_a, budget_b)`` pairs for :class:`BBM92`. ``elevation_deg``: one
    array per budget, as in :func:`pass_key` (decoy BB84; with ``optimise``
    one elevation cut-off serves every pass of the block).
    """
    if isinstance(protocol, BBM92):
        return _bbm92_key(list(budgets), protocol)
    return _decoy_key(_decoy_samples(list(budgets), protocol, elevation_deg), protocol)


def accumulate_blocks(budgets: Sequence, protocol: DecoyBB84 | BBM92, *,
                      elevation_deg=None) -> list[PassKey]:
    """Pool consecutive passes into blocks until each block gives a positive finite key.

    Passes are added in order to the open block; the block is closed as soon as
    its finite key is positive. A trailing block that never reaches a positive
    key is returned too, with ``zero_reason`` explaining why.

    Parameters
    ----------
    budgets : sequence
        Pass budgets in time order (LinkBudgets, or pairs of them for BBM92).
    protocol : DecoyBB84 or BBM92
        With ``finite=False`` every pass forms its own block.
    elevation_deg : sequence of array_like, optional
        One elevation array per budget (see :func:`pass_key`).

    Returns
    -------
    list of PassKey
        One per block; ``n_passes`` tells how many passes were pooled.
    """
    budgets = list(budgets)
    elevs = [None] * len(budgets) if elevation_deg is None else list(elevation_deg)
    blocks, current, cur_elev = [], [], []
    for b, el in zip(budgets, elevs):
        current.append(b)
        cur_elev.append(el)
        kw = {} if isinstance(protocol, BBM92) else {"elevation_deg": cur_elev}
        result = block_key(current, protocol, **kw)
        if result.secret_bits > 0:
            blocks.append(result)
            current, cur_elev = [], []
    if current:
        kw = {} if isinstance(protocol, BBM92) else {"elevation_deg": cur_elev}
        blocks.append(block_key(current, protocol, **kw))
    return blocks


def pass_table(results: Sequence[PassKey]) -> pd.DataFrame:
    """One row per pass or block, units in the column names."""
    rows = []
    for r in results:
        d = asdict(r)
        rows.append({
            "protocol": d["protocol"], "start_utc": d["start_utc"], "end_utc": d["end_utc"],
            "n_passes": d["n_passes"], "duration_s": d["duration_s"],
            "detections": d["detections"], "sifted_bits": d["sifted_bits"],
            "qber_percent": 100.0 * d["qber"], "phase_error_percent": 100.0 * d["phase_error"],
            "single_photon_bits": d["single_photon_bits"],
            "asymptotic_secret_bits": d["asymptotic_secret_bits"],
            "finite_secret_bits": d["finite_secret_bits"], "secret_bits": d["secret_bits"],
            "secret_rate_bps": d["secret_bits"] / d["duration_s"] if d["duration_s"] else 0.0,
            "mu_s": d["mu_s"], "mu_d": d["mu_d"], "mu_v": d["mu_v"],
            "p_s": d["p_s"], "p_d": d["p_d"], "p_x": d["p_x"], "zero_reason": d["zero_reason"],
            "window_start_utc": d["window_start_utc"], "window_end_utc": d["window_end_utc"],
            "window_s": d["window_s"], "min_elevation_deg": d["min_elevation_deg"],
            "window_min_transmittance": d["window_min_transmittance"], "fading": d["fading"],
        })
    return pd.DataFrame(rows)
