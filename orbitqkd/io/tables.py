"""Writing results: tables (CSV, JSON, Parquet), JSON documents and figures.

Every writer is atomic: it writes to a temporary file in the destination
directory and renames it into place, so a failure never leaves a half-written
file and never clobbers a good one. Files get the mode the umask allows
(``0o666 & ~umask``), as ``open()`` would give them. A folder of outputs is
written whole by :func:`atomic_folder`: into a temporary sibling, swapped in
only when every file is there.

Every table written (and printed) says times one way, ISO 8601 UTC with
milliseconds (``2016-12-19T16:48:44.123Z``), and bits as whole numbers
(:func:`present`).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import io
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from ..errors import InputError

TABLE_FORMATS = ("csv", "json", "parquet")

#: Marker file of a folder written by orbitqkd: the manifest of the run
MANIFEST = "run.json"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the umask."""
    return 0o666 & ~_umask()


def check_output_file(path, field: str = "output") -> Path:
    """Raise unless a file can be written at ``path`` (checked before any work starts).

    The directory must exist and take a new file; an existing ``path`` must be
    a regular file (never a directory, a device such as ``/dev/null`` or a
    file under ``/proc``).
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        raise InputError(f"{field} = '{path}' is not a regular file; give a file path to write")
    if path.is_symlink() or (path.exists() and path.resolve().parts[:2] in (("/", "proc"),
                                                                          ("/", "sys"))):
        raise InputError(f"{field} = '{path}' is not a regular file; give a file path to write")
    _check_writable_dir(path.parent, field, path)
    return path


def check_output_folder(path, field: str = "output") -> Path:
    """Raise unless the folder ``path`` can be written whole (see :func:`atomic_folder`).

    ``path`` may be missing, empty, or a folder an earlier run wrote (it holds
    ``run.json``); any other folder is refused rather than mixed or replaced.
    """
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise InputError(f"{field} = '{path}' is not a folder; give a new or empty folder")
        if any(path.iterdir()) and not (path / MANIFEST).is_file():
            raise InputError(f"{field} = '{path}' is a folder that holds files but no {MANIFEST} "
                             "(not an orbitqkd output); give a new or empty folder")
    _check_writable_dir(path.parent, field, path)
    return path


def _check_writable_dir(parent: Path, field: str, path: Path) -> None:
    parent = parent if str(parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"{field} = '{path}' is in a folder that does not exist ('{parent}')")
    try:  # the only sure test: create (and remove) a file there
        fd, probe = tempfile.mkstemp(prefix=".orbitqkd-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{field} = '{path}' cannot be written: {exc.strerror or exc} "
                         f"in '{parent}'") from None


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise InputError(f"output = '{path}' is in a directory that does not exist")
    if path.exists() and not path.is_file():
        raise InputError(f"output = '{path}' is not a regular file; give a file path to write")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                   dir=path.parent or ".")
    except OSError as exc:
        raise InputError(f"output = '{path}' cannot be written: {exc.strerror or exc}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, _file_mode())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling folder; swap it in for ``path`` when the block succeeds.

    On any error or interrupt the temporary folder is removed and ``path``
    (an earlier run's output, if any) is left as it was. ``path`` must pass
    :func:`check_output_folder`. The swap is two renames: the old folder aside,
    the new one in; the old one is then deleted.
    """
    path = Path(path)
    check_output_folder(path)
    parent = path.parent if str(path.parent) else Path(".")
    tag = uuid.uuid4().hex[:8]
    tmp = parent / f".{path.name}.tmp-{tag}"
    tmp.mkdir(mode=0o777)
    try:
        yield tmp
        old = parent / f".{path.name}.old-{tag}"
        if path.exists():
            os.replace(path, old)
        try:
            os.replace(tmp, path)
        except BaseException:
            if old.exists():
                os.replace(old, path)
            raise
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_text_file(path, field: str) -> str:
    """The text of a UTF-8 file, or one line naming the file and the first bad byte."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise InputError(f"{field} = '{path}' is a folder, not a file") from None
    except OSError as exc:
        raise InputError(f"{field} = '{path}' cannot be read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{field} = '{path}' is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                         f"at offset {exc.start}); give a text file") from None
    if "\x00" in text:
        raise InputError(f"{field} = '{path}' is not text (it holds NUL bytes at offset "
                         f"{text.index(chr(0))}); give a text file")
    return text


def file_sha256(path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def iso_ms(values) -> pd.Series:
    """UTC times as ISO 8601 strings with milliseconds (``2016-12-19T16:48:44.123Z``).

    >>> iso_ms(pd.Series(pd.to_datetime(["2016-12-19T16:48:44.1234567Z"]))).tolist()
    ['2016-12-19T16:48:44.123Z']
    """
    t = pd.to_datetime(pd.Series(values), utc=True).dt.round("ms")
    text = t.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    return text.where(t.notna(), "")


def iso_ms_one(value) -> str:
    """One UTC time as ISO 8601 with milliseconds."""
    return iso_ms([value]).iloc[0]


def round_times_ms(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with its datetime columns rounded to the millisecond."""
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(out[col]):
            out[col] = out[col].dt.round("ms")
    return out


