"""Protocol parameters for secret-key calculations: frozen, validated dataclasses.

Each bad field fails at construction with one line naming the field, its value
and the allowed range (:class:`orbitqkd.errors.InputError`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ...errors import InputError, check_choice, check_range

DECOY_BOUNDS = ("zhang2017", "yin2020", "lim2014")  # see orbitqkd.core.keyrate.finite.BOUNDS
EC_MODELS = ("fixed", "tomamichel2017")
# 'none' first (the default); the rest as orbitqkd.core.channel.fading.FADING_MODELS
FADING = ("none", "lognormal", "gamma-gamma", "pointing", "lognormal+pointing", "gamma-gamma+pointing")


@dataclass(frozen=True, slots=True, kw_only=True)
class _KeyParameters:
    """Fields shared by every protocol: basis bias, security, error correction, errors."""

    p_x: float = 0.5
    eps_sec: float = 1e-10
    eps_cor: float = 1e-15
    f_ec: float = 1.16
    misalignment: float = 0.01
    finite: bool = True
    both_bases: bool = False
    ec_model: str = "fixed"

    def __post_init__(self):
        check_range("p_x", self.p_x, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        check_range("eps_sec", self.eps_sec, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        check_range("eps_cor", self.eps_cor, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        check_range("f_ec", self.f_ec, 1.0, 3.0)
        check_range("misalignment", self.misalignment, 0.0, 0.5, high_inclusive=False)
        check_choice("ec_model", self.ec_model, EC_MODELS)


@dataclass(frozen=True, slots=True, kw_only=True)
class DecoyBB84(_KeyParameters):
    """Prepare-and-measure BB84 with one signal and two decoy intensities.

    Parameters
    ----------
    mu_s, mu_d, mu_v : float
        Mean photon numbers per pulse of the signal, weak decoy and vacuum (or
        weakest) decoy; Lim et al. (2014) require ``mu_s > mu_d + mu_v`` and
        ``mu_d > mu_v >= 0``.
    p_s, p_d : float
        Probabilities of sending signal and weak decoy; the weakest decoy is sent
        with ``p_v = 1 - p_s - p_d`` (must be > 0).
    p_x : float
        Probability that Alice (and Bob) choose the key basis X.
    eps_sec, eps_cor : float
        Secrecy and correctness parameters of the finite-key bound, in (0, 1).
    f_ec : float
        Error-correction inefficiency (leakage / Shannon limit), 1 <= f_ec <= 3.
    misalignment : float
        Intrinsic optical error probability e_d, 0 <= e_d < 0.5.
    finite : bool
        Report the finite-key bound (True) or the asymptotic rate as ``secret_bits``.
    optimise : bool
        Optimise the transmission window (elevation cut-off) jointly with mu_s,
        mu_d, p_s, p_d and p_x per pass (mu_v stays fixed), with
        :func:`orbitqkd.core.keyrate.window.optimise_window`.
    fixed_intensities : bool
        With ``optimise``: keep mu_s and mu_d as given (payloads that cannot
        change their intensities, e.g. Micius 0.8/0.1/0); the window, the
        probabilities and the basis bias are still optimised.
    both_bases : bool
        Distil key from both bases (each basis estimating the other's phase error,
        eps_sec and eps_cor split between them), as in symmetric BB84 experiments.
    ec_model : {'fixed', 'tomamichel2017'}
        Error-correction leakage: ``f_ec n h(E)``, or the finite-size model of
        Tomamichel et al. (2017) (:func:`orbitqkd.core.keyrate.finite.ec_leakage`).
    bound : {'zhang2017', 'yin2020', 'lim2014'}
        Concentration inequality of the finite-key bound; the default is the
        tightest (exact multiplicative Chernoff, Zhang et al. 2017).
    afterpulse : float
        Detector afterpulse probability per click, 0 <= p_ap < 1 (used by the
        detection model of :func:`orbitqkd.core.keyrate.window.window_counts`).
    decoys : {2, 1}
        Two decoys (three intensities, Lim et al. 2014) or one decoy (mu_s and
        mu_d sent with p_s and 1 - p_s; mu_v and p_d unused; Rusca et al. 2018).
    fading : {'none', 'lognormal', 'gamma-gamma', 'pointing', 'lognormal+pointing', 'gamma-gamma+pointing'}
        Average the expected counts of each sample over the distribution of its
        transmittance (:func:`orbitqkd.core.channel.fading.transmittance_quadrature`)
        instead of evaluating them at the mean transmittance ('none').
    """

    mu_s: float = 0.8
    mu_d: float = 0.1
    mu_v: float = 0.0
    p_s: float = 0.5
    p_d: float = 0.25
    optimise: bool = False
    bound: str = "zhang2017"
    afterpulse: float = 0.0
    decoys: int = 2
    fixed_intensities: bool = False
    fading: str = "none"

    def __post_init__(self):
        check_choice("fading", self.fading, FADING)
        check_range("mu_s", self.mu_s, 0.0, 10.0, low_inclusive=False)
        check_range("mu_d", self.mu_d, 0.0, 10.0, low_inclusive=False)
        check_range("mu_v", self.mu_v, 0.0, 10.0)
        check_choice("bound", self.bound, DECOY_BOUNDS)
        check_range("afterpulse", self.afterpulse, 0.0, 1.0, high_inclusive=False)
        if self.decoys not in (1, 2):
            raise InputError(f"decoys = {self.decoys!r} is outside the range decoys in {{1, 2}}")
        if not self.mu_d < self.mu_s:
            raise InputError(f"mu_d = {self.mu_d:g} is outside the range mu_d < mu_s = {self.mu_s:g}")
        if self.decoys == 1:
            check_range("p_s", self.p_s, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
            _KeyParameters.__post_init__(self)
            return
        if not self.mu_v < self.mu_d:
            raise InputError(f"mu_v = {self.mu_v:g} is outside the range mu_v < mu_d = {self.mu_d:g}")
        if not self.mu_s > self.mu_d + self.mu_v:
            raise InputError(
                f"mu_s = {self.mu_s:g} is outside the range mu_s > mu_d + mu_v = {self.mu_d + self.mu_v:g}"
            )
        check_range("p_s", self.p_s, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        check_range("p_d", self.p_d, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
        if not self.p_s + self.p_d < 1.0:
            raise InputError(f"p_s + p_d = {self.p_s + self.p_d:g} is outside the range p_s + p_d < 1")
        _KeyParameters.__post_init__(self)

    @property
    def p_v(self) -> float:
        """Probability of the weakest (vacuum) decoy (0 for the 1-decoy protocol)."""
        return 0.0 if self.decoys == 1 else 1.0 - self.p_s - self.p_d


@dataclass(frozen=True, slots=True, kw_only=True)
class BBM92(_KeyParameters):
    """Entanglement-based BBM92 from a satellite pair source to two ground stations.

    Parameters
    ----------
    pair_rate_hz : float
        Mean photon-pair emission rate of the source [pairs/s].
    coincidence_window_ns : float
        Width of the coincidence window [ns]; also sets the accidental rate.
    p_x, eps_sec, eps_cor, f_ec, misalignment, finite, both_bases, ec_model
        As in :class:`DecoyBB84` (``both_bases`` defaults to True, as in the
        symmetric-basis Micius experiments). All fields are keyword-only.
    """

    pair_rate_hz: float = 5.9e6
    coincidence_window_ns: float = 2.5
    both_bases: bool = True

    def __post_init__(self):
        check_range("pair_rate_hz", self.pair_rate_hz, 0.0, 1e12, low_inclusive=False)
        check_range("coincidence_window_ns", self.coincidence_window_ns, 0.0, 1e6,
                    low_inclusive=False)
        _KeyParameters.__post_init__(self)
