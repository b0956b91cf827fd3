"""Secret key per pass: decoy-state BB84 (asymptotic and finite-key) and BBM92 dual downlinks.

Layers, as elsewhere in orbitqkd: pure physics functions (:mod:`.decoy`,
:mod:`.finite`, :mod:`.one_decoy`, :mod:`.bbm92`), the array-based window and
parameter optimiser (:mod:`.window`), frozen parameter objects (:mod:`.protocol`)
and the step from link-budget arrays to a :class:`PassKey` (:mod:`.passkey`).
"""

from .bbm92 import (
    bbm92_key_length,
    bbm92_zero_reason,
    coincidence_error_gain,
    coincidence_gain,
    singles_gain,
)
from .decoy import (
    binary_entropy,
    decoy_rate,
    error_gain,
    gain,
    gllp_rate,
    qber,
    single_photon_error_upper,
    single_photon_yield_lower,
)
from .finite import (
    DecoyBound,
    chernoff_bounds,
    decoy_key_length,
    ec_leakage,
    hoeffding_delta,
    sampling_deviation,
    zero_key_reason,
)
from .one_decoy import one_decoy_key_length
from .passkey import (
    PassKey,
    accumulate_blocks,
    block_key,
    dual_downlink_key,
    dual_downlink_signal_to_noise,
    fading_quadrature,
    pass_key,
    pass_table,
)
from .protocol import BBM92, FADING, DecoyBB84
from .window import WindowKey, optimise_window, window_counts

__all__ = [
    "BBM92",
    "DecoyBB84",
    "DecoyBound",
    "FADING",
    "PassKey",
    "WindowKey",
    "accumulate_blocks",
    "bbm92_key_length",
    "bbm92_zero_reason",
    "binary_entropy",
    "block_key",
    "chernoff_bounds",
    "coincidence_error_gain",
    "coincidence_gain",
    "decoy_key_length",
    "decoy_rate",
    "dual_downlink_key",
    "dual_downlink_signal_to_noise",
    "ec_leakage",
    "error_gain",
    "fading_quadrature",
    "gain",
    "gllp_rate",
    "hoeffding_delta",
    "one_decoy_key_length",
    "optimise_window",
    "pass_key",
    "pass_table",
    "qber",
    "sampling_deviation",
    "single_photon_error_upper",
    "singles_gain",
    "single_photon_yield_lower",
    "window_counts",
    "zero_key_reason",
]