def _is_bits(name, series) -> bool:
    return ((str(name) == "bits" or str(name).endswith("_bits"))
            and pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def whole_bits(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every bits column (``bits``, ``*_bits``) rounded down to whole bits.

    A fraction of a bit is not a bit: counts, expectations and quantiles of
    key are all said in whole bits (NaN stays NaN).

    >>> whole_bits(pd.DataFrame({"secret_bits": [1234.9], "qber": [0.5]})).values.tolist()
    [[1234.0, 0.5]]
    """
    out = df.copy()
    for col in out.columns:
        if _is_bits(col, out[col]):
            out[col] = np.floor(out[col].to_numpy(float) + 1e-9)
    return out


def present(df: pd.DataFrame) -> pd.DataFrame:
    """The table as every text output gives it: times ISO 8601 UTC with ms, bits whole.

    Datetime columns become strings (:func:`iso_ms`); bits columns become
    whole numbers (:func:`whole_bits`, integers where none is NaN).
    """
    out = whole_bits(df)
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
            out[col] = iso_ms(series).to_numpy()
        elif _is_bits(col, series):
            values = series.to_numpy(float)
            out[col] = (values.astype(np.int64) if np.isfinite(values).all()
                        else pd.array(values, dtype="Float64").astype("Int64"))
    return out


def table_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """Return the table format for ``path``: ``fmt`` if given, else its suffix."""
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in TABLE_FORMATS:
        raise InputError(
            f"output = '{path}' has format {fmt!r}; allowed formats are {', '.join(TABLE_FORMATS)}"
        )
    return fmt


def _jsonable(value):
    if isinstance(value, (pd.Timestamp,)):
        return iso_ms_one(value) if not pd.isna(value) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _clean(obj):
    """Recursively turn numpy/pandas values into JSON types (NaN and inf become null)."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    out = _jsonable(obj)
    return [_clean(v) for v in out] if isinstance(out, list) else out


def write_json(obj, path: str | os.PathLike) -> Path:
    """Write a JSON document atomically (NaN becomes null, timestamps ISO 8601)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_clean(obj), indent=2, allow_nan=False) + "\n")
    return Path(path)


def write_table(df: pd.DataFrame, path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write ``df`` atomically as CSV, JSON (records) or Parquet, chosen by suffix or ``fmt``."""
    fmt = table_format(path, fmt)
    with atomic_path(path) as tmp:
        if fmt == "csv":
            present(df).to_csv(tmp, index=False)
        elif fmt == "json":
            present(df).to_json(tmp, orient="records", indent=2)
        else:  # typed columns: times stay timestamps (UTC), bits whole
            shown = present(df)
            for col in df.columns:
                if isinstance(df[col].dtype, pd.DatetimeTZDtype):
                    shown[col] = df[col].dt.tz_convert("UTC").dt.floor("ms")
            shown.to_parquet(tmp, index=False)
    return Path(path)


def save_figure(fig, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Save a matplotlib figure atomically (format from the suffix, PNG by default)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight")
    return path


def figure_png_base64(fig, dpi: int = 110) -> str:
    """A matplotlib figure as a base64 PNG string, for self-contained HTML."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def html_report(title: str, blocks) -> str:
    """A self-contained HTML page (no external files or scripts).

    ``blocks`` is a sequence of ``(heading, content)``: ``content`` is a
    DataFrame (rendered as a table), a matplotlib figure (embedded PNG) or a
    string (a paragraph, escaped).
    """
    parts = [
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:75em}"
        "table{border-collapse:collapse;font-size:0.9em}"
        "td,th{border:1px solid #ccc;padding:0.2em 0.6em;text-align:right}"
        "th{background:#f0f0f0}img{max-width:100%}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for heading, content in blocks:
        if heading:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        if isinstance(content, pd.DataFrame):
            parts.append(present(content).to_html(index=False, float_format=lambda x: f"{x:,.4g}",
                                         na_rep="", border=0))
        elif hasattr(content, "savefig"):
            parts.append(f"<img alt='{html.escape(heading or 'figure')}' "
                         f"src='data:image/png;base64,{figure_png_base64(content)}'>")
        else:
            parts.append(f"<p>{html.escape(str(content))}</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_text(text: str, path: str | os.PathLike) -> Path:
    """Write text atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def read_table(path: str | os.PathLike, field: str = "table") -> pd.DataFrame:
    """Read a CSV, JSON (records) or Parquet table chosen by suffix; one-line error if unreadable."""
    fmt = table_format(path)
    try:
        if fmt == "csv":
            return pd.read_csv(path)
        if fmt == "json":
            return pd.read_json(path, orient="records")
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"{field} = '{path}' cannot be read: {exc}".splitlines()[0]) from None
