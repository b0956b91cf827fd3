"""orbitqkd: satellite QKD pass scheduling and link-budget engine."""

from .errors import (
    DataFileError,
    InputError,
    OrbitQKDError,
    OrbitQKDWarning,
    StaleElementsWarning,
    TLEFormatError,
    UnknownNameError,
)

__version__ = "0.1.0"

__all__ = [
    "DataFileError",
    "InputError",
    "OrbitQKDError",
    "OrbitQKDWarning",
    "StaleElementsWarning",
    "TLEFormatError",
    "UnknownNameError",
    "__version__",
]
