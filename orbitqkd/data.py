"""Find bundled data files, from a source checkout or an installed wheel.

The repository keeps its data in ``data/`` at the top level; the wheel carries
the same tree as ``orbitqkd/_data``. Each bundled file records its provenance
in ``data/README.md``.
"""

from __future__ import annotations

from pathlib import Path

from .errors import DataFileError

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir() -> Path:
    """Return the directory holding orbitqkd's bundled data."""
    for candidate in (_PACKAGE_DIR / "_data", _PACKAGE_DIR.parent / "data"):
        if candidate.is_dir():
            return candidate
    raise DataFileError(
        f"bundled data directory not found next to {_PACKAGE_DIR}; reinstall orbitqkd"
    )


def data_path(*parts: str) -> Path:
    """Return the path of a bundled data file, raising if it does not exist.

    >>> data_path("tle", "micius-41731.tle").name
    'micius-41731.tle'
    """
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise DataFileError(f"bundled data file {'/'.join(parts)!r} not found in {data_dir()}")
    return path
