"""Writing results: tables (CSV, JSON, Parquet), JSON documents and figures.

Every writer is atomic: it writes to a temporary file in the destination
directory and renames it into place, so a failure never leaves a half-written
file and never clobbers a good one.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd

from ..errors import InputError

TABLE_FORMATS = ("csv", "json", "parquet")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        raise InputError(f"output = '{path}' is in a directory that does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


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
        return value.isoformat()
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
            df.to_csv(tmp, index=False)
        elif fmt == "json":
            df.to_json(tmp, orient="records", date_format="iso", indent=2)
        else:
            df.to_parquet(tmp, index=False)
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
            parts.append(content.to_html(index=False, float_format=lambda x: f"{x:,.4g}",
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
