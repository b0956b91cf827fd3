"""Secret key per pass: from link-budget arrays to detections, QBER and key.

A budget is any object with per-sample arrays ``transmittance`` [linear,
transmitter aperture to click], ``noise_rate_cps`` [all detectors],
``above_horizon`` [bool], ``repetition_rate_hz`` [Hz], ``gate_width_ns`` [ns],
``time_utc`` and a ``sample_s`` step [s]: a
:class:`~orbitqkd.core.budget.LinkBudget`. All samples of a pass form one
finite-key block; :func:`accumulate_blocks` pools several passes when one is
too short.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd

from ...errors import InputError, check_range
from .bbm92 import bbm92_key_length, coincidence_error_gain, coincidence_gain
from .decoy import error_gain, gain
from .finite import decoy_key_length
from .protocol import BBM92, DecoyBB84

QBER_THRESHOLD = 0.11  # BB84 one-way limit with f = 1 (Shor-Preskill), for the zero reason

ZERO_BELOW_HORIZON = "below horizon"
ZERO_NO_DETECTIONS = "no detections"
ZERO_QBER = "QBER above threshold"
ZERO_SINGLE_PHOTON = "too few single-photon events for decoy bound"
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
    """Valid samples of a block: transmittance, vacuum yield per pulse, pulses per sample."""

    eta: np.ndarray
    y0: np.ndarray
    pulses: np.ndarray
    duration_s: float
    start: object
    end: object
    n_passes: int


def _decoy_samples(budgets) -> _Samples:
    eta, y0, pulses, used, dur = [], [], [], [], 0.0
    for b in budgets:
        ok = _valid(b)
        dt = float(check_range("sample_s", b.sample_s, 0.0, low_inclusive=False))
        rep = _per_sample(b, "repetition_rate_hz", ok)
        gate_s = _per_sample(b, "gate_width_ns", ok) * 1e-9
        eta.append(np.asarray(b.transmittance, float)[ok])
        # Y0 = 1 - exp(-noise * gate): background + dark clicks per gate
        y0.append(-np.expm1(-np.asarray(b.noise_rate_cps, float)[ok] * gate_s))
        pulses.append(rep * dt)
        dur += ok.sum() * dt
        used.append(pd.DatetimeIndex(b.time_utc)[ok])
    start, end = _span(used)
    return _Samples(_cat(eta), _cat(y0), _cat(pulses), dur, start, end, len(budgets))


# ---------------------------------------------------------------------------
# Decoy BB84


def _pass_sums(s: _Samples, mu, misalignment):
    """Sum over samples of pulses x gain and pulses x error gain, for each mu in a 1-D grid."""
    mu = np.atleast_1d(np.asarray(mu, dtype=float))[:, None]
    q = gain(mu, s.eta, s.y0) @ s.pulses
    e = error_gain(mu, s.eta, s.y0, misalignment) @ s.pulses
    return q, e


def _grid_key(s: _Samples, proto: DecoyBB84, mu1, mu2, p1, p2, px, finite):
    """Key length on the outer product of 1-D grids (axes mu1, mu2, p1, p2, px)."""
    shape = (-1, 1, 1, 1, 1)
    q1, e1 = (a.reshape(shape) for a in _pass_sums(s, mu1, proto.misalignment))
    q2, e2 = (a.reshape((1, -1, 1, 1, 1)) for a in _pass_sums(s, mu2, proto.misalignment))
    q3, e3 = _pass_sums(s, proto.mu_v, proto.misalignment)
    m1 = np.reshape(mu1, shape)
    m2 = np.reshape(mu2, (1, -1, 1, 1, 1))
    pp1 = np.reshape(p1, (1, 1, -1, 1, 1))
    pp2 = np.reshape(p2, (1, 1, 1, -1, 1))
    pp3 = 1.0 - pp1 - pp2
    x2 = np.reshape(px, (1, 1, 1, 1, -1)) ** 2
    z2 = (1.0 - np.sqrt(x2)) ** 2
    mu, p = (m1, m2, proto.mu_v), (pp1, pp2, pp3)
    nq = (pp1 * q1, pp2 * q2, pp3 * q3[0])
    ne = (pp1 * e1, pp2 * e2, pp3 * e3[0])
    kw = dict(f_ec=proto.f_ec, finite=finite, bound=proto.bound, ec_model=proto.ec_model)
    if proto.both_bases:
        kw.update(eps_sec=proto.eps_sec / 2, eps_cor=proto.eps_cor / 2)
    else:
        kw.update(eps_sec=proto.eps_sec, eps_cor=proto.eps_cor)
    nx, mx = [x2 * c for c in nq], [x2 * c for c in ne]
    nz, mz = [z2 * c for c in nq], [z2 * c for c in ne]
    bx = decoy_key_length(nx, mx, nz, mz, mu, p, **kw)
    key = bx.key_bits
    if proto.both_bases:
        key = key + decoy_key_length(nz, mz, nx, mx, mu, p, **kw).key_bits
    allowed = (m2 < m1 - proto.mu_v) & (pp3 > 1e-3) & (m2 > proto.mu_v)
    detections = sum(pk * qk for pk, qk in zip(p, (q1, q2, q3[0])))
    return np.where(allowed, key, -1.0), bx, detections, x2 + z2


# Search box of the optimiser: mu_s, mu_d, p_s, p_d, p_x
_BOUNDS = ((0.05, 1.5), (0.005, 0.6), (0.2, 0.95), (0.02, 0.6), (0.5, 0.98))
_COARSE = (12, 10, 7, 6, 6)
_REFINE_POINTS, _REFINE_ROUNDS = 5, 4


def optimise_decoy(s: _Samples, proto: DecoyBB84, finite: bool | None = None):
    """Intensities and probabilities maximising the key of one block.

    A coarse grid over (mu_s, mu_d, p_s, p_d, p_x) evaluated in one vectorised
    call of the closed-form bound, then a few zoom rounds of 5^5 points around
    the best point (each halving the step). Returns the best protocol.
    """
    finite = proto.finite if finite is None else finite
    grids = [np.linspace(lo, hi, n) for (lo, hi), n in zip(_BOUNDS, _COARSE)]
    grids[1] = np.geomspace(*_BOUNDS[1], _COARSE[1])
    best = None
    for _ in range(_REFINE_ROUNDS + 1):
        key = _grid_key(s, proto, *grids, finite)[0]
        idx = np.unravel_index(np.argmax(key), key.shape)
        best = [g[i] for g, i in zip(grids, idx)]
        steps = [np.diff(g).max() if len(g) > 1 else 0.0 for g in grids]
        grids = [np.clip(np.linspace(b - st, b + st, _REFINE_POINTS), lo, hi)
                 for b, st, (lo, hi) in zip(best, steps, _BOUNDS)]
    if key.max() <= 0:
        return proto
    mu_s, mu_d, p_s, p_d, p_x = (float(v) for v in best)
    return replace(proto, mu_s=mu_s, mu_d=mu_d, p_s=p_s, p_d=p_d, p_x=p_x)


def _zero_reason(secret, asym, qber, detections, finite, n_samples):
    if n_samples == 0:
        return ZERO_BELOW_HORIZON
    if not detections > 0.5:
        return ZERO_NO_DETECTIONS
    if secret > 0:
        return ""
    if asym <= 0:
        return ZERO_QBER if qber > QBER_THRESHOLD else ZERO_SINGLE_PHOTON
    return ZERO_FINITE if finite else ZERO_SINGLE_PHOTON


def _decoy_key(s: _Samples, proto: DecoyBB84) -> PassKey:
    if proto.optimise and len(s.eta):
        proto = optimise_decoy(s, proto)
    args = ([proto.mu_s], [proto.mu_d], [proto.p_s], [proto.p_d], [proto.p_x])
    fin, bx, det, sift = _grid_key(s, proto, *args, finite=True)
    asym, bxa, _, _ = _grid_key(s, proto, *args, finite=False)
    fin, asym, det, sift = (float(np.ravel(a)[0]) for a in (fin, asym, det, sift))
    fin, asym = max(fin, 0.0), max(asym, 0.0)
    secret = fin if proto.finite else asym
    qber = float(np.ravel(bx.qber)[0]) if det > 0 else float("nan")
    single = float(np.ravel(bx.single_photon_events if proto.finite else bxa.single_photon_events)[0])
    phase = float(np.ravel(bx.phase_error if proto.finite else bxa.phase_error)[0])
    reason = _zero_reason(secret, asym, qber, det, proto.finite, len(s.eta))
    return PassKey(
        protocol="decoy-bb84", start_utc=s.start, end_utc=s.end, n_passes=s.n_passes,
        duration_s=s.duration_s, detections=det, sifted_bits=det * sift, qber=qber,
        phase_error=phase, single_photon_bits=single, asymptotic_secret_bits=asym,
        finite_secret_bits=fin, secret_bits=secret, mu_s=proto.mu_s, mu_d=proto.mu_d,
        mu_v=proto.mu_v, p_s=proto.p_s, p_d=proto.p_d, p_x=proto.p_x, zero_reason=reason)


# ---------------------------------------------------------------------------
# BBM92 dual downlink


def _pair_samples(pairs):
    """Aligned valid samples of both arms: (eta_a, eta_b, noise_a, noise_b, dt, start, end, dur).

    The arms are matched on ``time_utc``; a sample counts only when both are valid.
    """
    ea, eb, na, nb, dts, used, dur = [], [], [], [], [], [], 0.0
    for a, b in pairs:
        dt = float(check_range("sample_s", a.sample_s, 0.0, low_inclusive=False))
        ta = pd.DatetimeIndex(a.time_utc).asi8
        tb = pd.DatetimeIndex(b.time_utc).asi8
        _, ia, ib = np.intersect1d(ta, tb, assume_unique=False, return_indices=True)
        ok = _valid(a)[ia] & _valid(b)[ib]
        ia, ib = ia[ok], ib[ok]
        ea.append(np.asarray(a.transmittance, float)[ia])
        eb.append(np.asarray(b.transmittance, float)[ib])
        na.append(np.asarray(a.noise_rate_cps, float)[ia])
        nb.append(np.asarray(b.noise_rate_cps, float)[ib])
        dts.append(np.full(ia.size, dt))
        dur += ia.size * dt
        used.append(pd.DatetimeIndex(a.time_utc)[ia])
    start, end = _span(used)
    return _cat(ea), _cat(eb), _cat(na), _cat(nb), _cat(dts), start, end, dur


def _bbm92_key(pairs, proto: BBM92) -> PassKey:
    ea, eb, na, nb, dt, start, end, dur = _pair_samples(pairs)
    tau = proto.coincidence_window_ns * 1e-9
    lam = proto.pair_rate_hz * tau / 2.0  # [1] lambda = half the mean pairs per window
    windows = dt / tau
    y0a, y0b = -np.expm1(-na * tau), -np.expm1(-nb * tau)
    coinc = float(coincidence_gain(lam, ea, eb, y0a, y0b) @ windows)
    errors = float(coincidence_error_gain(lam, ea, eb, y0a, y0b, proto.misalignment) @ windows)
    qber = errors / coinc if coinc > 0 else float("nan")
    nx, nz = proto.p_x**2 * coinc, (1.0 - proto.p_x) ** 2 * coinc
    keys = {}
    for finite in (True, False):
        eps = 2.0 if proto.both_bases else 1.0
        kw = dict(eps_sec=proto.eps_sec / eps, eps_cor=proto.eps_cor / eps, f_ec=proto.f_ec, finite=finite,
                  ec_model=proto.ec_model)
        k, phi = bbm92_key_length(nx, qber, nz, qber, **kw)
        if proto.both_bases:
            k = k + bbm92_key_length(nz, qber, nx, qber, **kw)[0]
        keys[finite] = (float(k), float(phi))
    fin, asym = keys[True][0], keys[False][0]
    secret = fin if proto.finite else asym
    phase = keys[proto.finite][1]
    reason = _zero_reason(secret, asym, qber, coinc, proto.finite, len(ea))
    if reason == ZERO_SINGLE_PHOTON:
        reason = ZERO_QBER
    nan = float("nan")
    return PassKey(
        protocol="bbm92", start_utc=start, end_utc=end, n_passes=len(pairs), duration_s=dur,
        detections=coinc, sifted_bits=coinc * (proto.p_x**2 + (1 - proto.p_x) ** 2), qber=qber,
        phase_error=phase, single_photon_bits=nx, asymptotic_secret_bits=asym,
        finite_secret_bits=fin, secret_bits=secret, mu_s=nan, mu_d=nan, mu_v=nan, p_s=nan,
        p_d=nan, p_x=proto.p_x, zero_reason=reason)


# ---------------------------------------------------------------------------
# Public API


def pass_key(budget, protocol: DecoyBB84 | None = None) -> PassKey:
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
        Protocol parameters (default :class:`DecoyBB84`).

    Returns
    -------
    PassKey
        Detections, sifted bits, QBER, phase-error bound, finite and asymptotic
        key [bits] and, when the key is zero, why.

    Notes
    -----
    Per sample, pulses = repetition_rate_hz x sample_s, vacuum yield
    Y0 = 1 - exp(-noise_rate_cps x gate), gains from
    :func:`orbitqkd.core.keyrate.decoy.gain`; all samples of the pass form one block
    for :func:`orbitqkd.core.keyrate.finite.decoy_key_length`.
    """
    protocol = DecoyBB84() if protocol is None else protocol
    if not isinstance(protocol, DecoyBB84):
        raise InputError(f"protocol = {type(protocol).__name__} is not DecoyBB84; use dual_downlink_key for BBM92")
    return _decoy_key(_decoy_samples([budget]), protocol)


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


def block_key(budgets: Sequence, protocol: DecoyBB84 | BBM92) -> PassKey:
    """Secret key of several passes pooled into one finite-key block.

    ``budgets`` is a list of budgets for :class:`DecoyBB84`, or of
    ``(budget_a, budget_b)`` pairs for :class:`BBM92`.
    """
    if isinstance(protocol, BBM92):
        return _bbm92_key(list(budgets), protocol)
    return _decoy_key(_decoy_samples(list(budgets)), protocol)


def accumulate_blocks(budgets: Sequence, protocol: DecoyBB84 | BBM92) -> list[PassKey]:
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

    Returns
    -------
    list of PassKey
        One per block; ``n_passes`` tells how many passes were pooled.
    """
    blocks, current = [], []
    for b in budgets:
        current.append(b)
        result = block_key(current, protocol)
        if result.secret_bits > 0:
            blocks.append(result)
            current = []
    if current:
        blocks.append(block_key(current, protocol))
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
        })
    return pd.DataFrame(rows)
