"""Secret key per pass: decoy-state BB84 (asymptotic and finite-key) and BBM92 dual downlinks.

Layers, as elsewhere in orbitqkd: pure physics functions (:mod:`.decoy`,
:mod:`.finite`, :mod:`.bbm92`), frozen parameter objects (:mod:`.protocol`) and
the pipeline from a link-budget DataFrame to a :class:`PassKey` (:mod:`.pipeline`).
"""

from .bbm92 import bbm92_key_length, coincidence_error_gain, coincidence_gain
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
from .finite import DecoyBound, decoy_key_length, hoeffding_delta, sampling_deviation
from .passkey import (
    PassKey,
    accumulate_blocks,
    block_key,
    dual_downlink_key,
    optimise_decoy,
    pass_key,
    pass_table,
)
from .protocol import BBM92, DecoyBB84

__all__ = [
    "BBM92",
    "DecoyBB84",
    "DecoyBound",
    "PassKey",
    "accumulate_blocks",
    "bbm92_key_length",
    "binary_entropy",
    "block_key",
    "coincidence_error_gain",
    "coincidence_gain",
    "decoy_key_length",
    "decoy_rate",
    "dual_downlink_key",
    "error_gain",
    "gain",
    "gllp_rate",
    "hoeffding_delta",
    "optimise_decoy",
    "pass_key",
    "pass_table",
    "qber",
    "sampling_deviation",
    "single_photon_error_upper",
    "single_photon_yield_lower",
]
